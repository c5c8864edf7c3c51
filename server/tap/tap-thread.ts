// The socket thread's side of the tap: what a connection's capture hands over (its opening, its
// bytes in both directions, its end, or a finished event), copied into one arena per tick and
// posted to the tap's worker thread in a single message. Copying is all the socket thread does
// per chunk; decoding and JSON happen in the worker (tap-worker.ts).
import type { Worker } from 'node:worker_threads';
import { TAP_STORE_BYTES } from '../../core/defaults';
import { ConnectionDecoder } from '../../core/tap/connection-decoder';
import type { TapEvent, TapOpenEvent } from '../../core/tap/events';
import { startTsWorker } from '../ts-worker';
import type { TapFeed, TapFeedEvents, TapFeedOptions } from './tap-feed';
import {
  BYTES_ROW,
  type DecoderSetup,
  type FromTapWorker,
  type TapOp,
  type ToTapWorker,
} from './tap-protocol';

const MIN_ARENA = 4 * 1024;
// Past this many bytes, post at once rather than hold them all until the tick ends.
const POST_AT_BYTES = 1024 * 1024;

export class TapThread implements TapFeed {
  private worker: Worker;
  private closing = false;
  private ops: TapOp[] = [];
  private rows = new Float64Array(64 * BYTES_ROW);
  private rowCount = 0;
  /** Each open connection's number, for its byte rows. */
  private readonly connIds = new Map<string, number>();
  private nextConnId = 1;
  private arena = new Uint8Array(MIN_ARENA);
  private used = 0;
  private scheduled = false;
  private nextId = 1;
  /** Arena bytes posted to the worker that it has not finished with. */
  private inFlight = 0;
  /**
   * Connections opened with `trackFrames`, followed here as well: a relay must know at once where
   * frames end, and the worker's answer would come too late.
   */
  private readonly boundaries = new Map<string, ConnectionDecoder>();
  /** Connections whose bytes were skipped: once skipped, always, so a stream is whole or stops. */
  private readonly skipping = new Set<string>();
  private readonly waiting = new Map<number, (message: FromTapWorker) => void>();
  /** Is anyone subscribed? Told to the worker with each batch. */
  listened = false;
  /** Resolves when the worker has loaded: until then what is handed over waits in its queue. */
  readonly ready: Promise<void>;

  private readonly backlogBytes: number;

  constructor(
    private readonly options: TapFeedOptions,
    private readonly events: TapFeedEvents,
  ) {
    // Bytes handed to the worker and not yet decoded, past which new bytes are skipped rather than
    // queued: a flood must not make memory grow while the worker catches up.
    this.backlogBytes = options.backlogBytes ?? TAP_STORE_BYTES;
    this.worker = this.start();
    this.ready = new Promise((resolve) => this.worker.once('message', () => resolve()));
  }

  /** Starts a worker; if it ever dies, the next one takes over (see `restart`). */
  private start(): Worker {
    const worker = startTsWorker(new URL('./tap-worker.ts', import.meta.url), {
      historySize: this.options.historySize,
      historyBytes: this.options.historyBytes,
    });
    worker.unref();
    worker.on('message', (message: FromTapWorker) => {
      if (message.type === 'events') {
        this.inFlight -= message.doneBytes;
        if (message.count > 0) this.events.onEvents(message.json, message.count);
      } else if (message.type !== 'ready') {
        const resolve = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        resolve?.(message);
      }
    });
    worker.on('error', (error) => console.error('tap worker failed:', error));
    worker.once('exit', () => {
      if (!this.closing) this.restart();
    });
    return worker;
  }

  /**
   * The worker died (a bug of ours, or out of memory): the sockets never notice, and the tap
   * goes on with a new worker. What the old one held is gone: the history, and the state of the
   * connections open at the time, whose frames are no longer shown; new connections are.
   */
  private restart(): void {
    console.error('tap worker stopped; starting a new one (connections open now are no longer shown)');
    this.connIds.clear();
    this.inFlight = 0;
    for (const [id, resolve] of this.waiting) {
      resolve({ type: 'history', id, chunks: [], count: 0 });
    }
    this.waiting.clear();
    this.worker = this.start();
  }

  open(event: TapOpenEvent, decoder: DecoderSetup, trackFrames = false): void {
    if (trackFrames) {
      const conn = event.conn;
      this.boundaries.set(
        conn,
        // Only the boundaries matter here: no payload kept, nothing inflated, the events let go.
        new ConnectionDecoder({ conn, ...decoder, payloadCap: 0, inflater: null }),
      );
    }
    const id = this.nextConnId++;
    this.connIds.set(event.conn, id);
    this.push({ op: 'open', id, event, decoder, at: this.rowCount });
  }

  /** Bytes that crossed a connection: copied now, because `ws` unmasks client payloads in place. */
  bytes(conn: string, client: boolean, t: number, chunk: Uint8Array): void {
    const boundaries = this.boundaries.get(conn);
    if (boundaries) {
      if (client) boundaries.readClient(t, chunk);
      else boundaries.readServer(t, chunk);
    }
    const id = this.connIds.get(conn);
    if (id === undefined || this.skipping.has(conn)) return;
    if (this.inFlight + this.used + chunk.length > this.backlogBytes) {
      this.skipping.add(conn);
      this.push({ op: 'skipped', conn, t, bytes: chunk.length, at: this.rowCount });
      return;
    }
    const start = this.used;
    const end = start + chunk.length;
    if (end > this.arena.length) {
      const grown = new Uint8Array(Math.max(end, this.arena.length * 2));
      grown.set(this.arena.subarray(0, start));
      this.arena = grown;
    }
    this.arena.set(chunk, start);
    this.used = end;
    // One row per chunk, even where two follow each other: each keeps its own time, which the
    // frames that start in it carry, exactly as an export replaying the recording gives them.
    if ((this.rowCount + 1) * BYTES_ROW > this.rows.length) {
      const grown = new Float64Array(this.rows.length * 2);
      grown.set(this.rows);
      this.rows = grown;
    }
    const rows = this.rows;
    const at = this.rowCount * BYTES_ROW;
    rows[at] = id;
    rows[at + 1] = client ? 1 : 0;
    rows[at + 2] = t;
    rows[at + 3] = start;
    rows[at + 4] = end;
    this.rowCount++;
    this.schedule();
    if (this.used >= POST_AT_BYTES) this.post();
  }

  finish(conn: string, t: number): void {
    this.skipping.delete(conn);
    this.connIds.delete(conn);
    this.boundaries.delete(conn);
    this.push({ op: 'finish', conn, t, at: this.rowCount });
  }

  betweenFrames(conn: string): boolean {
    return this.boundaries.get(conn)?.betweenFrames ?? false;
  }

  event(event: TapEvent): void {
    this.push({ op: 'event', event, at: this.rowCount });
  }

  /** The history, as JSON arrays, once everything handed over so far is in it. */
  history(): Promise<{ chunks: string[]; count: number }> {
    return this.ask('history') as Promise<{ chunks: string[]; count: number }>;
  }

  /** Resolves once every event handed over so far has been delivered to `onEvents`. */
  async drain(): Promise<void> {
    await this.ask('drain');
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }

  private ask(type: 'history' | 'drain'): Promise<FromTapWorker> {
    this.post();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.send({ type, id });
    });
  }

  private push(op: TapOp): void {
    this.ops.push(op);
    this.schedule();
  }

  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.post());
    }
  }

  private post(): void {
    this.scheduled = false;
    if (this.ops.length === 0 && this.rowCount === 0) return;
    // The arena itself moves to the worker (transferred, not copied); the next tick gets a new
    // one sized for a tick like this one.
    const used = this.used;
    const arena = used > 0 ? (this.arena.buffer as ArrayBuffer) : null;
    const bytes = this.rows;
    const message: ToTapWorker = {
      type: 'ops',
      ops: this.ops,
      bytes,
      rows: this.rowCount,
      arena,
      listened: this.listened,
    };
    this.inFlight += arena ? arena.byteLength : 0;
    this.send(message, arena ? [arena, bytes.buffer as ArrayBuffer] : [bytes.buffer as ArrayBuffer]);
    this.ops = [];
    this.used = 0;
    this.rows = new Float64Array(Math.max(64, this.rowCount * 2) * BYTES_ROW);
    this.rowCount = 0;
    if (arena) this.arena = new Uint8Array(Math.max(MIN_ARENA, Math.ceil(used * 1.5)));
  }

  private send(message: ToTapWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }
}
