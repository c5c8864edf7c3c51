import { describe, expect, it } from 'vitest';
import type { TapFrameEvent, TapMessageEvent } from '../../../core/tap/events';
import { LazyFrameEvent, LazyMessageEvent, serialise } from '../../../core/tap/lazy-events';
import type { Direction } from '../../../core/wire/direction';
import type { Frame, Message } from '../../../core/wire/frame';
import { FrameDecoder } from '../../../core/wire/frame-decoder';
import { encodeClosePayload, encodeFrame } from '../../../core/wire/frame-encoder';
import { hex } from '../wire/helpers';

function decode(bytes: Uint8Array, sender: Direction = 'client'): { frames: Frame[]; messages: Message[] } {
  const events = new FrameDecoder({ sender, allowRsv1: true }).push(bytes);
  return {
    frames: events.flatMap((e) => (e.type === 'frame' ? [e.frame] : [])),
    messages: events.flatMap((e) => (e.type === 'message' ? [e.message] : [])),
  };
}

const key = Uint8Array.of(1, 2, 3, 4);
const samples: [string, Uint8Array][] = [
  [
    'text with quotes, a newline and an emoji',
    encodeFrame({ opcode: 1, payload: 'say "hi"\n😀\u2028', mask: key }),
  ],
  ['binary', encodeFrame({ opcode: 2, payload: Uint8Array.of(0, 255, 7), mask: key })],
  ['an empty ping', encodeFrame({ opcode: 9, mask: key })],
  [
    'a close with a reason',
    encodeFrame({ opcode: 8, payload: encodeClosePayload(4000, 'bye "now"'), mask: key }),
  ],
  ['a close with no body', encodeFrame({ opcode: 8, mask: key })],
  [
    'a compressed text frame',
    encodeFrame({ opcode: 1, rsv1: true, payload: Uint8Array.of(0xf2, 0x48, 0x05, 0), mask: key }),
  ],
  ['a long text', encodeFrame({ opcode: 1, payload: 'é'.repeat(100), mask: key })],
];

describe('lazy tap records', () => {
  it.each(samples)('write the same JSON by hand as JSON.stringify does for %s', (_name, bytes) => {
    const { frames, messages } = decode(bytes);
    for (const cap of [8, 65536]) {
      for (const frame of frames) {
        const record = new LazyFrameEvent('c1', 12.5, 'client', 3, frame, true, cap);
        expect(JSON.parse(record.json())).toEqual(JSON.parse(JSON.stringify(record.toJSON())));
        expect(record.json()).toBe(JSON.stringify(record.toJSON()));
      }
      for (const message of messages) {
        const record = new LazyMessageEvent('c1', 12.5, 'client', message, cap);
        expect(record.json()).toBe(JSON.stringify(record.toJSON()));
      }
    }
  });

  it('keeps only the capped bytes of a big payload alive, and says it was truncated', () => {
    const { frames, messages } = decode(
      encodeFrame({ opcode: 2, payload: new Uint8Array(100_000), mask: key }),
    );
    const record = new LazyFrameEvent('c1', 0, 'client', 0, frames[0]!, false, 1024);
    expect(record.weight).toBeLessThan(1100);
    expect(record.toJSON()).toMatchObject({ payloadLength: 100_000, payload: { truncated: true } });
    const message = new LazyMessageEvent('c1', 0, 'client', messages[0]!, 1024);
    expect(message.weight).toBe(1024);
    expect(message.toJSON()).toMatchObject({ size: 100_000, truncated: true });
  });

  it('serialises a batch mixing plain events and records as one JSON array', () => {
    const { frames } = decode(samples[0]![1]);
    const batch = [
      { type: 'dropped' as const, count: 2, t: 1 },
      new LazyFrameEvent('c1', 2, 'client', 0, frames[0]!, false, 64),
    ];
    const parsed = JSON.parse(serialise(batch)) as { type: string }[];
    expect(parsed.map((e) => e.type)).toEqual(['dropped', 'frame']);
  });

  it('writes the same JSON by hand as JSON.stringify does for a frame at fault', () => {
    const events = new FrameDecoder({ sender: 'client' }).push(hex('c1 81 01 02 03 04 60'));
    const frame = events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []))[0]!;
    const record = new LazyFrameEvent('c1', 1, 'client', 0, frame, false, 1024);
    expect(record.json()).toBe(JSON.stringify(record.toJSON()));
  });
});

/** The tap's JSON for each frame and message of a stream, as a subscriber receives it. */
function tapEvents(
  bytes: Uint8Array,
  sender: Direction,
  end = false,
  cap = 65536,
): (TapFrameEvent | TapMessageEvent)[] {
  const decoder = new FrameDecoder({ sender });
  const decoded = [...decoder.push(bytes), ...(end ? decoder.end() : [])];
  let textMessage = false;
  return decoded.flatMap((event): (TapFrameEvent | TapMessageEvent)[] => {
    if (event.type === 'frame') {
      if (event.frame.opcode === 1 || event.frame.opcode === 2) textMessage = event.frame.opcode === 1;
      const record = new LazyFrameEvent('c1', 0, sender, 0, event.frame, textMessage, cap);
      return [JSON.parse(record.json()) as TapFrameEvent];
    }
    if (event.type === 'message') {
      return [
        JSON.parse(new LazyMessageEvent('c1', 0, sender, event.message, cap).json()) as TapMessageEvent,
      ];
    }
    return [];
  });
}

const b64 = (text: string) => Buffer.from(hex(text)).toString('base64');

describe('exact payloads', () => {
  it('gives a ping carrying bytes as base64 of exactly those bytes', () => {
    const [ping] = tapEvents(hex('89 04 ff 00 c3 80'), 'server');
    expect(ping).toMatchObject({
      opcodeName: 'ping',
      payload: { base64: b64('ff 00 c3 80'), truncated: false },
    });
    expect(ping).not.toHaveProperty('payload.text');
  });

  it('gives a ping carrying UTF-8 text as text', () => {
    const [ping] = tapEvents(hex('89 03 68 c3 a9'), 'server');
    expect(ping).toMatchObject({ payload: { text: 'hé', truncated: false } });
  });

  it('gives both fragments of "é" split across two text frames as base64, and the message as text', () => {
    // "a" + c3 | a9: the first fragment ends inside the 2-byte sequence of "é".
    const [first, second, message] = tapEvents(hex('01 02 61 c3  80 01 a9'), 'server');
    expect(first).toMatchObject({ payload: { base64: b64('61 c3'), truncated: false } });
    expect(second).toMatchObject({ payload: { base64: b64('a9'), truncated: false } });
    expect(message).toMatchObject({ type: 'message', text: 'aé', size: 3, frames: 2 });
  });

  it('gives a continuation frame of a text message as text only when its own bytes are UTF-8', () => {
    const [, second] = tapEvents(hex('01 02 61 c3  80 03 a9 62 63'), 'server').filter(
      (e) => e.type === 'frame',
    );
    expect(second).toMatchObject({ payload: { base64: b64('a9 62 63'), truncated: false } });
    const [, whole] = tapEvents(hex('01 01 61  80 02 c3 a9'), 'server');
    expect(whole).toMatchObject({ payload: { text: 'é', truncated: false } });
  });

  it('gives a text payload that the cap cuts inside a character as base64 of the bytes kept', () => {
    // "aé" is 61 c3 a9; a 2-byte cap keeps 61 c3.
    const [frame, message] = tapEvents(hex('81 03 61 c3 a9'), 'server', false, 2);
    expect(frame).toMatchObject({ payload: { base64: b64('61 c3'), truncated: true } });
    // A message is known to be text: its kept start is cut back to the last whole character.
    expect(message).toMatchObject({ text: 'a', size: 3, truncated: true });
  });

  it('carries the violation of a frame at fault into its event, and what came of a payload cut short', () => {
    // A ping announcing 126 bytes (RFC 6455 §5.5 allows 125), of which 3 came before the stream ended.
    const [ping] = tapEvents(hex('89 7e 00 7e ff 02 03'), 'server', true);
    expect(ping).toMatchObject({
      opcodeName: 'ping',
      payloadLength: 126,
      payloadReceived: 3,
      payload: { base64: b64('ff 02 03'), truncated: true },
      violation: { code: 'CONTROL_PAYLOAD_TOO_LONG', section: '§5.5', closeCode: 1002 },
    });
  });

  it('points at the bad bytes of a text frame that is not UTF-8', () => {
    const [frame] = tapEvents(hex('81 04 61 62 ff 63'), 'server');
    expect(frame).toMatchObject({
      payload: { base64: b64('61 62 ff 63') },
      violation: { code: 'INVALID_UTF8', section: '§8.1', closeCode: 1007, payloadRange: [2, 3] },
    });
  });
});
