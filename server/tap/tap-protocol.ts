// What the server's socket thread and the tap's worker thread say to each other. The socket
// thread only copies bytes and forwards them, a tick's worth at a time; the worker decodes them,
// keeps the history and writes the JSON that subscribers receive. Both sides import this file.
import type { RequestHead } from '../wire/handshake';
import type { OpenEvent, TapEvent } from './events';

export interface DecoderSetup {
  maxPayload: number;
  payloadCap: number;
  request: { head: RequestHead; raw: string };
}

/** One thing that happened on the socket thread, in order. Bytes live in the batch's arena. */
export type TapOp =
  | { op: 'open'; event: OpenEvent; decoder: DecoderSetup }
  /** `start`/`end`: where the bytes are in the batch's arena. */
  | { op: 'bytes'; conn: string; client: boolean; t: number; start: number; end: number }
  | { op: 'finish'; conn: string; t: number }
  /** The worker fell too far behind: these bytes of the connection were not handed over. */
  | { op: 'skipped'; conn: string; t: number; bytes: number }
  /** A finished event, e.g. a refused handshake's. */
  | { op: 'event'; event: TapEvent };

export type ToTapWorker =
  | {
      type: 'ops';
      ops: TapOp[];
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
   * The events the last ops produced (`json` is null when nobody listened), and the arena bytes
   * those ops carried, now done with.
   */
  | { type: 'events'; json: string | null; count: number; doneBytes: number }
  | { type: 'history'; id: number; chunks: string[]; count: number }
  | { type: 'drained'; id: number };

export interface TapWorkerOptions {
  historySize: number;
  historyBytes: number;
}
