// A script: frames sent one after another on one connection, each with its own TCP writes. What a
// single frame cannot show (a ping inside a fragmented message, RFC 6455 §5.4; UTF-8 cut across
// fragments, §8.1) takes several.
import type { Result } from '../result';
import { concatBytes } from '../wire/bytes';
import type { MaskSource } from '../wire/frame-encoder';
import { randomMask } from '../wire/frame-encoder';
import { type DraftError, draftWrites, type FrameDraft } from './frame-draft';

export type WorkbenchScript = readonly FrameDraft[];

export interface BuiltScript {
  /** Every frame's bytes, in order. */
  bytes: Uint8Array;
  /** The size of each TCP write; a write never holds bytes of two frames. */
  writes: number[];
  /** Where each frame starts and ends in `bytes`, to tie an answer to the frame it followed. */
  frames: { start: number; end: number }[];
}

/** The script's bytes and writes, or the first draft that cannot be built and why. */
export function buildScript(
  script: WorkbenchScript,
  source: MaskSource = randomMask,
): Result<BuiltScript, DraftError & { index: number }> {
  const parts: Uint8Array[] = [];
  const writes: number[] = [];
  const frames: BuiltScript['frames'] = [];
  let at = 0;
  for (const [index, draft] of script.entries()) {
    const built = draftWrites(draft, source);
    if (!built.ok) return { ok: false, error: { ...built.error, index } };
    const start = at;
    for (const chunk of built.value) {
      parts.push(chunk);
      writes.push(chunk.length);
      at += chunk.length;
    }
    frames.push({ start, end: at });
  }
  return { ok: true, value: { bytes: concatBytes(parts, at), writes, frames } };
}

/**
 * The frame the peer had been sent the last byte of when its answer came, given how many bytes
 * had been written by then: the index of the frame holding byte `sentBytes - 1`, or -1 before any.
 */
export function frameAt(frames: BuiltScript['frames'], sentBytes: number): number {
  if (sentBytes <= 0) return -1;
  for (const [index, frame] of frames.entries()) {
    if (sentBytes <= frame.end) return index;
  }
  return frames.length - 1;
}
