import { applyMask, concatBytes, decodeUtf8Lossy, decodeUtf8Strict } from './bytes';
import { isValidCloseCode } from './close-codes';
import type { DecoderEvent, Frame, Sender } from './frame';
import { Opcode } from './opcodes';
import { type ProtocolErrorCode, protocolError } from './protocol-errors';

export interface DecoderOptions {
  /** Whose bytes these are. RFC 6455 §5.1: client frames MUST be masked, server frames MUST NOT. */
  sender: Sender;
  /** An extension that defines RSV1 (permessage-deflate, RFC 7692 §6) was negotiated. */
  allowRsv1?: boolean;
  /** Largest message in bytes; 0 means no limit. */
  maxPayload?: number;
}

export type DecoderState = 'open' | 'closed' | 'failed';

// The longest header: 2 bytes, 8 of extended length, 4 of masking key (RFC 6455 §5.2).
const MAX_HEADER = 14;

// A payload that spans chunks is gathered in one buffer that grows with the bytes that came, never
// allocated at the announced length up front: announcing 2^53 - 1 bytes costs a peer nothing.
const FIRST_PAYLOAD_BUFFER = 64 * 1024;
const EMPTY = new Uint8Array(0);

// Runs of payload up to this many bytes are copied and unmasked in a plain loop; longer ones by
// set() and a word-wide applyMask, whose fixed costs only pay off on longer runs.
const SHORT_RUN = 64;

/**
 * An incremental RFC 6455 frame decoder. Feed it chunks split anywhere; it returns the frames,
 * messages and protocol errors they complete. Pure: no sockets, no timers, no Node APIs.
 *
 * After a protocol error it is `failed` and ignores further bytes, as an endpoint that fails the
 * connection would (§7.1.7). After a close frame it is `closed`: §5.5.1 says nothing may follow.
 */
export class FrameDecoder {
  readonly sender: Sender;
  private readonly allowRsv1: boolean;
  private readonly maxPayload: number;

  private status: DecoderState = 'open';
  private position = 0;

  // The frame being read.
  private header = new Uint8Array(MAX_HEADER);
  private headerFilled = 0;
  private headerNeeded = 2;
  private frameOffset = 0;
  private payloadLength = 0;
  private inPayload = false;
  // The payload so far, unmasked, in a buffer of our own: the caller's chunks are never written to
  // nor kept, so a Node Buffer (whose slice() is a view) can be fed and then read by someone else.
  private payload: Uint8Array = EMPTY;
  private payloadFilled = 0;

  // The fragmented message being put together (RFC 6455 §5.4).
  private messageOpcode: 0 | 1 | 2 = 0;
  private messageOffset = 0;
  private messageCompressed = false;
  private fragments: Uint8Array[] = [];
  private messageBytes = 0;
  private declaredMessageBytes = 0;
  private fragmentCount = 0;

  constructor(options: DecoderOptions) {
    this.sender = options.sender;
    this.allowRsv1 = options.allowRsv1 ?? false;
    this.maxPayload = options.maxPayload ?? 0;
  }

  get state(): DecoderState {
    return this.status;
  }

  /** Bytes fed so far. */
  get bytesSeen(): number {
    return this.position;
  }

  /** True while a frame is half read: a stream that ends now was cut short. */
  get midFrame(): boolean {
    return this.status === 'open' && (this.headerFilled > 0 || this.inPayload);
  }

  /** Bytes of the frame being read so far: a stream that ends now left them unread. */
  get pendingBytes(): number {
    return this.midFrame ? this.headerFilled + this.payloadFilled : 0;
  }

  push(chunk: Uint8Array): DecoderEvent[] {
    const events: DecoderEvent[] = [];
    const end = chunk.length;
    const header = this.header;
    let i = 0;
    while (i < end && this.status === 'open') {
      if (!this.inPayload) {
        // Reading the header, 2 bytes first, then as many more as those two announce. A byte loop:
        // at most 14 bytes, where subarray() and set() would cost more than they save.
        if (this.headerFilled === 0) this.frameOffset = this.position + i;
        let filled = this.headerFilled;
        const needed = this.headerNeeded;
        while (filled < needed && i < end) header[filled++] = chunk[i++]!;
        this.headerFilled = filled;
        if (filled < needed) break;
        if (!this.advanceHeader(events)) break;
        continue;
      }
      // Reading the payload: copy what this chunk holds into our own buffer and unmask the copy
      // (§5.3). Never a view of the chunk: Node's Buffer#slice shares memory, and unmasking it
      // would unmask the caller's bytes in place (the tap's caller is `ws`, which unmasks them again).
      const filled = this.payloadFilled;
      const take = Math.min(this.payloadLength - filled, end - i);
      this.reservePayload(filled + take);
      // The buffer holds the payload from its first byte, so byte j is unmasked with key[j % 4].
      const target = this.payload;
      const masked = (header[1]! & 0x80) !== 0;
      if (take <= SHORT_RUN) {
        if (masked) {
          const key = this.headerNeeded - 4;
          for (let j = filled; j < filled + take; j++) target[j] = chunk[i++]! ^ header[key + (j & 3)]!;
        } else {
          for (let j = filled; j < filled + take; j++) target[j] = chunk[i++]!;
        }
      } else {
        target.set(chunk.subarray(i, i + take), filled);
        if (masked) {
          const key = header.subarray(this.headerNeeded - 4, this.headerNeeded);
          applyMask(target.subarray(filled, filled + take), key, filled & 3);
        }
        i += take;
      }
      this.payloadFilled = filled + take;
      if (this.payloadFilled === this.payloadLength) this.finishFrame(events);
    }
    this.position += end;
    return events;
  }

  /** Makes room for `size` payload bytes, growing by doubling up to the frame's length. */
  private reservePayload(size: number): void {
    const current = this.payload;
    if (current.length >= size) return;
    const capacity = Math.min(this.payloadLength, Math.max(size, current.length * 2, FIRST_PAYLOAD_BUFFER));
    const grown = new Uint8Array(capacity);
    grown.set(current.subarray(0, this.payloadFilled));
    this.payload = grown;
  }

  /**
   * Called each time the header bytes asked for have arrived. Returns false when the frame
   * failed a check; otherwise sets up the next read.
   */
  private advanceHeader(events: DecoderEvent[]): boolean {
    const b0 = this.header[0]!;
    const b1 = this.header[1]!;
    const masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;
    const extBytes = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
    const full = 2 + extBytes + (masked ? 4 : 0);

    if (this.headerNeeded === 2) {
      const failure = this.checkFirstTwoBytes(b0, b1);
      if (failure) return this.fail(events, failure[0], failure[1]);
      this.headerNeeded = 2 + extBytes;
      if (extBytes > 0) return true;
    }

    if (this.headerNeeded === 2 + extBytes) {
      let length = len7;
      if (extBytes === 2) {
        length = (this.header[2]! << 8) | this.header[3]!;
      } else if (extBytes === 8) {
        const high =
          ((this.header[2]! << 24) | (this.header[3]! << 16) | (this.header[4]! << 8) | this.header[5]!) >>>
          0;
        const low =
          ((this.header[6]! << 24) | (this.header[7]! << 16) | (this.header[8]! << 8) | this.header[9]!) >>>
          0;
        // Above 2^53 - 1 a JavaScript number loses bytes; §5.2 also forbids the top bit.
        if (high > 0x1fffff)
          return this.fail(events, 'LENGTH_OUT_OF_RANGE', `high word 0x${high.toString(16)}`);
        length = high * 2 ** 32 + low;
      }
      this.payloadLength = length;
      const opcode = b0 & 0x0f;
      if (length > 0 && opcode < 0x8) {
        this.declaredMessageBytes += length;
        if (this.maxPayload > 0 && this.declaredMessageBytes > this.maxPayload) {
          return this.fail(
            events,
            'MESSAGE_TOO_BIG',
            `${this.declaredMessageBytes} > ${this.maxPayload} bytes`,
          );
        }
      }
      this.headerNeeded = full;
      if (masked) return true;
    }

    // The whole header is here.
    this.inPayload = true;
    this.payloadFilled = 0;
    if (this.payloadLength === 0) this.finishFrame(events);
    return true;
  }

  /** The checks on byte 0 and 1, in `ws`'s order so both report the same first fault. */
  private checkFirstTwoBytes(b0: number, b1: number): [ProtocolErrorCode, string?] | null {
    const fin = (b0 & 0x80) !== 0;
    const rsv1 = (b0 & 0x40) !== 0;
    const opcode = b0 & 0x0f;
    const len7 = b1 & 0x7f;
    if (b0 & 0x30) return ['UNEXPECTED_RSV_2_3'];
    if (rsv1 && !this.allowRsv1) return ['UNEXPECTED_RSV_1'];
    if (opcode === Opcode.CONTINUATION) {
      // RFC 7692 §6.1: RSV1 goes on the first frame of a message only.
      if (rsv1) return ['UNEXPECTED_RSV_1', 'set on a continuation frame'];
      if (this.messageOpcode === 0) return ['UNEXPECTED_CONTINUATION'];
    } else if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) {
      if (this.messageOpcode !== 0) return ['EXPECTED_CONTINUATION', `opcode ${opcode}`];
    } else if (opcode === Opcode.CLOSE || opcode === Opcode.PING || opcode === Opcode.PONG) {
      if (!fin) return ['FRAGMENTED_CONTROL'];
      if (rsv1) return ['UNEXPECTED_RSV_1', 'set on a control frame'];
      if (len7 > 125) return ['CONTROL_PAYLOAD_TOO_LONG', `length code ${len7}`];
      if (opcode === Opcode.CLOSE && len7 === 1) return ['INVALID_CLOSE_PAYLOAD'];
    } else {
      return ['RESERVED_OPCODE', `0x${opcode.toString(16)}`];
    }
    const masked = (b1 & 0x80) !== 0;
    if (this.sender === 'client' && !masked) return ['EXPECTED_MASK'];
    if (this.sender === 'server' && masked) return ['UNEXPECTED_MASK'];
    return null;
  }

  private finishFrame(events: DecoderEvent[]): void {
    const b0 = this.header[0]!;
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    const masked = (this.header[1]! & 0x80) !== 0;
    const header = this.header.slice(0, this.headerNeeded);
    // reservePayload never grows past payloadLength, so the buffer is exactly the payload.
    const payload = this.payload;
    const frame: Frame = {
      offset: this.frameOffset,
      fin,
      rsv1: (b0 & 0x40) !== 0,
      rsv2: (b0 & 0x20) !== 0,
      rsv3: (b0 & 0x10) !== 0,
      opcode,
      masked,
      // A copy, not a subarray(): a view would move the small on-heap header off the heap.
      maskKey: masked ? header.slice(header.length - 4) : null,
      payloadLength: this.payloadLength,
      header,
      payload,
    };
    this.resetFrame();

    if (opcode === Opcode.CLOSE) {
      const code = payload.length >= 2 ? (payload[0]! << 8) | payload[1]! : null;
      const reasonBytes = payload.subarray(2);
      frame.close = { code, reason: decodeUtf8Lossy(reasonBytes) };
      events.push({ type: 'frame', frame });
      if (code !== null && !isValidCloseCode(code)) {
        this.fail(events, 'INVALID_CLOSE_CODE', String(code), frame.offset);
      } else if (reasonBytes.length > 0 && decodeUtf8Strict(reasonBytes) === null) {
        this.fail(events, 'INVALID_UTF8_CLOSE_REASON', undefined, frame.offset);
      } else {
        this.status = 'closed';
      }
      return;
    }
    events.push({ type: 'frame', frame });
    if (opcode === Opcode.PING || opcode === Opcode.PONG) return;

    if (opcode !== Opcode.CONTINUATION && fin) {
      // A message in one frame, the common case: its data is the frame's payload.
      this.declaredMessageBytes = 0;
      this.emitMessage(events, frame.offset, opcode as 1 | 2, payload, 1, frame.rsv1);
      return;
    }
    if (opcode !== Opcode.CONTINUATION) {
      this.messageOpcode = opcode as 1 | 2;
      this.messageOffset = frame.offset;
      this.messageCompressed = frame.rsv1;
    }
    if (payload.length > 0) this.fragments.push(payload);
    this.messageBytes += payload.length;
    this.fragmentCount += 1;
    if (!fin) return;

    const data = concatBytes(this.fragments, this.messageBytes);
    const messageOpcode = this.messageOpcode as 1 | 2;
    const compressed = this.messageCompressed;
    const offset = this.messageOffset;
    const frames = this.fragmentCount;
    this.resetMessage();
    this.emitMessage(events, offset, messageOpcode, data, frames, compressed);
  }

  private emitMessage(
    events: DecoderEvent[],
    offset: number,
    opcode: 1 | 2,
    data: Uint8Array,
    frames: number,
    compressed: boolean,
  ): void {
    let text: string | undefined;
    // A compressed text message can only be checked after inflating it (RFC 7692 §6.2).
    if (opcode === Opcode.TEXT && !compressed) {
      const decoded = decodeUtf8Strict(data);
      if (decoded === null) {
        this.fail(events, 'INVALID_UTF8', `${data.length}-byte text message`, offset);
        return;
      }
      text = decoded;
    }
    events.push({ type: 'message', message: { offset, opcode, data, text, frames, compressed } });
  }

  private resetFrame(): void {
    this.headerFilled = 0;
    this.headerNeeded = 2;
    this.inPayload = false;
    this.payload = EMPTY;
    this.payloadFilled = 0;
    this.payloadLength = 0;
  }

  private resetMessage(): void {
    this.messageOpcode = 0;
    this.messageCompressed = false;
    this.fragments = [];
    this.messageBytes = 0;
    this.declaredMessageBytes = 0;
    this.fragmentCount = 0;
  }

  private fail(
    events: DecoderEvent[],
    code: ProtocolErrorCode,
    detail?: string,
    offset = this.frameOffset,
  ): false {
    this.status = 'failed';
    events.push({ type: 'error', error: protocolError(code, offset, detail) });
    return false;
  }
}
