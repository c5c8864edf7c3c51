// The messages between the sockets' thread and the tap's JSON decode worker.
import type { SkippedBytes } from '../../core/tap/undecoded-filter';

export type DecodePart = { bytes: Uint8Array; history: boolean } | { skipped: SkippedBytes };

/** One turn of one JSON subscriber: the records it read, in order, then what else happened. */
export interface DecodeTurn {
  type: 'turn';
  subscriber: number;
  /**
   * In order: copies of the journal's records (their buffers are transferred), each with whether
   * it is history, and the bytes of connections the decoder only counts, counted here.
   */
  parts: DecodePart[];
  /** Set when the history ended in this turn: `t` for the `live` event. */
  liveAt: number | null;
  /**
   * Bytes of the records this turn sends to be decoded (not those only counted), handed back with
   * the answer so the sender can count them as sent.
   */
  decodedBytes: number;
  /** Where in the subscriber's output ring the JSON goes if it fits; null: nowhere. */
  window: { start: number; length: number } | null;
  /** The ring's (shared) memory, when it is new to the worker: a first turn, or the ring grew. */
  block?: SharedArrayBuffer;
}

export interface DecodeForget {
  type: 'forget';
  subscriber: number;
}

/** Answered with a `DecodeReady`, once the worker's module has loaded. */
export interface DecodePing {
  type: 'ping';
}

export type DecodeRequest = DecodeTurn | DecodeForget | DecodePing;

export interface DecodeReady {
  type: 'ready';
}

/**
 * The turn's JSON array as UTF-8, for the subscriber's socket: the first `inRing` bytes of the
 * turn's window, or else `json` (null when the turn made no event).
 */
export interface DecodeAnswer {
  type: 'answer';
  subscriber: number;
  inRing: number;
  json: Uint8Array | null;
  decodedBytes: number;
  /** Set when decoding failed: the subscriber is then closed with this reason. */
  error?: string;
}
