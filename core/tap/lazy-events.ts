// Tap events for frames and messages, built lazily. The capture runs on every frame of every
// connection, so it only records what it saw (the decoded frame, a few numbers); the JSON fields
// (hex strings, base64, decoded previews) are computed in toJSON(), that is, only when a
// subscriber is sent the event. With nobody watching, the tap costs little more than decoding.

import { decodeUtf8Strict, toBase64, toHex } from '../wire/bytes';
import type { Direction } from '../wire/direction';
import type { Frame, Message } from '../wire/frame';
import { Opcode, type OpcodeName, opcodeName } from '../wire/opcodes';
import type { PayloadView, TapEvent, TapFrameEvent, TapMessageEvent } from './events';

/** Keeps at most `cap` bytes: a view when the payload is small, a copy when cutting it short. */
function keep(bytes: Uint8Array, cap: number): Uint8Array {
  return bytes.length > cap ? bytes.slice(0, cap) : bytes;
}

/**
 * A payload for an event: a text payload as text when its bytes alone are valid UTF-8, anything
 * else as base64. A fragment or a capped payload may end inside a UTF-8 sequence; decoding it
 * would put U+FFFD where bytes were, and a view would then show bytes that never crossed the wire.
 */
export function payloadView(kept: Uint8Array, fullLength: number, asText: boolean): PayloadView {
  const truncated = fullLength > kept.length;
  const text = asText ? decodeUtf8Strict(kept) : null;
  return text !== null ? { text, truncated } : { base64: toBase64(kept), truncated };
}

/**
 * The text of the first bytes of a valid text message, cut at a character boundary: a cap may
 * fall inside a UTF-8 sequence (at most 3 bytes of one). Null if they are not UTF-8 after all.
 */
function textPrefix(data: Uint8Array): string | null {
  for (let cut = 0; cut <= 3 && cut <= data.length; cut++) {
    const text = decodeUtf8Strict(cut === 0 ? data : data.subarray(0, data.length - cut));
    if (text !== null) return text;
  }
  return null;
}

/** Something the hub can hold and send: a plain event, or a record that becomes one in JSON. */
export interface LazyEvent<T> {
  readonly type: string;
  /** Payload bytes this record keeps alive, for the hub's memory budget. */
  readonly weight: number;
  /** The event as an object, for JSON.stringify and for reading in-process. */
  toJSON(): T;
  /** The same event written straight to JSON text: the hub's hot path, equal to JSON.stringify(toJSON()). */
  json(): string;
}

function payloadJson(view: PayloadView): string {
  const body = view.text !== undefined ? `"text":${JSON.stringify(view.text)}` : `"base64":"${view.base64}"`;
  return `{${body},"truncated":${view.truncated}}`;
}

export class LazyFrameEvent implements LazyEvent<TapFrameEvent> {
  readonly type = 'frame';
  readonly weight: number;
  private readonly frame: Frame;
  /** Set when a frame at fault stopped short of its announced length. */
  private readonly payloadReceived: number | undefined;

  constructor(
    readonly conn: string,
    readonly t: number,
    readonly dir: Direction,
    readonly seq: number,
    frame: Frame,
    // Continuations take the type of the message they continue.
    private readonly textMessage: boolean,
    cap: number,
  ) {
    if (frame.payload.length < frame.payloadLength && frame.violation)
      this.payloadReceived = frame.payload.length;
    // Hold on to a big payload's first `cap` bytes only, so the history does not keep it alive.
    this.frame = frame.payload.length > cap ? { ...frame, payload: keep(frame.payload, cap) } : frame;
    this.weight = this.frame.payload.length + frame.header.length;
  }

  toJSON(): TapFrameEvent {
    const { frame } = this;
    const opcode = frame.opcode;
    const event: TapFrameEvent = {
      type: 'frame',
      conn: this.conn,
      t: this.t,
      dir: this.dir,
      seq: this.seq,
      offset: frame.offset,
      fin: frame.fin,
      rsv1: frame.rsv1,
      rsv2: frame.rsv2,
      rsv3: frame.rsv3,
      opcode,
      opcodeName: opcodeName(opcode) as OpcodeName,
      masked: frame.masked,
      maskKey: frame.maskKey ? toHex(frame.maskKey) : null,
      payloadLength: frame.payloadLength,
      headerHex: toHex(frame.header),
      payload: payloadView(frame.payload, frame.payloadLength, this.asText()),
    };
    if (frame.close) {
      event.closeCode = frame.close.code;
      event.closeReason = frame.close.reason;
    }
    if (frame.violation) event.violation = frame.violation;
    if (this.payloadReceived !== undefined) event.payloadReceived = this.payloadReceived;
    return event;
  }

  json(): string {
    const { frame } = this;
    const maskKey = frame.maskKey ? `"${toHex(frame.maskKey)}"` : 'null';
    const payload = payloadJson(payloadView(frame.payload, frame.payloadLength, this.asText()));
    const close = frame.close
      ? `,"closeCode":${frame.close.code},"closeReason":${JSON.stringify(frame.close.reason)}`
      : '';
    const fault =
      (frame.violation ? `,"violation":${JSON.stringify(frame.violation)}` : '') +
      (this.payloadReceived !== undefined ? `,"payloadReceived":${this.payloadReceived}` : '');
    return (
      `{"type":"frame","conn":${JSON.stringify(this.conn)},"t":${this.t},"dir":"${this.dir}","seq":${this.seq},` +
      `"offset":${frame.offset},"fin":${frame.fin},"rsv1":${frame.rsv1},"rsv2":${frame.rsv2},"rsv3":${frame.rsv3},` +
      `"opcode":${frame.opcode},"opcodeName":"${opcodeName(frame.opcode)}","masked":${frame.masked},"maskKey":${maskKey},` +
      `"payloadLength":${frame.payloadLength},"headerHex":"${toHex(frame.header)}","payload":${payload}${close}${fault}}`
    );
  }

  // Ping and pong bodies are shown as text; a close body (2-byte code first) as bytes beside its
  // parsed closeCode and closeReason; compressed payloads as bytes until inflated.
  private asText(): boolean {
    const { opcode, rsv1 } = this.frame;
    return (
      !rsv1 &&
      (opcode === Opcode.TEXT ||
        (opcode === Opcode.CONTINUATION && this.textMessage) ||
        opcode === Opcode.PING ||
        opcode === Opcode.PONG)
    );
  }
}

export class LazyMessageEvent implements LazyEvent<TapMessageEvent> {
  readonly type = 'message';
  readonly weight: number;
  private readonly data: Uint8Array;
  private readonly text: string | undefined;
  private readonly size: number;
  private readonly opcode: typeof Opcode.TEXT | typeof Opcode.BINARY;
  private readonly frames: number;
  private readonly compressed: boolean;

  /**
   * `message` is as decoded; for a compressed one, pass the inflated message (with `text` set
   * when it is valid text) and the size it had on the wire.
   */
  constructor(
    readonly conn: string,
    readonly t: number,
    readonly dir: Direction,
    message: Message,
    cap: number,
    private readonly compressedSize?: number,
  ) {
    this.opcode = message.opcode;
    this.frames = message.frames;
    this.compressed = message.compressed;
    this.size = message.data.length;
    this.data = keep(message.data, cap);
    // The decoder already decoded the text to validate it; reuse it unless it must be cut.
    this.text = this.size <= cap ? message.text : undefined;
    this.weight = this.data.length;
  }

  toJSON(): TapMessageEvent {
    const isText = this.isText();
    const event: TapMessageEvent = {
      type: 'message',
      conn: this.conn,
      t: this.t,
      dir: this.dir,
      opcodeName: this.opcode === Opcode.TEXT ? 'text' : 'binary',
      size: this.size,
      frames: this.frames,
      compressed: this.compressed,
      ...(this.compressedSize !== undefined ? { compressedSize: this.compressedSize } : {}),
      truncated: this.size > this.data.length,
    };
    const text = isText ? (this.text ?? textPrefix(this.data)) : null;
    if (text !== null) event.text = text;
    else event.base64 = toBase64(this.data);
    return event;
  }

  json(): string {
    const text = this.isText() ? (this.text ?? textPrefix(this.data)) : null;
    const body = text !== null ? `"text":${JSON.stringify(text)}` : `"base64":"${toBase64(this.data)}"`;
    return (
      `{"type":"message","conn":${JSON.stringify(this.conn)},"t":${this.t},"dir":"${this.dir}",` +
      `"opcodeName":"${this.opcode === Opcode.TEXT ? 'text' : 'binary'}","size":${this.size},"frames":${this.frames},` +
      `"compressed":${this.compressed},${this.compressedSize !== undefined ? `"compressedSize":${this.compressedSize},` : ''}` +
      `"truncated":${this.size > this.data.length},${body}}`
    );
  }

  // Compressed text is shown as text once inflated; still-compressed bytes stay base64 (RFC 7692).
  private isText(): boolean {
    return this.opcode === Opcode.TEXT && (!this.compressed || this.compressedSize !== undefined);
  }
}

/** A plain event, or a record that turns into one when serialised. */
export type Publishable = TapEvent | LazyEvent<TapEvent>;

/** A batch as the JSON array sent on `/tap`; lazy records write their own JSON. */
export function serialise(batch: readonly Publishable[]): string {
  let out = '[';
  for (let i = 0; i < batch.length; i++) {
    const event = batch[i]!;
    if (i > 0) out += ',';
    out += 'json' in event ? event.json() : JSON.stringify(event);
  }
  return `${out}]`;
}
