import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/wire/bytes';
import type { Frame } from '../../../core/wire/frame';
import { FrameDecoder } from '../../../core/wire/frame-decoder';
import { encodeClose, encodeFrame, type FrameSpec } from '../../../core/wire/frame-encoder';
import { announcedLengthForm } from '../../../core/wire/frame-header';
import { Opcode } from '../../../core/wire/opcodes';
import { cutPoints, type PlannedStream, validStream } from './arbitraries';
import { decodeChunks, errors, firstDifference, fixedMask, frames, hex, messages, splitAt } from './helpers';

/** The spec that serialises to exactly this frame's bytes: decoding and encoding are inverses. */
function specOf(frame: Frame): FrameSpec {
  const len7 = frame.header[1]! & 0x7f;
  return {
    opcode: frame.opcode,
    payload: frame.payload,
    fin: frame.fin,
    rsv1: frame.rsv1,
    rsv2: frame.rsv2,
    rsv3: frame.rsv3,
    mask: frame.maskKey ?? false,
    lengthForm: announcedLengthForm(len7),
  };
}

function checkStream(stream: PlannedStream, points: number[]): void {
  const { events, decoder } = decodeChunks(splitAt(stream.bytes, points), { sender: stream.sender });
  expect(errors(events)).toEqual([]);
  const decoded = frames(events);
  expect(decoded).toHaveLength(stream.frames.length);
  decoded.forEach((frame, i) => {
    const planned = stream.frames[i]!;
    expect({ fin: frame.fin, opcode: frame.opcode, masked: frame.masked, close: frame.close }).toEqual({
      fin: planned.fin,
      opcode: planned.opcode,
      masked: planned.maskKey !== null,
      close: planned.close,
    });
    expect(frame.rsv1 || frame.rsv2 || frame.rsv3).toBe(false);
    expect(frame.maskKey).toEqual(planned.maskKey);
    expect(frame.payloadLength).toBe(planned.payload.length);
    expect(firstDifference(frame.payload, planned.payload), `payload of frame ${i}`).toBeNull();
    // The header and payload serialise back to exactly the bytes on the wire.
    const wire = stream.bytes.subarray(
      frame.offset,
      frame.offset + frame.header.length + frame.payloadLength,
    );
    expect(firstDifference(encodeFrame(specOf(frame)), wire), `bytes of frame ${i}`).toBeNull();
  });
  const decodedMessages = messages(events);
  expect(decodedMessages).toHaveLength(stream.messages.length);
  decodedMessages.forEach((message, i) => {
    const planned = stream.messages[i]!;
    expect({ opcode: message.opcode, text: message.text, frames: message.frames }).toEqual({
      opcode: planned.opcode,
      text: planned.text,
      frames: planned.frames,
    });
    expect(firstDifference(message.data, planned.data), `data of message ${i}`).toBeNull();
    expect(message.compressed).toBe(false);
  });
  expect(decoder.state).toBe(stream.closed ? 'closed' : 'open');
  expect(decoder.midFrame).toBe(false);
}

describe('encode → decode round trips', () => {
  const shapes: [string, FrameSpec][] = [
    ['an empty unmasked text frame', { opcode: Opcode.TEXT }],
    [
      'a masked 125-byte binary frame, the longest 7-bit length',
      { opcode: Opcode.BINARY, payload: new Uint8Array(125).fill(7), mask: true },
    ],
    [
      'a 126-byte frame, the shortest 16-bit length',
      { opcode: Opcode.BINARY, payload: new Uint8Array(126).fill(1) },
    ],
    [
      'a 65535-byte frame, the longest 16-bit length',
      { opcode: Opcode.BINARY, payload: new Uint8Array(65535).fill(2), mask: true },
    ],
    [
      'a 65536-byte frame, the shortest 64-bit length',
      { opcode: Opcode.BINARY, payload: new Uint8Array(65536).fill(3) },
    ],
    [
      'a text frame in a forced 64-bit length form',
      { opcode: Opcode.TEXT, payload: 'héllo', lengthForm: 64, mask: true },
    ],
    ['a non-final text frame', { opcode: Opcode.TEXT, payload: 'part', fin: false }],
    ['a ping with 125 bytes', { opcode: Opcode.PING, payload: new Uint8Array(125).fill(9), mask: true }],
  ];
  for (const [name, spec] of shapes) {
    it(`decodes ${name} back to what was encoded, and re-encodes it to the same bytes`, () => {
      const sender = spec.mask ? 'client' : 'server';
      const bytes = encodeFrame(spec, fixedMask('a1b2c3d4'));
      const [frame] = frames(new FrameDecoder({ sender }).push(bytes));
      expect(frame).toBeDefined();
      expect(frame!.opcode).toBe(spec.opcode);
      expect(frame!.fin).toBe(spec.fin ?? true);
      expect(toHex(frame!.maskKey ?? new Uint8Array(0))).toBe(spec.mask ? 'a1b2c3d4' : '');
      const payload =
        typeof spec.payload === 'string' ? new TextEncoder().encode(spec.payload) : spec.payload;
      expect(firstDifference(frame!.payload, payload ?? new Uint8Array(0))).toBeNull();
      expect(firstDifference(encodeFrame(specOf(frame!)), bytes)).toBeNull();
    });
  }

  it('encodes the RFC 6455 §5.7 masked "Hello" byte for byte', () => {
    const bytes = encodeFrame({ opcode: Opcode.TEXT, payload: 'Hello', mask: true }, fixedMask('37fa213d'));
    expect(toHex(bytes)).toBe('818537fa213d7f9f4d5158');
  });

  it('refuses a forced length form too short for the payload, and a key that is not 4 bytes', () => {
    const payload = new Uint8Array(126);
    expect(() => encodeFrame({ opcode: Opcode.BINARY, payload, lengthForm: 7 })).toThrow(RangeError);
    expect(() =>
      encodeFrame({ opcode: Opcode.BINARY, payload: new Uint8Array(65536), lengthForm: 16 }),
    ).toThrow(RangeError);
    expect(() => encodeFrame({ opcode: Opcode.TEXT, payload: 'hi', mask: hex('0102') })).toThrow(RangeError);
    expect(() =>
      encodeFrame({ opcode: Opcode.TEXT, payload: 'hi', mask: true }, () => new Uint8Array(5)),
    ).toThrow(RangeError);
    // A longer form than needed is fine: RFC 6455 §5.2 asks for the minimal one, peers accept any.
    expect(toHex(encodeFrame({ opcode: Opcode.BINARY, payload: Uint8Array.of(1), lengthForm: 16 }))).toBe(
      '827e000101',
    );
  });

  it('encodes close frames with and without a code', () => {
    expect(toHex(encodeClose(1000, 'bye'))).toBe('880503e8627965');
    expect(toHex(encodeClose())).toBe('8800');
    expect(toHex(encodeClose(1001, '', hex('00000000')))).toBe('88820000000003e9');
  });

  it('decodes a masked 300 000-byte frame fed in 1 000-byte chunks, growing its buffer on the way', () => {
    const payload = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 13) & 0xff);
    const bytes = encodeFrame({ opcode: Opcode.BINARY, payload, mask: true }, fixedMask('0badf00d'));
    const points = Array.from({ length: Math.floor(bytes.length / 1000) }, (_, i) => (i + 1) * 1000 - 7);
    const { events } = decodeChunks(splitAt(bytes, points), { sender: 'client' });
    expect(errors(events)).toEqual([]);
    expect(firstDifference(messages(events)[0]?.data, payload)).toBeNull();
    expect(frames(events)[0]!.payload.length).toBe(300_000);
  });
});

describe('property: random valid frame streams decode to what was encoded', () => {
  for (const sender of ['client', 'server'] as const) {
    it(`decodes random ${sender} streams cut at random points`, () => {
      fc.assert(
        fc.property(
          validStream(sender).chain((stream) =>
            fc.tuple(fc.constant(stream), cutPoints(stream.bytes.length)),
          ),
          ([stream, points]) => checkStream(stream, points),
        ),
        { numRuns: 300 },
      );
    });
  }

  it('decodes one random stream identically under every chunking', () => {
    fc.assert(
      fc.property(
        validStream('client', { maxItems: 3 }).chain((stream) =>
          fc.tuple(fc.constant(stream), cutPoints(stream.bytes.length), cutPoints(stream.bytes.length)),
        ),
        ([stream, a, b]) => {
          const first = decodeChunks(splitAt(stream.bytes, a), { sender: 'client' }).events;
          const second = decodeChunks(splitAt(stream.bytes, b), { sender: 'client' }).events;
          expect(firstDifference(first, second)).toBeNull();
        },
      ),
      { numRuns: 200 },
    );
  });
});
