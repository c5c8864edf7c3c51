import { applyMask, concatBytes, decodeUtf8Strict } from './bytes';
import { isValidCloseCode } from './close-codes';
import type { Direction } from './direction';
import type { DecoderEvent, Frame } from './frame';
import { announcedLengthForm, extendedLengthBytes, headerLength } from './frame-header';
import { isControlOpcode, Opcode } from './opcodes';
import { type ProtocolError, type ProtocolErrorCode, protocolError, violationOf } from './protocol-errors';
import { firstInvalidUtf8 } from './utf8-fault';

export interface DecoderOptions {
  /** Whose bytes these are. RFC 6455 §5.1: client frames MUST be masked, server frames MUST NOT. */
  sender: Direction;
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

// Of a frame that broke a header rule, this many payload bytes at most are read before it is
// reported: enough for any control frame and for the tap's payload cap, and bounded whatever
// length the header announces.
export const VIOLATION_PAYLOAD_LIMIT = 64 * 1024;

/**
 * An incremental RFC 6455 frame decoder. Feed it chunks split anywhere; it returns the frames,
 * messages and protocol errors they complete. Pure: no sockets, no timers, no Node APIs.
 *
 * A frame that breaks a rule is reported like any other, with a `violation`, and then the
 * `error`. When the fault is in the header, the decoder still reads the rest of that frame's
 * header and up to VIOLATION_PAYLOAD_LIMIT bytes of its payload, so that what it reports does not
 * depend on how the bytes were cut into chunks; end() reports it with what came if the bytes stop
 * first. After the error it is `failed` and ignores further bytes, as an endpoint that fails the
 * connection would (§7.1.7). After a close frame it is `closed`: §5.5.1 says nothing may follow.
 */
export class FrameDecoder {
  readonly sender: Direction;
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
  // Payload bytes to read before the frame is done: its length, or less for a frame at fault.
  private payloadTarget = 0;
  private inPayload = false;
  // The header rule the frame being read broke, reported once the frame has been read.
  private violation: ProtocolError | null = null;
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
        this.advanceHeader(events);
        continue;
      }
      // Reading the payload: copy what this chunk holds into our own buffer and unmask the copy
      // (§5.3). Never a view of the chunk: Node's Buffer#slice shares memory, and unmasking it
      // would unmask the caller's bytes in place (the tap's caller is `ws`, which unmasks them again).
      const filled = this.payloadFilled;
      const take = Math.min(this.payloadTarget - filled, end - i);
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
      if (this.payloadFilled === this.payloadTarget) {
        if (this.violation) this.finishViolation(events);
        else this.finishFrame(events);
      }
    }
    this.position += end;
    return events;
  }

  /**
   * The bytes stopped (the connection ended). A frame that broke a header rule and was still
   * being read is reported now, with the part of it that came, then its error. Any other
   * unfinished frame is left to `pendingBytes`: it broke no rule, it was only cut short.
   */
  end(): DecoderEvent[] {
    const events: DecoderEvent[] = [];
    if (this.status === 'open' && this.violation) this.finishViolation(events);
    return events;
  }

  /** Makes room for `size` payload bytes, growing by doubling up to what will be read. */
  private reservePayload(size: number): void {
    const current = this.payload;
    if (current.length >= size) return;
    const capacity = Math.min(this.payloadTarget, Math.max(size, current.length * 2, FIRST_PAYLOAD_BUFFER));
    const grown = new Uint8Array(capacity);
    grown.set(current.subarray(0, this.payloadFilled));
    this.payload = grown;
  }

  /**
   * Called each time the header bytes asked for have arrived: checks them, notes a broken rule
   * in `violation`, and sets up the next read.
   */
  private advanceHeader(events: DecoderEvent[]): void {
    const b0 = this.header[0]!;
    const b1 = this.header[1]!;
    const masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;
    const form = announcedLengthForm(len7);
    const extBytes = extendedLengthBytes(form);
    const full = headerLength(form, masked);

    if (this.headerNeeded === 2) {
      const failure = this.checkFirstTwoBytes(b0, b1);
      // The frame is at fault, but its header (length, masking key) is still read, to show it.
      if (failure) this.violation = protocolError(failure[0], this.frameOffset, failure[1]);
      this.headerNeeded = 2 + extBytes;
      if (extBytes > 0) return;
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
        // Above 2^53 - 1 a JavaScript number loses bytes; §5.2 also forbids the top bit. Such a
        // length is kept only approximately; the header bytes hold it exactly.
        if (high > 0x1fffff && !this.violation) {
          this.violation = protocolError(
            'LENGTH_OUT_OF_RANGE',
            this.frameOffset,
            `high word 0x${high.toString(16)}`,
          );
        }
        length = high * 2 ** 32 + low;
      }
      this.payloadLength = length;
      const opcode = b0 & 0x0f;
      if (length > 0 && !isControlOpcode(opcode) && !this.violation) {
        this.declaredMessageBytes += length;
        if (this.maxPayload > 0 && this.declaredMessageBytes > this.maxPayload) {
          this.violation = protocolError(
            'MESSAGE_TOO_BIG',
            this.frameOffset,
            `${this.declaredMessageBytes} > ${this.maxPayload} bytes`,
          );
        }
      }
      this.headerNeeded = full;
      if (masked) return;
    }

    // The whole header is here.
    this.inPayload = true;
    this.payloadFilled = 0;
    if (this.violation) {
      this.payloadTarget = Math.min(this.payloadLength, VIOLATION_PAYLOAD_LIMIT);
      if (this.payloadTarget === 0) this.finishViolation(events);
    } else {
      this.payloadTarget = this.payloadLength;
      if (this.payloadLength === 0) this.finishFrame(events);
    }
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

  /** The frame as read so far: all of it, or for a frame at fault, the part that came. */
  private takeFrame(): Frame {
    const b0 = this.header[0]!;
    const filled = this.headerFilled;
    const header = this.header.slice(0, filled);
    const masked = (this.header[1]! & 0x80) !== 0;
    // The key is the header's last 4 bytes once all of it came (the bytes may stop before).
    const keyComplete = masked && this.inPayload;
    // reservePayload never grows past what is read, so the buffer is exactly the payload once
    // the frame is whole; a frame reported early keeps only the bytes that came.
    const payload =
      this.payload.length === this.payloadFilled ? this.payload : this.payload.slice(0, this.payloadFilled);
    const frame: Frame = {
      offset: this.frameOffset,
      fin: (b0 & 0x80) !== 0,
      rsv1: (b0 & 0x40) !== 0,
      rsv2: (b0 & 0x20) !== 0,
      rsv3: (b0 & 0x10) !== 0,
      opcode: b0 & 0x0f,
      masked,
      // A copy, not a subarray(): a view would move the small on-heap header off the heap.
      maskKey: keyComplete ? header.slice(filled - 4) : null,
      payloadLength: this.payloadLength,
      header,
      payload,
    };
    this.resetFrame();
    return frame;
  }

  /** Reports a frame that broke a header rule, then its error, and stops reading (§7.1.7). */
  private finishViolation(events: DecoderEvent[]): void {
    const error = this.violation!;
    const frame = this.takeFrame();
    const { payload } = frame;
    let range: [number, number] | undefined;
    if (error.code === 'INVALID_CLOSE_PAYLOAD' && payload.length > 0) range = [0, 1];
    // A whole close body is still read for its code and reason (§5.5.1), which may be what the
    // sender meant even though the frame broke another rule.
    if (frame.opcode === Opcode.CLOSE && payload.length === frame.payloadLength && payload.length !== 1) {
      frame.close = readCloseBody(payload);
    }
    frame.violation = violationOf(error, range);
    events.push({ type: 'frame', frame });
    this.status = 'failed';
    events.push({ type: 'error', error });
  }

  private finishFrame(events: DecoderEvent[]): void {
    const frame = this.takeFrame();
    const { opcode, fin, payload } = frame;

    if (opcode === Opcode.CLOSE) {
      frame.close = readCloseBody(payload);
      const { code } = frame.close;
      const reasonBytes = payload.subarray(2);
      if (code !== null && !isValidCloseCode(code)) {
        this.reportPayloadFault(events, frame, 'INVALID_CLOSE_CODE', String(code), frame.offset, [0, 2]);
        return;
      }
      const bad = reasonBytes.length > 0 ? firstInvalidUtf8(reasonBytes) : null;
      if (bad) {
        const range: [number, number] = [bad[0] + 2, bad[1] + 2];
        this.reportPayloadFault(events, frame, 'INVALID_UTF8_CLOSE_REASON', undefined, frame.offset, range);
        return;
      }
      events.push({ type: 'frame', frame });
      this.status = 'closed';
      return;
    }
    if (opcode === Opcode.PING || opcode === Opcode.PONG) {
      events.push({ type: 'frame', frame });
      return;
    }

    if (opcode !== Opcode.CONTINUATION && fin) {
      // A message in one frame, the common case: its data is the frame's payload.
      this.declaredMessageBytes = 0;
      this.finishMessage(events, frame, frame.offset, opcode as 1 | 2, payload, 1, frame.rsv1);
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
    if (!fin) {
      events.push({ type: 'frame', frame });
      return;
    }

    const data = concatBytes(this.fragments, this.messageBytes);
    const messageOpcode = this.messageOpcode as 1 | 2;
    const compressed = this.messageCompressed;
    const offset = this.messageOffset;
    const frames = this.fragmentCount;
    this.resetMessage();
    this.finishMessage(events, frame, offset, messageOpcode, data, frames, compressed);
  }

  /** The frame that ends a message, then the message, or the frame at fault and the error. */
  private finishMessage(
    events: DecoderEvent[],
    frame: Frame,
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
        // The last frame completes the bad message (RFC 6455 §8.1 checks the whole message);
        // point at the bad bytes where they are in this frame.
        const bad = firstInvalidUtf8(data) ?? [0, data.length];
        const start = data.length - frame.payload.length;
        const from = Math.max(bad[0] - start, 0);
        const to = Math.min(bad[1] - start, frame.payload.length);
        const range: [number, number] | undefined = to > from ? [from, to] : undefined;
        this.reportPayloadFault(
          events,
          frame,
          'INVALID_UTF8',
          `${data.length}-byte text message`,
          offset,
          range,
        );
        return;
      }
      text = decoded;
    }
    events.push({ type: 'frame', frame });
    events.push({ type: 'message', message: { offset, opcode, data, text, frames, compressed } });
  }

  /** A whole frame whose payload broke a rule: the frame with its violation, then the error. */
  private reportPayloadFault(
    events: DecoderEvent[],
    frame: Frame,
    code: ProtocolErrorCode,
    detail: string | undefined,
    offset: number,
    range?: [number, number],
  ): void {
    const error = protocolError(code, offset, detail);
    frame.violation = violationOf(error, range);
    events.push({ type: 'frame', frame });
    this.status = 'failed';
    events.push({ type: 'error', error });
  }

  private resetFrame(): void {
    this.headerFilled = 0;
    this.headerNeeded = 2;
    this.inPayload = false;
    this.payload = EMPTY;
    this.payloadFilled = 0;
    this.payloadLength = 0;
    this.payloadTarget = 0;
    this.violation = null;
  }

  private resetMessage(): void {
    this.messageOpcode = 0;
    this.messageCompressed = false;
    this.fragments = [];
    this.messageBytes = 0;
    this.declaredMessageBytes = 0;
    this.fragmentCount = 0;
  }
}

/** A close body (RFC 6455 §5.5.1): a 2-byte code, then a UTF-8 reason ('' when it is not UTF-8). */
function readCloseBody(payload: Uint8Array): { code: number | null; reason: string } {
  const code = payload.length >= 2 ? (payload[0]! << 8) | payload[1]! : null;
  return { code, reason: decodeUtf8Strict(payload.subarray(2)) ?? '' };
}
