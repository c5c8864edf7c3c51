import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/wire/bytes';
import type { Direction } from '../../../core/wire/direction';
import { type DecoderOptions, FrameDecoder, VIOLATION_PAYLOAD_LIMIT } from '../../../core/wire/frame-decoder';
import { type ProtocolErrorCode, ProtocolErrors } from '../../../core/wire/protocol-errors';
import { concat, decodeChunks, decodeEverySplit, errors, frames, hex, messages } from './helpers';

interface ErrorCase {
  name: string;
  code: ProtocolErrorCode;
  /** Written out rather than read from the table, so a changed table fails here. */
  closeCode: 1002 | 1007 | 1009;
  options: DecoderOptions;
  bytes: Uint8Array;
  /** Stream offset of the frame at fault. */
  offset: number;
  /** Frames the decoder reported before the offending one. */
  framesBefore: number;
  /** Whole messages it reported before failing. */
  messagesBefore?: number;
  /** The offending frame as reported: header and unmasked payload in hex, the bad payload bytes. */
  offending: { header: string; payload: string; payloadRange?: [number, number] };
  /** The frame announces more bytes than the fixture holds: only end() reports it. */
  waitsForMore?: boolean;
}

const client = (extra: Partial<DecoderOptions> = {}): DecoderOptions => ({ sender: 'client', ...extra });
const server = (extra: Partial<DecoderOptions> = {}): DecoderOptions => ({ sender: 'server', ...extra });

const cases: ErrorCase[] = [
  {
    name: 'an unmasked frame from the client (RFC 6455 §5.1)',
    code: 'EXPECTED_MASK',
    closeCode: 1002,
    options: client(),
    bytes: hex('81 05 48 65 6c 6c 6f'),
    offset: 0,
    framesBefore: 0,
    offending: { header: '8105', payload: '48656c6c6f' },
  },
  {
    name: 'a masked frame from the server (RFC 6455 §5.1)',
    code: 'UNEXPECTED_MASK',
    closeCode: 1002,
    options: server(),
    bytes: hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'),
    offset: 0,
    framesBefore: 0,
    offending: { header: '818537fa213d', payload: '48656c6c6f' },
  },
  {
    name: 'the reserved data opcode 0x3',
    code: 'RESERVED_OPCODE',
    closeCode: 1002,
    options: server(),
    bytes: hex('83 00'),
    offset: 0,
    framesBefore: 0,
    offending: { header: '8300', payload: '' },
  },
  {
    name: 'the reserved control opcode 0xB after a good frame',
    code: 'RESERVED_OPCODE',
    closeCode: 1002,
    options: server(),
    bytes: hex('81 01 61  8b 00'),
    offset: 3,
    framesBefore: 1,
    messagesBefore: 1,
    offending: { header: '8b00', payload: '' },
  },
  {
    name: 'RSV1 without a negotiated extension',
    code: 'UNEXPECTED_RSV_1',
    closeCode: 1002,
    options: server(),
    bytes: hex('c1 05 48 65 6c 6c 6f'),
    offset: 0,
    framesBefore: 0,
    offending: { header: 'c105', payload: '48656c6c6f' },
  },
  {
    name: 'RSV1 on a continuation frame even with permessage-deflate (RFC 7692 §6.1)',
    code: 'UNEXPECTED_RSV_1',
    closeCode: 1002,
    options: server({ allowRsv1: true }),
    bytes: hex('41 01 61  c0 01 62'),
    offset: 3,
    framesBefore: 1,
    offending: { header: 'c001', payload: '62' },
  },
  {
    name: 'RSV1 on a control frame even with permessage-deflate (RFC 7692 §6.1)',
    code: 'UNEXPECTED_RSV_1',
    closeCode: 1002,
    options: server({ allowRsv1: true }),
    bytes: hex('c9 00'),
    offset: 0,
    framesBefore: 0,
    offending: { header: 'c900', payload: '' },
  },
  {
    name: 'RSV2 without an extension that defines it',
    code: 'UNEXPECTED_RSV_2_3',
    closeCode: 1002,
    options: server(),
    bytes: hex('a1 00'),
    offset: 0,
    framesBefore: 0,
    offending: { header: 'a100', payload: '' },
  },
  {
    name: 'RSV3 without an extension that defines it, masked from the client',
    code: 'UNEXPECTED_RSV_2_3',
    closeCode: 1002,
    options: client(),
    bytes: hex('92 80 01 02 03 04'),
    offset: 0,
    framesBefore: 0,
    offending: { header: '928001020304', payload: '' },
  },
  {
    name: 'a ping with FIN clear (RFC 6455 §5.5)',
    code: 'FRAGMENTED_CONTROL',
    closeCode: 1002,
    options: server(),
    bytes: hex('09 00'),
    offset: 0,
    framesBefore: 0,
    offending: { header: '0900', payload: '' },
  },
  {
    name: 'a close frame with FIN clear inside a fragmented message',
    code: 'FRAGMENTED_CONTROL',
    closeCode: 1002,
    options: server(),
    bytes: hex('01 01 61  08 00'),
    offset: 3,
    framesBefore: 1,
    offending: { header: '0800', payload: '' },
  },
  {
    name: 'a ping with a 126-byte payload (RFC 6455 §5.5)',
    code: 'CONTROL_PAYLOAD_TOO_LONG',
    closeCode: 1002,
    options: server(),
    bytes: concat(hex('89 7e 00 7e'), new Uint8Array(126)),
    offset: 0,
    framesBefore: 0,
    offending: { header: '897e007e', payload: '00'.repeat(126) },
  },
  {
    name: 'a pong announcing a 64-bit length',
    code: 'CONTROL_PAYLOAD_TOO_LONG',
    closeCode: 1002,
    options: client(),
    bytes: hex('8a ff 00 00 00 00 00 00 00 01 00 00 00 00 00'),
    offset: 0,
    framesBefore: 0,
    offending: { header: '8aff000000000000000100000000', payload: '00' },
  },
  {
    name: 'a close frame with a one-byte body (RFC 6455 §5.5.1)',
    code: 'INVALID_CLOSE_PAYLOAD',
    closeCode: 1002,
    options: server(),
    bytes: hex('88 01 03'),
    offset: 0,
    framesBefore: 0,
    offending: { header: '8801', payload: '03', payloadRange: [0, 1] },
  },
  {
    name: 'a continuation frame with no message to continue (RFC 6455 §5.4)',
    code: 'UNEXPECTED_CONTINUATION',
    closeCode: 1002,
    options: server(),
    bytes: hex('80 01 61'),
    offset: 0,
    framesBefore: 0,
    offending: { header: '8001', payload: '61' },
  },
  {
    name: 'a continuation frame after a message already finished',
    code: 'UNEXPECTED_CONTINUATION',
    closeCode: 1002,
    options: client(),
    bytes: hex('81 81 00 00 00 00 61  80 81 00 00 00 00 62'),
    offset: 7,
    framesBefore: 1,
    messagesBefore: 1,
    offending: { header: '808100000000', payload: '62' },
  },
  {
    name: 'a new text frame inside an unfinished fragmented message (RFC 6455 §5.4)',
    code: 'EXPECTED_CONTINUATION',
    closeCode: 1002,
    options: server(),
    bytes: hex('01 01 61  81 01 62'),
    offset: 3,
    framesBefore: 1,
    offending: { header: '8101', payload: '62' },
  },
  {
    name: 'a new binary frame after a ping inside an unfinished fragmented message',
    code: 'EXPECTED_CONTINUATION',
    closeCode: 1002,
    options: server(),
    bytes: hex('02 01 61  89 00  82 01 62'),
    offset: 5,
    framesBefore: 2,
    offending: { header: '8201', payload: '62' },
  },
  {
    name: 'a text message that is not UTF-8 (RFC 6455 §8.1)',
    code: 'INVALID_UTF8',
    closeCode: 1007,
    options: server(),
    bytes: hex('81 02 c3 28'),
    offset: 0,
    framesBefore: 0,
    offending: { header: '8102', payload: 'c328', payloadRange: [0, 2] },
  },
  {
    name: 'a fragmented text message whose second fragment breaks a UTF-8 sequence',
    code: 'INVALID_UTF8',
    closeCode: 1007,
    options: server(),
    bytes: hex('01 01 c3  80 01 28'),
    offset: 0,
    framesBefore: 1,
    offending: { header: '8001', payload: '28', payloadRange: [0, 1] },
  },
  {
    name: 'a text message holding an encoded surrogate (U+D800)',
    code: 'INVALID_UTF8',
    closeCode: 1007,
    options: server(),
    bytes: hex('81 03 ed a0 80'),
    offset: 0,
    framesBefore: 0,
    offending: { header: '8103', payload: 'eda080', payloadRange: [0, 2] },
  },
  {
    name: 'a text message that ends inside a UTF-8 sequence',
    code: 'INVALID_UTF8',
    closeCode: 1007,
    options: server(),
    bytes: hex('81 02 61 e2'),
    offset: 0,
    framesBefore: 0,
    offending: { header: '8102', payload: '61e2', payloadRange: [1, 2] },
  },
  {
    name: 'a close reason that is not UTF-8 (RFC 6455 §5.5.1)',
    code: 'INVALID_UTF8_CLOSE_REASON',
    closeCode: 1007,
    options: server(),
    bytes: hex('88 04 03 e8 ff fe'),
    offset: 0,
    framesBefore: 0,
    offending: { header: '8804', payload: '03e8fffe', payloadRange: [2, 3] },
  },
  {
    name: 'a close frame with code 1005, which only describes a close locally (RFC 6455 §7.4.1)',
    code: 'INVALID_CLOSE_CODE',
    closeCode: 1002,
    options: server(),
    bytes: hex('88 02 03 ed'),
    offset: 0,
    framesBefore: 0,
    offending: { header: '8802', payload: '03ed', payloadRange: [0, 2] },
  },
  {
    name: 'a close frame with code 999',
    code: 'INVALID_CLOSE_CODE',
    closeCode: 1002,
    options: client(),
    bytes: hex('88 82 00 00 00 00 03 e7'),
    offset: 0,
    framesBefore: 0,
    offending: { header: '888200000000', payload: '03e7', payloadRange: [0, 2] },
  },
  {
    name: 'a 64-bit length with its top bit set (RFC 6455 §5.2)',
    code: 'LENGTH_OUT_OF_RANGE',
    closeCode: 1009,
    options: server(),
    bytes: hex('82 7f 80 00 00 00 00 00 00 00'),
    offset: 0,
    framesBefore: 0,
    offending: { header: '827f8000000000000000', payload: '' },
    waitsForMore: true,
  },
  {
    name: 'a 64-bit length of 2^53, past what a JavaScript number holds exactly',
    code: 'LENGTH_OUT_OF_RANGE',
    closeCode: 1009,
    options: client(),
    bytes: hex('82 ff 00 20 00 00 00 00 00 00'),
    offset: 0,
    framesBefore: 0,
    offending: { header: '82ff0020000000000000', payload: '' },
    waitsForMore: true,
  },
  {
    name: 'a single frame over maxPayload',
    code: 'MESSAGE_TOO_BIG',
    closeCode: 1009,
    options: server({ maxPayload: 4 }),
    bytes: hex('82 05 01 02 03 04 05'),
    offset: 0,
    framesBefore: 0,
    offending: { header: '8205', payload: '0102030405' },
  },
  {
    name: 'a fragmented message whose fragments add up to more than maxPayload',
    code: 'MESSAGE_TOO_BIG',
    closeCode: 1009,
    options: server({ maxPayload: 4 }),
    bytes: hex('02 02 01 02  89 03 70 70 70  80 03 03 04 05'),
    offset: 9,
    framesBefore: 2,
    offending: { header: '8003', payload: '030405' },
  },
];

// What the decoder is fed once it has failed: a frame that would be fine on its own.
const laterBytes: Record<Direction, Uint8Array> = {
  client: hex('81 81 00 00 00 00 61'),
  server: hex('81 01 61'),
};

describe('protocol errors', () => {
  it('has at least one case for every code in the protocol error table', () => {
    const covered = new Set(cases.map((c) => c.code));
    expect(Object.keys(ProtocolErrors).filter((code) => !covered.has(code as ProtocolErrorCode))).toEqual([]);
  });

  for (const c of cases) {
    it(`reports the offending frame with a violation, then fails with ${c.code}, on ${c.name}`, () => {
      // Every split, one byte at a time included, gives the same events: the frame at fault with
      // all the bytes of it that came, then the error.
      const { events, decoder } = decodeEverySplit(c.bytes, c.options, true);
      const found = errors(events);
      expect(found).toHaveLength(1);
      const [error] = found;
      expect(events.at(-1)).toEqual({ type: 'error', error });
      expect(error!.code).toBe(c.code);
      expect(error!.closeCode).toBe(c.closeCode);
      expect(ProtocolErrors[c.code].closeCode).toBe(c.closeCode);
      expect(error!.message.startsWith(ProtocolErrors[c.code].explanation)).toBe(true);
      expect(error!.offset).toBe(c.offset);
      expect(frames(events)).toHaveLength(c.framesBefore + 1);
      expect(messages(events)).toHaveLength(c.messagesBefore ?? 0);

      const offending = events.at(-2);
      if (offending?.type !== 'frame') throw new Error('no frame before the error');
      const { frame } = offending;
      expect(frames(events).filter((f) => f.violation)).toEqual([frame]);
      expect({
        header: toHex(frame.header),
        payload: toHex(frame.payload),
        payloadRange: frame.violation?.payloadRange,
      }).toEqual({ payloadRange: undefined, ...c.offending });
      expect(frame.violation).toMatchObject({
        code: c.code,
        section: ProtocolErrors[c.code].section,
        closeCode: c.closeCode,
        message: error!.message,
      });
      expect(ProtocolErrors[c.code].section).toMatch(/^§\d+(\.\d+)*$/);

      // The bytes that complete the frame report it at once; only a frame still waiting for
      // bytes needs end().
      const withoutEnd = decodeChunks([c.bytes], c.options);
      expect(withoutEnd.events).toEqual(c.waitsForMore ? events.slice(0, -2) : events);
      expect(decoder.state).toBe('failed');
      expect(decoder.midFrame).toBe(false);

      // A failed connection reads nothing more (RFC 6455 §7.1.7).
      expect(decoder.push(laterBytes[c.options.sender])).toEqual([]);
      expect(decoder.state).toBe('failed');
    });
  }

  it('accepts a message of exactly maxPayload bytes, control frames not counted', () => {
    const { events, decoder } = decodeEverySplit(hex('02 02 01 02  89 03 70 70 70  80 02 03 04'), {
      sender: 'server',
      maxPayload: 4,
    });
    expect(errors(events)).toEqual([]);
    expect(messages(events).map((m) => m.data)).toEqual([Uint8Array.of(1, 2, 3, 4)]);
    expect(decoder.state).toBe('open');
  });

  it('counts maxPayload per message, starting again after each one', () => {
    const { events } = decodeEverySplit(hex('82 04 01 02 03 04  82 04 05 06 07 08'), {
      sender: 'server',
      maxPayload: 4,
    });
    expect(errors(events)).toEqual([]);
    expect(messages(events)).toHaveLength(2);
  });

  it('reads a too-big frame no further than its payload, and reports what came when the bytes stop', () => {
    const decoder = new FrameDecoder({ sender: 'client', maxPayload: 1000 });
    expect(decoder.push(hex('82 fe 03 e9 01 02 03 04  11 12'))).toEqual([]);
    expect(decoder.state).toBe('open');
    expect(decoder.midFrame).toBe(true);
    const events = decoder.end();
    expect(errors(events).map((e) => e.code)).toEqual(['MESSAGE_TOO_BIG']);
    const [frame] = frames(events);
    expect(frame).toMatchObject({ payloadLength: 1001, maskKey: Uint8Array.of(1, 2, 3, 4) });
    expect(toHex(frame!.payload)).toBe('1010');
    expect(frame!.violation?.code).toBe('MESSAGE_TOO_BIG');
    expect(decoder.state).toBe('failed');
    expect(decoder.end()).toEqual([]);
  });

  it(`keeps at most ${VIOLATION_PAYLOAD_LIMIT} payload bytes of a frame at fault, then reports it`, () => {
    const payload = Uint8Array.from({ length: 70_000 }, (_, i) => i & 0xff);
    const header = hex('82 7f 00 00 00 00 00 01 11 70');
    const { events, decoder } = decodeChunks([concat(header, payload)], {
      sender: 'server',
      maxPayload: 1000,
    });
    const [frame] = frames(events);
    expect(frame!.payloadLength).toBe(70_000);
    expect(frame!.payload).toEqual(payload.subarray(0, VIOLATION_PAYLOAD_LIMIT));
    expect(errors(events).map((e) => e.code)).toEqual(['MESSAGE_TOO_BIG']);
    expect(decoder.state).toBe('failed');
  });

  it('reports a frame whose header bytes stop before its masking key with the header bytes that came', () => {
    const { events } = decodeChunks([hex('82 ff 80 00 00 00 00 00 00 00 01 02')], { sender: 'client' }, true);
    const [frame] = frames(events);
    expect(frame).toMatchObject({ masked: true, maskKey: null, payload: new Uint8Array(0) });
    expect(toHex(frame!.header)).toBe('82ff80000000000000000102');
    expect(frame!.violation?.code).toBe('LENGTH_OUT_OF_RANGE');
  });

  it('ends a stream cut inside a good frame with nothing to report', () => {
    const decoder = new FrameDecoder({ sender: 'server' });
    expect(decoder.push(hex('82 05 01 02'))).toEqual([]);
    expect(decoder.end()).toEqual([]);
    expect(decoder.pendingBytes).toBe(4);
  });

  it('still reads the code and reason of a close frame that broke a header rule', () => {
    const { events } = decodeChunks([hex('08 02 03 e8')], { sender: 'server' });
    expect(frames(events)[0]).toMatchObject({
      close: { code: 1000, reason: '' },
      violation: { code: 'FRAGMENTED_CONTROL' },
    });
  });

  it('accepts a 64-bit length of 2^53 - 1 and waits for its payload', () => {
    const decoder = new FrameDecoder({ sender: 'server' });
    expect(decoder.push(hex('82 7f 00 1f ff ff ff ff ff ff 00 01 02'))).toEqual([]);
    expect(decoder.state).toBe('open');
    expect(decoder.midFrame).toBe(true);
  });

  it('accepts RSV1 on the first frame of a message when permessage-deflate was negotiated', () => {
    const { events } = decodeEverySplit(hex('41 01 61  80 01 62'), { sender: 'server', allowRsv1: true });
    expect(errors(events)).toEqual([]);
    expect(messages(events)).toMatchObject([{ compressed: true, frames: 2, text: undefined }]);
  });

  it('accepts every close code RFC 6455 §7.4 allows on the wire and rejects the rest', () => {
    const allowed = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999];
    const refused = [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535];
    const closeWith = (code: number) => {
      const decoder = new FrameDecoder({ sender: 'server' });
      const events = decoder.push(Uint8Array.of(0x88, 0x02, code >> 8, code & 0xff));
      return { state: decoder.state, errors: errors(events).map((e) => e.code) };
    };
    for (const code of allowed)
      expect(closeWith(code), String(code)).toEqual({ state: 'closed', errors: [] });
    for (const code of refused) {
      expect(closeWith(code), String(code)).toEqual({ state: 'failed', errors: ['INVALID_CLOSE_CODE'] });
    }
  });

  it('checks the close code before the close reason, as ws does', () => {
    const decoder = new FrameDecoder({ sender: 'server' });
    const events = decoder.push(hex('88 03 03 ed ff'));
    expect(errors(events).map((e) => e.code)).toEqual(['INVALID_CLOSE_CODE']);
  });

  it('checks RSV2/3 before the opcode and the opcode before the mask, as ws does', () => {
    const first = (options: DecoderOptions, bytes: string) =>
      errors(decodeChunks([hex(bytes)], options, true).events).map((e) => e.code);
    expect(first({ sender: 'client' }, 'b3 00')).toEqual(['UNEXPECTED_RSV_2_3']);
    expect(first({ sender: 'client' }, 'c3 00')).toEqual(['UNEXPECTED_RSV_1']);
    expect(first({ sender: 'client' }, '83 00')).toEqual(['RESERVED_OPCODE']);
    expect(first({ sender: 'client' }, '09 00')).toEqual(['FRAGMENTED_CONTROL']);
    expect(first({ sender: 'client' }, '89 7e')).toEqual(['CONTROL_PAYLOAD_TOO_LONG']);
    expect(first({ sender: 'server' }, '80 80')).toEqual(['UNEXPECTED_CONTINUATION']);
  });
});
