// The tap's memory: a bounded ring of recent events (by count and by the payload bytes they keep
// alive) for new subscribers to replay, and the events not yet sent to the current ones. It lives
// in the tap engine, beside the decoders that produce the events.
import { TAP_HISTORY_EVENTS, TAP_STORE_BYTES } from '../../core/defaults';
import type { TapEvent } from '../../core/tap/events';
import type { LazyEvent } from '../../core/tap/lazy-events';

/** A plain event, or a record that turns into one when serialised. */
export type Publishable = TapEvent | LazyEvent<TapEvent>;

export interface EventLogOptions {
  /** How many recent events a new subscriber is sent first. */
  historySize?: number;
  /** Payload bytes the history may keep alive; the oldest events go first past it. */
  historyBytes?: number;
}

const REPLAY_BATCH = 500;

export class EventLog {
  private readonly ring: (Publishable | undefined)[];
  private ringStart = 0;
  private ringLength = 0;
  private ringBytes = 0;
  private readonly historyBytes: number;
  private pending: Publishable[] = [];
  /** Events taken in since the start. */
  published = 0;

  constructor(options: EventLogOptions = {}) {
    this.ring = new Array(Math.max(1, options.historySize ?? TAP_HISTORY_EVENTS));
    this.historyBytes = options.historyBytes ?? TAP_STORE_BYTES;
  }

  /** Keeps the event for replay, and for the next batch when someone is listening. */
  publish(event: Publishable, listened: boolean): void {
    this.published++;
    const capacity = this.ring.length;
    if (this.ringLength === capacity) this.evictOldest();
    this.ring[(this.ringStart + this.ringLength) % capacity] = event;
    this.ringLength++;
    this.ringBytes += weightOf(event);
    while (this.ringBytes > this.historyBytes && this.ringLength > 1) this.evictOldest();
    if (listened) this.pending.push(event);
  }

  /** The events published since the last call, as one JSON array, or null when there are none. */
  takeBatch(): string | null {
    if (this.pending.length === 0) return null;
    const batch = this.pending;
    this.pending = [];
    return serialise(batch);
  }

  /** The recent history, oldest first, as JSON arrays of at most 500 events. */
  historyBatches(): { chunks: string[]; count: number } {
    const events: Publishable[] = [];
    for (let i = 0; i < this.ringLength; i++)
      events.push(this.ring[(this.ringStart + i) % this.ring.length]!);
    const chunks: string[] = [];
    for (let i = 0; i < events.length; i += REPLAY_BATCH)
      chunks.push(serialise(events.slice(i, i + REPLAY_BATCH)));
    return { chunks, count: events.length };
  }

  private evictOldest(): void {
    const oldest = this.ring[this.ringStart];
    this.ringBytes -= oldest ? weightOf(oldest) : 0;
    this.ring[this.ringStart] = undefined;
    this.ringStart = (this.ringStart + 1) % this.ring.length;
    this.ringLength--;
  }
}

/** A batch as the JSON array sent on /tap; lazy records write their own JSON. */
export function serialise(batch: readonly Publishable[]): string {
  let out = '[';
  for (let i = 0; i < batch.length; i++) {
    const event = batch[i]!;
    if (i > 0) out += ',';
    out += 'json' in event ? event.json() : JSON.stringify(event);
  }
  return `${out}]`;
}

function weightOf(event: Publishable): number {
  return 'weight' in event ? event.weight : 0;
}
