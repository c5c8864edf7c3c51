// An export as a list of pieces to send one after another, with its exact size known before the
// first byte goes out, and a ceiling: a HAR is built entry by entry and given up as soon as it
// grows past the ceiling, instead of being built whole and then found too big.

import type { ExportFormat } from '../../core/routes';
import { buildHar, harEntry } from './har';
import type { SessionRecorder } from './recordings';
import { replayRecording } from './replay';
import { type ExportOptions, exportPcapng, WSLAB_VERSION } from './session-export';

/** The size of each chunk sent to the response (the last one may be smaller). */
export const EXPORT_CHUNK_BYTES = 1024 * 1024;

export type ExportPieces =
  | { ok: true; pieces: (string | Uint8Array)[]; bytes: number }
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
  const pieces: string[] = [skeleton.slice(0, split)];
  let bytes = Buffer.byteLength(skeleton);
  for (const recording of recorder.list(options.conn)) {
    const replayed = replayRecording(recording, { maxPayload: options.maxPayload });
    const entry = `${pieces.length > 1 ? ',' : ''}${JSON.stringify(harEntry(replayed, recorder.epoch))}`;
    bytes += Buffer.byteLength(entry);
    if (bytes > ceilingBytes) return { ok: false, bytes };
    pieces.push(entry);
  }
  pieces.push(skeleton.slice(split));
  return { ok: true, pieces, bytes };
}

/** The pieces as UTF-8 chunks of `size` bytes, each with a buffer of its own (to be moved, not copied). */
export function* chunksOf(
  pieces: readonly (string | Uint8Array)[],
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
