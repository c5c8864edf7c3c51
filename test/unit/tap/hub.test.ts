// The hub with a real journal and fake subscribers: no sockets. A fake sink takes what a socket
// would and says how much is still queued; `stalled` makes it a peer that reads nothing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TapEvent } from '../../../core/tap/events';
import { type RawRecord, RecordKind, readRecords } from '../../../core/tap/raw-records';
import { TapHub, type TapSink } from '../../../server/tap/hub';
import { Journal } from '../../../server/tap/journal';
import { concat, hex } from '../wire/helpers';
import { MASKED_HELLO, meta, REQUEST, RESPONSE } from './conversation-fixtures';

class FakeSink implements TapSink {
  readonly sent: (string | Uint8Array)[] = [];
  /** What each send's data was a view of: a JSON subscriber's ring is used over and over. */
  readonly memory: ArrayBufferLike[] = [];
  bufferedAmount = 0;
  stalled = false;
  /** The callbacks of sends a stalled sink has not written. */
  private unwritten: (() => void)[] = [];

  send(data: string | Uint8Array, _options: { binary: boolean }, done?: () => void): void {
    if (this.stalled) this.bufferedAmount += data.length;
    // A copy: once written (`done`), the memory a send was given may be used again.
    this.sent.push(typeof data === 'string' ? data : new Uint8Array(data));
    if (typeof data !== 'string') this.memory.push(data.buffer);
    if (!done) return;
    if (this.stalled) this.unwritten.push(done);
    else queueMicrotask(done);
  }

  /** The peer reads again: everything queued is written. */
  drain(): void {
    this.stalled = false;
    this.bufferedAmount = 0;
    for (const done of this.unwritten.splice(0)) done();
  }

  /** JSON subscribers: every event, flattened out of their batches. */
  get events(): TapEvent[] {
    // The decode worker's JSON comes as UTF-8 bytes, sent in a text frame.
    const text = (message: string | Uint8Array): string =>
      typeof message === 'string' ? message : new TextDecoder().decode(message);
    return this.sent.flatMap((message) => JSON.parse(text(message)) as TapEvent[]);
  }

  /** Raw subscribers: every record received. */
  get records(): RawRecord[] {
    return this.sent.flatMap((message) => [...readRecords(message as Uint8Array)]);
  }
}

let clock = 0;
const hubs: TapHub[] = [];
function setUp(
  options: {
    budgetBytes?: number;
    maxBufferedBytes?: number;
    maxSubscribers?: number;
    decodeOffThread?: boolean;
  } = {},
) {
  const journal = new Journal({
    budgetBytes: options.budgetBytes ?? 1 << 20,
    segmentBytes: 4096,
    now: () => clock++,
  });
  const hub = new TapHub(journal, { payloadCap: 1024, maxPayload: 1 << 20, ...options });
  hubs.push(hub);
  return { journal, hub };
}

/** A connection that says hello once: handshake both ways, one client frame. */
function conversation(journal: Journal): number {
  const conn = journal.open(meta);
  journal.append(conn, true, clock++, REQUEST);
  journal.append(conn, false, clock++, RESPONSE);
  journal.append(conn, true, clock++, MASKED_HELLO);
  return conn;
}

afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close();
});

describe('TapHub', () => {
  it('greets a JSON subscriber with hello, the history decoded, live, then live events', async () => {
    const { journal, hub } = setUp();
    conversation(journal);
    const sink = new FakeSink();
    hub.subscribe(sink, 'json');
    const conn = conversation(journal);
    journal.end(conn, clock++, false);
    await hub.flush();
    const types = sink.events.map((event) => event.type);
    expect(types[0]).toBe('hello');
    const live = sink.events.findIndex((event) => event.type === 'live');
    expect(types.slice(1, live)).toEqual(['open', 'handshake', 'frame', 'message']);
    expect(sink.events[live]).toMatchObject({ type: 'live', history: 4 });
    expect(types.slice(live + 1)).toEqual(['open', 'handshake', 'frame', 'message', 'close']);
    const message = sink.events.find((event) => event.type === 'message');
    expect(message).toMatchObject({ dir: 'client', text: 'Hello' });
  });

  it('lets the journal write its segments again behind a JSON subscriber decoded in the worker', async () => {
    const budgetBytes = 64 * 1024;
    const { journal, hub } = setUp({ budgetBytes, decodeOffThread: true });
    const sink = new FakeSink();
    hub.subscribe(sink, 'json');
    const conn = conversation(journal);
    const frame = concat(hex('82 7e 03 e8'), new Uint8Array(1000));
    const seen = new Set<ArrayBufferLike>();
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 16; i++) journal.append(conn, false, clock++, frame);
      await hub.flush();
      for (const chunk of journal.read(journal.startOffset, Number.POSITIVE_INFINITY, 'copy').chunks)
        seen.add(chunk.buffer);
    }
    expect(journal.stats().evictedBytes).toBeGreaterThan(8 * budgetBytes);
    expect(sink.events.filter((e) => e.type === 'frame' && e.dir === 'server')).toHaveLength(40 * 16);
    // The segments of the budget and a few spares: not a fresh one for every segment it read.
    expect(seen.size).toBeLessThanOrEqual(budgetBytes / 4096 + 8);
  });

  it('ends the history with live before any event that happened after subscribing, however long the history', async () => {
    const { journal, hub } = setUp({ budgetBytes: 8 << 20 });
    const conn = conversation(journal);
    // Far more history than one turn of the pump sends.
    const big = new Uint8Array(60_000);
    for (let i = 0; i < 20; i++) journal.append(conn, false, clock++, concat(hex('82 7e ea 60'), big));
    const sink = new FakeSink();
    hub.subscribe(sink, 'json'); // sends the first turn now
    journal.append(conn, false, clock++, hex('81 03 6e 65 77')); // "new", after subscribing
    await hub.flush();
    const types = sink.events.map((event) =>
      event.type === 'frame' ? `frame:${event.opcodeName}` : event.type,
    );
    const live = types.indexOf('live');
    expect(types.slice(live)).toEqual(['live', 'frame:text', 'message']);
    expect((sink.events[live] as { history: number }).history).toBe(live - 1);
  });

  it('sends a raw subscriber HELLO, then the journal records byte for byte', async () => {
    const { journal, hub } = setUp();
    conversation(journal);
    const sink = new FakeSink();
    hub.subscribe(sink, 'raw');
    await hub.flush();
    const [hello, ...rest] = sink.records;
    expect(hello!.kind).toBe(RecordKind.HELLO);
    const wire = rest.filter((record) => record.kind === RecordKind.CLIENT).map((record) => [...record.body]);
    expect(wire.flat()).toEqual([...REQUEST, ...MASKED_HELLO]);
  });

  it('never has more than its limit unsent to a subscriber that does not read, history included', async () => {
    const { journal, hub } = setUp({ maxBufferedBytes: 2048 });
    for (let i = 0; i < 50; i++) conversation(journal);
    const sink = new FakeSink();
    sink.stalled = true;
    hub.subscribe(sink, 'raw');
    await hub.flush(50);
    // One read may go over by at most one record; everything else waits in the journal.
    expect(sink.bufferedAmount).toBeLessThan(2048 + 1024);
    expect(sink.bufferedAmount).toBeGreaterThan(0);
  });

  it('holds a JSON subscriber that does not read to its limit too, though it sends a turn at once', async () => {
    const { journal, hub } = setUp({ maxBufferedBytes: 2048 });
    for (let i = 0; i < 50; i++) conversation(journal);
    const sink = new FakeSink();
    sink.stalled = true;
    hub.subscribe(sink, 'json');
    await hub.flush(50);
    // The 50 conversations decode to about 50 KB of JSON; a turn stops near the limit, not after them all.
    expect(sink.bufferedAmount).toBeLessThan(2048 + 4096);
    expect(sink.events.some((e) => e.type === 'handshake')).toBe(true);
  });

  it.each([
    ["on the sockets' thread", false],
    ['in the worker thread', true],
  ])(
    'tells a subscriber that fell behind what it missed, then carries on from what is kept, %s',
    async (_where, decodeOffThread) => {
      const { journal, hub } = setUp({ budgetBytes: 4 * 4096, maxBufferedBytes: 512, decodeOffThread });
      const sink = new FakeSink();
      sink.stalled = true;
      hub.subscribe(sink, 'json');
      await hub.flush(20);
      const long = conversation(journal);
      // Far more than the journal keeps; ended, so their bookkeeping leaves its budget too.
      for (let i = 0; i < 100; i++) journal.end(conversation(journal), clock++, false);
      sink.drain();
      await hub.flush();
      const dropped = sink.events.find((event) => event.type === 'dropped');
      expect(dropped).toMatchObject({ type: 'dropped' });
      expect((dropped as { bytes: number }).bytes).toBeGreaterThan(0);
      // A connection cut by the gap is labelled, not decoded from the middle.
      expect(sink.events.some((event) => event.type === 'error' && event.code === 'EVICTED')).toBe(true);
      // Its later bytes are counted, not decoded, and its close says how many.
      journal.append(long, true, clock++, MASKED_HELLO);
      journal.append(long, false, clock++, hex('81 02 68 69'));
      journal.end(long, clock++, false);
      await hub.flush();
      const close = sink.events.find((event) => event.type === 'close' && event.conn === `c${long}`);
      expect(close).toMatchObject({ code: 1006, bytes: { client: MASKED_HELLO.length, server: 4 } });
    },
  );

  it('decodes JSON subscribers in its worker thread into the same events, leaving the journal whole', async () => {
    const inline = setUp();
    const offThread = setUp();
    const hub = new TapHub(offThread.journal, {
      payloadCap: 1024,
      maxPayload: 1 << 20,
      decodeOffThread: true,
    });
    hubs.push(hub);
    hub.subscribe(new FakeSink(), 'raw');
    expect(hub.decoderStarted).toBe(false);
    for (const { journal } of [inline, offThread]) {
      clock = 100;
      for (let i = 0; i < 20; i++) conversation(journal);
    }
    const here = new FakeSink();
    const there = new FakeSink();
    inline.hub.subscribe(here, 'json');
    hub.subscribe(there, 'json');
    expect(hub.decoderStarted).toBe(true);
    await inline.hub.flush();
    await hub.flush();
    // `hello` and `live` carry the time they were sent, which differs; every decoded event must not.
    const withoutHello = (sink: FakeSink) =>
      sink.events.filter((e) => e.type !== 'hello').map((e) => (e.type === 'live' ? { ...e, t: 0 } : e));
    expect(withoutHello(there).length).toBeGreaterThan(60);
    expect(withoutHello(there)).toEqual(withoutHello(here));
    // What went to the worker was a copy: the journal's own memory is still there to read.
    const { chunks } = offThread.journal.read(offThread.journal.startOffset, 1 << 20);
    expect(chunks.reduce((n, chunk) => n + chunk.length, 0)).toBe(
      offThread.journal.endOffset - offThread.journal.startOffset,
    );
  });

  it.each([
    ["on the sockets' thread", false],
    ['in the worker thread', true],
  ])(
    'sends a JSON subscriber its events from one block of memory used over and over, %s',
    async (_where, decodeOffThread) => {
      const { journal } = setUp();
      const hub = new TapHub(journal, {
        payloadCap: 1024,
        maxPayload: 1 << 20,
        maxBufferedBytes: 4096,
        decodeOffThread,
      });
      hubs.push(hub);
      const sink = new FakeSink();
      hub.subscribe(sink, 'json');
      for (let round = 0; round < 40; round++) {
        for (let i = 0; i < 5; i++) conversation(journal);
        await hub.flush();
      }
      const shared = sink.memory.filter((memory) => memory instanceof SharedArrayBuffer);
      // Most turns went out of the ring; it grew a few times at most, never past twice the limit.
      expect(shared.length).toBeGreaterThan(sink.sent.length / 2);
      expect(new Set(shared).size).toBeLessThanOrEqual(3);
      for (const memory of shared) expect(memory.byteLength).toBeLessThanOrEqual(2 * 4096);
      // And every event arrived, in order, once: 200 conversations of four events each.
      expect(sink.events.filter((event) => event.type === 'handshake')).toHaveLength(200);
      expect(sink.events.filter((event) => event.type === 'message')).toHaveLength(200);
    },
  );

  it('counts its subscribers and is full at its cap; unsubscribing makes room', () => {
    const { hub } = setUp({ maxSubscribers: 2 });
    const stop = hub.subscribe(new FakeSink(), 'json');
    hub.subscribe(new FakeSink(), 'raw');
    expect(hub.full).toBe(true);
    stop();
    expect(hub.subscriberCount).toBe(1);
    expect(hub.full).toBe(false);
  });

  it('closes a subscriber whose sink throws with 1011, says why, and keeps serving the others', async () => {
    const { journal, hub } = setUp();
    const closes: [number, string][] = [];
    const broken: TapSink = {
      bufferedAmount: 0,
      send() {
        throw new Error('encoder broke');
      },
      close(code, reason) {
        closes.push([code, reason]);
      },
    };
    const logged: unknown[][] = [];
    const error = vi.spyOn(console, 'error').mockImplementation((...args) => void logged.push(args));
    try {
      hub.subscribe(broken, 'json');
      const sink = new FakeSink();
      hub.subscribe(sink, 'json');
      conversation(journal);
      await hub.flush();
      expect(hub.subscriberCount).toBe(1);
      expect(sink.events.map((event) => event.type)).toContain('message');
      expect(closes).toEqual([[1011, 'the tap failed to send the journal']]);
      expect(String(logged[0]?.[1])).toContain('encoder broke');
    } finally {
      error.mockRestore();
    }
  });
});
