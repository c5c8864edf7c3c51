// Turns the wire core's decoded values into tap events. Runs once per frame: keep it cheap.
import type { Frame, Message } from '../wire/frame';
import { type OpcodeName, opcodeName } from '../wire/opcodes';
import type { Direction, FrameEvent, MessageEvent, PayloadView } from './events';

const textDecoder = new TextDecoder('utf-8');

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}

/** A payload for an event, cut to `cap` bytes; text payloads are shown as text. */
export function payloadView(bytes: Uint8Array, asText: boolean, cap: number): PayloadView {
  const truncated = bytes.length > cap;
  const shown = truncated ? bytes.subarray(0, cap) : bytes;
  // A fragment may end inside a UTF-8 sequence: the preview shows U+FFFD there, the byte count stays exact.
  return asText ? { text: textDecoder.decode(shown), truncated } : { base64: base64(shown), truncated };
}

export function frameEvent(
  conn: string,
  t: number,
  dir: Direction,
  seq: number,
  frame: Frame,
  textMessage: boolean,
  cap: number,
): FrameEvent {
  const name = opcodeName(frame.opcode) as OpcodeName;
  // Continuations take the type of the message they continue; ping and pong bodies are shown as
  // text, a close body (2-byte code first) as bytes beside its parsed closeCode and closeReason.
  const asText =
    frame.opcode === 1 || (frame.opcode === 0 && textMessage) || frame.opcode === 9 || frame.opcode === 10;
  const event: FrameEvent = {
    type: 'frame',
    conn,
    t,
    dir,
    seq,
    offset: frame.offset,
    fin: frame.fin,
    rsv1: frame.rsv1,
    rsv2: frame.rsv2,
    rsv3: frame.rsv3,
    opcode: frame.opcode,
    opcodeName: name,
    masked: frame.masked,
    maskKey: frame.maskKey ? hex(frame.maskKey) : null,
    payloadLength: frame.payloadLength,
    headerHex: hex(frame.header),
    payload: payloadView(frame.payload, asText && !frame.rsv1, cap),
  };
  if (frame.close) {
    event.closeCode = frame.close.code;
    event.closeReason = frame.close.reason;
  }
  return event;
}

export function messageEvent(
  conn: string,
  t: number,
  dir: Direction,
  message: Message,
  cap: number,
): MessageEvent {
  const isText = message.opcode === 1 && message.text !== undefined;
  const truncated = message.data.length > cap;
  const event: MessageEvent = {
    type: 'message',
    conn,
    t,
    dir,
    opcodeName: message.opcode === 1 ? 'text' : 'binary',
    size: message.data.length,
    frames: message.frames,
    compressed: message.compressed,
    truncated,
  };
  if (isText) {
    const text = message.text!;
    event.text = truncated ? textDecoder.decode(message.data.subarray(0, cap)) : text;
  } else {
    event.base64 = base64(truncated ? message.data.subarray(0, cap) : message.data);
  }
  return event;
}
