import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EndFlag,
  encodeRecord,
  evictedBody,
  gapBody,
  helloBody,
  type OpenMeta,
  openBody,
  parseEvictedBody,
  parseGapBody,
  parseHelloBody,
  parseOpenBody,
  parseVerdictBody,
  RECORD_HEADER_BYTES,
  RecordKind,
  readRecords,
  verdictBody,
  writeRecordHeader,
} from '../../../core/tap/raw-records';
import { toHex } from '../../../core/wire/bytes';
import { concat, hex } from '../wire/helpers';

const meta: OpenMeta = {
  kind: 'echo',
  path: '/echo',
  query: { mode: 'slow' },
  remote: '127.0.0.1:51000',
  local: '127.0.0.1:8765',
  maxPayload: 104857600,
  payloadCap: 65536,
};

// A small stream as a server would journal it: OPEN, the request head, the 101 and a masked
// "Hello" (RFC 6455 §5.7), a verdict, then END.
function sampleStream(): Uint8Array {
  return concat(
    encodeRecord(RecordKind.OPEN, 0, 1, 0.5, openBody(meta)),
    encodeRecord(RecordKind.CLIENT, 0, 1, 0.75, new TextEncoder().encode('GET /echo HTTP/1.1\r\n\r\n')),
    encodeRecord(RecordKind.SERVER, 0, 1, 1, hex('81 05 48 65 6c 6c 6f')),
    encodeRecord(RecordKind.CLIENT, 0, 1, 1.25, hex('81 85 37 fa 21 3d 7f 9f 4d 51 58')),
    encodeRecord(
      RecordKind.VERDICT,
      0,
      1,
      2,
      verdictBody({ code: 'MESSAGE_TOO_BIG', message: 'x', closeCode: 1009 }),
    ),
    encodeRecord(RecordKind.END, EndFlag.ERROR, 1, 3),
  );
}

describe('raw record headers', () => {
  it('lays out a CLIENT header little-endian: kind, flags, reserved, conn, t as f64, length', () => {
    const out = new Uint8Array(RECORD_HEADER_BYTES);
    writeRecordHeader(new DataView(out.buffer), 0, RecordKind.CLIENT, 0, 1, 1.5, 3);
    expect(toHex(out, ' ')).toBe('02 00 00 00 01 00 00 00 00 00 00 00 00 00 f8 3f 03 00 00 00');
  });

  it('writes the same header through a Uint8Array at an offset', () => {
    const out = new Uint8Array(4 + RECORD_HEADER_BYTES).fill(0xaa);
    writeRecordHeader(out.subarray(2), 2, RecordKind.END, EndFlag.ERROR, 0x01020304, 12.25, 0);
    expect(toHex(out, ' ')).toBe('aa aa aa aa 04 01 00 00 04 03 02 01 00 00 00 00 00 80 28 40 00 00 00 00');
  });

  it('encodes a GAP record as a header and an f64 of missed bytes', () => {
    expect(toHex(encodeRecord(RecordKind.GAP, 0, 0, 0, gapBody(1024)), ' ')).toBe(
      '07 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 08 00 00 00 00 00 00 00 00 00 90 40',
    );
  });
});

describe('readRecords', () => {
  it('reads back every record of a stream with its fields and exact body bytes', () => {
    const bytes = sampleStream();
    const scan = readRecords(bytes);
    const records = [...scan];
    expect(scan.error).toBeNull();
    expect(scan.offset).toBe(bytes.length);
    expect(records.map((r) => [r.kind, r.flags, r.conn, r.t])).toEqual([
      [RecordKind.OPEN, 0, 1, 0.5],
      [RecordKind.CLIENT, 0, 1, 0.75],
      [RecordKind.SERVER, 0, 1, 1],
      [RecordKind.CLIENT, 0, 1, 1.25],
      [RecordKind.VERDICT, 0, 1, 2],
      [RecordKind.END, EndFlag.ERROR, 1, 3],
    ]);
    expect(parseOpenBody(records[0]!.body)).toEqual(meta);
    expect(toHex(records[3]!.body, ' ')).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    expect(parseVerdictBody(records[4]!.body)).toEqual({
      code: 'MESSAGE_TOO_BIG',
      message: 'x',
      closeCode: 1009,
    });
    expect(records[5]!.body.length).toBe(0);
  });

  it('hands out bodies as views of the buffer it reads, not copies', () => {
    const bytes = sampleStream();
    const [open] = readRecords(bytes);
    expect(open!.body.buffer).toBe(bytes.buffer);
    expect(open!.body.byteOffset).toBe(bytes.byteOffset + RECORD_HEADER_BYTES);
  });

  it('reads records from a view that starts inside a larger buffer', () => {
    const stream = sampleStream();
    const padded = concat(hex('ff ff ff'), stream, hex('ff'));
    const records = [...readRecords(padded.subarray(3, 3 + stream.length))];
    expect(records.map((r) => toHex(r.body))).toEqual([...readRecords(stream)].map((r) => toHex(r.body)));
  });

  it('stops at a header cut short and says where the incomplete record starts', () => {
    const whole = encodeRecord(RecordKind.SERVER, 0, 2, 1, hex('81 00'));
    const scan = readRecords(concat(whole, whole.subarray(0, 7)));
    expect([...scan]).toHaveLength(1);
    expect(scan.error).toMatchObject({ code: 'TRUNCATED_HEADER', offset: whole.length });
    expect(scan.offset).toBe(whole.length);
  });

  it('stops at a body cut short', () => {
    const whole = encodeRecord(RecordKind.SERVER, 0, 2, 1, hex('81 03 61 62 63'));
    const scan = readRecords(whole.subarray(0, whole.length - 1));
    expect([...scan]).toEqual([]);
    expect(scan.error).toMatchObject({ code: 'TRUNCATED_BODY', offset: 0 });
  });

  it('treats an unknown kind and non-zero reserved bytes as corruption', () => {
    const unknown = encodeRecord(RecordKind.CLIENT, 0, 1, 0);
    unknown[0] = 9;
    const scan = readRecords(unknown);
    expect([...scan]).toEqual([]);
    expect(scan.error?.code).toBe('UNKNOWN_KIND');

    const reserved = encodeRecord(RecordKind.CLIENT, 0, 1, 0);
    reserved[3] = 1;
    const second = readRecords(concat(encodeRecord(RecordKind.END, 0, 1, 0), reserved));
    expect([...second]).toHaveLength(1);
    expect(second.error).toMatchObject({ code: 'RESERVED_NOT_ZERO', offset: RECORD_HEADER_BYTES });
  });

  it('never throws on any prefix of a valid stream, and reads exactly the records wholly inside it', () => {
    const bytes = sampleStream();
    const scan = readRecords(bytes);
    const boundaries = [0];
    for (const _ of scan) boundaries.push(scan.offset);
    expect(boundaries).toHaveLength(7);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const prefix = readRecords(bytes.subarray(0, cut));
      expect([...prefix].length).toBe(boundaries.filter((b) => b > 0 && b <= cut).length);
      expect(prefix.error === null).toBe(boundaries.includes(cut));
    }
  });

  it('never throws on random bytes, and every body it yields lies inside them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (random, plausible) => {
        // Half the runs start with a plausible header so the parser gets past the first checks.
        const bytes = plausible && random.length >= 4 ? concat(hex('02 00 00 00'), random) : random;
        const scan = readRecords(bytes);
        let end = 0;
        for (const record of scan) {
          expect(record.body.byteOffset - bytes.byteOffset).toBe(end + RECORD_HEADER_BYTES);
          end += RECORD_HEADER_BYTES + record.body.length;
        }
        expect(end).toBe(scan.offset);
        expect(end <= bytes.length).toBe(true);
        expect(scan.error === null).toBe(end === bytes.length);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('record bodies', () => {
  it('round-trips an HTTP exchange relayed by /proxy, with how its upstream was reached', () => {
    const relayed: OpenMeta = {
      ...meta,
      kind: 'http',
      path: '/proxy/socket.io/',
      upstream: {
        target: 'wss://127.0.0.1:9000/socket.io/?EIO=4&transport=polling',
        requestLine: 'GET /socket.io/?EIO=4&transport=polling HTTP/1.1',
        host: '127.0.0.1:9000',
        tls: 'insecure',
        tlsError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      },
    };
    expect(parseOpenBody(openBody(relayed))).toEqual(relayed);
    const badTls = { ...relayed, upstream: { ...relayed.upstream, tls: 'maybe' } };
    expect(parseOpenBody(openBody(badTls as unknown as OpenMeta))).toBeNull();
  });

  it('round-trips OPEN, VERDICT, HELLO, GAP and EVICTED bodies', () => {
    expect(parseOpenBody(openBody(meta))).toEqual(meta);
    const { query: _query, ...noQuery } = meta;
    expect(parseOpenBody(openBody(noQuery))).toEqual(noQuery);
    const hello = {
      version: 1,
      serverTime: 1_700_000_000_000,
      t: 12.5,
      payloadCap: 65536,
      maxPayload: 1e8,
      budget: 67108864,
      history: 4096,
    };
    expect(parseHelloBody(helloBody(hello))).toEqual(hello);
    expect(parseVerdictBody(verdictBody({ code: 'BAD_HANDSHAKE', message: 'no key', status: 400 }))).toEqual({
      code: 'BAD_HANDSHAKE',
      message: 'no key',
      status: 400,
    });
    expect(parseGapBody(gapBody(123456789))).toBe(123456789);
    expect(parseEvictedBody(evictedBody(70, 3, meta))).toEqual({
      clientBytes: 70,
      serverBytes: 3,
      open: meta,
    });
    expect(evictedBody(70, 3, openBody(meta))).toEqual(evictedBody(70, 3, meta));
  });

  it('lays out an EVICTED body as two f64 counts, then the OPEN JSON', () => {
    const body = evictedBody(1, 2, meta);
    expect(toHex(body.subarray(0, 16), ' ')).toBe('00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 00 40');
    expect(new TextDecoder().decode(body.subarray(16))).toBe(JSON.stringify(meta));
  });

  it('answers null, never throws, for bodies that are not what the kind says', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    expect(parseOpenBody(text('{"kind":"echo"'))).toBeNull();
    expect(parseOpenBody(text(JSON.stringify({ ...meta, kind: 'ftp' })))).toBeNull();
    expect(parseOpenBody(text(JSON.stringify({ ...meta, query: { a: 1 } })))).toBeNull();
    expect(parseOpenBody(hex('7b ff 7d'))).toBeNull();
    expect(parseOpenBody(text('[]'))).toBeNull();
    expect(parseVerdictBody(text('{"code":"X"}'))).toBeNull();
    expect(parseVerdictBody(text('{"code":"X","message":"m","status":"400"}'))).toBeNull();
    expect(parseHelloBody(text('{"version":1}'))).toBeNull();
    expect(parseGapBody(hex('00 00'))).toBeNull();
    expect(parseEvictedBody(hex('00'))).toBeNull();
    expect(parseEvictedBody(evictedBody(1, 2, text('nope')))).toEqual({
      clientBytes: 1,
      serverBytes: 2,
      open: null,
    });
  });
});
