// Differential test: our FrameDecoder and ws's own Receiver read the same bytes and must agree on
// what they mean: the same messages, pings, pongs and close, and the same verdict on a bad stream
// (the same close code, and the ws error that corresponds to ours). The decoder follows ws's order
// of checks on purpose, so that what the tap reports is what the server actually does.
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/wire/bytes';
import type { Direction } from '../../../core/wire/direction';
import { type DecoderOptions, FrameDecoder } from '../../../core/wire/frame-decoder';
import { encodeFrame } from '../../../core/wire/frame-encoder';
import type { ProtocolErrorCode } from '../../../core/wire/protocol-errors';
import { cutPoints, validStream } from './arbitraries';
import { hex } from './helpers';

// ws's package exports only its entry point; its own files resolve relative to that entry.
const wsRequire = createRequire(createRequire(import.meta.url).resolve('ws'));
const Receiver = wsRequire('./lib/receiver.js') as new (options: {
  isServer: boolean;
  maxPayload: number;
  allowSynchronousEvents?: boolean;
}) => Writable;
const { kStatusCode } = wsRequire('./lib/constants.js') as { kStatusCode: symbol };

// ws reports several of our codes under one of its own.
const WS_CODE: Record<ProtocolErrorCode, string> = {
  UNEXPECTED_RSV_2_3: 'WS_ERR_UNEXPECTED_RSV_2_3',
  UNEXPECTED_RSV_1: 'WS_ERR_UNEXPECTED_RSV_1',
  RESERVED_OPCODE: 'WS_ERR_INVALID_OPCODE',
  UNEXPECTED_CONTINUATION: 'WS_ERR_INVALID_OPCODE',
  EXPECTED_CONTINUATION: 'WS_ERR_INVALID_OPCODE',
  FRAGMENTED_CONTROL: 'WS_ERR_EXPECTED_FIN',
  CONTROL_PAYLOAD_TOO_LONG: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
  INVALID_CLOSE_PAYLOAD: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
  EXPECTED_MASK: 'WS_ERR_EXPECTED_MASK',
  UNEXPECTED_MASK: 'WS_ERR_UNEXPECTED_MASK',
  LENGTH_OUT_OF_RANGE: 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH',
  MESSAGE_TOO_BIG: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
  INVALID_UTF8: 'WS_ERR_INVALID_UTF8',
  INVALID_UTF8_CLOSE_REASON: 'WS_ERR_INVALID_UTF8',
  INVALID_CLOSE_CODE: 'WS_ERR_INVALID_CLOSE_CODE',
};

/** What an application sees: ws's events, and ours translated to them. */
type AppEvent =
  | ['message', 'text' | 'binary', string]
  | ['ping' | 'pong', string]
  | ['close', number, string];

interface Outcome {
  events: AppEvent[];
  error: { closeCode: number; code: string } | null;
  closed: boolean;
}

interface Case {
  sender: Direction;
  maxPayload: number;
  chunks: Buffer[];
}

function ours(c: Case): Outcome {
  const options: DecoderOptions = { sender: c.sender, maxPayload: c.maxPayload };
  const decoder = new FrameDecoder(options);
  const events: AppEvent[] = [];
  let error: Outcome['error'] = null;
  // The stream ends after the last chunk: a frame at fault still waiting for bytes is reported then.
  for (const decoded of [...c.chunks.map((chunk) => decoder.push(chunk)), decoder.end()]) {
    for (const event of decoded) {
      if (event.type === 'message') {
        const kind = event.message.opcode === 1 ? 'text' : 'binary';
        events.push(['message', kind, toHex(event.message.data)]);
      } else if (event.type === 'error') {
        error = { closeCode: event.error.closeCode, code: WS_CODE[event.error.code] };
      } else if (event.frame.violation) {
        // The frame at fault is shown by the tap; ws hands nothing of it to the application.
      } else if (event.frame.opcode === 0x9 || event.frame.opcode === 0xa) {
        events.push([event.frame.opcode === 0x9 ? 'ping' : 'pong', toHex(event.frame.payload)]);
      } else if (event.frame.close) {
        // An empty close body means "no status" (RFC 6455 §7.1.5), which ws spells 1005.
        const { code } = event.frame.close;
        events.push(['close', code ?? 1005, toHex(event.frame.payload.subarray(2))]);
      }
    }
  }
  return { events, error, closed: decoder.state === 'closed' };
}

async function theirs(c: Case, allowSynchronousEvents: boolean): Promise<Outcome> {
  const receiver = new Receiver({
    isServer: c.sender === 'client',
    maxPayload: c.maxPayload,
    allowSynchronousEvents,
  });
  const events: AppEvent[] = [];
  let error: Outcome['error'] = null;
  let closed = false;
  const hexOf = (data: Buffer) => data.toString('hex');
  receiver.on('message', (data: Buffer, isBinary: boolean) =>
    events.push(['message', isBinary ? 'binary' : 'text', hexOf(data)]),
  );
  receiver.on('ping', (data: Buffer) => events.push(['ping', hexOf(data)]));
  receiver.on('pong', (data: Buffer) => events.push(['pong', hexOf(data)]));
  receiver.on('conclude', (code: number, reason: Buffer) => {
    closed = true;
    events.push(['close', code, hexOf(reason)]);
  });
  receiver.on('error', (err: Error & { code: string }) => {
    // ws keeps the close code under a symbol key (lib/constants.js).
    error ??= { closeCode: Reflect.get(err, kStatusCode) as number, code: err.code };
  });
  for (const chunk of c.chunks) {
    // ws's WebSocket stops feeding its Receiver once the peer closed or the stream failed.
    if (closed || error || receiver.errored) break;
    // The callback runs once ws has read the chunk: at once, or after a deferred event
    // (allowSynchronousEvents: false), or with the error that ended the stream.
    await new Promise<void>((resolve) => receiver.write(chunk, () => resolve()));
  }
  // 'error' is emitted on a later tick than the write that caused it.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  return { events, error, closed };
}

async function compare(c: Case, allowSynchronousEvents = true): Promise<void> {
  // Our decoder reads each chunk first, as the tap does: it must leave the bytes as they were,
  // since ws then unmasks them in place.
  const a = ours(c);
  const b = await theirs(c, allowSynchronousEvents);
  expect(a).toEqual(b);
}

const sender = fc.constantFrom<Direction>('client', 'server');
const maxPayload = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 400 }) },
);

function chunked(bytes: Uint8Array): fc.Arbitrary<Buffer[]> {
  return cutPoints(bytes.length).map((points) => {
    const sorted = [...points].sort((x, y) => x - y);
    const chunks: Buffer[] = [];
    let from = 0;
    for (const point of [...sorted, bytes.length]) {
      chunks.push(Buffer.from(bytes.subarray(from, point)));
      from = point;
    }
    return chunks;
  });
}

/** Frames with every header field chosen at random, valid or not, and sometimes huge lengths. */
function wildFrame(from: Direction): fc.Arbitrary<Uint8Array> {
  const mostlyValidOpcode = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(0x0, 0x1, 0x2, 0x8, 0x9, 0xa) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) },
  );
  const closeBody = fc
    .tuple(
      fc.oneof(
        fc.constantFrom(1000, 1005, 1006, 1004, 1015, 999, 2999, 3000, 4999, 5000),
        fc.integer({ min: 0, max: 0xffff }),
      ),
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 10 }).map((s) => new TextEncoder().encode(s)),
        fc.uint8Array({ maxLength: 6 }),
      ),
    )
    .map(([code, reason]) => Uint8Array.of(code >> 8, code & 0xff, ...reason));
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }).map((s) => new TextEncoder().encode(s)),
    closeBody,
    fc.integer({ min: 120, max: 300 }).map((n) => new Uint8Array(n)),
  );
  const normal = fc
    .record({
      fin: fc.oneof(
        { weight: 4, arbitrary: fc.constant(true) },
        { weight: 1, arbitrary: fc.constant(false) },
      ),
      rsv: fc.oneof(
        { weight: 12, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 7 }) },
      ),
      opcode: mostlyValidOpcode,
      masked: fc.oneof(
        { weight: 12, arbitrary: fc.constant(from === 'client') },
        { weight: 1, arbitrary: fc.boolean() },
      ),
      key: fc.uint8Array({ minLength: 4, maxLength: 4 }),
      form: fc.constantFrom<7 | 16 | 64 | undefined>(undefined, undefined, undefined, 16, 64),
      payload,
    })
    .map((f) =>
      encodeFrame({
        opcode: f.opcode,
        fin: f.fin,
        rsv1: (f.rsv & 4) !== 0,
        rsv2: (f.rsv & 2) !== 0,
        rsv3: (f.rsv & 1) !== 0,
        mask: f.masked ? f.key : false,
        payload: f.payload,
        ...(f.form && (f.form !== 16 || f.payload.length <= 0xffff) ? { lengthForm: f.form } : {}),
      }),
    );
  // A 64-bit length around 2^53 and beyond, top bit included: the frame is cut short after it.
  const huge = fc
    .record({
      opcode: mostlyValidOpcode,
      masked: fc.boolean(),
      high: fc.constantFrom(0, 1, 0x1fffff, 0x200000, 0x7fffffff, 0x80000000, 0xffffffff),
      low: fc.constantFrom(0, 1, 0xffffffff),
    })
    .map(({ opcode, masked, high, low }) => {
      const header = new Uint8Array(10);
      header[0] = 0x80 | opcode;
      header[1] = (masked ? 0x80 : 0) | 127;
      new DataView(header.buffer).setUint32(2, high);
      new DataView(header.buffer).setUint32(6, low);
      return header;
    });
  return fc.oneof({ weight: 20, arbitrary: normal }, { weight: 1, arbitrary: huge });
}

function wildStream(): fc.Arbitrary<{ sender: Direction; bytes: Uint8Array }> {
  return sender.chain((from) =>
    fc.array(wildFrame(from), { minLength: 1, maxLength: 6 }).map((parts) => ({
      sender: from,
      bytes: Uint8Array.from(Buffer.concat(parts)),
    })),
  );
}

/** A valid stream with a few bits flipped, bytes overwritten, or its tail cut off. */
function mutatedStream(): fc.Arbitrary<{ sender: Direction; bytes: Uint8Array }> {
  return sender.chain((from) =>
    validStream(from, { maxItems: 4 })
      .filter((stream) => stream.bytes.length > 0)
      .chain((stream) => {
        const n = stream.bytes.length;
        const mutation = fc.oneof(
          fc.tuple(fc.constant('flip' as const), fc.nat(n - 1), fc.nat(7)),
          fc.tuple(fc.constant('byte' as const), fc.nat(n - 1), fc.integer({ min: 0, max: 255 })),
          fc.tuple(fc.constant('cut' as const), fc.nat(n - 1), fc.constant(0)),
        );
        return fc.array(mutation, { minLength: 1, maxLength: 3 }).map((mutations) => {
          let bytes = Uint8Array.from(stream.bytes);
          for (const [kind, at, value] of mutations) {
            if (at >= bytes.length) continue;
            if (kind === 'flip') bytes[at]! ^= 1 << value;
            else if (kind === 'byte') bytes[at] = value;
            else bytes = bytes.slice(0, at);
          }
          return { sender: from, bytes };
        });
      }),
  );
}

function cases(streams: fc.Arbitrary<{ sender: Direction; bytes: Uint8Array }>): fc.Arbitrary<Case> {
  return fc
    .tuple(streams, maxPayload)
    .chain(([stream, limit]) =>
      chunked(stream.bytes).map((chunks): Case => ({ sender: stream.sender, maxPayload: limit, chunks })),
    );
}

describe('differential: FrameDecoder against ws Receiver', () => {
  it('agrees with ws on the RFC 6455 §5.7 examples and on one stream of each protocol error', async () => {
    const samples: [Direction, string][] = [
      ['server', '81 05 48 65 6c 6c 6f'],
      ['client', '81 85 37 fa 21 3d 7f 9f 4d 51 58'],
      ['server', '01 03 48 65 6c 89 00 80 02 6c 6f 88 02 03 e8'],
      ['client', '81 05 48 65 6c 6c 6f'],
      ['server', '81 85 37 fa 21 3d 7f 9f 4d 51 58'],
      ['server', '83 00'],
      ['server', 'c1 00'],
      ['server', 'a1 00'],
      ['server', '09 00'],
      ['server', '89 7e 00 7e'],
      ['server', '88 01 03'],
      ['server', '80 00'],
      ['server', '01 01 61 81 01 62'],
      ['server', '81 02 c3 28'],
      ['server', '88 04 03 e8 ff fe'],
      ['server', '88 02 03 ed'],
      ['server', '82 7f 80 00 00 00 00 00 00 00'],
      ['server', '82 7f 00 20 00 00 00 00 00 00'],
    ];
    for (const [from, bytes] of samples) {
      await compare({ sender: from, maxPayload: 0, chunks: [Buffer.from(hex(bytes))] });
    }
    await compare({ sender: 'server', maxPayload: 4, chunks: [Buffer.from(hex('82 05 01 02 03 04 05'))] });
  });

  it('agrees with ws on random valid streams', async () => {
    await fc.assert(
      fc.asyncProperty(
        cases(sender.chain((from) => validStream(from).map((s) => ({ sender: from, bytes: s.bytes })))),
        (c) => compare(c),
      ),
      { numRuns: 300 },
    );
  });

  it('agrees with ws on random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(cases(fc.record({ sender, bytes: fc.uint8Array({ maxLength: 64 }) })), (c) =>
        compare(c),
      ),
      { numRuns: 500 },
    );
  });

  it('agrees with ws on frames with random header fields, valid or not', async () => {
    await fc.assert(
      fc.asyncProperty(cases(wildStream()), (c) => compare(c)),
      { numRuns: 1500 },
    );
  });

  it('agrees with ws on valid streams with bits flipped, bytes overwritten or the end cut off', async () => {
    await fc.assert(
      fc.asyncProperty(cases(mutatedStream()), (c) => compare(c)),
      { numRuns: 1000 },
    );
  });

  it('agrees with ws when ws defers its events (allowSynchronousEvents: false)', async () => {
    await fc.assert(
      fc.asyncProperty(cases(fc.oneof(wildStream(), mutatedStream())), (c) => compare(c, false)),
      { numRuns: 300 },
    );
  });
});
