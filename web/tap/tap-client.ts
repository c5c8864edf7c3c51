// The page's subscription to the tap, in its raw form (`/tap?format=raw`): the bytes the server
// captured, decoded here with the same decoder the server uses (core/tap/stream-decoder.ts), so
// the inspector shows exactly what crossed the wire. It reconnects by itself with exponential
// backoff when the server goes away, tells the page what it is doing, and marks which events are
// replayed history (shown, but never counted by lesson checks, which look only at what happens live).
import type { TapEvent, TapHelloEvent } from '../../core/tap/events';
import { parseHelloBody, RECORD_HEADER_BYTES, RecordKind, readRecords } from '../../core/tap/raw-records';
import { type StreamEvent, TapStreamDecoder } from '../../core/tap/stream-decoder';
import { createInflater } from '../../core/wire/inflate';

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

/** A decoded event as plain data (frames and messages are decoded lazily). */
function plain(event: StreamEvent): TapEvent {
  return 'toJSON' in event ? event.toJSON() : event;
}

export class TapClient {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  /** Per server instance, the last `t` seen, so a reconnect skips history already shown. */
  private lastT = new Map<string, number>();
  private instance = '';
  /** Bytes of history records still to come on this subscription. */
  private historyLeft = 0;
  private decoder = new TapStreamDecoder({ inflater: createInflater });
  /** The server's `t` at HELLO, and this page's clock then: together, the server's clock now. */
  private clock: { serverT: number; pageT: number } | null = null;

  constructor(private readonly options: TapClientOptions) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** The server's clock now, as tap events' `t` count it; null before the first hello. */
  serverNow(): number | null {
    return this.clock ? this.clock.serverT + (performance.now() - this.clock.pageT) : null;
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
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    // Every subscription starts over: the server streams its history again from its first record.
    this.decoder = new TapStreamDecoder({ inflater: createInflater });
    socket.onmessage = (event) => {
      if (event.data instanceof ArrayBuffer) this.receive(new Uint8Array(event.data));
    };
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

  private receive(bytes: Uint8Array): void {
    const history: TapEvent[] = [];
    const live: TapEvent[] = [];
    for (const record of readRecords(bytes)) {
      if (record.kind === RecordKind.HELLO) {
        this.greeted(record.body);
        continue;
      }
      // EVICTED records stand in for history that is gone; they are not counted in it.
      const replayed = this.historyLeft > 0 || record.kind === RecordKind.EVICTED;
      if (this.historyLeft > 0 && record.kind !== RecordKind.EVICTED) {
        this.historyLeft = Math.max(0, this.historyLeft - RECORD_HEADER_BYTES - record.body.length);
      }
      const out = replayed ? history : live;
      for (const event of this.decoder.decode(record)) out.push(plain(event));
    }
    const last = this.lastT.get(this.instance) ?? -1;
    // History this page has already shown (a reconnect to the same server) is skipped.
    this.emit(
      history.filter((event) => event.t > last),
      true,
    );
    this.emit(live, false);
  }

  private greeted(body: Uint8Array): void {
    const hello = parseHelloBody(body);
    if (!hello) return;
    this.attempt = 0;
    // serverTime corresponds to t: their difference is when the server started.
    const previous = this.instance;
    this.instance = String(Math.round(hello.serverTime - hello.t));
    this.historyLeft = hello.history;
    this.clock = { serverT: hello.t, pageT: performance.now() };
    const restarted = previous !== '' && previous !== this.instance;
    const event: TapHelloEvent = {
      type: 'hello',
      version: hello.version,
      serverTime: hello.serverTime,
      t: hello.t,
      historyBytes: hello.history,
      payloadCap: hello.payloadCap,
      maxPayload: hello.maxPayload,
    };
    this.options.onStatus({ state: 'live', hello: event, instance: this.instance, restarted });
  }

  private emit(events: TapEvent[], replayed: boolean): void {
    if (events.length === 0) return;
    const lastT = events[events.length - 1]!.t;
    if (lastT > (this.lastT.get(this.instance) ?? -1)) this.lastT.set(this.instance, lastT);
    this.options.onBatch({ events, replayed, instance: this.instance });
  }
}
