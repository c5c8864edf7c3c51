// RFC 7692 permessage-deflate: inflating one direction's messages, in the page as on the server.
import { type InflateTarget, inflateRaw } from './raw-inflate';

export type InflateResult = { ok: true; data: Uint8Array } | { ok: false; message: string; tooBig: boolean };

/** Inflates one direction's compressed messages, in order, keeping that direction's window. */
export interface MessageInflate {
  inflate(compressed: Uint8Array): InflateResult;
}

/** The negotiated parameters of one direction's compression (RFC 7692 §7.1). */
export interface InflateParams {
  windowBits: number;
  noContextTakeover: boolean;
  /** Largest inflated message, in bytes; 0 for no limit. */
  maxOutput: number;
}

export type InflaterFactory = (params: InflateParams) => MessageInflate;

// RFC 7692 §7.2.2: the sender removed the last four octets of the flush, 00 00 ff ff; put them back.
const TAIL = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

// Room kept after the window for the next messages, so that small messages append to one buffer
// and the window moves back to its start only once the room is used up.
const ROOM = 16 * 1024;
// A buffer that grew past this for one large message is given up for a new one afterwards.
const KEEP_AT_MOST = 1024 * 1024;

/**
 * Inflates one direction's compressed messages, in order, following that direction's context
 * takeover (RFC 7692 §7.2.1): unless no_context_takeover was negotiated (§7.1.1), the last
 * 2^windowBits bytes of earlier messages stay reachable by the next message's back-references.
 *
 * Output goes to one buffer that holds the window followed by the message being inflated, so
 * that back-references into earlier messages need no copying; each message is copied out.
 */
export class MessageInflater implements MessageInflate {
  private readonly windowSize: number;
  private buffer: Uint8Array = new Uint8Array(0);
  /** Output of earlier messages in `buffer`, ending here; the window is its last windowSize bytes. */
  private historyEnd = 0;

  constructor(
    private readonly windowBits: number,
    private readonly noContextTakeover: boolean,
    /** Largest inflated message, in bytes; 0 for no limit. */
    private readonly maxOutput: number,
  ) {
    this.windowSize = 1 << windowBits;
  }

  inflate(compressed: Uint8Array): InflateResult {
    const input = new Uint8Array(compressed.length + TAIL.length);
    input.set(compressed);
    input.set(TAIL, compressed.length);

    const window = Math.min(this.windowSize, this.historyEnd);
    // A guess at the output, so that most messages inflate without growing the buffer.
    let room = Math.max(ROOM, compressed.length * 4);
    if (this.maxOutput > 0) room = Math.min(room, this.maxOutput + 1);
    if (this.buffer.length - this.historyEnd < room) {
      const size = window + room;
      if (this.buffer.length >= size && this.buffer.length <= KEEP_AT_MOST) {
        this.buffer.copyWithin(0, this.historyEnd - window, this.historyEnd);
      } else {
        const next = new Uint8Array(size);
        next.set(this.buffer.subarray(this.historyEnd - window, this.historyEnd));
        this.buffer = next;
      }
      this.historyEnd = window;
    }

    const target: InflateTarget = {
      buffer: this.buffer,
      floor: this.historyEnd - window,
      start: this.historyEnd,
      end: this.historyEnd,
    };
    const status = inflateRaw(input, target, this.maxOutput);
    // After a failure the connection is failed; the window stays as it was all the same.
    if (!status.ok) return status;
    const data = target.buffer.slice(target.start, target.end);
    if (this.noContextTakeover) {
      this.historyEnd = 0;
      if (target.buffer.length <= KEEP_AT_MOST) this.buffer = target.buffer;
    } else if (target.buffer.length > KEEP_AT_MOST) {
      const keep = Math.min(this.windowSize, target.end - target.floor);
      this.buffer = target.buffer.slice(target.end - keep, target.end);
      this.historyEnd = keep;
    } else {
      this.buffer = target.buffer;
      this.historyEnd = target.end;
    }
    return { ok: true, data };
  }

  get bits(): number {
    return this.windowBits;
  }
}

/** The inflater every decoder of the tap uses, in the page and on the server alike. */
export const createInflater: InflaterFactory = (params) =>
  new MessageInflater(params.windowBits, params.noContextTakeover, params.maxOutput);
