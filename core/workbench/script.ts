// A script: frames sent one after another on one connection, each with its own TCP writes. What a
// single frame cannot show (a ping inside a fragmented message, RFC 6455 §5.4; UTF-8 cut across
// fragments, §8.1) takes several.
import type { Result } from '../result';
import { concatBytes } from '../wire/bytes';
import { FrameDecoder } from '../wire/frame-decoder';
import type { MaskSource } from '../wire/frame-encoder';
import { randomMask } from '../wire/frame-encoder';
import type { ProtocolErrorCode } from '../wire/protocol-errors';
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

/** The first rule the script breaks, as a receiver following RFC 6455 reads it, and in which frame. */
export interface ExpectedFault {
  frame: number;
  code: ProtocolErrorCode;
  closeCode: number;
  message: string;
}

/**
 * What a conforming server should answer, before anything is sent: the core decoder reads the
 * script as a server reads a client's bytes (the same checks, in `ws`'s order). Null when it
 * breaks no rule the decoder checks (a lying length only leaves the server waiting).
 */
export function expectedFault(built: BuiltScript): ExpectedFault | null {
  const decoder = new FrameDecoder({ sender: 'client' });
  // Frame by frame: the fault belongs to the frame whose bytes revealed it, which for a message
  // (invalid UTF-8 across fragments, RFC 6455 §8.1) is a later frame than the one it started in.
  for (const [index, { start, end }] of built.frames.entries()) {
    for (const event of decoder.push(built.bytes.subarray(start, end))) {
      if (event.type !== 'error') continue;
      const { code, closeCode, message } = event.error;
      return { frame: index, code, closeCode, message };
    }
  }
  return null;
}

/**
 * The frame an answer belongs beside. A server reads ahead, so by the time its close arrives it
 * may have been sent every frame: when the close code is the one the script's first fault calls
 * for, it answers that fault's frame; otherwise the frame whose last byte had just been written.
 */
export function answeredFrame(built: BuiltScript, sentBytes: number, closeCode: number | null): number {
  const fault = expectedFault(built);
  if (fault && closeCode === fault.closeCode && frameAt(built.frames, sentBytes) >= fault.frame)
    return fault.frame;
  return frameAt(built.frames, sentBytes);
}
