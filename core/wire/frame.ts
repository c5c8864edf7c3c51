import type { ProtocolError, Violation } from './protocol-errors';

/** One frame exactly as it crossed the wire (RFC 6455 §5.2), with its payload unmasked. */
export interface Frame {
  /** Stream offset of the frame's first header byte. */
  offset: number;
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  maskKey: Uint8Array | null;
  payloadLength: number;
  /** The header bytes as sent: 2 to 14 of them, masking key included. */
  header: Uint8Array;
  /**
   * The payload after unmasking (RFC 6455 §5.3). Shorter than `payloadLength` only on a frame
   * with a `violation` whose bytes stopped coming (or ran past what the decoder keeps of one).
   */
  payload: Uint8Array;
  /**
   * Close frames only (RFC 6455 §5.5.1): `code` is null when the body was empty; `reason` is ''
   * when the reason bytes are not UTF-8 (the frame's `violation` says so, its payload has them).
   */
  close?: { code: number | null; reason: string };
  /** The rule this frame broke; an `error` event follows it and the decoder reads no further. */
  violation?: Violation;
}

/** A whole data message, put together from one or more frames (RFC 6455 §5.4). */
export interface Message {
  offset: number;
  opcode: 1 | 2;
  data: Uint8Array;
  /** The decoded text of a text message (already validated as UTF-8). */
  text?: string;
  frames: number;
  /** RSV1 was set on the first frame: the data is still compressed (RFC 7692). */
  compressed: boolean;
}

export type DecoderEvent =
  | { type: 'frame'; frame: Frame }
  | { type: 'message'; message: Message }
  | { type: 'error'; error: ProtocolError };
