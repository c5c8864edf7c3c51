import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EndFlag,
  type OpenMeta,
  parseEvictedBody,
  parseOpenBody,
  parseVerdictBody,
  type RawRecord,
  RECORD_HEADER_BYTES,
  RecordKind,
  readRecords,
} from '../../../core/tap/raw-records';
import { toHex } from '../../../core/wire/bytes';
import { CONNECTION_OVERHEAD_BYTES, Journal } from '../../../server/tap/journal';
import { concat, hex } from '../wire/helpers';

function meta(path = '/echo'): OpenMeta {
  return {
    kind: 'echo',
    path,
    remote: '127.0.0.1:50000',
    local: '127.0.0.1:8765',
    maxPayload: 1 << 20,
    payloadCap: 65536,
  };
}

function bookkeeping(m: OpenMeta): number {
  return CONNECTION_OVERHEAD_BYTES + new TextEncoder().encode(JSON.stringify(m)).length;
}

/** Parses chunks that must hold whole records only. */
function parse(chunks: Uint8Array[]): RawRecord[] {
  const records: RawRecord[] = [];
  for (const chunk of chunks) {
    const scan = readRecords(chunk);
    records.push(...scan);
    expect(scan.error).toBeNull();
  }
  return records;
}

/** Everything retained, from the first byte. */
function retained(journal: Journal): RawRecord[] {
  const { chunks, next, gapBytes } = journal.read(journal.startOffset, Number.POSITIVE_INFINITY);
  expect(next).toBe(journal.endOffset);
  expect(gapBytes).toBe(0);
  return parse(chunks);
}

function bodyOf(records: RawRecord[], conn: number, kind: RecordKind): Uint8Array {
  return concat(...records.filter((r) => r.conn === conn && r.kind === kind).map((r) => r.body));
}

const head = new TextEncoder().encode('GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
// RFC 6455 §5.7: a masked "Hello" from the client and the unmasked one from the server.
const maskedHello = hex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
const hello = hex('81 05 48 65 6c 6c 6f');

describe('Journal', () => {
  it('reads back what a connection appended: every record, field and byte exact', () => {
    let clock = 10;
    const journal = new Journal({ now: () => clock });
    const conn = journal.open(meta());
    expect(conn).toBe(1);
    journal.append(conn, true, 10.5, head);
    journal.append(conn, false, 11, hello);
    journal.append(conn, true, 11.25, maskedHello);
    journal.verdict(conn, 12, { code: 'MESSAGE_TOO_BIG', message: 'over 1 MiB', closeCode: 1009 });
    clock = 13;
    journal.end(conn, 13, true);

    const records = retained(journal);
    expect(records.map((r) => [r.kind, r.flags, r.conn, r.t])).toEqual([
      [RecordKind.OPEN, 0, 1, 10],
      [RecordKind.CLIENT, 0, 1, 10.5],
      [RecordKind.SERVER, 0, 1, 11],
      [RecordKind.CLIENT, 0, 1, 11.25],
      [RecordKind.VERDICT, 0, 1, 12],
      [RecordKind.END, EndFlag.ERROR, 1, 13],
    ]);
    expect(parseOpenBody(records[0]!.body)).toEqual(meta());
    expect(Uint8Array.from(records[1]!.body)).toEqual(head);
    expect(toHex(records[2]!.body, ' ')).toBe('81 05 48 65 6c 6c 6f');
    expect(toHex(records[3]!.body, ' ')).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    expect(parseVerdictBody(records[4]!.body)).toEqual({
      code: 'MESSAGE_TOO_BIG',
      message: 'over 1 MiB',
      closeCode: 1009,
    });
    expect(journal.endOffset).toBe(records.reduce((sum, r) => sum + RECORD_HEADER_BYTES + r.body.length, 0));
    expect(journal.connection(conn)).toMatchObject({
      clientBytes: head.length + maskedHello.length,
      serverBytes: hello.length,
      evictedClientBytes: 0,
      ended: true,
      openEvicted: false,
    });
  });

  it('copies the bytes: a caller reusing its buffer does not change the journal', () => {
    const journal = new Journal();
    const conn = journal.open(meta(), 0);
    const chunk = Uint8Array.of(1, 2, 3);
    journal.append(conn, true, 1, chunk);
    chunk.fill(9);
    expect(bodyOf(retained(journal), conn, RecordKind.CLIENT)).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('splits a chunk that does not fit its segment into records that never straddle segments', () => {
    const journal = new Journal({ segmentBytes: 256, budgetBytes: 1 << 20 });
    const conn = journal.open(meta(), 0);
    const big = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    journal.append(conn, false, 1, big);
    const { chunks } = journal.read(journal.startOffset, Number.POSITIVE_INFINITY);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(256);
    const records = parse(chunks);
    expect(records.filter((r) => r.kind === RecordKind.SERVER).length).toBe(chunks.length);
    expect(bodyOf(records, conn, RecordKind.SERVER)).toEqual(big);
  });

  it('gives an OPEN larger than a segment a segment of its own size', () => {
    const journal = new Journal({ segmentBytes: 64, budgetBytes: 1 << 16 });
    const long = meta(`/${'a'.repeat(300)}`);
    const conn = journal.open(long, 0);
    journal.append(conn, true, 1, head);
    const records = retained(journal);
    expect(parseOpenBody(records[0]!.body)).toEqual(long);
    expect(bodyOf(records, conn, RecordKind.CLIENT)).toEqual(head);
  });

  it('returns whole records up to maxBytes, and always at least one record', () => {
    const journal = new Journal();
    const conn = journal.open(meta(), 0);
    for (let i = 0; i < 10; i++) journal.append(conn, true, i, new Uint8Array(30).fill(i));
    const first = journal.read(journal.startOffset, 1);
    expect(parse(first.chunks).map((r) => r.kind)).toEqual([RecordKind.OPEN]);
    const two = journal.read(first.next, 2 * (RECORD_HEADER_BYTES + 30) + 49);
    expect(parse(two.chunks).map((r) => r.body[0])).toEqual([0, 1]);
    const rest = journal.read(two.next, Number.POSITIVE_INFINITY);
    expect(parse(rest.chunks).map((r) => r.body[0])).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(rest.next).toBe(journal.endOffset);
    expect(journal.read(rest.next, 1000)).toEqual({ chunks: [], next: journal.endOffset, gapBytes: 0 });
  });

  it('refuses a cursor past the end', () => {
    const journal = new Journal();
    expect(() => journal.read(1, 100)).toThrow(RangeError);
  });

  it('evicts the oldest segments to stay within its budget, counting what each connection lost', () => {
    const segmentBytes = 512;
    const m = meta();
    const budgetBytes = 4 * segmentBytes + bookkeeping(m);
    const journal = new Journal({ segmentBytes, budgetBytes });
    const conn = journal.open(m, 0);
    let sent: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 200; i++) {
      const chunk = new Uint8Array(37).fill(i);
      journal.append(conn, i % 3 !== 0, i, chunk);
      if (i % 3 !== 0) sent = concat(sent, chunk);
      expect(journal.memoryBytes).toBeLessThanOrEqual(budgetBytes);
    }
    expect(journal.startOffset).toBeGreaterThan(0);
    const info = journal.connection(conn)!;
    expect(info.openEvicted).toBe(true);
    expect(info.clientBytes).toBe(sent.length);
    const records = retained(journal);
    expect(records.some((r) => r.kind === RecordKind.OPEN)).toBe(false);
    // What is left is exactly the tail of what was sent, after the evicted count.
    expect(bodyOf(records, conn, RecordKind.CLIENT)).toEqual(sent.subarray(info.evictedClientBytes));

    const preamble = [...readRecords(journal.historyPreamble())];
    expect(preamble).toHaveLength(1);
    expect(preamble[0]).toMatchObject({ kind: RecordKind.EVICTED, conn, t: 0 });
    expect(parseEvictedBody(preamble[0]!.body)).toEqual({
      clientBytes: info.evictedClientBytes,
      serverBytes: info.evictedServerBytes,
      open: m,
    });
  });

  describe('writes evicted segments again only when no reader can hold a view of them', () => {
    const segmentBytes = 512;
    const m = meta();
    const budgetBytes = 4 * segmentBytes + bookkeeping(m);
    const fill = (journal: Journal, conn: number, from: number, count: number): void => {
      for (let i = from; i < from + count; i++)
        journal.append(conn, true, i * 10, new Uint8Array(37).fill(i));
    };
    /** The segments the journal writes in now, seen through a reader that copies. */
    const buffersNow = (journal: Journal): ArrayBufferLike[] =>
      journal.read(journal.startOffset, Number.POSITIVE_INFINITY, 'copy').chunks.map((c) => c.buffer);

    it('reuses segments no one was lent: traffic many times the budget goes through a few buffers', () => {
      const journal = new Journal({ segmentBytes, budgetBytes });
      const conn = journal.open(m, 0);
      const seen = new Set<ArrayBufferLike>();
      for (let round = 0; round < 40; round++) {
        fill(journal, conn, round * 10, 10);
        for (const buffer of buffersNow(journal)) seen.add(buffer);
        expect(journal.memoryBytes).toBeLessThanOrEqual(budgetBytes);
      }
      expect(journal.stats().evictedBytes).toBeGreaterThan(8 * budgetBytes);
      // Four segments in use and a spare or two: never a fresh one per segment of traffic.
      expect(seen.size).toBeLessThanOrEqual(6);
      expect(retained(journal).every((r) => r.body.every((b) => b === r.body[0]))).toBe(true);
    });

    it('leaves a pinned view untouched while it is held, and reuses a segment released before its eviction', () => {
      const journal = new Journal({ segmentBytes, budgetBytes });
      const conn = journal.open(m, 0);
      fill(journal, conn, 0, 5);
      const held = journal.read(journal.startOffset, Number.POSITIVE_INFINITY, 'pin');
      expect(held.lent).toHaveLength(held.chunks.length);
      const pinned = held.chunks[0]!;
      const copy = pinned.slice();
      fill(journal, conn, 5, 200);
      expect(journal.startOffset).toBeGreaterThan(held.lent![0]!.base + segmentBytes);
      // Evicted long ago, but a socket may still be writing it: the bytes are as they were.
      expect(pinned).toEqual(copy);
      for (let round = 0; round < 10; round++) {
        fill(journal, conn, 205 + round * 20, 20);
        expect(buffersNow(journal)).not.toContain(pinned.buffer);
      }
      for (const segment of held.lent!) journal.release(segment);

      // A live subscriber's socket writes what it was lent at once, long before eviction.
      const sent = journal.read(journal.startOffset, Number.POSITIVE_INFINITY, 'pin');
      for (const segment of sent.lent!) journal.release(segment);
      const first = sent.chunks[0]!.buffer;
      let reused = false;
      for (let round = 0; round < 20 && !reused; round++) {
        fill(journal, conn, 1000 + round * 20, 20);
        reused = buffersNow(journal).includes(first) && journal.startOffset > sent.lent![0]!.base;
      }
      expect(reused).toBe(true);
    });

    it('never writes again a segment a reader may keep views of', () => {
      const journal = new Journal({ segmentBytes, budgetBytes });
      const conn = journal.open(m, 0);
      fill(journal, conn, 0, 5);
      const kept = journal.read(journal.startOffset, Number.POSITIVE_INFINITY).chunks[0]!;
      const copy = kept.slice();
      fill(journal, conn, 5, 200);
      for (let round = 0; round < 20; round++) {
        fill(journal, conn, 205 + round * 20, 20);
        expect(buffersNow(journal)).not.toContain(kept.buffer);
      }
      expect(kept).toEqual(copy);
    });
  });

  it('has nothing to say before the history while every connection still has its OPEN', () => {
    const journal = new Journal();
    journal.open(meta(), 0);
    expect(journal.historyPreamble()).toEqual(new Uint8Array(0));
  });

  it('releases an ended connection once its last record leaves the journal, not before', () => {
    const segmentBytes = 256;
    const journal = new Journal({ segmentBytes, budgetBytes: 3 * segmentBytes + 2 * bookkeeping(meta()) });
    const old = journal.open(meta(), 0);
    journal.append(old, true, 1, head);
    journal.end(old, 2, false);
    expect(journal.connection(old)?.ended).toBe(true);
    const busy = journal.open(meta(), 3);
    for (let i = 0; i < 100 && journal.connection(old) !== undefined; i++)
      journal.append(busy, false, 4, hello);
    expect(journal.connection(old)).toBeUndefined();
    expect(retained(journal).some((r) => r.conn === old)).toBe(false);
    expect(journal.stats()).toMatchObject({ connections: 1, openConnections: 1 });
    // Nothing is said about a connection that is gone altogether.
    expect([...readRecords(journal.historyPreamble())].map((r) => r.conn)).not.toContain(old);
  });

  it('tells a reader that fell behind how many bytes it missed, and resumes at the first one kept', () => {
    const journal = new Journal({ segmentBytes: 256, budgetBytes: 1024 + 1000 });
    const conn = journal.open(meta(), 0);
    let cursor = journal.startOffset;
    journal.append(conn, true, 1, head);
    const caughtUp = journal.read(cursor, Number.POSITIVE_INFINITY);
    cursor = caughtUp.next;
    // A few ms apart, so each chunk is a record of its own.
    for (let i = 0; i < 100; i++) journal.append(conn, false, 2 + i * 2, hello);
    const behind = journal.read(cursor, Number.POSITIVE_INFINITY);
    expect(behind.gapBytes).toBe(journal.startOffset - cursor);
    expect(behind.gapBytes).toBeGreaterThan(0);
    expect(behind.next).toBe(journal.endOffset);
    // What it got is exactly the records from the first retained byte.
    expect(concat(...behind.chunks)).toEqual(
      concat(...journal.read(journal.startOffset, Number.POSITIVE_INFINITY).chunks),
    );
  });

  it('puts chunks of one direction written within a millisecond in one record, unless a reader has it', () => {
    const journal = new Journal({ segmentBytes: 4096, budgetBytes: 64 * 1024 });
    const conn = journal.open(meta(), 0);
    journal.append(conn, false, 1, hex('81 05'));
    journal.append(conn, false, 1.5, new TextEncoder().encode('hello'));
    journal.append(conn, true, 1.6, hex('88 80 00 00 00 00'));
    const first = [
      ...readRecords(concat(...journal.read(journal.startOffset, Number.POSITIVE_INFINITY).chunks)),
    ];
    expect(first.map((r) => [r.kind, r.body.length])).toEqual([
      [RecordKind.OPEN, first[0]!.body.length],
      [RecordKind.SERVER, 7],
      [RecordKind.CLIENT, 6],
    ]);
    // The CLIENT record has been handed out: a later chunk starts a record of its own.
    journal.append(conn, true, 1.7, hex('00'));
    const all = [
      ...readRecords(concat(...journal.read(journal.startOffset, Number.POSITIVE_INFINITY).chunks)),
    ];
    expect(all.map((r) => r.kind)).toEqual([
      RecordKind.OPEN,
      RecordKind.SERVER,
      RecordKind.CLIENT,
      RecordKind.CLIENT,
    ]);
    // Far apart in time: two records, so the timeline keeps its resolution.
    journal.append(conn, true, 50, hex('01'));
    journal.append(conn, true, 60, hex('02'));
    expect([
      ...readRecords(concat(...journal.read(journal.startOffset, Number.POSITIVE_INFINITY).chunks)),
    ]).toHaveLength(6);
  });

  it('keeps memory within budget and releases the bookkeeping of 50 000 short connections', () => {
    const m = meta();
    const budgetBytes = 256 * 1024;
    const journal = new Journal({ segmentBytes: 16 * 1024, budgetBytes });
    const response = new TextEncoder().encode('HTTP/1.1 101 Switching Protocols\r\n\r\n');
    let peak = 0;
    for (let i = 0; i < 50_000; i++) {
      const conn = journal.open(m, i);
      journal.append(conn, true, i, head);
      journal.append(conn, false, i, response);
      journal.append(conn, true, i, maskedHello);
      journal.end(conn, i, false);
      peak = Math.max(peak, journal.memoryBytes);
    }
    expect(peak).toBeLessThanOrEqual(budgetBytes);
    const stats = journal.stats();
    expect(stats.refusedBytes).toBe(0);
    expect(stats.openConnections).toBe(0);
    // Only connections with a record still in the journal are tracked: at most what it can hold.
    const records = retained(journal);
    const present = new Set(records.map((r) => r.conn));
    expect(stats.connections).toBe(present.size);
    expect(stats.connections).toBeLessThan(budgetBytes / (RECORD_HEADER_BYTES * 5));
    for (const conn of journal.connectionNumbers()) expect(present.has(conn)).toBe(true);
  });

  it('refuses what does not fit when open connections alone fill the budget, and says so', () => {
    const m = meta();
    const budgetBytes = 128 + 3 * bookkeeping(m);
    const journal = new Journal({ segmentBytes: 128, budgetBytes });
    const conns = Array.from({ length: 5 }, (_, i) => journal.open(m, i));
    for (const conn of conns) journal.append(conn, true, 9, head);
    expect(journal.memoryBytes).toBeLessThanOrEqual(budgetBytes);
    const stats = journal.stats();
    expect(stats.refusedConnections).toBe(2);
    expect(stats.refusedBytes).toBeGreaterThanOrEqual(2 * head.length);
    expect(journal.connection(conns[4]!)).toBeUndefined();
    // A tracked connection's counts still add up: appended = evicted (or refused) + retained.
    const records = retained(journal);
    for (const conn of journal.connectionNumbers()) {
      const info = journal.connection(conn)!;
      expect(info.clientBytes - info.evictedClientBytes).toBe(
        bodyOf(records, conn, RecordKind.CLIENT).length,
      );
    }
  });

  it('keeps its invariants under random operations and budgets', () => {
    type Op =
      | { op: 'open'; pathLength: number }
      | { op: 'append'; pick: number; client: boolean; bytes: Uint8Array }
      | { op: 'end'; pick: number; error: boolean }
      | { op: 'verdict'; pick: number }
      | { op: 'read'; maxBytes: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 2, arbitrary: fc.record({ op: fc.constant('open' as const), pathLength: fc.nat(300) }) },
      {
        weight: 6,
        arbitrary: fc.record({
          op: fc.constant('append' as const),
          pick: fc.nat(),
          client: fc.boolean(),
          bytes: fc.uint8Array({ maxLength: 400 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ op: fc.constant('end' as const), pick: fc.nat(), error: fc.boolean() }),
      },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('verdict' as const), pick: fc.nat() }) },
      {
        weight: 2,
        arbitrary: fc.record({
          op: fc.constant('read' as const),
          maxBytes: fc.integer({ min: 1, max: 2000 }),
        }),
      },
    );

    fc.assert(
      fc.property(
        fc.integer({ min: 64, max: 600 }),
        fc.integer({ min: 1, max: 6 }),
        fc.nat(3000),
        fc.array(op, { maxLength: 120 }),
        (segmentBytes, segments, extra, ops) => {
          const budgetBytes = segmentBytes * segments + extra;
          const journal = new Journal({ segmentBytes, budgetBytes });
          const sent = new Map<
            number,
            { meta: OpenMeta; client: Uint8Array; server: Uint8Array; ended: boolean }
          >();
          const opened: number[] = [];
          // A reader that reads on `read` ops, so sometimes falls behind: what it got plus what it
          // was told it missed is every byte the journal ever held.
          let cursor = 0;
          let seen = 0;
          let t = 0;
          for (const step of ops) {
            t += 1;
            if (step.op === 'open') {
              const m = meta(`/${'p'.repeat(step.pathLength)}`);
              const conn = journal.open(m, t);
              opened.push(conn);
              sent.set(conn, { meta: m, client: new Uint8Array(0), server: new Uint8Array(0), ended: false });
            } else if (step.op === 'read') {
              const { chunks, next, gapBytes } = journal.read(cursor, step.maxBytes);
              parse(chunks);
              seen += gapBytes + chunks.reduce((sum, c) => sum + c.length, 0);
              cursor = next;
              expect(seen).toBe(cursor);
            } else if (opened.length > 0) {
              const conn = opened[step.pick % opened.length]!;
              const model = sent.get(conn)!;
              if (step.op === 'append') {
                journal.append(conn, step.client, t, step.bytes);
                if (!model.ended && journal.connection(conn) !== undefined) {
                  if (step.client) model.client = concat(model.client, step.bytes);
                  else model.server = concat(model.server, step.bytes);
                }
              } else if (step.op === 'end') {
                journal.end(conn, t, step.error);
                model.ended = true;
              } else {
                journal.verdict(conn, t, { code: 'LIMIT', message: 'random' });
              }
            }
            expect(journal.memoryBytes).toBeLessThanOrEqual(budgetBytes);
            expect(journal.startOffset).toBeLessThanOrEqual(journal.endOffset);
          }

          const records = retained(journal);
          const preamble = new Map([...readRecords(journal.historyPreamble())].map((r) => [r.conn, r]));
          const tracked = new Set(journal.connectionNumbers());
          for (const [conn, model] of sent) {
            const mine = records.filter((r) => r.conn === conn);
            const info = journal.connection(conn);
            if (info === undefined) {
              // Released (ended, nothing left) or never tracked: nothing of it remains.
              expect(mine).toEqual([]);
              expect(preamble.has(conn)).toBe(false);
              continue;
            }
            expect(tracked.has(conn)).toBe(true);
            expect(info.ended).toBe(model.ended);
            if (model.ended) expect(mine.length).toBeGreaterThan(0);
            expect(info.clientBytes).toBe(model.client.length);
            expect(info.serverBytes).toBe(model.server.length);
            expect(bodyOf(records, conn, RecordKind.CLIENT)).toEqual(
              model.client.subarray(info.evictedClientBytes),
            );
            expect(bodyOf(records, conn, RecordKind.SERVER)).toEqual(
              model.server.subarray(info.evictedServerBytes),
            );
            const open = mine.find((r) => r.kind === RecordKind.OPEN);
            expect(open === undefined).toBe(info.openEvicted);
            if (open) {
              expect(mine[0]).toBe(open);
              expect(parseOpenBody(open.body)).toEqual(model.meta);
            } else {
              expect(parseEvictedBody(preamble.get(conn)!.body)).toEqual({
                clientBytes: info.evictedClientBytes,
                serverBytes: info.evictedServerBytes,
                open: model.meta,
              });
            }
            const end = mine.findIndex((r) => r.kind === RecordKind.END);
            if (end >= 0) expect(end).toBe(mine.length - 1);
          }
          expect(preamble.size).toBe(
            [...sent.keys()].filter((c) => journal.connection(c)?.openEvicted).length,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
