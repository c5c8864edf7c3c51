import { describe, expect, it } from 'vitest';
import type { Direction } from '../../../core/wire/direction';
import type { Frame, Message } from '../../../core/wire/frame';
import { FrameDecoder } from '../../../core/wire/frame-decoder';
import { encodeClosePayload, encodeFrame } from '../../../core/wire/frame-encoder';
import { serialise } from '../../../server/tap/event-log';
import { LazyFrameEvent, LazyMessageEvent } from '../../../server/tap/frame-events';

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
});
