// One tap subscriber: a cursor over the journal, moved on only while the subscriber's socket has
// room. History and live records go out the same way, under the same limit, so a subscriber that
// never reads holds at most that limit (and the segments it points into), never a queue.
//
// A raw subscriber (`/tap?format=raw`) is sent the journal's records as they are. A JSON
// subscriber (`/tap`) is sent the events the one stream decoder in core/ makes of them.

import type { InflaterFactory } from '../../core/tap/connection-decoder';
import type { TapEvent } from '../../core/tap/events';
import { TAP_VERSION } from '../../core/tap/events';
import { type Publishable, serialise } from '../../core/tap/lazy-events';
import {
  encodeRecord,
  gapBody,
  helloBody,
  RAW_FORMAT_VERSION,
  RecordKind,
  readRecords,
} from '../../core/tap/raw-records';
import { TapStreamDecoder } from '../../core/tap/stream-decoder';
import type { Journal } from './journal';

/** What a subscriber needs of its socket: `ws`'s WebSocket fits, and so does a test double. */
export interface TapSink {
  send(data: Uint8Array | string, options: { binary: boolean }): void;
  /** Bytes queued but not yet written to the network. */
  readonly bufferedAmount: number;
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
}

// At most this much of the journal is sent (or decoded) in one turn of the pump, so a subscriber
// catching up on history does not hold the sockets' thread for long.
export const TURN_BYTES = 512 * 1024;

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
      this.greet(journal.historyPreamble());
    }
    let budget = turnBytes;
    let backedUp = false;
    while (budget > 0 && this.cursor < journal.endOffset) {
      // What this turn read but has not sent yet counts against the room as the output it makes.
      const unsent = this.sendsAtTurnEnd ? (turnBytes - budget) * this.outputPerByte : 0;
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
      const { chunks, next, gapBytes } = journal.read(this.cursor, limit);
      if (gapBytes > 0) this.gap(gapBytes, journal.historyPreamble());
      for (const chunk of chunks) {
        budget -= chunk.length;
        this.deliver(chunk, history && gapBytes === 0);
      }
      this.cursor = next;
      if (history && this.cursor >= this.historyEnd) this.historyDone();
    }
    this.afterTurn();
    return { used: turnBytes - budget, more: !backedUp && this.cursor < journal.endOffset };
  }

  /** About how many bytes this subscriber sends per byte of the journal it reads. */
  protected readonly outputPerByte: number = 1;
  /** Sends one message per turn, after reading: its socket's buffer does not grow as it reads. */
  protected readonly sendsAtTurnEnd: boolean = false;

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
  protected abstract deliver(records: Uint8Array, history: boolean): void;
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
      history: journal.endOffset - journal.startOffset,
    });
    this.send(encodeRecord(RecordKind.HELLO, 0, 0, t, body));
    if (preamble.length > 0) this.send(preamble);
  }

  protected gap(missedBytes: number, preamble: Uint8Array): void {
    this.send(this.gapRecord(missedBytes));
    if (preamble.length > 0) this.send(preamble);
  }

  protected deliver(records: Uint8Array): void {
    this.send(records);
  }

  private send(bytes: Uint8Array): void {
    this.sink.send(bytes, { binary: true });
  }
}

/**
 * `/tap`: `hello`, the history's events, a `live` event that counts them, then live events, each
 * turn's as one JSON array. Decoded here, per subscriber, because each may be at another place
 * in the journal.
 */
export class JsonSubscriber extends TapSubscriber {
  private readonly decoder = new TapStreamDecoder({ inflater: this.settings.inflater });
  private pending: Publishable[] = [];
  private historyCount = 0;
  private live = false;

  protected greet(preamble: Uint8Array): void {
    const { journal, payloadCap, maxPayload } = this.settings;
    const { serverTime, t } = this.hello();
    const hello: TapEvent = {
      type: 'hello',
      version: TAP_VERSION,
      serverTime,
      t,
      historyBytes: journal.endOffset - journal.startOffset,
      payloadCap,
      maxPayload,
    };
    this.sink.send(JSON.stringify([hello]), { binary: false });
    this.decodeRecords(preamble, true);
  }

  protected gap(missedBytes: number, preamble: Uint8Array): void {
    // The GAP record itself is this subscriber's own news: the decoder makes it a `dropped` event.
    this.decodeRecords(this.gapRecord(missedBytes), false);
    this.decodeRecords(preamble, false);
  }

  protected deliver(records: Uint8Array, history: boolean): void {
    this.decodeRecords(records, history);
  }

  // JSON is several times the bytes it describes (base64 in both the frame and the message,
  // field names), and a turn's events go out together at its end.
  protected override readonly outputPerByte = 4;
  protected override readonly sendsAtTurnEnd = true;

  protected override historyDone(): void {
    if (this.live) return;
    this.live = true;
    this.pending.push({ type: 'live', t: this.settings.now(), history: this.historyCount });
  }

  protected override afterTurn(): void {
    // An empty history ends at once.
    if (this.cursor >= this.historyEnd) this.historyDone();
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.sink.send(serialise(batch), { binary: false });
  }

  private decodeRecords(records: Uint8Array, history: boolean): void {
    for (const record of readRecords(records)) {
      const events = this.decoder.decode(record);
      if (history) this.historyCount += events.length;
      for (const event of events) this.pending.push(event);
    }
  }
}
