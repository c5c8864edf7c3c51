// One tap subscriber: a cursor over the journal, moved on only while the subscriber's socket has
// room. History and live records go out the same way, under the same limit, so a subscriber that
// never reads holds at most that limit (and the segments it points into), never a queue.
//
// A raw subscriber (`/tap?format=raw`) is sent the journal's records as they are. A JSON
// subscriber (`/tap`) is sent the events the one stream decoder in core/ makes of them.

import type { InflaterFactory } from '../../core/tap/connection-decoder';
import type { TapEvent } from '../../core/tap/events';
import { TAP_VERSION } from '../../core/tap/events';
import { JsonTapStream } from '../../core/tap/json-tap-stream';
import { encodeRecord, gapBody, helloBody, RAW_FORMAT_VERSION, RecordKind } from '../../core/tap/raw-records';
import { UndecodedFilter } from '../../core/tap/undecoded-filter';
import type { Journal, Lend, LentSegment } from './journal';
import type { JsonDecodePool } from './json-decode-pool';
import type { DecodePart } from './json-decode-protocol';
import { OutputRing, type RingLease, type RingWindow } from './output-ring';
import { type ConnFilter, keepRecords } from './record-filter';

/** What a subscriber needs of its socket: `ws`'s WebSocket fits, and so does a test double. */
export interface TapSink {
  /** `done`, when given, is called once the data has been written (or the socket has failed). */
  send(data: Uint8Array | string, options: { binary: boolean }, done?: (error?: Error) => void): void;
  /** Bytes queued but not yet written to the network (or, when the sink knows, not yet read). */
  readonly bufferedAmount: number;
  /** Ends the subscription with a close frame (RFC 6455 §7.4.1 code). */
  close?(code: number, reason: string): void;
}

export interface SubscriberSettings {
  journal: Journal;
  /** Unsent bytes past which nothing more is sent until the socket drains. */
  maxBufferedBytes: number;
  payloadCap: number;
  maxPayload: number;
  now: () => number;
  /** For the JSON subscriber's decoder. */
  inflater: InflaterFactory | null;
  /** Where JSON subscribers decode, when not on this thread. */
  decodePool?: JsonDecodePool;
  /** Asks for another turn soon: work finished elsewhere made room. */
  wake?: () => void;
  /**
   * Classroom mode: only these connections' records are sent (a learner's own). The records are
   * then copied, never lent: a view of the journal would carry other learners' bytes.
   */
  only?: ConnFilter;
}

// At most this much of the journal is sent (or decoded) in one turn of the pump, so a subscriber
// catching up on history does not hold the sockets' thread for long.
export const TURN_BYTES = 512 * 1024;

// The bounds of a JSON subscriber's learnt bytes of JSON per byte of the journal.
const MIN_RATIO = 1 / 16;
const MAX_RATIO = 8;

export abstract class TapSubscriber {
  protected cursor = -1;
  /** Where the history this subscriber was greeted with ends. */
  protected historyEnd = 0;

  constructor(
    readonly sink: TapSink,
    protected readonly settings: SubscriberSettings,
  ) {}

  /** Everything in the journal has been sent. */
  get caughtUp(): boolean {
    return this.cursor === this.settings.journal.endOffset;
  }

  /** The subscriber has gone. */
  close(): void {}

  /**
   * Sends what the socket has room for, at most `turnBytes` of the journal. Returns how much of
   * the journal it took, and whether it stopped only because the turn was used up (there is
   * more, and room for it).
   */
  pump(turnBytes = TURN_BYTES): { used: number; more: boolean } {
    const { journal, maxBufferedBytes } = this.settings;
    if (this.cursor < 0) {
      this.cursor = journal.startOffset;
      this.historyEnd = journal.endOffset;
      this.greet(this.visible(journal.historyPreamble()));
    }
    let budget = turnBytes;
    let backedUp = false;
    while (budget > 0 && this.cursor < journal.endOffset) {
      // What this turn read but has not sent yet counts against the room as the output it makes.
      const unsent = this.unsentOutput();
      const socketRoom = maxBufferedBytes - this.sink.bufferedAmount;
      if (socketRoom <= 0) {
        backedUp = true;
        break;
      }
      // Out of room only for this turn: the next one goes on if the socket takes what this sends.
      const room = socketRoom - unsent;
      if (room <= 0) break;
      // A read stops where the history does, so no live record is counted as history.
      const history = this.cursor < this.historyEnd;
      const readable = Math.max(1, Math.floor(room / this.outputPerByte));
      const limit = Math.min(readable, budget, history ? this.historyEnd - this.cursor : budget);
      const { only } = this.settings;
      const { chunks, next, gapBytes, lent } = journal.read(this.cursor, limit, only ? 'copy' : this.lend);
      if (gapBytes > 0) this.gap(gapBytes, this.visible(journal.historyPreamble()));
      for (let i = 0; i < chunks.length; i++) {
        const chunk = chunks[i]!;
        budget -= chunk.length;
        if (!only) this.deliver(chunk, history && gapBytes === 0, lent?.[i]);
        else {
          const own = keepRecords(chunk, only);
          if (own.length > 0) this.deliver(own, history && gapBytes === 0);
        }
      }
      this.cursor = next;
      if (history && this.cursor >= this.historyEnd) this.historyDone();
    }
    this.afterTurn();
    return { used: turnBytes - budget, more: !backedUp && this.cursor < journal.endOffset };
  }

  /**
   * Bytes of history this subscriber is sent, as its hello announces them: the page counts the
   * records it is sent against this to know where history ends and live records begin.
   */
  protected historyBytes(): number {
    const { journal, only } = this.settings;
    return only ? journal.bytesOf(only) : journal.endOffset - journal.startOffset;
  }

  /** The records of `records` this subscriber may see. */
  private visible(records: Uint8Array): Uint8Array {
    const { only } = this.settings;
    return only ? keepRecords(records, only) : records;
  }

  /** How this subscriber holds the journal's views it is given (`Journal.read`). */
  protected get lend(): Lend {
    return 'keep';
  }

  /** About how many bytes this subscriber sends per byte of the journal it reads. */
  protected get outputPerByte(): number {
    return 1;
  }

  /**
   * Output made of what was read, in this turn and before, that its socket has not been given
   * yet: none for a subscriber that sends as it reads.
   */
  protected unsentOutput(): number {
    return 0;
  }

  /** The history this subscriber was greeted with has all been delivered. */
  protected historyDone(): void {}

  /** The GAP record that tells this subscriber it missed `missedBytes` of the journal. */
  protected gapRecord(missedBytes: number): Uint8Array {
    return encodeRecord(RecordKind.GAP, 0, 0, this.settings.now(), gapBody(missedBytes));
  }

  protected hello(): { serverTime: number; t: number } {
    const t = this.settings.now();
    return { serverTime: Date.now(), t };
  }

  protected abstract greet(preamble: Uint8Array): void;
  protected abstract gap(missedBytes: number, preamble: Uint8Array): void;
  /** `lent`: with `lend` 'pin', the segment to release once `records` are written. */
  protected abstract deliver(records: Uint8Array, history: boolean, lent?: LentSegment): void;
  /** The turn is over. */
  protected afterTurn(): void {}
}

/** `/tap?format=raw`: HELLO, the history preamble, then the journal's records as they are. */
export class RawSubscriber extends TapSubscriber {
  protected greet(preamble: Uint8Array): void {
    const { journal, payloadCap, maxPayload } = this.settings;
    const { serverTime, t } = this.hello();
    const body = helloBody({
      version: RAW_FORMAT_VERSION,
      serverTime,
      t,
      payloadCap,
      maxPayload,
      budget: journal.budgetBytes,
      history: this.historyBytes(),
    });
    this.send(encodeRecord(RecordKind.HELLO, 0, 0, t, body));
    if (preamble.length > 0) this.send(preamble);
  }

  protected gap(missedBytes: number, preamble: Uint8Array): void {
    this.send(this.gapRecord(missedBytes));
    if (preamble.length > 0) this.send(preamble);
  }

  // The records go out as views of the journal, held until the socket has written them.
  protected override get lend(): Lend {
    return 'pin';
  }

  protected deliver(records: Uint8Array, _history: boolean, lent?: LentSegment): void {
    const { journal } = this.settings;
    this.sink.send(records, { binary: true }, lent && (() => journal.release(lent)));
  }

  private send(bytes: Uint8Array): void {
    this.sink.send(bytes, { binary: true });
  }
}

/**
 * `/tap`: `hello`, the history's events, a `live` event that counts them, then live events, each
 * turn's as one JSON array. Decoded per subscriber, because each may be at another place in the
 * journal: in the tap's decode worker when the server has one (`decodePool`), else here.
 */
export class JsonSubscriber extends TapSubscriber {
  private readonly turns: JsonTurns;
  /** Of what this turn read, the bytes the decoder reads: the rest it only counts. */
  private decodedThisTurn = 0;

  // JSON bytes per decoded journal byte, learnt from what was sent. Small frames make several times
  // their size (field names, base64 in both the frame and the message); large ones far less (the
  // payload cap). It starts high, so a new subscriber is not sent more than its limit.
  private ratio = 4;

  constructor(sink: TapSink, settings: SubscriberSettings) {
    super(sink, settings);
    const sent = (decodedBytes: number, jsonBytes: number): void => this.learn(decodedBytes, jsonBytes);
    // Twice the send limit: a turn's JSON is sized to the room left under the limit, but a turn
    // reads whole records, and one record (a frame at the payload cap) can make more than that.
    const output = new JsonOutput(sink, new OutputRing(2 * settings.maxBufferedBytes), sent);
    this.turns = settings.decodePool
      ? new OffThreadTurns(output, settings.decodePool, settings.wake ?? (() => {}))
      : new InlineTurns(output, settings.inflater);
  }

  protected override get outputPerByte(): number {
    return this.ratio;
  }

  protected override get lend(): Lend {
    return this.turns.lend;
  }

  // A turn's events go out together at its end (or when the worker answers), so its socket's
  // buffer does not show them while it reads.

  override get caughtUp(): boolean {
    return super.caughtUp && !this.turns.busy;
  }

  override close(): void {
    this.turns.close();
  }

  // Only decoded bytes make JSON. Bytes the decoder only counts (a connection whose start was
  // evicted) make next to none, and must not teach the ratio so: after a history of them, a turn
  // of live traffic read at that ratio made several times the room it was read for.
  protected override unsentOutput(): number {
    return (this.decodedThisTurn + this.turns.inFlightBytes) * this.outputPerByte;
  }

  private learn(decodedBytes: number, jsonBytes: number): void {
    // Turns of a few records say little about the next ones.
    if (decodedBytes < 4096) return;
    const seen = Math.min(MAX_RATIO, Math.max(MIN_RATIO, jsonBytes / decodedBytes));
    this.ratio = (this.ratio + seen) / 2;
  }

  protected greet(preamble: Uint8Array): void {
    const { payloadCap, maxPayload } = this.settings;
    const { serverTime, t } = this.hello();
    const hello: TapEvent = {
      type: 'hello',
      version: TAP_VERSION,
      serverTime,
      t,
      historyBytes: this.historyBytes(),
      payloadCap,
      maxPayload,
    };
    this.sink.send(JSON.stringify([hello]), { binary: false });
    this.decodedThisTurn += this.turns.records(preamble, true);
  }

  protected gap(missedBytes: number, preamble: Uint8Array): void {
    // The GAP record itself is this subscriber's own news: the decoder makes it a `dropped` event.
    this.decodedThisTurn += this.turns.records(this.gapRecord(missedBytes), false);
    this.decodedThisTurn += this.turns.records(preamble, false);
  }

  protected deliver(records: Uint8Array, history: boolean): void {
    this.decodedThisTurn += this.turns.records(records, history);
  }

  protected override historyDone(): void {
    this.turns.endHistory(this.settings.now());
  }

  protected override afterTurn(): void {
    // An empty history ends at once.
    if (this.cursor >= this.historyEnd) this.historyDone();
    this.turns.endTurn(this.decodedThisTurn);
    this.decodedThisTurn = 0;
  }
}

/** A JSON subscriber's way to its socket: its turns' JSON, sent from its output ring where it fits. */
class JsonOutput {
  constructor(
    private readonly sink: TapSink,
    readonly ring: OutputRing,
    private readonly sent: (decodedBytes: number, jsonBytes: number) => void,
  ) {}

  /** A turn's JSON, encoded here: into the ring if it fits there. */
  sendText(json: string, decodedBytes: number): void {
    const window = this.ring.free();
    if (window !== null) {
      const { read, written } = utf8.encodeInto(json, windowBytes(window));
      if (read === json.length) {
        this.sendFromRing(window, this.ring.take(window), written, decodedBytes);
        return;
      }
    }
    this.sendBytes(Buffer.from(json), decodedBytes);
  }

  /** A turn's JSON already in `window` (its first `bytes`), which `lease` holds until it is written. */
  sendFromRing(window: RingWindow, lease: RingLease, bytes: number, decodedBytes: number): void {
    lease.used(bytes);
    this.sink.send(Buffer.from(window.buffer, window.start, bytes), { binary: false }, lease.release);
    this.sent(decodedBytes, bytes);
  }

  /** A turn's JSON in memory of its own: it did not fit the ring, which grows for the next. */
  sendBytes(json: Uint8Array, decodedBytes: number): void {
    this.sink.send(json, { binary: false });
    this.ring.missed(json.length);
    this.sent(decodedBytes, json.length);
  }

  close(code: number, reason: string): void {
    this.sink.close?.(code, reason);
  }
}

const utf8 = new TextEncoder();

function windowBytes(window: RingWindow): Uint8Array {
  return new Uint8Array(window.buffer, window.start, window.length);
}

/** Where a JSON subscriber's records are decoded, one turn at a time. */
interface JsonTurns {
  /** Takes whole records for the turn; returns how many of their bytes the decoder reads. */
  records(bytes: Uint8Array, history: boolean): number;
  endHistory(t: number): void;
  /** Sends (or has the worker make) the turn's JSON; `decodedBytes`: what `records` returned, summed. */
  endTurn(decodedBytes: number): void;
  /** Decoded bytes whose JSON has not reached the socket yet. */
  readonly inFlightBytes: number;
  /** A turn's JSON is still being made. */
  readonly busy: boolean;
  /** How `records` holds the journal's views it is given. */
  readonly lend: Lend;
  close(): void;
}

class InlineTurns implements JsonTurns {
  private readonly stream: JsonTapStream;
  private readonly undecoded = new UndecodedFilter();
  readonly inFlightBytes = 0;
  readonly busy = false;
  // The decoder may hold on to a view (a handshake's head, cut across records).
  readonly lend = 'keep';

  constructor(
    private readonly output: JsonOutput,
    inflater: InflaterFactory | null,
  ) {
    this.stream = new JsonTapStream(inflater);
  }

  records(bytes: Uint8Array, history: boolean): number {
    let decoded = 0;
    for (const piece of this.undecoded.split(bytes, false)) {
      if (piece instanceof Uint8Array) {
        this.stream.records(piece, history);
        decoded += piece.length;
      } else this.stream.skipped(piece);
    }
    return decoded;
  }

  endHistory(t: number): void {
    this.stream.endHistory(t);
  }

  endTurn(decodedBytes: number): void {
    const json = this.stream.take();
    if (json !== null) this.output.sendText(json, decodedBytes);
  }

  close(): void {}
}

class OffThreadTurns implements JsonTurns {
  private readonly id: number;
  private parts: DecodePart[] = [];
  private readonly undecoded = new UndecodedFilter();
  private liveAt: number | null = null;
  private ended = false;
  // The ring window each turn in flight was given, in the order the answers come back.
  private readonly windows: ({ window: RingWindow; lease: RingLease } | null)[] = [];
  // The ring's block the worker has, so it is posted once, not with every turn.
  private postedBlock: SharedArrayBuffer | null = null;
  inFlightBytes = 0;
  // `records` copies what it sends to the worker before it returns: the journal may write the
  // segments again. Kept segments could not be, and a fresh one for each 256 KiB read left some
  // 30 MB of freed memory's fragments in the process with 10 JSON subscribers that never read.
  readonly lend = 'copy';

  constructor(
    private readonly output: JsonOutput,
    private readonly pool: JsonDecodePool,
    private readonly wake: () => void,
  ) {
    this.id = pool.register((answer) => {
      this.inFlightBytes -= answer.decodedBytes;
      const given = this.windows.shift();
      if (answer.error !== undefined) {
        given?.lease.release();
        // RFC 6455 §7.4.1: 1011, the server met a condition that kept it from going on.
        this.output.close(1011, 'the tap could not decode the journal');
        return;
      }
      if (given && answer.inRing > 0) {
        this.output.sendFromRing(given.window, given.lease, answer.inRing, answer.decodedBytes);
      } else {
        given?.lease.used(0);
        given?.lease.release();
        if (answer.json !== null) this.output.sendBytes(answer.json, answer.decodedBytes);
      }
      this.wake();
    });
  }

  // Copied into memory of its own, which the message then moves to the worker: a view would move
  // (or clone) the journal's whole segment. Only what the decoder reads is copied: bytes it would
  // only count (a connection whose start it lost) go as their count.
  records(bytes: Uint8Array, history: boolean): number {
    let decoded = 0;
    for (const piece of this.undecoded.split(bytes)) {
      if (piece instanceof Uint8Array) {
        this.parts.push({ bytes: piece, history });
        decoded += piece.length;
      } else this.parts.push({ skipped: piece });
    }
    return decoded;
  }

  endHistory(t: number): void {
    if (this.ended) return;
    this.ended = true;
    this.liveAt = t;
  }

  get busy(): boolean {
    return this.windows.length > 0;
  }

  endTurn(decodedBytes: number): void {
    if (this.parts.length === 0 && this.liveAt === null) return;
    this.inFlightBytes += decodedBytes;
    // The worker writes the JSON into the ring's free run, held for it until it answers.
    const { ring } = this.output;
    const window = ring.free();
    this.windows.push(window && { window, lease: ring.take(window) });
    const block = window !== null && window.buffer !== this.postedBlock ? window.buffer : null;
    if (block) this.postedBlock = block;
    this.pool.post({
      type: 'turn',
      subscriber: this.id,
      parts: this.parts,
      liveAt: this.liveAt,
      decodedBytes,
      window: window && { start: window.start, length: window.length },
      ...(block ? { block } : {}),
    });
    this.parts = [];
    this.liveAt = null;
  }

  close(): void {
    this.pool.forget(this.id);
  }
}
