// Helpers shared by the wire tests: hex fixtures, feeding a decoder in chosen chunks, and a
// comparable form of decoder events (large payloads as length + digest, so comparing thousands of
// runs of a 64 KiB frame stays cheap).
import { createHash } from 'node:crypto';
import { toHex } from '../../../core/wire/bytes';
import type { DecoderEvent } from '../../../core/wire/frame';
import { type DecoderOptions, FrameDecoder } from '../../../core/wire/frame-decoder';

/** Hex with any whitespace in it, as fixtures are written; throws on a typo. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new Error(`bad hex fixture: ${text}`);
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** Cuts bytes at the given offsets (sorted, duplicates allowed: they make empty chunks). */
export function splitAt(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points].sort((a, b) => a - b)) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

export function byteByByte(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (byte) => Uint8Array.of(byte));
}

export interface DecodeRun {
  events: DecoderEvent[];
  decoder: FrameDecoder;
}

/** Feeds the chunks in order; with `end`, then says the bytes stopped (FrameDecoder#end). */
export function decodeChunks(chunks: readonly Uint8Array[], options: DecoderOptions, end = false): DecodeRun {
  const decoder = new FrameDecoder(options);
  const events: DecoderEvent[] = [];
  for (const chunk of chunks) events.push(...decoder.push(chunk));
  if (end) events.push(...decoder.end());
  return { events, decoder };
}

function comparableBytes(bytes: Uint8Array): string {
  if (bytes.length <= 64) return toHex(bytes);
  const digest = createHash('sha256').update(bytes).digest('hex');
  return `${bytes.length} bytes, sha256 ${digest}`;
}

/** Events with every byte array replaced by a string, so `toEqual` is exact and fast. */
export function comparable(events: readonly DecoderEvent[]): unknown[] {
  return events.map((event) => {
    if (event.type === 'frame') {
      const { header, payload, maskKey, ...rest } = event.frame;
      return {
        type: 'frame',
        ...rest,
        header: toHex(header),
        maskKey: maskKey ? toHex(maskKey) : null,
        payload: comparableBytes(payload),
      };
    }
    if (event.type === 'message') {
      const { data, ...rest } = event.message;
      return { type: 'message', ...rest, data: comparableBytes(data) };
    }
    return { type: 'error', ...event.error };
  });
}

/** The first place two values differ, as a path, or null when they are equal. Byte arrays compare natively. */
export function firstDifference(a: unknown, b: unknown, path = '$'): string | null {
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return Buffer.from(a.buffer, a.byteOffset, a.length).equals(b) ? null : `${path} (bytes)`;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return Object.is(a, b) ? null : `${path}: ${String(a)} vs ${String(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path} (array vs object)`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const left = (a as Record<string, unknown>)[key];
    const right = (b as Record<string, unknown>)[key];
    const difference = firstDifference(left, right, `${path}.${key}`);
    if (difference) return difference;
  }
  return null;
}

/**
 * Decodes the bytes whole, cut at every single offset, and one byte at a time (with `end`, then
 * ends the stream), and returns the whole run after checking that every other way of cutting gave
 * exactly the same events and left the decoder in the same state.
 */
export function decodeEverySplit(bytes: Uint8Array, options: DecoderOptions, end = false): DecodeRun {
  const whole = decodeChunks([bytes], options, end);
  const check = (label: string, chunks: Uint8Array[]) => {
    const run = decodeChunks(chunks, options, end);
    // A hand-rolled comparison: calling expect() tens of thousands of times is slow.
    const difference = firstDifference(run.events, whole.events);
    if (difference) {
      throw new Error(
        `${label}: events differ from the whole decode at ${difference}\n` +
          `whole: ${JSON.stringify(comparable(whole.events))}\n` +
          `${label}: ${JSON.stringify(comparable(run.events))}`,
      );
    }
    if (run.decoder.state !== whole.decoder.state || run.decoder.midFrame !== whole.decoder.midFrame) {
      throw new Error(`${label}: decoder ends ${run.decoder.state}, the whole decode ${whole.decoder.state}`);
    }
  };
  check('byte by byte', byteByByte(bytes));
  for (let point = 0; point <= bytes.length; point++) check(`split at ${point}`, splitAt(bytes, [point]));
  return whole;
}

export function frames(events: readonly DecoderEvent[]) {
  return events.flatMap((event) => (event.type === 'frame' ? [event.frame] : []));
}

export function messages(events: readonly DecoderEvent[]) {
  return events.flatMap((event) => (event.type === 'message' ? [event.message] : []));
}

export function errors(events: readonly DecoderEvent[]) {
  return events.flatMap((event) => (event.type === 'error' ? [event.error] : []));
}

/** A fixed masking key source, for encoder calls that ask for `mask: true`. */
export const fixedMask = (key: string) => () => hex(key);
