// What the tap does with the bytes it is fed: one ConnectionDecoder per connection (the same the
// exports replay recordings with), the history, and the JSON batches for subscribers. It runs in
// the tap's worker thread or, on a machine without cores to spare, on the sockets' thread
// (tap-feed.ts chooses); either way it is fed the same calls in the same order.

import { ConnectionDecoder, type DecodedEvent } from '../../core/tap/connection-decoder';
import type { TapEvent, TapOpenEvent } from '../../core/tap/events';
import { createInflater } from '../../core/wire/inflate';
import { EventLog, type EventLogOptions } from './event-log';
import type { DecoderSetup } from './tap-protocol';

export class TapEngine {
  private readonly log: EventLog;
  private readonly decoders = new Map<string, ConnectionDecoder>();
  /** Connections by the number the feed gave them at their open. */
  private readonly byId = new Map<number, ConnectionDecoder>();
  private readonly idOf = new Map<string, number>();
  /** Connections whose bytes were skipped: the rest of their stream cannot be decoded. */
  private readonly skipped = new Set<string>();
  /** Is anyone subscribed? Without subscribers the events are kept, not serialised. */
  listened = false;

  constructor(options: EventLogOptions) {
    this.log = new EventLog(options);
  }

  /** Events taken in since the start. */
  get published(): number {
    return this.log.published;
  }

  open(id: number, event: TapOpenEvent, setup: DecoderSetup): void {
    this.publish(event);
    const conn = event.conn;
    const decoder = new ConnectionDecoder({ conn, ...setup, inflater: createInflater });
    this.decoders.set(conn, decoder);
    this.byId.set(id, decoder);
    this.idOf.set(conn, id);
  }

  /** Bytes of connection `id`; read at once and never kept, so the caller may reuse them. */
  bytes(id: number, client: boolean, t: number, bytes: Uint8Array): void {
    const decoder = this.byId.get(id);
    if (!decoder || this.skipped.has(decoder.conn)) return;
    this.publishAll(client ? decoder.readClient(t, bytes) : decoder.readServer(t, bytes));
  }

  finish(conn: string, t: number): void {
    const decoder = this.decoders.get(conn);
    if (decoder) this.publishAll(decoder.finish(t));
    this.decoders.delete(conn);
    const id = this.idOf.get(conn);
    if (id !== undefined) this.byId.delete(id);
    this.idOf.delete(conn);
    this.skipped.delete(conn);
  }

  /** The feed fell too far behind and did not pass on `bytes` bytes of this connection. */
  skip(conn: string, t: number, bytes: number): void {
    if (this.skipped.has(conn)) return;
    this.skipped.add(conn);
    this.publish({
      type: 'error',
      conn,
      t,
      code: 'TAP_BEHIND',
      message: `the tap fell behind under load and skipped ${bytes} bytes of this connection: its frames from here on are not shown (the connection itself is unaffected)`,
    });
  }

  /** A finished event, e.g. a refused handshake's. */
  event(event: TapEvent): void {
    this.publish(event);
  }

  /** What was published since the last call, as one JSON array, or null. */
  takeBatch(): string | null {
    return this.log.takeBatch();
  }

  /** Connection `conn` is between frames in both directions; false when it is not known. */
  betweenFrames(conn: string): boolean {
    return this.decoders.get(conn)?.betweenFrames ?? false;
  }

  history(): { chunks: string[]; count: number } {
    return this.log.historyBatches();
  }

  private publish(event: Parameters<EventLog['publish']>[0]): void {
    this.log.publish(event, this.listened);
  }

  private publishAll(events: DecodedEvent[]): void {
    for (const event of events) this.log.publish(event, this.listened);
  }
}
