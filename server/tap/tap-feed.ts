// What capture feeds the tap with, and where the tap's work runs. With cores to spare it runs in
// a worker thread (tap-thread.ts), so decoding and JSON do not slow the sockets; on a small
// machine it runs on the sockets' thread (InlineFeed), because there a worker would only compete
// with the sockets for the same cores and add the cost of handing everything over.
import { availableParallelism } from 'node:os';
import type { TapEvent, TapOpenEvent } from '../../core/tap/events';
import type { EventLogOptions } from './event-log';
import { TapEngine } from './tap-engine';
import type { DecoderSetup } from './tap-protocol';
import { TapThread } from './tap-thread';

export interface TapFeedEvents {
  /** Events the tap produced, one JSON array (UTF-8 bytes or text); null when nobody listened. */
  onEvents(json: Uint8Array | string | null, count: number): void;
}

export interface TapFeed {
  /** Is anyone subscribed? Without subscribers the events are kept, not serialised. */
  listened: boolean;
  /** Resolves when the tap can take events. */
  readonly ready: Promise<void>;
  /**
   * A connection opened. `trackFrames`: `betweenFrames` will be asked about it (a relay, which
   * injects frames of its own).
   */
  open(event: TapOpenEvent, decoder: DecoderSetup, trackFrames?: boolean): void;
  /** Bytes that crossed a connection, read (or copied) before this returns. */
  bytes(conn: string, client: boolean, t: number, chunk: Uint8Array): void;
  finish(conn: string, t: number): void;
  /**
   * Both directions of a connection opened with `trackFrames` are between frames: a frame
   * injected now would not corrupt either stream. Known at once, on this thread; false for a
   * connection it does not follow.
   */
  betweenFrames(conn: string): boolean;
  /** A finished event, e.g. a refused handshake's. */
  event(event: TapEvent): void;
  /** The history, once everything fed so far is in it and has been sent to the subscribers. */
  history(): Promise<{ chunks: string[]; count: number }>;
  /** Resolves once everything fed so far has reached `onEvents`. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export interface TapFeedOptions extends EventLogOptions {
  /** Run the tap in a worker thread; by default when the machine has four cores or more. */
  thread?: boolean;
  /** With a worker: bytes waiting to be decoded past which a connection is skipped (64 MiB). */
  backlogBytes?: number;
}

export function createTapFeed(options: TapFeedOptions, events: TapFeedEvents): TapFeed {
  const thread = options.thread ?? availableParallelism() >= 4;
  return thread ? new TapThread(options, events) : new InlineFeed(options, events);
}

/** The tap on the sockets' thread: the engine reads each chunk at once, the JSON goes once a tick. */
export class InlineFeed implements TapFeed {
  private readonly engine: TapEngine;
  private readonly connIds = new Map<string, number>();
  private nextConnId = 1;
  private reported = 0;
  private scheduled = false;
  readonly ready = Promise.resolve();

  constructor(
    options: EventLogOptions,
    private readonly events: TapFeedEvents,
  ) {
    this.engine = new TapEngine(options);
  }

  get listened(): boolean {
    return this.engine.listened;
  }

  set listened(value: boolean) {
    this.engine.listened = value;
  }

  // The engine decodes on this thread, so it knows every connection's frame boundaries at once.
  open(event: TapOpenEvent, decoder: DecoderSetup, _trackFrames?: boolean): void {
    const id = this.nextConnId++;
    this.connIds.set(event.conn, id);
    this.engine.open(id, event, decoder);
    this.schedule();
  }

  bytes(conn: string, client: boolean, t: number, chunk: Uint8Array): void {
    const id = this.connIds.get(conn);
    if (id === undefined) return;
    this.engine.bytes(id, client, t, chunk);
    this.schedule();
  }

  finish(conn: string, t: number): void {
    this.connIds.delete(conn);
    this.engine.finish(conn, t);
    this.schedule();
  }

  betweenFrames(conn: string): boolean {
    return this.engine.betweenFrames(conn);
  }

  event(event: TapEvent): void {
    this.engine.event(event);
    this.schedule();
  }

  history(): Promise<{ chunks: string[]; count: number }> {
    // Pending events go to the current subscribers first; the history then holds them too, and
    // the new subscriber, still replaying, gets them only once.
    this.flush();
    return Promise.resolve(this.engine.history());
  }

  drain(): Promise<void> {
    this.flush();
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const count = this.engine.published - this.reported;
    if (count === 0) return;
    this.reported = this.engine.published;
    this.events.onEvents(this.engine.takeBatch(), count);
  }
}
