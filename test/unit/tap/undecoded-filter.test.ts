// The filter that leaves out what the stream decoder would only count: the decoder given its
// pieces makes the same events as the decoder given every record, close counts included, however
// the records are cut into chunks; and the bytes of an undecoded connection are not copied.
import { describe, expect, it } from 'vitest';
import type { TapEvent } from '../../../core/tap/events';
import {
  EndFlag,
  encodeRecord,
  evictedBody,
  openBody,
  RecordKind,
  readRecords,
} from '../../../core/tap/raw-records';
import { TapStreamDecoder } from '../../../core/tap/stream-decoder';
import { UndecodedFilter } from '../../../core/tap/undecoded-filter';
import { createInflater } from '../../../core/wire/inflate';
import { concat } from '../wire/helpers';
import { MASKED_HELLO, meta, REQUEST, RESPONSE } from './conversation-fixtures';

/** Connection 1 lost its start (EVICTED); connection 2 is whole. Interleaved, both ended. */
function stream(): Uint8Array[] {
  let t = 0;
  const r = (kind: RecordKind, conn: number, body?: Uint8Array, flags = 0) =>
    encodeRecord(kind, flags, conn, t++, body);
  return [
    r(RecordKind.EVICTED, 1, evictedBody(300, 200, meta)),
    r(RecordKind.CLIENT, 1, new Uint8Array(100).fill(0x81)),
    r(RecordKind.OPEN, 2, openBody(meta)),
    r(RecordKind.CLIENT, 2, REQUEST),
    r(RecordKind.SERVER, 1, new Uint8Array(50)),
    r(RecordKind.SERVER, 2, RESPONSE),
    r(RecordKind.CLIENT, 2, MASKED_HELLO),
    r(RecordKind.CLIENT, 1, new Uint8Array(30)),
    r(RecordKind.END, 1, undefined, EndFlag.ERROR),
    r(RecordKind.END, 2),
  ];
}

/** Events as their JSON says: frames and messages are records that become events when serialised. */
function plain(events: unknown[]): TapEvent[] {
  return JSON.parse(JSON.stringify(events)) as TapEvent[];
}

function decodeAll(records: Uint8Array[]): TapEvent[] {
  const decoder = new TapStreamDecoder({ inflater: createInflater });
  return plain(
    records.flatMap((bytes) => [...readRecords(bytes)].flatMap((record) => decoder.decode(record))),
  );
}

function decodeFiltered(chunks: Uint8Array[], copy = true) {
  const filter = new UndecodedFilter();
  const decoder = new TapStreamDecoder({ inflater: createInflater });
  let copied = 0;
  const events = chunks.flatMap((chunk) =>
    filter.split(chunk, copy).flatMap((piece) => {
      if (!(piece instanceof Uint8Array)) {
        decoder.skipped(piece);
        return [];
      }
      copied += piece.length;
      return [...readRecords(piece)].flatMap((record) => decoder.decode(record));
    }),
  );
  return { events: plain(events), copied };
}

describe('UndecodedFilter', () => {
  it('gives the decoder the same events, the lost connection counted, in every cut of the stream into chunks', () => {
    const records = stream();
    const expected = decodeAll(records);
    const close = expected.find((event) => event.type === 'close' && event.conn === 'c1');
    expect(close).toMatchObject({ bytes: { client: 130, server: 50 } });
    for (let cut = 0; cut <= records.length; cut++) {
      const chunks = [concat(...records.slice(0, cut)), concat(...records.slice(cut))];
      expect(decodeFiltered(chunks).events).toEqual(expected);
      expect(decodeFiltered(chunks, false).events).toEqual(expected);
    }
  });

  it('copies none of the bytes of a connection whose start was lost', () => {
    const records = stream();
    const all = concat(...records);
    const lost = 100 + 50 + 30;
    expect(decodeFiltered([all]).copied).toBe(all.length - lost - 3 * 20);
  });

  it('hands on a cut record at the end as it is, for the decoder to find broken', () => {
    const whole = concat(...stream());
    const cut = whole.subarray(0, whole.length - 5);
    const pieces = new UndecodedFilter().split(cut);
    const last = pieces[pieces.length - 1] as Uint8Array;
    expect([...last.subarray(last.length - 15)]).toEqual([...cut.subarray(cut.length - 15)]);
  });

  it('copies, never lends: a piece is memory of its own even from a Node Buffer', () => {
    const bytes = Buffer.from(concat(...stream()));
    const [first] = new UndecodedFilter().split(bytes) as Uint8Array[];
    expect(first!.buffer).not.toBe(bytes.buffer);
    expect(first!.byteOffset).toBe(0);
  });

  it('lends views of the bytes it is given when asked not to copy, for a decoder on the same thread', () => {
    const bytes = Buffer.from(concat(...stream()));
    const pieces = new UndecodedFilter().split(bytes, false);
    const runs = pieces.filter((piece): piece is Uint8Array => piece instanceof Uint8Array);
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) expect(run.buffer).toBe(bytes.buffer);
  });
});
