import type { TapDroppedEvent, TapEvent, TapHelloEvent } from '../../core/tap/events';
import { TAP_VERSION } from '../../core/tap/events';
import { createTapFeed, type TapFeed } from './tap-feed';

/** What the hub needs of a subscriber: `ws`'s WebSocket fits, and so does a test double. */
export interface TapSink {
  /** A string, or UTF-8 bytes to send as a text frame (`ws` takes `binary: false` for that). */
  send(data: string | Uint8Array, options: { binary: false }): void;
  /** Bytes queued but not yet written to the network. */
  readonly bufferedAmount: number;
}

interface HubOptions {
  /** How many recent events a new subscriber is sent first. */
  historySize?: number;
  /** A subscriber with more than this many bytes unsent is skipped until it drains. */
  maxBufferedBytes?: number;
  /** Payload bytes the history may keep alive; the oldest events go first past it. */
  historyBytes?: number;
  /** With the tap in a worker: captured bytes waiting past which a connection is skipped (64 MiB). */
  backlogBytes?: number;
  /** Run the tap's work in a worker thread; by default when the machine has four cores or more. */
  thread?: boolean;
  /** Included in `hello` so clients can show the limits. */
  payloadCap?: number;
  maxPayload?: number;
  now?: () => number;
}

interface Subscriber {
  sink: TapSink;
  /** Until its history has been sent, live batches (which the history covers) are not. */
  replaying: boolean;
  /** Events not sent because the subscriber was behind, to report in the next `dropped`. */
  missed: number;
  /**
   * Bytes of history queued for it when it subscribed. Until its queue drains below the limit,
   * they are allowed on top of it: a new subscriber replaying history is not "behind".
   */
  replayAllowance: number;
}

/** Every message on /tap is a text frame of JSON, even when handed over as UTF-8 bytes. */
const TEXT = { binary: false } as const;

// How often a subscriber that missed events is checked for room, when no new event comes.
const NOTICE_RETRY_MS = 100;

/**
 * Fans tap events out to subscribers. The events themselves are decoded, kept for replay and
 * written as JSON by the tap engine behind `feed` (tap-feed.ts); this side sends each batch, once
 * serialised, to every subscriber, and never lets a slow one make memory grow: that subscriber
 * is skipped and later told how many events it missed (`dropped`).
 */
export class TapHub {
  /** What capture feeds; the tap's work runs behind it, in a worker thread or on this one. */
  readonly feed: TapFeed;
  private readonly subscribers = new Set<Subscriber>();
  private readonly noticeTimers = new Map<Subscriber, NodeJS.Timeout>();
  private readonly maxBufferedBytes: number;
  private readonly options: HubOptions;
  readonly now: () => number;
  /** Events published since start (as far as the engine has reported them). */
  published = 0;

  constructor(options: HubOptions = {}) {
    this.options = options;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.now = options.now ?? (() => performance.now());
    this.feed = createTapFeed(options, { onEvents: (json, count) => this.deliver(json, count) });
  }

  /** A finished event (a refused handshake's): it joins the stream in order with the rest. */
  publish(event: TapEvent): void {
    this.feed.event(event);
  }

  subscribe(sink: TapSink): () => void {
    const subscriber: Subscriber = { sink, replaying: true, missed: 0, replayAllowance: 0 };
    this.subscribers.add(subscriber);
    this.feed.listened = true;
    void this.feed.history().then(({ chunks, count }) => {
      if (!this.subscribers.has(subscriber)) return;
      const hello: TapHelloEvent = {
        type: 'hello',
        version: TAP_VERSION,
        serverTime: Date.now(),
        t: this.now(),
        history: count,
        payloadCap: this.options.payloadCap ?? 0,
        maxPayload: this.options.maxPayload ?? 0,
      };
      try {
        sink.send(JSON.stringify([hello]), TEXT);
        for (const json of chunks) {
          subscriber.replayAllowance += json.length;
          sink.send(json, TEXT);
        }
      } catch {
        // Gone already; its close handler unsubscribes it.
      }
      subscriber.replaying = false;
    });
    return () => {
      this.subscribers.delete(subscriber);
      this.feed.listened = this.subscribers.size > 0;
      const timer = this.noticeTimers.get(subscriber);
      if (timer) clearInterval(timer);
      this.noticeTimers.delete(subscriber);
    };
  }

  /** Resolves once every event handed to the tap so far has been sent to the subscribers. */
  flush(): Promise<void> {
    return this.feed.drain();
  }

  /** Ends the tap's worker thread, if it has one. */
  close(): Promise<void> {
    return this.feed.close();
  }

  /** A batch from the engine, serialised once whatever the number of subscribers. */
  private deliver(json: Uint8Array | string | null, count: number): void {
    this.published += count;
    if (json === null) return;
    for (const subscriber of this.subscribers) {
      if (subscriber.replaying) continue;
      try {
        if (!this.hasRoom(subscriber)) {
          subscriber.missed += count;
          this.scheduleNotice(subscriber);
          continue;
        }
        this.sendNotice(subscriber);
        subscriber.sink.send(json, TEXT);
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
    const dropped: TapDroppedEvent = { type: 'dropped', count: subscriber.missed, t: this.now() };
    subscriber.sink.send(JSON.stringify([dropped]), TEXT);
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
