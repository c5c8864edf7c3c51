// Turns a raw tap stream (core/tap/raw-records.ts) into tap events: one ConnectionDecoder per
// connection, fed the bytes of its CLIENT and SERVER records in wire order. The page runs it on
// `/tap?format=raw`, the server runs it for each `/tap` (JSON) subscriber and for the exports, so
// every view of the tap is the same decode of the same bytes.
import { ConnectionDecoder, type DecodedEvent, type InflaterFactory } from './connection-decoder';
import type { TapCloseEvent, TapDroppedEvent, TapErrorCode, TapErrorEvent, TapOpenEvent } from './events';
import {
  type OpenMeta,
  parseEvictedBody,
  parseGapBody,
  parseOpenBody,
  parseVerdictBody,
  type RawRecord,
  RecordKind,
  type VerdictBody,
} from './raw-records';
import type { SkippedBytes } from './undecoded-filter';

/** The id a connection number is shown with in tap events (`c12`). */
export function connId(conn: number): string {
  return `c${conn}`;
}

interface StreamConnection {
  id: string;
  meta: OpenMeta;
  /** Null when the start of its bytes is missing: what follows cannot be decoded. */
  decoder: ConnectionDecoder | null;
  /** Bytes seen while it could not be decoded, per direction. */
  skipped: { client: number; server: number };
  /** The server's verdict on a refused handshake, shown once the handshake has been decoded. */
  refusal: VerdictBody | null;
  handshakeSeen: boolean;
}

export interface StreamDecoderOptions {
  /** Inflates permessage-deflate messages; null leaves compressed messages undecoded. */
  inflater: InflaterFactory | null;
}

/** What the stream decoder gives: a connection's events, or news of the stream's own gap. */
export type StreamEvent = DecodedEvent | TapDroppedEvent;

export class TapStreamDecoder {
  private readonly connections = new Map<number, StreamConnection>();

  constructor(private readonly options: StreamDecoderOptions) {}

  /** Connections opened and not yet ended. */
  get openConnections(): number {
    return this.connections.size;
  }

  /**
   * The events one record completes, in order. HELLO is the subscriber's business and gives
   * none; GAP gives a `dropped` event.
   */
  decode(record: RawRecord): StreamEvent[] {
    switch (record.kind) {
      case RecordKind.OPEN:
        return this.open(record);
      case RecordKind.CLIENT:
      case RecordKind.SERVER:
        return this.bytes(record);
      case RecordKind.END:
        return this.end(record);
      case RecordKind.VERDICT:
        return this.verdict(record);
      case RecordKind.EVICTED:
        return this.evicted(record);
      case RecordKind.GAP:
        return [{ type: 'dropped', count: 0, bytes: parseGapBody(record.body) ?? 0, t: record.t }];
      default:
        return [];
    }
  }

  /**
   * Bytes of a connection it only counts, counted by the reader instead of sent here
   * (undecoded-filter.ts): added to the count its close event gives.
   */
  skipped(bytes: SkippedBytes): void {
    const connection = this.connections.get(bytes.conn);
    if (!connection || connection.decoder) return;
    connection.skipped.client += bytes.client;
    connection.skipped.server += bytes.server;
  }

  private open(record: RawRecord): DecodedEvent[] {
    const meta = parseOpenBody(record.body);
    if (!meta) return [];
    const id = connId(record.conn);
    const decoder = new ConnectionDecoder({
      conn: id,
      maxPayload: meta.maxPayload,
      payloadCap: meta.payloadCap,
      inflater: this.options.inflater,
    });
    this.connections.set(record.conn, {
      id,
      meta,
      decoder,
      skipped: { client: 0, server: 0 },
      refusal: null,
      handshakeSeen: false,
    });
    return [openEvent(id, record.t, meta)];
  }

  private bytes(record: RawRecord): DecodedEvent[] {
    const connection = this.connections.get(record.conn);
    if (!connection) return [];
    const client = record.kind === RecordKind.CLIENT;
    if (!connection.decoder) {
      connection.skipped[client ? 'client' : 'server'] += record.body.length;
      return [];
    }
    const events = client
      ? connection.decoder.readClient(record.t, record.body)
      : connection.decoder.readServer(record.t, record.body);
    return this.withRefusal(connection, events);
  }

  /** A refused handshake: its handshake event says why, and the error follows it (as it did live). */
  private withRefusal(connection: StreamConnection, events: DecodedEvent[]): DecodedEvent[] {
    if (connection.handshakeSeen || !events.some((event) => event.type === 'handshake')) return events;
    connection.handshakeSeen = true;
    const refusal = connection.refusal;
    if (!refusal) return events;
    const out: DecodedEvent[] = [];
    for (const event of events) {
      if (event.type === 'handshake' && 'request' in event) {
        out.push({ ...event, rejected: refusal.message });
        out.push(verdictError(connection.id, event.t, refusal));
      } else out.push(event);
    }
    return out;
  }

  private verdict(record: RawRecord): DecodedEvent[] {
    const connection = this.connections.get(record.conn);
    const verdict = parseVerdictBody(record.body);
    if (!connection || !verdict) return [];
    // A refusal is recorded before the request and answer it refused: hold it for the handshake.
    if (verdict.status !== undefined && !connection.handshakeSeen) {
      connection.refusal = verdict;
      return [];
    }
    return [verdictError(connection.id, record.t, verdict)];
  }

  private end(record: RawRecord): DecodedEvent[] {
    const connection = this.connections.get(record.conn);
    if (!connection) return [];
    this.connections.delete(record.conn);
    const { id, decoder, refusal, skipped } = connection;
    if (!decoder) {
      const close: TapCloseEvent = {
        type: 'close',
        conn: id,
        t: record.t,
        code: 1006,
        reason: 'not known: the start of this connection is not in the history',
        initiator: 'none',
        clean: false,
        bytes: skipped,
      };
      return [close];
    }
    // A refused answer without a Content-Length is complete only now: its handshake comes here.
    const events = this.withRefusal(connection, decoder.finish(record.t));
    if (connection.meta.kind === 'http') {
      // A relayed HTTP exchange was never a WebSocket: no close frames to expect, nothing lost.
      return events.map((event) =>
        event.type === 'close'
          ? { ...(event as TapCloseEvent), reason: 'an HTTP exchange, not a WebSocket', initiator: 'server' }
          : event,
      );
    }
    if (refusal?.status !== undefined) {
      // RFC 6455 §4.2.2: a refused handshake never became a WebSocket; the server ended it.
      return events.map((event) =>
        event.type === 'close'
          ? {
              ...(event as TapCloseEvent),
              reason: `handshake refused with HTTP ${refusal.status}`,
              initiator: 'server',
            }
          : event,
      );
    }
    return events;
  }

  /**
   * A connection whose start left the history (or was lost while this reader fell behind): it is
   * shown, labelled with what is missing, and its later bytes are counted, not decoded from the
   * middle of a frame.
   */
  private evicted(record: RawRecord): DecodedEvent[] {
    const body = parseEvictedBody(record.body);
    if (!body) return [];
    const known = this.connections.get(record.conn);
    const meta = known?.meta ?? body.open;
    if (!meta) return [];
    const id = connId(record.conn);
    const lost = body.clientBytes + body.serverBytes;
    const events: DecodedEvent[] = known ? [] : [openEvent(id, record.t, meta)];
    this.connections.set(record.conn, {
      id,
      meta,
      decoder: null,
      skipped: { client: 0, server: 0 },
      refusal: null,
      handshakeSeen: true,
    });
    const error: TapErrorEvent = {
      type: 'error',
      conn: id,
      t: record.t,
      code: 'EVICTED',
      message: `evicted ${lost} bytes (${body.clientBytes} from the client, ${body.serverBytes} from the server): ${
        known ? 'the tap fell behind' : 'the start of this connection left the history'
      }, so its frames from here on are not decoded`,
    };
    events.push(error);
    return events;
  }
}

function openEvent(id: string, t: number, meta: OpenMeta): TapOpenEvent {
  return {
    type: 'open',
    conn: id,
    t,
    remote: meta.remote,
    path: meta.path,
    kind: meta.kind,
    ...(meta.query ? { query: meta.query } : {}),
    ...(meta.upstream ? { upstream: meta.upstream } : {}),
  };
}

function verdictError(id: string, t: number, verdict: VerdictBody): TapErrorEvent {
  const event: TapErrorEvent = {
    type: 'error',
    conn: id,
    t,
    code: verdict.code as TapErrorCode,
    message: verdict.status !== undefined ? `HTTP ${verdict.status}: ${verdict.message}` : verdict.message,
  };
  if (verdict.closeCode !== undefined) event.closeCode = verdict.closeCode;
  return event;
}
