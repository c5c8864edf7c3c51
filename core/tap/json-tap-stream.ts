// What one `/tap` (JSON) subscriber is sent, made from the journal records it is given: the one
// stream decoder's events, counted while they are history, a `live` event where the history ends,
// and one JSON array per turn. Pure, so the same code runs on the sockets' thread or in the tap's
// decode worker (server/tap/json-decode-worker.ts).
import type { InflaterFactory } from '../wire/inflate';
import { type Publishable, serialise } from './lazy-events';
import { readRecords } from './raw-records';
import { TapStreamDecoder } from './stream-decoder';
import type { SkippedBytes } from './undecoded-filter';

export class JsonTapStream {
  private readonly decoder: TapStreamDecoder;
  private pending: Publishable[] = [];
  private historyCount = 0;
  private live = false;

  constructor(inflater: InflaterFactory | null) {
    this.decoder = new TapStreamDecoder({ inflater });
  }

  /** Decodes whole records; `history` counts their events toward the `live` event's total. */
  records(bytes: Uint8Array, history: boolean): void {
    for (const record of readRecords(bytes)) {
      const events = this.decoder.decode(record);
      if (history) this.historyCount += events.length;
      for (const event of events) this.pending.push(event);
    }
  }

  /** Bytes of a connection the decoder only counts, counted before they were sent here. */
  skipped(bytes: SkippedBytes): void {
    this.decoder.skipped(bytes);
  }

  /** The history this subscriber was greeted with has all been decoded; `t` is now. */
  endHistory(t: number): void {
    if (this.live) return;
    this.live = true;
    this.pending.push({ type: 'live', t, history: this.historyCount });
  }

  /** This turn's events as one JSON array, or null when there are none. */
  take(): string | null {
    if (this.pending.length === 0) return null;
    const batch = this.pending;
    this.pending = [];
    return serialise(batch);
  }
}
