// The messages between the sockets' thread and the tap's JSON decode worker.

/** One turn of one JSON subscriber: the records it read, in order, then what else happened. */
export interface DecodeTurn {
  type: 'turn';
  subscriber: number;
  /** Copies of the journal's records (their buffers are transferred), each with whether it is history. */
  parts: { bytes: Uint8Array; history: boolean }[];
  /** Set when the history ended in this turn: `t` for the `live` event. */
  liveAt: number | null;
  /** Journal bytes this turn read, handed back with the answer so the sender can count them as sent. */
  journalBytes: number;
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

/** The turn's JSON array as UTF-8 (null when it made no event), for the subscriber's socket. */
export interface DecodeAnswer {
  type: 'answer';
  subscriber: number;
  json: Uint8Array | null;
  journalBytes: number;
  /** Set when decoding failed: the subscriber is then closed with this reason. */
  error?: string;
}
