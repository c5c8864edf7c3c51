import type { DroppedEvent, HelloEvent, TapEvent } from './events';
import { TAP_VERSION } from './events';
import type { LazyEvent } from './frame-events';

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
  /** Payload bytes the history may keep alive; the oldest events go first past it. */
  historyBytes?: number;
  /** Included in `hello` so clients can show the limits. */
  payloadCap?: number;
  maxPayload?: number;
  now?: () => number;
}

/** A plain event, or a record that turns into one when serialised. */
export type Publishable = TapEvent | LazyEvent<TapEvent>;

interface Subscriber {
  sink: TapSink;
  /** Events not sent because the subscriber was behind, to report in the next `dropped`. */
  missed: number;
  /**
   * Bytes of history queued for it when it subscribed. Until its queue drains below the limit,
   * they are allowed on top of it: a new subscriber replaying history is not "behind".
   */
  replayAllowance: number;
}

// How often a subscriber that missed events is checked for room, when no new event comes.
const NOTICE_RETRY_MS = 100;

const REPLAY_BATCH = 500;

/**
 * Fans tap events out to subscribers. It keeps a bounded ring of recent events for replay,
 * batches events into one JSON array per tick, and never lets a slow subscriber make memory
 * grow: that subscriber is skipped and later told how many events it missed (`dropped`).
 */
export class TapHub {
  private readonly ring: (Publishable | undefined)[];
  private ringStart = 0;
  private ringLength = 0;
  private ringBytes = 0;
  private readonly historyBytes: number;
  private pending: Publishable[] = [];
  private flushScheduled = false;
  private readonly subscribers = new Set<Subscriber>();
  private readonly noticeTimers = new Map<Subscriber, NodeJS.Timeout>();
  private readonly maxBufferedBytes: number;
  private readonly options: HubOptions;
  readonly now: () => number;
  /** Events published since start. */
  published = 0;

  constructor(options: HubOptions = {}) {
    this.options = options;
    this.ring = new Array(Math.max(1, options.historySize ?? 5000));
    this.maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.historyBytes = options.historyBytes ?? 64 * 1024 * 1024;
    this.now = options.now ?? (() => performance.now());
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  publish(event: Publishable): void {
    this.published++;
    const capacity = this.ring.length;
    if (this.ringLength === capacity) this.evictOldest();
    this.ring[(this.ringStart + this.ringLength) % capacity] = event;
    this.ringLength++;
    this.ringBytes += weightOf(event);
    while (this.ringBytes > this.historyBytes && this.ringLength > 1) this.evictOldest();
    if (this.subscribers.size === 0) return;
    this.pending.push(event);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private evictOldest(): void {
    const oldest = this.ring[this.ringStart];
    this.ringBytes -= oldest ? weightOf(oldest) : 0;
    this.ring[this.ringStart] = undefined;
    this.ringStart = (this.ringStart + 1) % this.ring.length;
    this.ringLength--;
  }

  /** The recent history, oldest first. */
  history(): Publishable[] {
    const out: Publishable[] = [];
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
    let replayed = 0;
    for (let i = 0; i < history.length; i += REPLAY_BATCH) {
      const json = serialise(history.slice(i, i + REPLAY_BATCH));
      replayed += json.length;
      sink.send(json);
    }
    const subscriber: Subscriber = { sink, missed: 0, replayAllowance: replayed };
    this.subscribers.add(subscriber);
    return () => {
      this.subscribers.delete(subscriber);
      const timer = this.noticeTimers.get(subscriber);
      if (timer) clearInterval(timer);
      this.noticeTimers.delete(subscriber);
    };
  }

  /** Sends what is pending now instead of at the end of the tick. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    // Serialised once, whatever the number of subscribers.
    const json = serialise(batch);
    for (const subscriber of this.subscribers) {
      try {
        if (!this.hasRoom(subscriber)) {
          subscriber.missed += batch.length;
          this.scheduleNotice(subscriber);
          continue;
        }
        this.sendNotice(subscriber);
        subscriber.sink.send(json);
      } catch {
        // A sink that throws is gone; its close handler unsubscribes it.
      }
    }
  }

  private hasRoom(subscriber: Subscriber): boolean {
    const queued = subscriber.sink.bufferedAmount;
    if (queued <= this.maxBufferedBytes) {
      subscriber.replayAllowance = 0; // the replay has drained
      return true;
    }
    return queued <= this.maxBufferedBytes + subscriber.replayAllowance;
  }

  private sendNotice(subscriber: Subscriber): void {
    if (subscriber.missed === 0) return;
    const dropped: DroppedEvent = { type: 'dropped', count: subscriber.missed, t: this.now() };
    subscriber.sink.send(JSON.stringify([dropped]));
    subscriber.missed = 0;
  }

  /**
   * A subscriber that missed events hears about it as soon as it has room, even if the server
   * has gone quiet and no batch would carry the notice. Stops when sent or when it unsubscribes.
   */
  private scheduleNotice(subscriber: Subscriber): void {
    if (this.noticeTimers.has(subscriber)) return;
    const timer = setInterval(() => {
      if (!this.subscribers.has(subscriber) || subscriber.missed === 0) {
        clearInterval(timer);
        this.noticeTimers.delete(subscriber);
        return;
      }
      if (!this.hasRoom(subscriber)) return;
      try {
        this.sendNotice(subscriber);
      } catch {
        // gone; unsubscribing clears the timer on its next turn
      }
    }, NOTICE_RETRY_MS);
    timer.unref();
    this.noticeTimers.set(subscriber, timer);
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
