import type { DroppedEvent, HelloEvent, TapEvent } from './events';
import { TAP_VERSION } from './events';

/** What the hub needs of a subscriber: `ws`'s WebSocket fits, and so does a test double. */
export interface TapSink {
  send(data: string): void;
  /** Bytes queued but not yet written to the network. */
  readonly bufferedAmount: number;
}

export interface HubOptions {
  /** How many recent events a new subscriber is sent first. */
  historySize?: number;
  /** A subscriber with more than this many bytes unsent is skipped until it drains. */
  maxBufferedBytes?: number;
  /** Included in `hello` so clients can show the limits. */
  payloadCap?: number;
  maxPayload?: number;
  now?: () => number;
}

interface Subscriber {
  sink: TapSink;
  /** Events not sent because the subscriber was behind, to report in the next `dropped`. */
  missed: number;
}

const REPLAY_BATCH = 500;

/**
 * Fans tap events out to subscribers. It keeps a bounded ring of recent events for replay,
 * batches events into one JSON array per tick, and never lets a slow subscriber make memory
 * grow: that subscriber is skipped and later told how many events it missed (`dropped`).
 */
export class TapHub {
  private readonly ring: (TapEvent | undefined)[];
  private ringStart = 0;
  private ringLength = 0;
  private pending: TapEvent[] = [];
  private flushScheduled = false;
  private readonly subscribers = new Set<Subscriber>();
  private readonly maxBufferedBytes: number;
  private readonly options: HubOptions;
  readonly now: () => number;
  /** Events published since start. */
  published = 0;

  constructor(options: HubOptions = {}) {
    this.options = options;
    this.ring = new Array(Math.max(1, options.historySize ?? 5000));
    this.maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.now = options.now ?? (() => performance.now());
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  publish(event: TapEvent): void {
    this.published++;
    const capacity = this.ring.length;
    if (this.ringLength < capacity) {
      this.ring[(this.ringStart + this.ringLength) % capacity] = event;
      this.ringLength++;
    } else {
      this.ring[this.ringStart] = event;
      this.ringStart = (this.ringStart + 1) % capacity;
    }
    if (this.subscribers.size === 0) return;
    this.pending.push(event);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** The recent history, oldest first. */
  history(): TapEvent[] {
    const out: TapEvent[] = [];
    for (let i = 0; i < this.ringLength; i++) out.push(this.ring[(this.ringStart + i) % this.ring.length]!);
    return out;
  }

  subscribe(sink: TapSink): () => void {
    const history = this.history();
    const hello: HelloEvent = {
      type: 'hello',
      version: TAP_VERSION,
      serverTime: Date.now(),
      t: this.now(),
      history: history.length,
      payloadCap: this.options.payloadCap ?? 0,
      maxPayload: this.options.maxPayload ?? 0,
    };
    sink.send(JSON.stringify([hello]));
    for (let i = 0; i < history.length; i += REPLAY_BATCH) {
      sink.send(JSON.stringify(history.slice(i, i + REPLAY_BATCH)));
    }
    const subscriber: Subscriber = { sink, missed: 0 };
    this.subscribers.add(subscriber);
    return () => {
      this.subscribers.delete(subscriber);
    };
  }

  /** Sends what is pending now instead of at the end of the tick. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    // Serialised once, whatever the number of subscribers.
    const json = JSON.stringify(batch);
    for (const subscriber of this.subscribers) {
      try {
        if (subscriber.sink.bufferedAmount > this.maxBufferedBytes) {
          subscriber.missed += batch.length;
          continue;
        }
        if (subscriber.missed > 0) {
          const dropped: DroppedEvent = { type: 'dropped', count: subscriber.missed, t: this.now() };
          subscriber.sink.send(JSON.stringify([dropped]));
          subscriber.missed = 0;
        }
        subscriber.sink.send(json);
      } catch {
        // A sink that throws is gone; its close handler unsubscribes it.
      }
    }
  }
}
