// The tap's promise, as a property: whatever frames cross the wire, however the socket cuts them
// into chunks and however the journal groups the chunks into records, every view shows exactly
// the bytes that were sent. A conversation (RFC 6455 §4 handshake, then frames both ways, maybe
// a close, maybe one frame that breaks a rule) is written into a real journal chunk by chunk,
// read back while it is written, as a raw subscriber reads it and as a JSON subscriber decodes it,
// and every frame event must give back the header and payload bytes it was built from.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TapEvent, TapFrameEvent, TapMessageEvent } from '../../../core/tap/events';
import { type OpenMeta, type RawRecord, RecordKind, readRecords } from '../../../core/tap/raw-records';
import { type StreamEvent, TapStreamDecoder } from '../../../core/tap/stream-decoder';
import { decodeUtf8Strict, fromBase64, toBase64, toHex, utf8 } from '../../../core/wire/bytes';
import type { Direction } from '../../../core/wire/direction';
import { encodeClosePayload, encodeFrame, type FrameSpec } from '../../../core/wire/frame-encoder';
import { deriveAccept, formatHead } from '../../../core/wire/handshake';
import { createInflater } from '../../../core/wire/inflate';
import { Opcode } from '../../../core/wire/opcodes';
import type { ProtocolErrorCode } from '../../../core/wire/protocol-errors';
import { Journal } from '../../../server/tap/journal';
import {
  JsonSubscriber,
  RawSubscriber,
  type SubscriberSettings,
  type TapSink,
} from '../../../server/tap/tap-subscriber';
import { concat } from '../wire/helpers';

/** One frame as it was built: the bytes on the wire and what its frame event must say. */
interface PlannedFrame {
  dir: Direction;
  wire: Uint8Array;
  headerLength: number;
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  maskKey: Uint8Array | null;
  payload: Uint8Array;
  /** The tap shows this payload as text when its bytes alone are valid UTF-8. */
  textual: boolean;
  close?: { code: number; reason: string };
  violation?: ProtocolErrorCode;
}

interface PlannedMessage {
  dir: Direction;
  opcode: 1 | 2;
  data: Uint8Array;
}

interface PlannedItem {
  frames: PlannedFrame[];
  message: PlannedMessage | null;
}

interface Conversation {
  request: Uint8Array;
  response: Uint8Array;
  frames: PlannedFrame[];
  messages: PlannedMessage[];
  invalid: PlannedFrame | null;
}

function planFrame(
  dir: Direction,
  spec: FrameSpec & { payload: Uint8Array },
  textual: boolean,
  extra: Pick<PlannedFrame, 'close' | 'violation'> = {},
): PlannedFrame {
  const wire = encodeFrame(spec);
  return {
    dir,
    wire,
    headerLength: wire.length - spec.payload.length,
    fin: spec.fin ?? true,
    rsv1: spec.rsv1 ?? false,
    opcode: spec.opcode,
    maskKey: spec.mask instanceof Uint8Array ? spec.mask : null,
    payload: spec.payload,
    textual,
    ...extra,
  };
}

// RFC 6455 §5.1: a client masks every frame, a server none.
const keyFor = (dir: Direction): fc.Arbitrary<Uint8Array | false> =>
  dir === 'client' ? fc.uint8Array({ minLength: 4, maxLength: 4 }) : fc.constant(false);

const direction = fc.constantFrom<Direction>('client', 'server');

const text = fc.string({ unit: 'binary', maxLength: 40 });

function controlFrame(dir: Direction): fc.Arbitrary<PlannedFrame> {
  return fc
    .record({
      opcode: fc.constantFrom(Opcode.PING, Opcode.PONG),
      payload: fc.uint8Array({ maxLength: 125 }),
      mask: keyFor(dir),
    })
    .map((spec) => planFrame(dir, spec, true));
}

function textMessage(dir: Direction): fc.Arbitrary<PlannedItem> {
  return fc.record({ text, mask: keyFor(dir) }).map(({ text, mask }) => {
    const data = utf8(text);
    return {
      frames: [planFrame(dir, { opcode: Opcode.TEXT, payload: data, mask }, true)],
      message: { dir, opcode: 1, data },
    };
  });
}

function binaryMessage(dir: Direction): fc.Arbitrary<PlannedItem> {
  const payload = fc.oneof(
    { weight: 12, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    // Now and then long enough for a 16-bit length, or a 64-bit one, and for many segments.
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 126, max: 70_000 })
        .map((n) => Uint8Array.from({ length: n }, (_, i) => i)),
    },
  );
  return fc
    .record({
      payload,
      mask: keyFor(dir),
      lengthForm: fc.constantFrom<FrameSpec['lengthForm']>(undefined, 16, 64),
    })
    .map(({ payload, mask, lengthForm }) => {
      // RFC 6455 §5.2 asks for the minimal form, but a longer one that fits is still read.
      const form = lengthForm === 16 && payload.length > 0xffff ? 64 : lengthForm;
      const spec = { opcode: Opcode.BINARY, payload, mask, ...(form ? { lengthForm: form } : {}) };
      return { frames: [planFrame(dir, spec, false)], message: { dir, opcode: 2, data: payload } };
    });
}

/**
 * A text message in fragments, one cut falling inside a multi-byte character: the fragments on
 * either side of it are not UTF-8 on their own (RFC 6455 §5.6 only asks it of the whole message),
 * so the tap must show them as bytes. Pings and pongs may come between fragments (§5.4).
 */
function splitTextMessage(dir: Direction): fc.Arbitrary<PlannedItem> {
  return fc
    .record({
      before: text,
      wide: fc.constantFrom('é', '€', '😀'),
      after: text,
      into: fc.nat(),
      moreCuts: fc.array(fc.nat(), { maxLength: 2 }),
      keys: fc.array(keyFor(dir), { minLength: 4, maxLength: 4 }),
      controls: fc.array(fc.option(controlFrame(dir), { nil: null }), { minLength: 3, maxLength: 3 }),
    })
    .map(({ before, wide, after, into, moreCuts, keys, controls }) => {
      const data = utf8(before + wide + after);
      const start = utf8(before).length;
      const wideLength = utf8(wide).length;
      const inside = start + 1 + (into % (wideLength - 1));
      const cuts = [inside, ...moreCuts.map((n) => n % (data.length + 1))].sort((a, b) => a - b);
      const points = [0, ...cuts, data.length];
      const frames: PlannedFrame[] = [];
      for (let i = 0; i + 1 < points.length; i++) {
        const last = i + 2 === points.length;
        const payload = data.subarray(points[i]!, points[i + 1]!);
        const opcode = i === 0 ? Opcode.TEXT : Opcode.CONTINUATION;
        frames.push(planFrame(dir, { opcode, payload, fin: last, mask: keys[i]! }, true));
        const control = controls[i];
        if (!last && control) frames.push(control);
      }
      return { frames, message: { dir, opcode: 1, data } };
    });
}

const item: fc.Arbitrary<PlannedItem> = direction.chain((dir) =>
  fc.oneof(
    { weight: 3, arbitrary: textMessage(dir) },
    { weight: 3, arbitrary: binaryMessage(dir) },
    { weight: 2, arbitrary: splitTextMessage(dir) },
    { weight: 2, arbitrary: controlFrame(dir).map((f): PlannedItem => ({ frames: [f], message: null })) },
  ),
);

function closeFrame(dir: Direction): fc.Arbitrary<PlannedFrame> {
  return fc
    .record({
      code: fc.oneof(
        fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1008, 1011),
        fc.integer({ min: 3000, max: 4999 }),
      ),
      reason: fc.string({ unit: 'binary', maxLength: 30 }).filter((r) => utf8(r).length <= 123),
      mask: keyFor(dir),
    })
    .map(({ code, reason, mask }) =>
      planFrame(dir, { opcode: Opcode.CLOSE, payload: encodeClosePayload(code, reason), mask }, false, {
        close: { code, reason },
      }),
    );
}

type InvalidKind = 'rsv1' | 'reserved-opcode' | 'long-ping' | 'fragmented-control' | 'wrong-mask';

/** One frame that breaks a rule of RFC 6455 §5, as the last frame of its direction. */
function invalidFrame(dir: Direction, kind: InvalidKind): fc.Arbitrary<PlannedFrame> {
  const small = fc.uint8Array({ maxLength: 60 });
  switch (kind) {
    case 'rsv1':
      // §5.2: RSV1 needs an extension that defines it; none was negotiated.
      return fc.record({ payload: small, mask: keyFor(dir) }).map(({ payload, mask }) =>
        planFrame(dir, { opcode: Opcode.TEXT, rsv1: true, payload, mask }, false, {
          violation: 'UNEXPECTED_RSV_1',
        }),
      );
    case 'reserved-opcode':
      // §5.2: 0x3-0x7 and 0xB-0xF are reserved.
      return fc
        .record({
          opcode: fc.constantFrom(0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf),
          payload: small,
          mask: keyFor(dir),
        })
        .map((spec) => planFrame(dir, spec, false, { violation: 'RESERVED_OPCODE' }));
    case 'long-ping':
      // §5.5: a control frame's payload is at most 125 bytes.
      return fc
        .record({ payload: fc.uint8Array({ minLength: 126, maxLength: 126 }), mask: keyFor(dir) })
        .map(({ payload, mask }) =>
          planFrame(dir, { opcode: Opcode.PING, payload, mask }, true, {
            violation: 'CONTROL_PAYLOAD_TOO_LONG',
          }),
        );
    case 'fragmented-control':
      // §5.5: control frames MUST NOT be fragmented.
      return fc
        .record({ opcode: fc.constantFrom(Opcode.PING, Opcode.PONG), payload: small, mask: keyFor(dir) })
        .map(({ opcode, payload, mask }) =>
          planFrame(dir, { opcode, payload, mask, fin: false }, true, { violation: 'FRAGMENTED_CONTROL' }),
        );
    case 'wrong-mask':
      // §5.1: an unmasked frame from the client, or a masked one from the server.
      return fc
        .record({ payload: text.map(utf8), key: fc.uint8Array({ minLength: 4, maxLength: 4 }) })
        .map(({ payload, key }) =>
          planFrame(dir, { opcode: Opcode.TEXT, payload, mask: dir === 'client' ? false : key }, true, {
            violation: dir === 'client' ? 'EXPECTED_MASK' : 'UNEXPECTED_MASK',
          }),
        );
  }
}

const invalidKind = fc.constantFrom<InvalidKind>(
  'rsv1',
  'reserved-opcode',
  'long-ping',
  'fragmented-control',
  'wrong-mask',
);

const conversation: fc.Arbitrary<Conversation> = fc
  .record({
    key: fc.uint8Array({ minLength: 16, maxLength: 16 }).map(toBase64),
    items: fc.array(item, { maxLength: 8 }),
    closes: fc.record({ client: fc.boolean(), server: fc.boolean(), serverFirst: fc.boolean() }),
    invalid: fc.option(fc.tuple(direction, invalidKind), { nil: null, freq: 3 }),
  })
  .chain(({ key, items, closes, invalid }) =>
    fc
      .record({
        clientClose: closeFrame('client'),
        serverClose: closeFrame('server'),
        invalid: invalid ? invalidFrame(...invalid) : fc.constant(null),
      })
      .map(({ clientClose, serverClose, invalid }) => {
        // A direction's close is its last frame (RFC 6455 §5.5.1), so the one that breaks a rule
        // goes where no close was sent.
        const ends: PlannedFrame[] = [];
        if (closes.client && invalid?.dir !== 'client') ends.push(clientClose);
        if (closes.server && invalid?.dir !== 'server') ends.push(serverClose);
        if (closes.serverFirst) ends.reverse();
        if (invalid) ends.push(invalid);
        const request = formatHead('GET /echo HTTP/1.1', [
          ['Host', '127.0.0.1:8765'],
          ['Upgrade', 'websocket'],
          ['Connection', 'Upgrade'],
          ['Sec-WebSocket-Key', key],
          ['Sec-WebSocket-Version', '13'],
        ]);
        // RFC 6455 §4.2.2: the 101 answer carries base64(SHA-1(key + GUID)).
        const response = formatHead('HTTP/1.1 101 Switching Protocols', [
          ['Upgrade', 'websocket'],
          ['Connection', 'Upgrade'],
          ['Sec-WebSocket-Accept', deriveAccept(key)],
        ]);
        const frames = [...items.flatMap((i) => i.frames), ...ends];
        return {
          request: utf8(request),
          response: utf8(response),
          frames,
          messages: items.flatMap((i) => (i.message ? [i.message] : [])),
          invalid,
          // A counterexample as the wire bytes, one frame a line, as fixtures are written.
          [fc.toStringMethod]: () =>
            [`key ${key}`, ...frames.map((f) => `${f.dir} ${toHex(f.wire, ' ')}`)].join('\n'),
        };
      }),
  );

/** How the bytes reach the journal and how the readers take them out. */
interface Delivery {
  /** Chunk sizes, used in turn; all 1 for byte-at-a-time. */
  chunkSizes: number[];
  /** Time steps between chunks, in ms, used in turn: under 1 ms a chunk may join the last record. */
  timeSteps: number[];
  /** Readers read after every this many chunks. */
  readEvery: number;
  /** `maxBytes` of the direct reads, used in turn. */
  readSizes: number[];
  /** The subscribers' send limit. */
  sendLimit: number;
  /** Chunks written before the subscribers first look: what came before is their history. */
  subscribeAfter: number;
  segmentBytes: number;
}

const delivery: fc.Arbitrary<Delivery> = fc.record({
  chunkSizes: fc
    .constantFrom(1, 3, 20, 300, 100_000)
    .chain((most) => fc.array(fc.integer({ min: 1, max: most }), { minLength: 1, maxLength: 12 })),
  timeSteps: fc.array(fc.constantFrom(0, 0.25, 0.5, 1, 2.5), { minLength: 1, maxLength: 8 }),
  readEvery: fc.integer({ min: 1, max: 40 }),
  readSizes: fc.array(fc.oneof(fc.integer({ min: 1, max: 2048 }), fc.constant(Number.POSITIVE_INFINITY)), {
    minLength: 1,
    maxLength: 6,
  }),
  sendLimit: fc.integer({ min: 1, max: 8192 }),
  subscribeAfter: fc.nat(60),
  segmentBytes: fc.constantFrom(64, 100, 256, 1024, 4096, 1 << 20),
});

const meta: OpenMeta = {
  kind: 'echo',
  path: '/echo',
  remote: '127.0.0.1:50000',
  local: '127.0.0.1:8765',
  maxPayload: 1 << 20,
  payloadCap: 1 << 20,
};

/** A socket that writes everything at once; it keeps a copy, as bytes on their way out are. */
class FakeSink implements TapSink {
  readonly sent: (string | Uint8Array)[] = [];
  readonly bufferedAmount = 0;

  send(data: Uint8Array | string, _options: { binary: boolean }, done?: () => void): void {
    this.sent.push(typeof data === 'string' ? data : new Uint8Array(data));
    done?.();
  }
}

/** The wire in order: runs of one direction's bytes, as the two sockets' sides would see them. */
function wireRuns(conv: Conversation): { dir: Direction; bytes: Uint8Array }[] {
  const parts: { dir: Direction; bytes: Uint8Array }[] = [
    { dir: 'client', bytes: conv.request },
    { dir: 'server', bytes: conv.response },
    ...conv.frames.map((f) => ({ dir: f.dir, bytes: f.wire })),
  ];
  const runs: { dir: Direction; bytes: Uint8Array }[] = [];
  for (const part of parts) {
    const last = runs[runs.length - 1];
    if (last && last.dir === part.dir) last.bytes = concat(last.bytes, part.bytes);
    else runs.push({ ...part });
  }
  return runs;
}

interface Capture {
  /** Every chunk the direct reader got, copied when it got it, as a raw subscriber sends them. */
  direct: Uint8Array[];
  raw: FakeSink;
  json: FakeSink;
}

/** Writes the conversation into a journal in the chunks asked for, reading as it goes. */
function capture(conv: Conversation, how: Delivery): Capture {
  let t = 10;
  const journal = new Journal({ budgetBytes: 64 << 20, segmentBytes: how.segmentBytes, now: () => t });
  const settings: SubscriberSettings = {
    journal,
    maxBufferedBytes: how.sendLimit,
    payloadCap: meta.payloadCap,
    maxPayload: meta.maxPayload,
    now: () => t,
    inflater: createInflater,
  };
  const raw = new FakeSink();
  const json = new FakeSink();
  const subscribers = [new RawSubscriber(raw, settings), new JsonSubscriber(json, settings)];
  const direct: Uint8Array[] = [];
  let cursor = journal.startOffset;
  let reads = 0;
  const readSome = (maxBytes: number): void => {
    const { chunks, next, gapBytes } = journal.read(cursor, maxBytes);
    expect(gapBytes).toBe(0);
    for (const chunk of chunks) direct.push(chunk.slice());
    cursor = next;
  };
  const pumpAll = (): void => {
    if (chunkIndex < how.subscribeAfter) return;
    for (const subscriber of subscribers) {
      for (let turns = 0; turns < 1000 && subscriber.pump().more; turns++);
    }
  };

  let chunkIndex = 0;
  const conn = journal.open(meta, t);
  for (const run of wireRuns(conv)) {
    for (let from = 0; from < run.bytes.length; chunkIndex++) {
      const size = how.chunkSizes[chunkIndex % how.chunkSizes.length]!;
      const chunk = run.bytes.subarray(from, from + size);
      // A socket's chunk may be reused once written: the journal must have copied it.
      journal.append(conn, run.dir === 'client', t, chunk.slice());
      from += chunk.length;
      t += how.timeSteps[chunkIndex % how.timeSteps.length]!;
      if (chunkIndex % how.readEvery === 0) {
        readSome(how.readSizes[reads++ % how.readSizes.length]!);
        pumpAll();
      }
    }
  }
  journal.end(conn, t, false);
  chunkIndex = Number.POSITIVE_INFINITY;
  for (let i = 0; cursor < journal.endOffset; i++) {
    expect(i).toBeLessThan(1_000_000);
    readSome(how.readSizes[reads++ % how.readSizes.length]!);
  }
  // Drained as the hub would, turn after turn while there is more: with a 1-byte send limit and
  // 64-byte segments a subscriber moves a record or so per turn, and a long conversation holds
  // more records than one pumpAll's 1 000 turns (seed -181877801 left 1 826 bytes behind).
  for (let i = 0; i < 1000 && !subscribers.every((s) => s.caughtUp); i++) pumpAll();
  expect(subscribers.every((s) => s.caughtUp)).toBe(true);
  return { direct, raw, json };
}

/** Records in chunks that must each hold whole records. */
function records(chunks: readonly Uint8Array[]): RawRecord[] {
  return chunks.flatMap((chunk) => {
    const scan = readRecords(chunk);
    const out = [...scan];
    expect(scan.error).toBeNull();
    return out;
  });
}

/** Events as the JSON tap would send them: lazy ones turned into plain objects. */
function plain(events: readonly StreamEvent[]): TapEvent[] {
  return events.map((event) => ('toJSON' in event ? event.toJSON() : event));
}

function payloadBytes(view: { text?: string; base64?: string }): Uint8Array {
  if (view.text !== undefined) return utf8(view.text);
  const bytes = fromBase64(view.base64 ?? '');
  expect(bytes, `base64 ${view.base64}`).not.toBeNull();
  return bytes!;
}

function checkFrames(conv: Conversation, events: TapEvent[], dir: Direction): void {
  const planned = conv.frames.filter((f) => f.dir === dir);
  const seen = events.filter((e): e is TapFrameEvent => e.type === 'frame' && e.dir === dir);
  expect(seen).toHaveLength(planned.length);
  let offset = 0;
  seen.forEach((event, i) => {
    const frame = planned[i]!;
    const where = `${dir} frame ${i}`;
    expect(
      {
        seq: event.seq,
        offset: event.offset,
        fin: event.fin,
        rsv1: event.rsv1,
        rsv2: event.rsv2,
        rsv3: event.rsv3,
        opcode: event.opcode,
        masked: event.masked,
        maskKey: event.maskKey,
        payloadLength: event.payloadLength,
        headerHex: event.headerHex,
        truncated: event.payload.truncated,
        violation: event.violation?.code,
      },
      where,
    ).toEqual({
      seq: i,
      offset,
      fin: frame.fin,
      rsv1: frame.rsv1,
      rsv2: false,
      rsv3: false,
      opcode: frame.opcode,
      masked: frame.maskKey !== null,
      maskKey: frame.maskKey ? toHex(frame.maskKey) : null,
      payloadLength: frame.payload.length,
      headerHex: toHex(frame.wire.subarray(0, frame.headerLength)),
      truncated: false,
      violation: frame.violation,
    });
    expect(toHex(payloadBytes(event.payload)), `${where} payload`).toBe(toHex(frame.payload));
    // Text only when the bytes alone are UTF-8: never a U+FFFD that did not cross the wire.
    const asText = frame.textual && decodeUtf8Strict(frame.payload) !== null;
    expect(event.payload.text !== undefined, `${where} shown as text`).toBe(asText);
    if (frame.close) {
      expect({ code: event.closeCode, reason: event.closeReason }, where).toEqual(frame.close);
    }
    offset += frame.wire.length;
  });
}

function checkMessages(conv: Conversation, events: TapEvent[], dir: Direction): void {
  const planned = conv.messages.filter((m) => m.dir === dir);
  const seen = events.filter((e): e is TapMessageEvent => e.type === 'message' && e.dir === dir);
  expect(seen).toHaveLength(planned.length);
  seen.forEach((event, i) => {
    const message = planned[i]!;
    expect(event.opcodeName, `${dir} message ${i}`).toBe(message.opcode === 1 ? 'text' : 'binary');
    expect(event.size).toBe(message.data.length);
    expect(event.truncated).toBe(false);
    expect(toHex(payloadBytes(event)), `${dir} message ${i} data`).toBe(toHex(message.data));
  });
}

function checkConversation(conv: Conversation, events: TapEvent[]): void {
  expect(events[0]).toMatchObject({ type: 'open', conn: 'c1', path: '/echo', kind: 'echo' });
  const handshake = events.find((e) => e.type === 'handshake');
  expect(handshake).toMatchObject({
    request: { raw: new TextDecoder().decode(conv.request) },
    response: { status: 101, raw: new TextDecoder().decode(conv.response) },
    accept: { ok: true },
  });
  for (const dir of ['client', 'server'] as const) {
    checkFrames(conv, events, dir);
    checkMessages(conv, events, dir);
  }
  const errors = events.filter((e) => e.type === 'error');
  const invalid = conv.invalid;
  expect(errors.map((e) => [e.dir, e.code])).toEqual(invalid ? [[invalid.dir, invalid.violation]] : []);

  const close = events[events.length - 1];
  const firstClose = conv.frames.find((f) => f.close);
  const frameBytes = (dir: Direction): number =>
    conv.frames.filter((f) => f.dir === dir).reduce((sum, f) => sum + f.wire.length, 0);
  expect(close).toMatchObject({
    type: 'close',
    code: firstClose?.close?.code ?? 1006,
    reason: firstClose?.close?.reason ?? '',
    initiator: firstClose?.dir ?? 'none',
    clean: conv.frames.filter((f) => f.close).length === 2,
    bytes: { client: frameBytes('client'), server: frameBytes('server') },
  });
}

describe('the tap shows exactly the bytes that crossed the wire', () => {
  it('gives back every frame header and payload byte, whatever the chunks, records and reads', () => {
    fc.assert(
      fc.property(conversation, delivery, (conv, how) => {
        const { direct, raw, json } = capture(conv, how);
        const journalRecords = records(direct);
        expect(journalRecords.every((r) => r.conn === 1)).toBe(true);

        // Every byte, both ways, in wire order: the record bodies are the conversation itself.
        const body = (kind: RecordKind): string =>
          toHex(concat(...journalRecords.filter((r) => r.kind === kind).map((r) => r.body)));
        const runs = wireRuns(conv);
        const sent = (dir: Direction): string =>
          toHex(concat(...runs.filter((r) => r.dir === dir).map((r) => r.bytes)));
        expect(body(RecordKind.CLIENT)).toBe(sent('client'));
        expect(body(RecordKind.SERVER)).toBe(sent('server'));

        // The raw subscriber is sent HELLO, then exactly what a direct reader of the journal got.
        const rawMessages = raw.sent as Uint8Array[];
        expect([...readRecords(rawMessages[0]!)].map((r) => r.kind)).toEqual([RecordKind.HELLO]);
        expect(toHex(concat(...rawMessages.slice(1)))).toBe(toHex(concat(...direct)));

        const decoder = new TapStreamDecoder({ inflater: createInflater });
        const events = plain(journalRecords.flatMap((record) => decoder.decode(record)));
        checkConversation(conv, events);

        // The JSON tap decodes the same records into the same events.
        // Sent as a string or, from the subscriber's output ring, as UTF-8 bytes.
        const sentJson = json.sent.flatMap(
          (message) =>
            JSON.parse(
              typeof message === 'string' ? message : new TextDecoder().decode(message),
            ) as TapEvent[],
        );
        expect(sentJson[0]?.type).toBe('hello');
        expect(sentJson.filter((e) => e.type !== 'hello' && e.type !== 'live')).toEqual(events);
        // Once, after hello and the history, counting the history.
        const liveAt = sentJson.findIndex((e) => e.type === 'live');
        expect(sentJson.filter((e) => e.type === 'live')).toHaveLength(1);
        expect(sentJson[liveAt]).toMatchObject({ history: liveAt - 1 });
      }),
      { numRuns: 200 },
    );
  });
});
