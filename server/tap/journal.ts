// The tap's one store of captured bytes: records in the format of core/tap/raw-records.ts, back to
// back in fixed-size segments, bounded by the memory they really take. Capture appends; every view
// (the raw tap, the JSON tap, the exports) reads the same records and decodes them at the edge.
//
// Why segments and not a ring: a reader hands zero-copy views of the journal to sockets, which may
// still be writing them after the bytes were evicted. An evicted segment is written again only
// when no reader can still hold a view of it: the raw tap's subscribers pin what they send and
// release it once their socket has written it; a reader that may keep views (`lend: 'keep'`)
// marks the segment, which is then left to the garbage collector when the last view of it goes.
// Reuse matters: a fresh segment for every 256 KiB of traffic, with the old ones freed by the
// collector, left the process holding some 30 MB more of freed memory's fragments on 64 MiB of
// echoed traffic (`npm run bench`, tap memory). Views still queued on a slow subscriber's socket
// keep their segment alive outside the budget, so the hub's limit on each subscriber's unsent
// bytes is part of the bound.
//
// The hot path (`append`) allocates nothing per record: the header is written in place through the
// segment's DataView and the bytes are copied after it. Only a chunk that crosses into a new
// segment costs a view of its tail.
//
// How a subscriber reads the journal (the hub does this for each raw subscriber):
//
//   1. On subscribing: send HELLO, then `historyPreamble()`, then set `cursor = journal.startOffset`.
//      Take the preamble and `startOffset` in the same synchronous turn: the preamble's EVICTED records
//      describe exactly what was evicted before that offset.
//   2. Every tick (~16 ms), while the subscriber is not over its send limit:
//        const { chunks, next, gapBytes } = journal.read(cursor, maxBytes);
//      If `gapBytes > 0`, the subscriber fell behind and records were evicted before it got them:
//      send a GAP record (`encodeRecord(RecordKind.GAP, 0, 0, t, gapBody(gapBytes))`), then
//      `historyPreamble()`, then the chunks. Send the chunks (whole records, in order, as one binary
//      message), then `cursor = next`.
//   A reader treats GAP as "everything I knew may be cut": it forgets every connection's decoder
//   state; an EVICTED record then stands in for the connection's OPEN and says how many bytes per
//   direction are gone, so the reader shows "evicted N bytes" and does not decode from the middle
//   of a frame (it may resynchronise on the next frame it can recognise, or just show bytes).

import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { TAP_STORE_BYTES } from '../../core/defaults';
import {
  EndFlag,
  encodeRecord,
  evictedBody,
  type OpenMeta,
  openBody,
  parseOpenBody,
  RECORD_HEADER_BYTES,
  RecordKind,
  type VerdictBody,
  verdictBody,
  writeRecordHeader,
} from '../../core/tap/raw-records';

export interface JournalOptions {
  /** The most memory the journal may take, segments and per-connection bookkeeping together. */
  budgetBytes?: number;
  /** Size of one segment; a record larger than this gets a segment of its own size. */
  segmentBytes?: number;
  /** The clock for `t`: ms since the server started. */
  now?: () => number;
}

export const DEFAULT_SEGMENT_BYTES = 256 * 1024;

/**
 * What one tracked connection costs besides its OPEN JSON: the state object, its Map entry and the
 * encoded JSON's own ArrayBuffer. An estimate, kept generous so the budget holds in real memory.
 */
export const CONNECTION_OVERHEAD_BYTES = 200;

// Chunks of one connection and direction this close in time share a record (see `lastRecord`).
const MERGE_WITHIN_MS = 1;

/** The smallest segment worth having: a header and some bytes. */
const MIN_SEGMENT_BYTES = 64;

/**
 * What a reader does with the views `read` gives it: `copy` copies them before it returns to the
 * event loop; `pin` holds each until it calls `release` with the chunk's `lent` entry; `keep` may
 * hold them any time (their segments are then never written again).
 */
export type Lend = 'copy' | 'pin' | 'keep';

/** A segment lent to a `pin` reader; give it back with `release`. */
export interface LentSegment {
  readonly base: number;
}

export interface ReadResult {
  /** Zero-copy views of the journal; each holds whole records, in order. */
  chunks: Uint8Array[];
  /** With `pin`: the segment each chunk is a view of, to `release` when done with the chunk. */
  lent?: LentSegment[];
  /** The cursor to pass to the next `read`. */
  next: number;
  /** Bytes of records evicted before this reader got them (its cursor was before `startOffset`). */
  gapBytes: number;
}

/** A connection the journal still tracks, as plain data. */
export interface ConnectionInfo {
  conn: number;
  meta: OpenMeta;
  /** `t` of its OPEN. */
  openedAt: number;
  /** Body bytes appended per direction (evicted ones included). */
  clientBytes: number;
  serverBytes: number;
  /** Of those, how many have left the journal (or never got in, when the budget refused them). */
  evictedClientBytes: number;
  evictedServerBytes: number;
  ended: boolean;
  /** Its OPEN record is no longer in the journal: a reader gets an EVICTED record instead. */
  openEvicted: boolean;
}

export interface JournalStats {
  budgetBytes: number;
  memoryBytes: number;
  segmentBytes: number;
  segments: number;
  /** Global offsets: the first retained byte and the next byte to be written. */
  start: number;
  end: number;
  /** Connections with bookkeeping in the journal, and of those the ones not ended. */
  connections: number;
  openConnections: number;
  /** Record bytes evicted so far. */
  evictedBytes: number;
  /** Body bytes refused because the budget had no room even after evicting everything. */
  refusedBytes: number;
  /** Connections opened while their bookkeeping did not fit: their bytes are refused. */
  refusedConnections: number;
}

interface Segment extends LentSegment {
  readonly buf: Buffer;
  readonly view: DataView;
  /** Global offset of `buf[0]`. */
  readonly base: number;
  used: number;
  /** Views lent to `pin` readers and not released yet. */
  pins: number;
  /** A `keep` reader was given a view: never written again. */
  kept: boolean;
  evicted: boolean;
}

/** Evicted segments kept to be written again: enough for eviction to hand one straight back. */
const MAX_SPARES = 2;

interface ConnectionState {
  readonly conn: number;
  readonly openJson: Uint8Array;
  readonly openedAt: number;
  readonly bookkeeping: number;
  clientBytes: number;
  serverBytes: number;
  evictedClientBytes: number;
  evictedServerBytes: number;
  ended: boolean;
  /** Global offset of its last record written, -1 before any. */
  lastRecord: number;
  openEvicted: boolean;
  /** Classroom mode: whose connection it is (its OPEN's `learner`), for per-learner readers. */
  readonly learner: string | undefined;
}

export class Journal {
  readonly budgetBytes: number;
  readonly segmentBytes: number;
  readonly now: () => number;
  private readonly segments: Segment[] = [];
  /** Evicted segments no reader holds, to be written again; counted in the budget. */
  private readonly spares: Buffer[] = [];
  private spareBytes = 0;
  private readonly conns = new Map<number, ConnectionState>();
  private nextConn = 1;
  private head = 0;
  private tail = 0;
  /**
   * The last CLIENT/SERVER record written by `append`'s fast path, which the next chunk of the same
   * connection and direction may extend: a `ws` write is often two socket writes (header, then
   * payload), and one record for both halves the records a reader walks. Never a record a reader
   * has already been handed (`handedOut`): its length must not change under it.
   */
  private lastRecord = -1;
  private lastConn = 0;
  private lastKind = 0;
  private lastT = 0;
  /** Every byte before this offset may have been handed to a reader. */
  private handedOut = 0;
  private memory = 0;
  private openCount = 0;
  private evicted = 0;
  private refused = 0;
  private refusedConns = 0;

  constructor(options: JournalOptions = {}) {
    this.budgetBytes = options.budgetBytes ?? TAP_STORE_BYTES;
    // Eviction drops a whole segment: a small budget gets small segments, so that evicting one
    // never takes most of the history (and a reader a little behind) at once.
    this.segmentBytes =
      options.segmentBytes ??
      Math.max(MIN_SEGMENT_BYTES, Math.min(DEFAULT_SEGMENT_BYTES, Math.floor(this.budgetBytes / 16)));
    this.now = options.now ?? (() => performance.now());
    if (!Number.isInteger(this.segmentBytes) || this.segmentBytes < MIN_SEGMENT_BYTES) {
      throw new RangeError(`segmentBytes must be an integer of at least ${MIN_SEGMENT_BYTES}`);
    }
    if (this.segmentBytes > 0xffffffff) throw new RangeError('segmentBytes must fit a u32 record length');
    if (!(this.budgetBytes >= this.segmentBytes)) {
      throw new RangeError('budgetBytes must hold at least one segment');
    }
  }

  /** Global offset of the first retained byte. (Not `start`/`end`: `end()` ends a connection.) */
  get startOffset(): number {
    return this.head;
  }

  /** Global offset of the next byte to be written. */
  get endOffset(): number {
    return this.tail;
  }

  /**
   * Segments at their full size, spare ones included, plus each tracked connection's
   * bookkeeping; never above the budget.
   */
  get memoryBytes(): number {
    return this.memory + this.spareBytes;
  }

  stats(): JournalStats {
    return {
      budgetBytes: this.budgetBytes,
      memoryBytes: this.memoryBytes,
      segmentBytes: this.segmentBytes,
      segments: this.segments.length,
      start: this.head,
      end: this.tail,
      connections: this.conns.size,
      openConnections: this.openCount,
      evictedBytes: this.evicted,
      refusedBytes: this.refused,
      refusedConnections: this.refusedConns,
    };
  }

  /**
   * Starts a connection: returns its number and appends its OPEN record. The capture appends the
   * raw request head next, as the connection's first CLIENT record.
   */
  open(meta: OpenMeta, t: number = this.now()): number {
    const conn = this.nextConn++;
    const openJson = openBody(meta);
    const bookkeeping = CONNECTION_OVERHEAD_BYTES + openJson.length;
    if (!this.makeRoom(bookkeeping)) {
      // Only open connections' bookkeeping is left, and it fills the budget: not tracking this
      // one (its bytes are refused) keeps the bound a bound.
      this.refusedConns++;
      return conn;
    }
    const state: ConnectionState = {
      conn,
      openJson,
      openedAt: t,
      bookkeeping,
      clientBytes: 0,
      serverBytes: 0,
      evictedClientBytes: 0,
      evictedServerBytes: 0,
      ended: false,
      lastRecord: -1,
      openEvicted: false,
      learner: meta.learner,
    };
    this.conns.set(conn, state);
    this.memory += bookkeeping;
    this.openCount++;
    if (!this.writeWhole(state, RecordKind.OPEN, 0, t, openJson)) state.openEvicted = true;
    return conn;
  }

  /** Bytes that crossed the wire: `client` = sent by the client. Copied; `bytes` may be reused. */
  append(conn: number, client: boolean, t: number, bytes: Uint8Array): void {
    const length = bytes.length;
    if (length === 0) return;
    const state = this.conns.get(conn);
    if (state === undefined || state.ended) {
      this.refused += length;
      return;
    }
    if (client) state.clientBytes += length;
    else state.serverBytes += length;
    const kind = client ? RecordKind.CLIENT : RecordKind.SERVER;
    const seg = this.segments[this.segments.length - 1];
    if (seg !== undefined) {
      const free = seg.buf.length - seg.used;
      if (
        this.lastConn === conn &&
        this.lastKind === kind &&
        t - this.lastT < MERGE_WITHIN_MS &&
        this.lastRecord >= this.handedOut &&
        this.lastRecord >= seg.base &&
        free >= length
      ) {
        const at = this.lastRecord - seg.base;
        seg.view.setUint32(at + 16, seg.view.getUint32(at + 16, true) + length, true);
        seg.buf.set(bytes, seg.used);
        seg.used += length;
        this.tail = seg.base + seg.used;
        return;
      }
      if (free >= RECORD_HEADER_BYTES + length) {
        const at = seg.used;
        writeRecordHeader(seg.view, at, kind, 0, conn, t, length);
        seg.buf.set(bytes, at + RECORD_HEADER_BYTES);
        seg.used = at + RECORD_HEADER_BYTES + length;
        state.lastRecord = seg.base + at;
        this.tail = seg.base + seg.used;
        this.lastRecord = state.lastRecord;
        this.lastConn = conn;
        this.lastKind = kind;
        this.lastT = t;
        return;
      }
    }
    this.lastConn = 0;
    this.appendAcrossSegments(state, kind, t, bytes);
  }

  /** The TCP connection finished; END is a connection's last record. */
  end(conn: number, t: number, error: boolean): void {
    const state = this.conns.get(conn);
    if (state === undefined || state.ended) return;
    // Written before the state says ended: making room for END must not release the connection
    // for its previous last record, which would leave this END unlabelled.
    this.writeWhole(state, RecordKind.END, error ? EndFlag.ERROR : EndFlag.CLOSED, t, null);
    state.ended = true;
    this.openCount--;
    if (state.lastRecord < this.head) this.forget(state);
  }

  /** The server's own decision about a connection (a refused handshake, a limit it enforced). */
  verdict(conn: number, t: number, body: VerdictBody): void {
    const state = this.conns.get(conn);
    const json = verdictBody(body);
    if (state === undefined || state.ended) {
      this.refused += json.length;
      return;
    }
    this.writeWhole(state, RecordKind.VERDICT, 0, t, json);
  }

  /**
   * Records from `cursor` (a value of `startOffset`, `endOffset` or a previous `next`), as zero-copy views.
   * Returns whole records only, at most `maxBytes` of them, except that the first record is
   * returned whatever its size so a reader always moves on. A cursor before `startOffset` lost
   * records: `gapBytes` says how many bytes, and reading resumes at `startOffset`.
   */
  read(cursor: number, maxBytes: number, lend: Lend = 'keep'): ReadResult {
    if (!Number.isInteger(cursor) || cursor > this.tail || cursor < 0) {
      throw new RangeError(`cursor ${cursor} is not an offset in this journal (end ${this.tail})`);
    }
    let gapBytes = 0;
    if (cursor < this.head) {
      gapBytes = this.head - cursor;
      cursor = this.head;
    }
    const chunks: Uint8Array[] = [];
    const lent: LentSegment[] | undefined = lend === 'pin' ? [] : undefined;
    let room = maxBytes;
    for (let i = this.segmentIndex(cursor); i < this.segments.length && cursor < this.tail; i++) {
      const seg = this.segments[i]!;
      const from = cursor - seg.base;
      const available = seg.used - from;
      if (available <= 0) continue;
      const take =
        available <= room ? available : this.wholeRecordsWithin(seg, from, room, chunks.length === 0);
      if (take === 0) break;
      chunks.push(seg.buf.subarray(from, from + take));
      if (lent) {
        seg.pins++;
        lent.push(seg);
      } else if (lend === 'keep') seg.kept = true;
      cursor += take;
      room -= take;
      if (take < available) break;
    }
    if (cursor > this.handedOut) this.handedOut = cursor;
    return lent ? { chunks, next: cursor, gapBytes, lent } : { chunks, next: cursor, gapBytes };
  }

  /** A `pin` reader is done with a view of this segment (its socket has written it). */
  release(lent: LentSegment): void {
    const seg = lent as Segment;
    seg.pins--;
    if (seg.pins === 0 && seg.evicted) this.keepSpare(seg);
  }

  /**
   * One EVICTED record per tracked connection whose OPEN has left the journal, to send before the
   * records from `startOffset`. Each carries the connection's evicted byte counts and its OPEN JSON; its
   * `t` is the connection's OPEN time. Open connections whose records have all gone are included:
   * their next bytes would otherwise arrive unlabelled.
   */
  historyPreamble(): Uint8Array {
    const records: Uint8Array[] = [];
    let total = 0;
    for (const state of this.conns.values()) {
      if (!state.openEvicted) continue;
      const body = evictedBody(state.evictedClientBytes, state.evictedServerBytes, state.openJson);
      const record = encodeRecord(RecordKind.EVICTED, 0, state.conn, state.openedAt, body);
      records.push(record);
      total += record.length;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const record of records) {
      out.set(record, at);
      at += record.length;
    }
    return out;
  }

  /** A tracked connection as plain data, or undefined once it is released (or was refused). */
  connection(conn: number): ConnectionInfo | undefined {
    const state = this.conns.get(conn);
    if (state === undefined) return undefined;
    const meta = parseOpenBody(state.openJson);
    if (meta === null) return undefined;
    return {
      conn,
      meta,
      openedAt: state.openedAt,
      clientBytes: state.clientBytes,
      serverBytes: state.serverBytes,
      evictedClientBytes: state.evictedClientBytes,
      evictedServerBytes: state.evictedServerBytes,
      ended: state.ended,
      openEvicted: state.openEvicted,
    };
  }

  /**
   * Whose connection this is (classroom mode), or undefined. Every record a reader can still be
   * handed belongs to a tracked connection: one is forgotten only once its last record is evicted.
   */
  learnerOf(conn: number): string | undefined {
    return this.conns.get(conn)?.learner;
  }

  /**
   * Bytes of the retained records (headers included) whose connection `only` accepts: the
   * history a reader that sees only those connections is sent, as its HELLO announces it.
   */
  bytesOf(only: (conn: number) => boolean): number {
    let total = 0;
    for (const seg of this.segments) {
      for (let at = 0; at < seg.used; ) {
        const size = RECORD_HEADER_BYTES + seg.view.getUint32(at + 16, true);
        if (only(seg.view.getUint32(at + 4, true))) total += size;
        at += size;
      }
    }
    return total;
  }

  /** The numbers of the connections the journal still tracks, oldest first. */
  connectionNumbers(): number[] {
    return [...this.conns.keys()];
  }

  // A chunk that does not fit the current segment: what fits goes in as one record, the rest as
  // records in fresh segments. A record never straddles two segments, so a reader can be handed
  // any segment's records without stitching.
  private appendAcrossSegments(state: ConnectionState, kind: RecordKind, t: number, bytes: Uint8Array): void {
    const length = bytes.length;
    let from = 0;
    while (from < length) {
      let seg = this.segments[this.segments.length - 1];
      let room = seg === undefined ? 0 : seg.buf.length - seg.used - RECORD_HEADER_BYTES;
      if (seg === undefined || room <= 0) {
        seg = this.startSegment(this.segmentBytes);
        if (seg === undefined) {
          this.loseBody(state, kind, length - from);
          return;
        }
        room = seg.buf.length - RECORD_HEADER_BYTES;
      }
      const n = Math.min(room, length - from);
      const at = seg.used;
      writeRecordHeader(seg.view, at, kind, 0, state.conn, t, n);
      seg.buf.set(n === length ? bytes : bytes.subarray(from, from + n), at + RECORD_HEADER_BYTES);
      seg.used = at + RECORD_HEADER_BYTES + n;
      state.lastRecord = seg.base + at;
      this.tail = seg.base + seg.used;
      from += n;
    }
  }

  // OPEN, END and VERDICT are written whole: a record that does not fit the current segment
  // starts a new one (of its own size if it is larger than a segment). False when refused.
  private writeWhole(
    state: ConnectionState,
    kind: RecordKind,
    flags: number,
    t: number,
    body: Uint8Array | null,
  ): boolean {
    const size = RECORD_HEADER_BYTES + (body === null ? 0 : body.length);
    let seg = this.segments[this.segments.length - 1];
    if (seg === undefined || seg.buf.length - seg.used < size) {
      seg = this.startSegment(size);
      if (seg === undefined) {
        this.refused += size - RECORD_HEADER_BYTES;
        return false;
      }
    }
    this.lastConn = 0;
    const at = seg.used;
    writeRecordHeader(seg.view, at, kind, flags, state.conn, t, size - RECORD_HEADER_BYTES);
    if (body !== null) seg.buf.set(body, at + RECORD_HEADER_BYTES);
    seg.used = at + size;
    state.lastRecord = seg.base + at;
    this.tail = seg.base + seg.used;
    return true;
  }

  // Bytes the budget had no room for count as evicted: the connection's counts stay exact
  // (appended - evicted = retained), and a reader is told through its EVICTED record.
  private loseBody(state: ConnectionState, kind: RecordKind, bytes: number): void {
    if (kind === RecordKind.CLIENT) state.evictedClientBytes += bytes;
    else state.evictedServerBytes += bytes;
    this.refused += bytes;
  }

  private startSegment(minBytes: number): Segment | undefined {
    const size = Math.max(this.segmentBytes, minBytes);
    let buf: Buffer | undefined;
    if (size === this.segmentBytes) {
      // Evicting the oldest segment usually hands it straight back as a spare.
      while (this.spares.length === 0 && this.over(size) && this.segments.length > 0) this.evictOldest();
      buf = this.spares.pop();
      if (buf) this.spareBytes -= size;
    }
    if (!buf) {
      if (!this.makeRoom(size)) return undefined;
      // allocUnsafeSlow: a segment of its own memory, never a slice of Node's shared pool, so what
      // the budget counts is what is held. Only bytes below `used` are ever read.
      buf = Buffer.allocUnsafeSlow(size);
    }
    const seg: Segment = {
      buf,
      view: new DataView(buf.buffer, buf.byteOffset, buf.byteLength),
      base: this.tail,
      used: 0,
      pins: 0,
      kept: false,
      evicted: false,
    };
    this.segments.push(seg);
    this.memory += size;
    return seg;
  }

  private over(size: number): boolean {
    return this.memory + this.spareBytes + size > this.budgetBytes;
  }

  /** Frees spares, then the oldest segments, until `size` more bytes fit. False when they cannot. */
  private makeRoom(size: number): boolean {
    while (this.over(size)) {
      const spare = this.spares.pop();
      if (spare) this.spareBytes -= spare.length;
      else if (this.segments.length > 0) this.evictOldest();
      else return false;
    }
    return true;
  }

  /** An evicted segment no reader holds: kept to be written again, if there is room for it. */
  private keepSpare(seg: Segment): void {
    const size = seg.buf.length;
    if (seg.kept || size !== this.segmentBytes || this.spares.length >= MAX_SPARES || this.over(size)) return;
    this.spares.push(seg.buf);
    this.spareBytes += size;
  }

  // Walks the oldest segment's records so each connection knows what it lost, and releases the
  // ended connections whose last record was in it.
  private evictOldest(): void {
    const seg = this.segments.shift();
    if (seg === undefined) return;
    const { buf, view } = seg;
    // Runs of records from one connection are the common case: look each run up once.
    let conn = -1;
    let state: ConnectionState | undefined;
    let at = 0;
    while (at < seg.used) {
      const length = view.getUint32(at + 16, true);
      const recordConn = view.getUint32(at + 4, true);
      if (recordConn !== conn) {
        conn = recordConn;
        state = this.conns.get(conn);
      }
      if (state !== undefined) {
        const kind = buf[at];
        if (kind === RecordKind.CLIENT) state.evictedClientBytes += length;
        else if (kind === RecordKind.SERVER) state.evictedServerBytes += length;
        else if (kind === RecordKind.OPEN) state.openEvicted = true;
        if (state.ended && state.lastRecord === seg.base + at) {
          this.forget(state);
          state = undefined;
        }
      }
      at += RECORD_HEADER_BYTES + length;
    }
    this.memory -= buf.length;
    seg.evicted = true;
    if (seg.pins === 0) this.keepSpare(seg);
    this.evicted += seg.used;
    this.head = seg.base + seg.used;
  }

  private forget(state: ConnectionState): void {
    this.conns.delete(state.conn);
    this.memory -= state.bookkeeping;
  }

  // The segment holding `cursor` (the last one whose base is at or before it).
  private segmentIndex(cursor: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segments[mid]!.base <= cursor) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  // How many bytes of whole records from `from` fit in `room`; at least one record when `first`.
  private wholeRecordsWithin(seg: Segment, from: number, room: number, first: boolean): number {
    let at = from;
    while (at < seg.used) {
      const size = RECORD_HEADER_BYTES + seg.view.getUint32(at + 16, true);
      if (at - from + size > room && !(first && at === from)) break;
      at += size;
    }
    return at - from;
  }
}
