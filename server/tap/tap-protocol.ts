// What the server's socket thread and the tap's worker thread say to each other. The socket
// thread only copies bytes and forwards them, a tick's worth at a time; the worker decodes them,
// keeps the history and writes the JSON that subscribers receive. Both sides import this file.

import type { TapEvent, TapOpenEvent } from '../../core/tap/events';
import type { RequestHead } from '../../core/wire/handshake';

export interface DecoderSetup {
  maxPayload: number;
  payloadCap: number;
  request: { head: RequestHead; raw: string };
}

/**
 * Bytes that crossed a connection are the bulk of what happens, so they travel as rows of
 * numbers, not objects (a message between threads copies objects field by field): per row the
 * connection's number (given with its `open`), 1 for the client's bytes or 0 for the server's,
 * the time, and where the bytes are in the batch's arena, start and end.
 */
export const BYTES_ROW = 5;

/**
 * Everything else that happened on the socket thread, in order; `at` is how many byte rows came
 * before it in the batch.
 */
export type TapOp = { at: number } & (
  | { op: 'open'; id: number; event: TapOpenEvent; decoder: DecoderSetup }
  | { op: 'finish'; conn: string; t: number }
  /** The worker fell too far behind: these bytes of the connection were not handed over. */
  | { op: 'skipped'; conn: string; t: number; bytes: number }
  /** A finished event, e.g. a refused handshake's. */
  | { op: 'event'; event: TapEvent }
);

export type ToTapWorker =
  | {
      type: 'ops';
      ops: TapOp[];
      /** `rows` rows of BYTES_ROW numbers. */
      bytes: Float64Array;
      rows: number;
      /** Every byte the ops refer to, copied as it crossed the socket. */
      arena: ArrayBuffer | null;
      /** Whether anyone listens: without subscribers the events are kept, not serialised. */
      listened: boolean;
    }
  | { type: 'history'; id: number }
  | { type: 'drain'; id: number };

export type FromTapWorker =
  /** The worker has loaded and listens. */
  | { type: 'ready' }
  /**
   * The events the last ops produced as one JSON array in UTF-8, ready for a text frame (null
   * when nobody listened), and the arena bytes those ops carried, now done with.
   */
  | { type: 'events'; json: Uint8Array | null; count: number; doneBytes: number }
  | { type: 'history'; id: number; chunks: string[]; count: number }
  | { type: 'drained'; id: number };
