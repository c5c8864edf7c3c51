// The tap's raw record format: the bytes the server captured, as the journal keeps them and as
// `/tap?format=raw` sends them. Capture only copies bytes into records; every view (the page, the
// JSON tap, the exports) decodes the same records at the edge with the decoder in core/wire.
//
// A stream is records back to back. Each record is a 20-byte header, then `length` body bytes.
// All numbers are little-endian.
//
// | offset | type | field    | meaning                                                             |
// | ------ | ---- | -------- | ------------------------------------------------------------------- |
// | 0      | u8   | kind     | one of `RecordKind` below                                           |
// | 1      | u8   | flags    | per kind (END: `EndFlag`); 0 otherwise                              |
// | 2      | u16  | reserved | always 0; a reader treats anything else as corruption               |
// | 4      | u32  | conn     | connection number, from 1; 0 = the stream itself (GAP, HELLO)       |
// | 8      | f64  | t        | ms since the server started, fractional, monotonic                  |
// | 16     | u32  | length   | body bytes that follow the header                                   |
//
// | kind | name    | body                                                                           |
// | ---- | ------- | ------------------------------------------------------------------------------ |
// | 1    | OPEN    | UTF-8 JSON `OpenMeta`. The raw request head follows as the first CLIENT record  |
// | 2    | CLIENT  | bytes the client sent, exactly as read; one read may span several records     |
// | 3    | SERVER  | bytes the server wrote, exactly                                                |
// | 4    | END     | empty; flags 0 = TCP closed, 1 = closed with an error or reset                 |
// | 5    | VERDICT | UTF-8 JSON `VerdictBody`: the server's own decision (a refused handshake, ...) |
// | 6    | EVICTED | f64 client bytes lost, f64 server bytes lost, then the OPEN JSON: stands in    |
// |      |         | for a connection whose start left the journal, so a reader labels what follows |
// |      |         | ("evicted N bytes") instead of decoding from the middle of a frame             |
// | 7    | GAP     | conn 0; f64 bytes of records this reader missed: it fell behind, so whatever   |
// |      |         | it knew about any connection may be cut                                        |
// | 8    | HELLO   | conn 0; UTF-8 JSON `HelloBody`, the first record a subscriber receives         |
//
// CLIENT and SERVER records carry the byte streams; where one record ends says nothing about the
// frames (RFC 6455 §5.2 frames are found by decoding the concatenated stream of one direction).
// A kind this file does not know is corruption, not something to skip: adding a kind changes
// `RAW_FORMAT_VERSION`, which HELLO carries.
import type { ConnectionKind, UpstreamView } from './events';

export const RAW_FORMAT_VERSION = 1;

export const RECORD_HEADER_BYTES = 20;

export const RecordKind = {
  OPEN: 1,
  CLIENT: 2,
  SERVER: 3,
  END: 4,
  VERDICT: 5,
  EVICTED: 6,
  GAP: 7,
  HELLO: 8,
} as const;

export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

export type RecordKindName = keyof typeof RecordKind;

const KIND_NAMES: readonly (RecordKindName | undefined)[] = [
  undefined,
  'OPEN',
  'CLIENT',
  'SERVER',
  'END',
  'VERDICT',
  'EVICTED',
  'GAP',
  'HELLO',
];

/** The kind's name, or undefined for a byte that is not a kind. */
export function recordKindName(kind: number): RecordKindName | undefined {
  return KIND_NAMES[kind];
}

/** END's flags: how the TCP connection finished. */
export const EndFlag = {
  CLOSED: 0,
  ERROR: 1,
} as const;

/** The largest body a header can describe. */
export const MAX_RECORD_BODY = 0xffffffff;

/** OPEN's body: what a reader needs to label and decode the connection's bytes. */
export interface OpenMeta {
  kind: ConnectionKind;
  /** The upgrade request's path, without the query. */
  path: string;
  /** Query parameters of the upgrade URL, as the tap shows them (redacted). */
  query?: Record<string, string>;
  /** The client's address, `ip:port`. */
  remote: string;
  /** The server's address as the client reached it, `ip:port`. */
  local: string;
  /** The server's message limit, so a reader reports 1009 exactly where the server did. */
  maxPayload: number;
  /** Bytes of payload a JSON view keeps per frame or message. */
  payloadCap: number;
  /** A relayed connection: how the upstream was reached. */
  upstream?: UpstreamView;
  /** Classroom mode: the learner (`l7`) whose session opened it; what each learner's tap is filtered by. */
  learner?: string;
}

/** VERDICT's body: what the server itself decided, which the bytes alone may not say. */
export interface VerdictBody {
  /** Stable error code (`BAD_HANDSHAKE`, `MESSAGE_TOO_BIG`, ...). */
  code: string;
  message: string;
  /** The close code the server sent or would send, where RFC 6455 §7.4.1 names one. */
  closeCode?: number;
  /** The HTTP status of a refused handshake (RFC 6455 §4.2.2). */
  status?: number;
}

/** HELLO's body: the first record on a raw tap stream. */
export interface HelloBody {
  /** `RAW_FORMAT_VERSION` of the stream that follows. */
  version: number;
  /** Wall-clock time at the server, ms since the epoch, to turn `t` into dates. */
  serverTime: number;
  /** The `t` that `serverTime` corresponds to. */
  t: number;
  payloadCap: number;
  maxPayload: number;
  /** The journal's memory budget in bytes: how much history a subscriber can expect. */
  budget: number;
  /**
   * Bytes of records, from the journal's first, that are history to this subscriber (EVICTED
   * records not counted); what follows them happened after it subscribed.
   */
  history: number;
}

/** EVICTED's body, parsed. */
export interface EvictedBody {
  clientBytes: number;
  serverBytes: number;
  /** Null when the OPEN JSON in it does not parse. */
  open: OpenMeta | null;
}

/** One record, its body a view into the buffer it was read from (no copy). */
export interface RawRecord {
  kind: RecordKind;
  flags: number;
  conn: number;
  t: number;
  body: Uint8Array;
}

export type RecordErrorCode = 'TRUNCATED_HEADER' | 'TRUNCATED_BODY' | 'UNKNOWN_KIND' | 'RESERVED_NOT_ZERO';

/** Why reading stopped before the end of the buffer. */
export interface RecordError {
  code: RecordErrorCode;
  /** Offset, in the buffer read, of the header of the record that could not be read. */
  offset: number;
  message: string;
}

/**
 * Writes a header in place. The hot path passes a `DataView` it keeps per buffer; a `Uint8Array`
 * is accepted for convenience and costs one `DataView` per call.
 */
export function writeRecordHeader(
  target: DataView | Uint8Array,
  offset: number,
  kind: RecordKind,
  flags: number,
  conn: number,
  t: number,
  length: number,
): void {
  const view =
    target instanceof DataView ? target : new DataView(target.buffer, target.byteOffset, target.byteLength);
  view.setUint8(offset, kind);
  view.setUint8(offset + 1, flags);
  view.setUint16(offset + 2, 0, true);
  view.setUint32(offset + 4, conn, true);
  view.setFloat64(offset + 8, t, true);
  view.setUint32(offset + 16, length, true);
}

/** A whole record in a fresh buffer: for the records a stream sends now and then (HELLO, GAP, EVICTED). */
export function encodeRecord(
  kind: RecordKind,
  flags: number,
  conn: number,
  t: number,
  body: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_BYTES + body.length);
  writeRecordHeader(out, 0, kind, flags, conn, t, body.length);
  out.set(body, RECORD_HEADER_BYTES);
  return out;
}

/**
 * Reads the records in `bytes` without copying. Iterating never throws: it stops at the first
 * record it cannot read and leaves the reason in `error`; `offset` is then that record's offset
 * (or `bytes.length` when everything was read), so a caller can keep an incomplete tail.
 */
export class RecordScan implements Iterable<RawRecord> {
  error: RecordError | null = null;
  offset = 0;
  private readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  *[Symbol.iterator](): Iterator<RawRecord> {
    const bytes = this.bytes;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.error = null;
    this.offset = 0;
    while (this.offset < bytes.length) {
      const at = this.offset;
      if (bytes.length - at < RECORD_HEADER_BYTES) {
        this.error = {
          code: 'TRUNCATED_HEADER',
          offset: at,
          message: `${bytes.length - at} bytes left, fewer than a ${RECORD_HEADER_BYTES}-byte record header`,
        };
        return;
      }
      const kind = view.getUint8(at);
      if (recordKindName(kind) === undefined) {
        this.error = {
          code: 'UNKNOWN_KIND',
          offset: at,
          message: `record kind ${kind} is not one this reader knows`,
        };
        return;
      }
      if (view.getUint16(at + 2, true) !== 0) {
        this.error = {
          code: 'RESERVED_NOT_ZERO',
          offset: at,
          message: 'the reserved header bytes are not zero',
        };
        return;
      }
      const length = view.getUint32(at + 16, true);
      const bodyStart = at + RECORD_HEADER_BYTES;
      if (length > bytes.length - bodyStart) {
        this.error = {
          code: 'TRUNCATED_BODY',
          offset: at,
          message: `the record says ${length} body bytes but ${bytes.length - bodyStart} follow`,
        };
        return;
      }
      this.offset = bodyStart + length;
      yield {
        kind: kind as RecordKind,
        flags: view.getUint8(at + 1),
        conn: view.getUint32(at + 4, true),
        t: view.getFloat64(at + 8, true),
        body: bytes.subarray(bodyStart, bodyStart + length),
      };
    }
  }
}

/** The records in `bytes`, zero-copy; see `RecordScan` for what happens on bad bytes. */
export function readRecords(bytes: Uint8Array): RecordScan {
  return new RecordScan(bytes);
}

// ---- bodies ----

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(strictUtf8.decode(body));
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

const CONNECTION_KINDS: readonly string[] = [
  'echo',
  'proxy',
  'live',
  'rejected',
  'http',
  'workbench',
] satisfies ConnectionKind[];

export function openBody(meta: OpenMeta): Uint8Array {
  return utf8.encode(JSON.stringify(meta));
}

/** The OPEN JSON, or null when it is not one. */
export function parseOpenBody(body: Uint8Array): OpenMeta | null {
  const value = parseJson(body);
  if (!isRecord(value)) return null;
  const { kind, path, query, remote, local, maxPayload, payloadCap } = value;
  if (typeof kind !== 'string' || !CONNECTION_KINDS.includes(kind)) return null;
  if (typeof path !== 'string' || typeof remote !== 'string' || typeof local !== 'string') return null;
  if (!isFiniteNumber(maxPayload) || !isFiniteNumber(payloadCap)) return null;
  const meta: OpenMeta = { kind: kind as ConnectionKind, path, remote, local, maxPayload, payloadCap };
  if (query !== undefined) {
    if (!isRecord(query) || !Object.values(query).every((v) => typeof v === 'string')) return null;
    meta.query = query as Record<string, string>;
  }
  if (value.upstream !== undefined) {
    const upstream = parseUpstream(value.upstream);
    if (!upstream) return null;
    meta.upstream = upstream;
  }
  return meta;
}

function parseUpstream(value: unknown): UpstreamView | null {
  if (!isRecord(value)) return null;
  const { target, requestLine, host, tls, tlsError } = value;
  if (typeof target !== 'string' || typeof requestLine !== 'string' || typeof host !== 'string') return null;
  if (tls !== 'none' && tls !== 'verified' && tls !== 'insecure') return null;
  const view: UpstreamView = { target, requestLine, host, tls };
  if (tlsError !== undefined) {
    if (typeof tlsError !== 'string') return null;
    view.tlsError = tlsError;
  }
  return view;
}

export function verdictBody(verdict: VerdictBody): Uint8Array {
  return utf8.encode(JSON.stringify(verdict));
}

export function parseVerdictBody(body: Uint8Array): VerdictBody | null {
  const value = parseJson(body);
  if (!isRecord(value)) return null;
  const { code, message, closeCode, status } = value;
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  const verdict: VerdictBody = { code, message };
  if (closeCode !== undefined) {
    if (!isFiniteNumber(closeCode)) return null;
    verdict.closeCode = closeCode;
  }
  if (status !== undefined) {
    if (!isFiniteNumber(status)) return null;
    verdict.status = status;
  }
  return verdict;
}

export function helloBody(hello: HelloBody): Uint8Array {
  return utf8.encode(JSON.stringify(hello));
}

export function parseHelloBody(body: Uint8Array): HelloBody | null {
  const value = parseJson(body);
  if (!isRecord(value)) return null;
  const { version, serverTime, t, payloadCap, maxPayload, budget, history } = value;
  const numbers = [version, serverTime, t, payloadCap, maxPayload, budget, history];
  if (!numbers.every(isFiniteNumber)) return null;
  return {
    version: version as number,
    serverTime: serverTime as number,
    t: t as number,
    payloadCap: payloadCap as number,
    maxPayload: maxPayload as number,
    budget: budget as number,
    history: history as number,
  };
}

/** EVICTED's body; `open` is the OPEN body as the journal kept it, or the meta to encode. */
export function evictedBody(
  clientBytes: number,
  serverBytes: number,
  open: OpenMeta | Uint8Array,
): Uint8Array {
  const json = open instanceof Uint8Array ? open : openBody(open);
  const out = new Uint8Array(16 + json.length);
  const view = new DataView(out.buffer);
  view.setFloat64(0, clientBytes, true);
  view.setFloat64(8, serverBytes, true);
  out.set(json, 16);
  return out;
}

export function parseEvictedBody(body: Uint8Array): EvictedBody | null {
  if (body.length < 16) return null;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  return {
    clientBytes: view.getFloat64(0, true),
    serverBytes: view.getFloat64(8, true),
    open: parseOpenBody(body.subarray(16)),
  };
}

export function gapBody(missedBytes: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, missedBytes, true);
  return out;
}

/** The bytes a GAP says were missed, or null when the body is not 8 bytes. */
export function parseGapBody(body: Uint8Array): number | null {
  if (body.length !== 8) return null;
  return new DataView(body.buffer, body.byteOffset, 8).getFloat64(0, true);
}
