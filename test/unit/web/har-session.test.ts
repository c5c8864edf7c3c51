import { describe, expect, it } from 'vitest';
import type { TapFrameEvent, TapMessageEvent } from '../../../core/tap/events';
import { toBase64 } from '../../../core/wire/bytes';
import { type Recording, recordingBatch } from '../../../web/inspector/har-session';

function message(text: string | null, size: number): TapMessageEvent {
  return {
    type: 'message',
    conn: 'har1',
    t: 1,
    dir: 'server',
    opcodeName: text === null ? 'binary' : 'text',
    size,
    frames: 1,
    compressed: false,
    ...(text === null ? { base64: toBase64(new Uint8Array(size)) } : { text }),
    truncated: false,
  };
}

function browserRecording(...messages: TapMessageEvent[]): Recording {
  return {
    ok: true,
    source: 'chrome',
    creator: { name: 'test', version: '1' },
    epoch: 0,
    connections: [{ conn: 'har1', url: 'ws://127.0.0.1/', source: 'chrome', events: messages }],
    warnings: [],
    name: 'session.har',
  };
}

describe('a browser HAR opened in the page', () => {
  it('stands each message for one unmasked frame with the header its length calls for', () => {
    const batch = recordingBatch(
      browserRecording(message('hi', 2), message(null, 126), message('x'.repeat(70_000), 70_000)),
    );
    const frames = batch.events.filter((event): event is TapFrameEvent => event.type === 'frame');
    // RFC 6455 §5.2: a 7-bit length up to 125, then 126 + 16 bits, then 127 + 64 bits.
    expect(frames.map((frame) => frame.headerHex)).toEqual(['8102', '827e007e', '817f0000000000011170']);
    expect(frames.map((frame) => frame.payloadLength)).toEqual([2, 126, 70_000]);
    expect(frames.map((frame) => frame.seq)).toEqual([0, 1, 2]);
  });
});
