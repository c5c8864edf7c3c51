import { concatBytes } from '../wire/bytes';
import { encodeFrame, type MaskSource, randomMask } from '../wire/frame-encoder';
import type { CaseFrame, Chop, ConformanceCase } from './case';

/**
 * The bytes of each of a case's frames. RFC 6455 §5.3: a client masks every frame with a fresh
 * key, so a frame is masked unless its spec says `mask: false` (the cases about unmasked frames).
 */
export function encodeCase(testCase: ConformanceCase, maskSource: MaskSource = randomMask): Uint8Array[] {
  return testCase.frames.map((frame) => encodeCaseFrame(frame, maskSource));
}

function encodeCaseFrame(frame: CaseFrame, maskSource: MaskSource): Uint8Array {
  if ('raw' in frame) return frame.raw;
  return encodeFrame({ ...frame, mask: frame.mask ?? true }, maskSource);
}

/** The writes the runner makes, in order: the frames' bytes cut as the case says. */
export function writesOf(frames: readonly Uint8Array[], chop: Chop): Uint8Array[] {
  if (chop.kind === 'frames') return frames.filter((frame) => frame.length > 0);
  const all = concatBytes(frames);
  if (chop.kind === 'whole') return all.length > 0 ? [all] : [];
  const size = Math.max(1, Math.floor(chop.size));
  const writes: Uint8Array[] = [];
  for (let at = 0; at < all.length; at += size) writes.push(all.subarray(at, at + size));
  return writes;
}

/** `in one write`, `one write per frame`, `in 1-byte writes`: for titles and the report. */
export function describeChop(chop: Chop): string {
  if (chop.kind === 'whole') return 'in one write';
  if (chop.kind === 'frames') return 'one write per frame';
  return chop.size === 1 ? 'octet by octet' : `in ${chop.size}-byte writes`;
}
