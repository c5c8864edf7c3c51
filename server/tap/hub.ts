import { createInflater } from '../../core/wire/inflate';
import type { Journal } from './journal';
import { JsonDecodePool } from './json-decode-pool';
import type { ConnFilter } from './record-filter';
import {
  JsonSubscriber,
  RawSubscriber,
  type TapSink,
  type TapSubscriber,
  TURN_BYTES,
} from './tap-subscriber';

export type { TapSink };

export type TapFormat = 'json' | 'raw';

export interface HubOptions {
  /** Unsent bytes per subscriber past which nothing more is sent until its socket drains. */
  maxBufferedBytes?: number;
  /** Subscribers at once; one more is refused. */
  maxSubscribers?: number;
  /** Included in `hello` so clients can show the limits. */
  payloadCap?: number;
  maxPayload?: number;
  /** Decode for JSON subscribers in a worker thread rather than on the sockets' thread. */
  decodeOffThread?: boolean;
}

// How often the journal's new records go out: about a frame of the page's, so a subscriber gets
// one message per turn however many chunks crossed the wire meanwhile.
const PUMP_MS = 16;

export const DEFAULT_MAX_SUBSCRIBERS = 32;
// Each subscriber may hold this much unsent (and the segments it points into alive), so the cap on
// subscribers bounds them all.
export const DEFAULT_SUBSCRIBER_BUFFER = 256 * 1024;

// Classroom mode: every learner's page has a tap, so the cap is the class's, not one person's.
// A learner's tap carries only their own traffic and may hold less unsent: 1 024 of them hold at
// most 64 MiB, the journal's own default budget. Each learner has a few at most (the page, a
// second tab), so that one learner cannot take the class's.
export const CLASSROOM_MAX_SUBSCRIBERS = 1024;
export const LEARNER_SUBSCRIBER_BUFFER = 64 * 1024;
export const TAPS_PER_LEARNER = 4;

/**
 * Fans the journal out to tap subscribers. Capture never waits for it: it only appends to the
 * journal. While anyone subscribes, a timer moves each subscriber's cursor on as far as its
 * socket has room for, so a subscriber that stops reading holds at most its limit of unsent bytes
 * and misses what the journal evicts meanwhile (it is then told: a GAP record, a `dropped` event).
 */
export class TapHub {
  private readonly subscribers = new Set<TapSubscriber>();
  /** The learner each learner's subscriber belongs to (classroom mode). */
  private readonly owners = new Map<TapSubscriber, string>();
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Immediate | null = null;
  /** Whose turn comes first in the next pump, when the last one ran out of budget. */
  private next = 0;
  readonly maxSubscribers: number;
  private readonly maxBufferedBytes: number;
  private decodePool: JsonDecodePool | null = null;

  constructor(
    readonly journal: Journal,
    private readonly options: HubOptions = {},
  ) {
    this.maxSubscribers = options.maxSubscribers ?? DEFAULT_MAX_SUBSCRIBERS;
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_SUBSCRIBER_BUFFER;
  }

  /** JSON subscribers are decoded in the worker: there is one, or the next JSON subscriber starts it. */
  get decodesOffThread(): boolean {
    return this.options.decodeOffThread === true;
  }

  /** Whether the decode worker has been started (by a JSON subscriber). */
  get decoderStarted(): boolean {
    return this.decodePool !== null;
  }

  // The worker starts with the first JSON subscriber, not the server: its second heap costs tens
  // of MB that a server read only as raw (the page) should not pay. What the subscriber is sent
  // before the worker has booted waits in its port; should the worker fail, its subscribers are
  // closed with 1011 and the next one starts a new worker.
  private decoderFor(format: TapFormat): JsonDecodePool | null {
    if (format !== 'json' || !this.options.decodeOffThread) return null;
    this.decodePool ??= new JsonDecodePool();
    return this.decodePool;
  }

  now(): number {
    return this.journal.now();
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * Bytes sent to subscribers and not yet gone, all together: not yet written by their sockets,
   * or for a JSON subscriber, not yet acknowledged as read (acknowledged-sink.ts).
   */
  get queuedBytes(): number {
    let total = 0;
    for (const subscriber of this.subscribers) total += subscriber.sink.bufferedAmount;
    return total;
  }

  /** The unsent bytes a subscriber may have: less for a learner's own (classroom mode). */
  sendLimit(owner?: string): number {
    return owner === undefined
      ? this.maxBufferedBytes
      : Math.min(this.maxBufferedBytes, LEARNER_SUBSCRIBER_BUFFER);
  }

  /** Room for one more subscriber? */
  get full(): boolean {
    return this.subscribers.size >= this.maxSubscribers;
  }

  /** Subscribers a learner holds now (classroom mode). */
  subscribersOf(learner: string): number {
    let count = 0;
    for (const owner of this.owners.values()) if (owner === learner) count++;
    return count;
  }

  /**
   * Starts sending the journal to `sink`, history first; returns how to stop. `only`: the
   * connections it may see (classroom mode, a learner's own); all of them when absent. `owner`:
   * the learner who opened it, whose taps are counted and hold less unsent (classroom mode).
   */
  subscribe(sink: TapSink, format: TapFormat = 'json', only?: ConnFilter, owner?: string): () => void {
    const decodePool = this.decoderFor(format);
    const settings = {
      journal: this.journal,
      maxBufferedBytes: this.sendLimit(owner),
      payloadCap: this.options.payloadCap ?? 0,
      maxPayload: this.options.maxPayload ?? 0,
      now: () => this.journal.now(),
      inflater: createInflater,
      ...(decodePool ? { decodePool } : {}),
      ...(only ? { only } : {}),
      wake: () => this.pumpSoon(),
    };
    const subscriber =
      format === 'raw' ? new RawSubscriber(sink, settings) : new JsonSubscriber(sink, settings);
    this.subscribers.add(subscriber);
    if (owner !== undefined) this.owners.set(subscriber, owner);
    this.schedule();
    this.pumpAll();
    return () => {
      this.subscribers.delete(subscriber);
      this.owners.delete(subscriber);
      subscriber.close();
      if (this.subscribers.size === 0) this.stop();
    };
  }

  /**
   * Sends every subscriber what the journal holds, as its socket makes room. Resolves once each
   * is caught up (or after `timeoutMs`): for tests and the benchmark, which want the tap's work
   * done.
   */
  async flush(timeoutMs = 10_000): Promise<void> {
    const until = performance.now() + timeoutMs;
    while (performance.now() < until) {
      let behind = false;
      for (const subscriber of this.subscribers) {
        this.pumpOne(subscriber);
        if (!subscriber.caughtUp) behind = true;
      }
      if (!behind) return;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  close(): void {
    this.stop();
    for (const subscriber of this.subscribers) subscriber.close();
    this.subscribers.clear();
    this.decodePool?.close();
  }

  private schedule(): void {
    if (this.timer || this.subscribers.size === 0) return;
    this.timer = setInterval(() => this.pumpAll(), PUMP_MS);
    this.timer.unref();
  }

  // One turn of the pump moves at most TURN_BYTES of the journal in all, whatever the number of
  // subscribers, so the sockets' thread is never held long; subscribers take turns (`next`), and
  // one catching up (history, a burst) goes on at the next turn of the event loop rather than the
  // next tick of the timer, as long as its socket takes what it is sent.
  private pumpAll(): void {
    this.soon = null;
    const all = [...this.subscribers];
    let budget = TURN_BYTES;
    let more = false;
    for (let i = 0; i < all.length; i++) {
      const subscriber = all[(this.next + i) % all.length]!;
      if (budget <= 0) {
        more = true;
        this.next = (this.next + i) % all.length;
        break;
      }
      const turn = this.pumpOne(subscriber, budget);
      budget -= turn.used;
      if (turn.more) more = true;
    }
    if (more) this.pumpSoon();
  }

  private pumpSoon(): void {
    if (this.soon === null && this.subscribers.size > 0) this.soon = setImmediate(() => this.pumpAll());
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearImmediate(this.soon);
    this.timer = null;
    this.soon = null;
  }

  private pumpOne(subscriber: TapSubscriber, turnBytes = TURN_BYTES): { used: number; more: boolean } {
    try {
      return subscriber.pump(turnBytes);
    } catch (error) {
      // `ws` does not throw for a socket that has gone (a send after close is dropped), so an
      // exception here is the tap's own failure: the subscriber is told, with 1011 (RFC 6455
      // §7.4.1, an unexpected condition), rather than left waiting on a stream that stopped.
      this.subscribers.delete(subscriber);
      subscriber.close();
      console.error('wslab: a tap subscriber failed and was closed:', error);
      try {
        subscriber.sink.close?.(1011, 'the tap failed to send the journal');
      } catch {
        // The socket itself is what failed; it is gone either way.
      }
      return { used: 0, more: false };
    }
  }
}
