import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeFrame } from '../../../core/wire/describe';
import type { Direction } from '../../../core/wire/direction';
import type { Frame } from '../../../core/wire/frame';
import { FrameDecoder } from '../../../core/wire/frame-decoder';
import { opcodeName } from '../../../core/wire/opcodes';
import { hex } from './helpers';

/** describeFrame of every frame the decoder finds in `bytes`, the frame at fault included. */
function describeFrames(bytes: Uint8Array, sender: Direction): string[] {
  const decoder = new FrameDecoder({ sender, allowRsv1: true });
  return [...decoder.push(bytes), ...decoder.end()].flatMap((event) =>
    event.type === 'frame' ? [describeFrame(event.frame, sender)] : [],
  );
}

describe('describeFrame', () => {
  it('describes the RFC 6455 §5.7 frames in one line each', () => {
    expect(describeFrames(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), 'client')).toEqual(['→ text 5 B "Hello"']);
    expect(describeFrames(hex('01 03 48 65 6c 80 02 6c 6f'), 'server')).toEqual([
      '← text 3 B "Hel" (not FIN)',
      '← continuation 2 B "lo"',
    ]);
    expect(describeFrames(hex('82 03 01 02 03 88 02 03 e8'), 'server')).toEqual([
      '← binary 3 B 01 02 03',
      '← close 1000 normal',
    ]);
  });

  it("shows a continuation as its message's type: a binary message's zero bytes stay bytes", () => {
    const decoder = new FrameDecoder({ sender: 'server' });
    const frames = decoder
      .push(hex('02 02 00 00 80 02 00 01'))
      .flatMap((event) => (event.type === 'frame' ? [event.frame] : []));
    expect(frames.map((frame) => describeFrame(frame, 'server', 0x2))).toEqual([
      '← binary 2 B 00 00 (not FIN)',
      '← continuation 2 B 00 01',
    ]);
    expect(describeFrame(frames[1], 'server', 0x1)).toBe('← continuation 2 B "\\u0000\\u0001"');
  });

  it('shows a compressed text frame as its bytes, not as garbled text', () => {
    // "Hello" deflated (RFC 7692 §7.2.3.1), on a text frame with RSV1 set.
    expect(describeFrames(hex('c1 07 f2 48 cd c9 c9 07 00'), 'server')).toEqual([
      '← text 7 B f2 48 cd c9 c9 07 00 (RSV1)',
    ]);
  });

  it('describes the frame at fault with the rule it broke', () => {
    expect(describeFrames(hex('81 05 48 65'), 'client')).toEqual([
      '→ text 5 B "He" (violates §5.1: EXPECTED_MASK, close 1002)',
    ]);
  });

  it('shows a payload that is not UTF-8 on its own as bytes, never as U+FFFD', () => {
    // A text fragment that ends inside "é" (c3 a9), then the rest of it; a ping carrying bytes.
    expect(describeFrames(hex('01 02 61 c3  80 01 a9  89 02 ff 00'), 'server')).toEqual([
      '← text 2 B 61 c3 (not FIN)',
      '← continuation 1 B a9',
      '← ping 2 B ff 00',
    ]);
  });

  it('describes frames the decoder made, with the close code and reason', () => {
    const events = new FrameDecoder({ sender: 'server' }).push(hex('88 05 0f a0 62 79 65'));
    const frame = events.find((event) => event.type === 'frame');
    expect(frame && frame.type === 'frame' && describeFrame(frame.frame, 'server')).toBe(
      '← close 4000 private "bye"',
    );
  });

  it('never throws on whatever frames arbitrary bytes decode to', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.constantFrom('client', 'server') as fc.Arbitrary<Direction>,
        (bytes, sender) => {
          const lines = describeFrames(bytes, sender);
          expect(Array.isArray(lines)).toBe(true);
          for (const line of lines) expect(typeof line).toBe('string');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary objects posing as frames', () => {
    const hostile = fc.oneof(
      fc.anything(),
      fc.record(
        {
          opcode: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(undefined)),
          payloadLength: fc.oneof(fc.integer(), fc.double(), fc.string()),
          payload: fc.oneof(fc.uint8Array({ maxLength: 60 }), fc.anything()),
          fin: fc.anything(),
          rsv1: fc.anything(),
          close: fc.oneof(fc.anything(), fc.record({ code: fc.anything(), reason: fc.anything() })),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(
        hostile,
        fc.constantFrom('client', 'server', undefined) as fc.Arbitrary<Direction | undefined>,
        (value, sender) => {
          expect(typeof describeFrame(value as Partial<Frame>, sender)).toBe('string');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('survives frames whose fields throw when read', () => {
    const trap = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
      },
    );
    expect(describeFrame(trap as Partial<Frame>)).toBe('(unreadable frame)');
    expect(describeFrame({ opcode: 8, close: trap as Frame['close'] })).toBe('(unreadable frame)');
    expect(describeFrame({ opcode: 1, payload: Symbol('x') as unknown as Uint8Array })).toBe('text 0 B');
  });

  it('calls a value that is no 4-bit opcode unknown rather than a reserved opcode', () => {
    expect(describeFrame({ opcode: 0x10, payloadLength: 0 })).toBe('unknown 0 B');
    expect(describeFrame({ opcode: 1.5, payloadLength: 2 })).toBe('unknown 2 B');
    expect(describeFrame({ opcode: 0xb, payloadLength: 0 })).toBe('reserved-0xb 0 B');
  });

  it('names every opcode, the reserved ones included', () => {
    expect(Array.from({ length: 16 }, (_, opcode) => opcodeName(opcode))).toEqual([
      'continuation',
      'text',
      'binary',
      'reserved-0x3',
      'reserved-0x4',
      'reserved-0x5',
      'reserved-0x6',
      'reserved-0x7',
      'close',
      'ping',
      'pong',
      'reserved-0xb',
      'reserved-0xc',
      'reserved-0xd',
      'reserved-0xe',
      'reserved-0xf',
    ]);
  });
});
