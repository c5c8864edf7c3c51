// An export as pieces to send one after another, with its exact size known before the first byte
// goes out, and a ceiling: a HAR is measured entry by entry and given up as soon as it grows past
// the ceiling, instead of being built whole and then found too big.
//
// A HAR is several times the bytes it records (each payload as message text, frame payload and
// base64), so it is never held whole: the size is found by writing each entry and keeping only
// its length, and the pieces write each entry again when it is its turn to be sent. Twice the
// work, a single entry's memory instead of the whole file's.

import type { ExportFormat } from '../../core/routes';
import { buildHar, harEntry } from './har';
import type { ConnectionRecording, SessionRecorder } from './recordings';
import { replayRecording } from './replay';
import { type ExportOptions, exportPcapng, WSLAB_VERSION } from './session-export';

/** The size of each chunk sent to the response (the last one may be smaller). */
export const EXPORT_CHUNK_BYTES = 1024 * 1024;

export type ExportPieces =
  | { ok: true; pieces: Iterable<string | Uint8Array>; bytes: number }
  /** `bytes`: how big it had grown when it passed the ceiling (the whole would be bigger). */
  | { ok: false; bytes: number };

/** The export of `recorder` as pieces whose concatenation is the file; not ok past `ceilingBytes`. */
export function exportPieces(
  recorder: SessionRecorder,
  format: ExportFormat,
  options: ExportOptions,
  ceilingBytes: number,
): ExportPieces {
  if (format === 'pcapng') {
    const body = exportPcapng(recorder, options);
    return body.length > ceilingBytes
      ? { ok: false, bytes: body.length }
      : { ok: true, pieces: [body], bytes: body.length };
  }
  // The same text as JSON.stringify(exportHar(…)), with each entry stringified on its own.
  const skeleton = JSON.stringify(buildHar([], { epoch: recorder.epoch, version: WSLAB_VERSION }));
  const marker = '"entries":[]';
  const split = skeleton.indexOf(marker) + marker.length - 1;
  const recordings = recorder.list(options.conn);
  const entry = (recording: ConnectionRecording, index: number): string => {
    const replayed = replayRecording(recording, { maxPayload: options.maxPayload });
    return `${index > 0 ? ',' : ''}${JSON.stringify(harEntry(replayed, recorder.epoch))}`;
  };
  let bytes = Buffer.byteLength(skeleton);
  for (const [index, recording] of recordings.entries()) {
    bytes += Buffer.byteLength(entry(recording, index));
    if (bytes > ceilingBytes) return { ok: false, bytes };
  }
  const pieces = function* (): Generator<string> {
    yield skeleton.slice(0, split);
    for (const [index, recording] of recordings.entries()) yield entry(recording, index);
    yield skeleton.slice(split);
  };
  return { ok: true, pieces: { [Symbol.iterator]: pieces }, bytes };
}

/** The pieces as UTF-8 chunks of `size` bytes, each with a buffer of its own (to be moved, not copied). */
export function* chunksOf(
  pieces: Iterable<string | Uint8Array>,
  size = EXPORT_CHUNK_BYTES,
): Generator<Uint8Array> {
  const encoder = new TextEncoder();
  let pending: Uint8Array = new Uint8Array(0);
  let text: string[] = [];
  let textLength = 0;
  const take = function* (bytes: Uint8Array, final: boolean): Generator<Uint8Array> {
    const all = pending.length === 0 ? bytes : concat(pending, bytes);
    let offset = 0;
    for (; all.length - offset >= size; offset += size) yield all.slice(offset, offset + size);
    pending = all.slice(offset);
    if (final && pending.length > 0) {
      yield pending;
      pending = new Uint8Array(0);
    }
  };
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      text.push(piece);
      textLength += piece.length;
      if (textLength < size) continue;
      yield* take(encoder.encode(text.join('')), false);
      text = [];
      textLength = 0;
    } else {
      if (text.length > 0) yield* take(encoder.encode(text.join('')), false);
      text = [];
      textLength = 0;
      yield* take(piece, false);
    }
  }
  yield* take(encoder.encode(text.join('')), true);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
