// The page's subscription to /tap. It reconnects by itself with exponential backoff when the
// server goes away, tells the page what it is doing, and marks which events are replayed history
// (shown, but never counted by lesson checks, which only look at what happens live).
import type { TapEvent, TapHelloEvent } from '../../core/tap/events';

export type TapStatus =
  | { state: 'connecting'; attempt: number }
  | { state: 'live'; hello: TapHelloEvent; instance: string; restarted: boolean }
  | { state: 'waiting'; attempt: number; retryInMs: number; reason: string };

export interface TapBatch {
  events: TapEvent[];
  /** These events are history replayed on (re)connecting, not live. */
  replayed: boolean;
  /** The server instance they belong to: changes when the server restarts. */
  instance: string;
}

export interface TapClientOptions {
  url: string;
  onBatch(batch: TapBatch): void;
  onStatus(status: TapStatus): void;
  /** Backoff bounds, ms. */
  minDelay?: number;
  maxDelay?: number;
}

export class TapClient {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  /** Per server instance, the last `t` seen, so a reconnect skips history already shown. */
  private lastT = new Map<string, number>();
  private instance = '';
  private historyLeft = 0;

  constructor(private readonly options: TapClientOptions) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close(1000, 'page closed');
  }

  private open(): void {
    this.attempt++;
    this.options.onStatus({ state: 'connecting', attempt: this.attempt });
    const socket = new WebSocket(this.options.url);
    this.socket = socket;
    socket.onmessage = (event) => this.receive(String(event.data));
    socket.onclose = (event) => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      this.retry(event.code === 1006 ? 'connection lost' : `closed with ${event.code}`);
    };
  }

  private retry(reason: string): void {
    // Exponential backoff with full jitter, so many open pages do not come back at once.
    const min = this.options.minDelay ?? 250;
    const max = this.options.maxDelay ?? 8000;
    const ceiling = Math.min(max, min * 2 ** Math.min(this.attempt, 10));
    const retryInMs = Math.round(min + Math.random() * (ceiling - min));
    this.options.onStatus({ state: 'waiting', attempt: this.attempt, retryInMs, reason });
    this.timer = setTimeout(() => this.open(), retryInMs);
  }

  private receive(text: string): void {
    let events: TapEvent[];
    try {
      events = JSON.parse(text) as TapEvent[];
    } catch {
      return;
    }
    if (!Array.isArray(events) || events.length === 0) return;
    let start = 0;
    const first = events[0]!;
    if (first.type === 'hello') {
      this.attempt = 0;
      // serverTime corresponds to t: their difference is when the server started.
      const previous = this.instance;
      this.instance = String(Math.round(first.serverTime - first.t));
      this.historyLeft = first.history;
      const restarted = previous !== '' && previous !== this.instance;
      this.options.onStatus({ state: 'live', hello: first, instance: this.instance, restarted });
      start = 1;
    }
    const rest = start === 0 ? events : events.slice(start);
    if (rest.length === 0) return;
    const last = this.lastT.get(this.instance) ?? -1;
    if (this.historyLeft > 0) {
      const replay = rest.slice(0, this.historyLeft);
      this.historyLeft -= replay.length;
      const live = rest.slice(replay.length);
      // History this page has already shown (a reconnect to the same server) is skipped.
      const unseen = replay.filter((event) => event.t > last);
      this.emit(unseen, true);
      this.emit(live, false);
    } else {
      this.emit(rest, false);
    }
  }

  private emit(events: TapEvent[], replayed: boolean): void {
    if (events.length === 0) return;
    const lastT = events[events.length - 1]!.t;
    if (lastT > (this.lastT.get(this.instance) ?? -1)) this.lastT.set(this.instance, lastT);
    this.options.onBatch({ events, replayed, instance: this.instance });
  }
}
