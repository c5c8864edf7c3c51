import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/wire/bytes';
import type { Direction } from '../../../core/wire/direction';
import { FrameDecoder } from '../../../core/wire/frame-decoder';
import { concat, decodeEverySplit, errors, frames, hex, messages } from './helpers';

const HELLO = toHex(new TextEncoder().encode('Hello'));

function pattern(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + 3) & 0xff);
}

interface ExpectedFrame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  maskKey?: string;
  header: string;
  payload: string;
  close?: { code: number | null; reason: string };
}

interface ExpectedMessage {
  opcode: 1 | 2;
  data: string;
  text?: string;
  frames: number;
}

interface Fixture {
  name: string;
  sender: Direction;
  bytes: Uint8Array;
  frames: ExpectedFrame[];
  messages: ExpectedMessage[];
  state: 'open' | 'closed';
}

const binary256 = pattern(256);
const binary65536 = pattern(65536);

const fixtures: Fixture[] = [
  {
    // RFC 6455 §5.7: a single-frame unmasked text message.
    name: 'a single-frame unmasked text message "Hello" (RFC 6455 §5.7)',
    sender: 'server',
    bytes: hex('81 05 48 65 6c 6c 6f'),
    frames: [{ fin: true, opcode: 1, masked: false, header: '8105', payload: HELLO }],
    messages: [{ opcode: 1, data: HELLO, text: 'Hello', frames: 1 }],
    state: 'open',
  },
  {
    name: 'a single-frame masked text message "Hello" with key 37fa213d (RFC 6455 §5.7)',
    sender: 'client',
    bytes: hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'),
    frames: [
      { fin: true, opcode: 1, masked: true, maskKey: '37fa213d', header: '818537fa213d', payload: HELLO },
    ],
    messages: [{ opcode: 1, data: HELLO, text: 'Hello', frames: 1 }],
    state: 'open',
  },
  {
    name: 'a fragmented unmasked text message "Hel" + "lo" (RFC 6455 §5.7)',
    sender: 'server',
    bytes: hex('01 03 48 65 6c  80 02 6c 6f'),
    frames: [
      { fin: false, opcode: 1, masked: false, header: '0103', payload: '48656c' },
      { fin: true, opcode: 0, masked: false, header: '8002', payload: '6c6f' },
    ],
    messages: [{ opcode: 1, data: HELLO, text: 'Hello', frames: 2 }],
    state: 'open',
  },
  {
    name: 'an unmasked ping "Hello" (RFC 6455 §5.7)',
    sender: 'server',
    bytes: hex('89 05 48 65 6c 6c 6f'),
    frames: [{ fin: true, opcode: 9, masked: false, header: '8905', payload: HELLO }],
    messages: [],
    state: 'open',
  },
  {
    name: 'a masked pong "Hello" (RFC 6455 §5.7)',
    sender: 'client',
    bytes: hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'),
    frames: [
      { fin: true, opcode: 10, masked: true, maskKey: '37fa213d', header: '8a8537fa213d', payload: HELLO },
    ],
    messages: [],
    state: 'open',
  },
  {
    name: 'a 256-byte unmasked binary message with a 16-bit length (RFC 6455 §5.7)',
    sender: 'server',
    bytes: concat(hex('82 7e 01 00'), binary256),
    frames: [{ fin: true, opcode: 2, masked: false, header: '827e0100', payload: toHex(binary256) }],
    messages: [{ opcode: 2, data: toHex(binary256), frames: 1 }],
    state: 'open',
  },
  {
    name: 'a 65536-byte unmasked binary message with a 64-bit length (RFC 6455 §5.7)',
    sender: 'server',
    bytes: concat(hex('82 7f 00 00 00 00 00 01 00 00'), binary65536),
    frames: [
      {
        fin: true,
        opcode: 2,
        masked: false,
        header: '827f0000000000010000',
        payload: toHex(binary65536),
      },
    ],
    messages: [{ opcode: 2, data: toHex(binary65536), frames: 1 }],
    state: 'open',
  },
  {
    name: 'a masked 200-byte binary message with a 16-bit length',
    sender: 'client',
    bytes: concat(
      hex('82 fe 00 c8 01 02 03 04'),
      pattern(200).map((byte, i) => byte ^ [1, 2, 3, 4][i % 4]!),
    ),
    frames: [
      {
        fin: true,
        opcode: 2,
        masked: true,
        maskKey: '01020304',
        header: '82fe00c801020304',
        payload: toHex(pattern(200)),
      },
    ],
    messages: [{ opcode: 2, data: toHex(pattern(200)), frames: 1 }],
    state: 'open',
  },
  {
    name: 'a close frame with code 1000 and reason "bye"',
    sender: 'server',
    bytes: hex('88 05 03 e8 62 79 65'),
    frames: [
      {
        fin: true,
        opcode: 8,
        masked: false,
        header: '8805',
        payload: '03e8627965',
        close: { code: 1000, reason: 'bye' },
      },
    ],
    messages: [],
    state: 'closed',
  },
  {
    // 1001 "going" masked with 37fa213d: 03^37 e9^fa 67^21 6f^3d 69^37 6e^fa 67^21
    name: 'a masked close frame with code 1001 and reason "going"',
    sender: 'client',
    bytes: hex('88 87 37 fa 21 3d 34 13 46 52 5e 94 46'),
    frames: [
      {
        fin: true,
        opcode: 8,
        masked: true,
        maskKey: '37fa213d',
        header: '888737fa213d',
        payload: '03e9676f696e67',
        close: { code: 1001, reason: 'going' },
      },
    ],
    messages: [],
    state: 'closed',
  },
  {
    name: 'an empty close frame',
    sender: 'server',
    bytes: hex('88 00'),
    frames: [
      { fin: true, opcode: 8, masked: false, header: '8800', payload: '', close: { code: null, reason: '' } },
    ],
    messages: [],
    state: 'closed',
  },
  {
    name: 'an empty masked close frame',
    sender: 'client',
    bytes: hex('88 80 de ad be ef'),
    frames: [
      {
        fin: true,
        opcode: 8,
        masked: true,
        maskKey: 'deadbeef',
        header: '8880deadbeef',
        payload: '',
        close: { code: null, reason: '' },
      },
    ],
    messages: [],
    state: 'closed',
  },
  {
    name: 'bytes after a close frame, which are ignored (RFC 6455 §5.5.1)',
    sender: 'server',
    bytes: hex('88 02 03 e8  81 02 68 69  ff ff'),
    frames: [
      {
        fin: true,
        opcode: 8,
        masked: false,
        header: '8802',
        payload: '03e8',
        close: { code: 1000, reason: '' },
      },
    ],
    messages: [],
    state: 'closed',
  },
  {
    name: 'a ping and a pong between the fragments of a text message (RFC 6455 §5.4)',
    sender: 'server',
    bytes: hex('01 03 48 65 6c  89 02 70 31  00 01 6c  8a 00  80 01 6f'),
    frames: [
      { fin: false, opcode: 1, masked: false, header: '0103', payload: '48656c' },
      { fin: true, opcode: 9, masked: false, header: '8902', payload: '7031' },
      { fin: false, opcode: 0, masked: false, header: '0001', payload: '6c' },
      { fin: true, opcode: 10, masked: false, header: '8a00', payload: '' },
      { fin: true, opcode: 0, masked: false, header: '8001', payload: '6f' },
    ],
    messages: [{ opcode: 1, data: HELLO, text: 'Hello', frames: 3 }],
    state: 'open',
  },
  {
    // "Hel" masked with 37fa213d, a masked ping "p" with 00000000, then "lo" with 37fa213d.
    name: 'a masked fragmented text message with a masked ping in the middle',
    sender: 'client',
    bytes: hex('01 83 37 fa 21 3d 7f 9f 4d  89 81 00 00 00 00 70  80 82 37 fa 21 3d 5b 95'),
    frames: [
      { fin: false, opcode: 1, masked: true, maskKey: '37fa213d', header: '018337fa213d', payload: '48656c' },
      { fin: true, opcode: 9, masked: true, maskKey: '00000000', header: '898100000000', payload: '70' },
      { fin: true, opcode: 0, masked: true, maskKey: '37fa213d', header: '808237fa213d', payload: '6c6f' },
    ],
    messages: [{ opcode: 1, data: HELLO, text: 'Hello', frames: 2 }],
    state: 'open',
  },
  {
    name: 'a close frame that arrives in the middle of a fragmented binary message',
    sender: 'server',
    bytes: hex('02 02 01 02  88 02 03 e9  80 01 03'),
    frames: [
      { fin: false, opcode: 2, masked: false, header: '0202', payload: '0102' },
      {
        fin: true,
        opcode: 8,
        masked: false,
        header: '8802',
        payload: '03e9',
        close: { code: 1001, reason: '' },
      },
    ],
    messages: [],
    state: 'closed',
  },
  {
    name: 'a two-byte UTF-8 character split across two fragments',
    sender: 'server',
    bytes: hex('01 02 63 c3  80 02 a9 21'),
    frames: [
      { fin: false, opcode: 1, masked: false, header: '0102', payload: '63c3' },
      { fin: true, opcode: 0, masked: false, header: '8002', payload: 'a921' },
    ],
    messages: [{ opcode: 1, data: '63c3a921', text: 'cé!', frames: 2 }],
    state: 'open',
  },
  {
    name: 'empty text and binary messages, one of them fragmented into empty frames',
    sender: 'server',
    bytes: hex('81 00  02 00 00 00 80 00'),
    frames: [
      { fin: true, opcode: 1, masked: false, header: '8100', payload: '' },
      { fin: false, opcode: 2, masked: false, header: '0200', payload: '' },
      { fin: false, opcode: 0, masked: false, header: '0000', payload: '' },
      { fin: true, opcode: 0, masked: false, header: '8000', payload: '' },
    ],
    messages: [
      { opcode: 1, data: '', text: '', frames: 1 },
      { opcode: 2, data: '', frames: 3 },
    ],
    state: 'open',
  },
  {
    // RFC 6455 §5.2 asks for the minimal length form but does not make the others an error, and
    // neither does `ws`: a 16-bit and a 64-bit length of 2 are read as 2.
    name: 'lengths written in a longer form than needed',
    sender: 'server',
    bytes: hex('82 7e 00 02 0a 0b  82 7f 00 00 00 00 00 00 00 02 0c 0d'),
    frames: [
      { fin: true, opcode: 2, masked: false, header: '827e0002', payload: '0a0b' },
      { fin: true, opcode: 2, masked: false, header: '827f0000000000000002', payload: '0c0d' },
    ],
    messages: [
      { opcode: 2, data: '0a0b', frames: 1 },
      { opcode: 2, data: '0c0d', frames: 1 },
    ],
    state: 'open',
  },
  {
    // A text message starting with a byte order mark keeps it: the bytes are the message.
    name: 'a text message that starts with U+FEFF',
    sender: 'server',
    bytes: hex('81 04 ef bb bf 41'),
    frames: [{ fin: true, opcode: 1, masked: false, header: '8104', payload: 'efbbbf41' }],
    messages: [{ opcode: 1, data: 'efbbbf41', text: '\ufeffA', frames: 1 }],
    state: 'open',
  },
];

describe('FrameDecoder on wire fixtures', () => {
  for (const fixture of fixtures) {
    it(`decodes ${fixture.name} the same whole, split anywhere and byte by byte`, () => {
      const { events, decoder } = decodeEverySplit(fixture.bytes, { sender: fixture.sender });
      expect(errors(events)).toEqual([]);
      expect(
        frames(events).map((frame) => ({
          fin: frame.fin,
          opcode: frame.opcode,
          masked: frame.masked,
          ...(frame.maskKey ? { maskKey: toHex(frame.maskKey) } : {}),
          header: toHex(frame.header),
          payload: toHex(frame.payload),
          ...(frame.close ? { close: frame.close } : {}),
        })),
      ).toEqual(fixture.frames);
      expect(
        messages(events).map((message) => ({
          opcode: message.opcode,
          data: toHex(message.data),
          ...(message.text !== undefined ? { text: message.text } : {}),
          frames: message.frames,
        })),
      ).toEqual(fixture.messages);
      for (const frame of frames(events)) {
        expect(frame.payloadLength).toBe(frame.payload.length);
        expect(frame.rsv1 || frame.rsv2 || frame.rsv3).toBe(false);
      }
      expect(decoder.state).toBe(fixture.state);
      expect(decoder.midFrame).toBe(false);
      expect(decoder.bytesSeen).toBe(fixture.bytes.length);
    });
  }

  it('gives each frame and message the stream offset where its first header byte sits', () => {
    const bytes = hex('01 03 48 65 6c  89 00  80 02 6c 6f  82 01 ff');
    const { events } = decodeEverySplit(bytes, { sender: 'server' });
    expect(frames(events).map((frame) => frame.offset)).toEqual([0, 5, 7, 11]);
    expect(messages(events).map((message) => message.offset)).toEqual([0, 11]);
  });

  it('reports a stream that stops inside a frame as midFrame, and finishes it when the rest comes', () => {
    const bytes = hex('82 7e 01 00');
    const decoder = new FrameDecoder({ sender: 'server' });
    expect(decoder.midFrame).toBe(false);
    expect(decoder.push(bytes)).toEqual([]);
    expect(decoder.midFrame).toBe(true);
    expect(decoder.push(binary256.subarray(0, 255))).toEqual([]);
    expect(decoder.midFrame).toBe(true);
    const events = decoder.push(binary256.subarray(255));
    expect(frames(events)).toHaveLength(1);
    expect(decoder.midFrame).toBe(false);
  });

  it('accepts empty chunks anywhere without emitting anything', () => {
    const decoder = new FrameDecoder({ sender: 'client' });
    expect(decoder.push(new Uint8Array(0))).toEqual([]);
    const events = [
      ...decoder.push(hex('81 85 37')),
      ...decoder.push(new Uint8Array(0)),
      ...decoder.push(hex('fa 21 3d 7f 9f 4d 51 58')),
    ];
    expect(messages(events).map((message) => message.text)).toEqual(['Hello']);
  });

  it('leaves the chunks it is fed untouched, even Node Buffers whose slice() is a view', () => {
    // The tap feeds the socket's own Buffers to the decoder before `ws` reads them: unmasking in
    // place would hand `ws` already-unmasked bytes, which it would then unmask a second time.
    const bytes = Buffer.from('818537fa213d7f9f4d5158', 'hex');
    const split = [bytes.subarray(0, 8), bytes.subarray(8)];
    const decoder = new FrameDecoder({ sender: 'client' });
    const events = [...decoder.push(bytes)];
    expect(bytes.toString('hex')).toBe('818537fa213d7f9f4d5158');
    const again = new FrameDecoder({ sender: 'client' });
    for (const chunk of split) events.push(...again.push(chunk));
    expect(Buffer.concat(split).toString('hex')).toBe('818537fa213d7f9f4d5158');
    expect(messages(events).map((message) => message.text)).toEqual(['Hello', 'Hello']);
  });

  it('hands out payloads that later chunks and later frames do not change', () => {
    const decoder = new FrameDecoder({ sender: 'server' });
    const chunk = Uint8Array.from(hex('82 03 01 02 03'));
    const [first] = frames(decoder.push(chunk));
    chunk.fill(0xee);
    const [second] = frames(decoder.push(hex('82 03 04 05 06')));
    expect(toHex(first!.payload)).toBe('010203');
    expect(toHex(second!.payload)).toBe('040506');
  });
});
