import type { Socket } from 'node:net';
import type { ConnectionKind, HandshakeRefusalCode } from '../../core/tap/events';
import { checkAccept, parseResponseHead, type RequestHead } from '../../core/wire/handshake';
import type { TapHub } from './hub';
import type { ConnectionRecording, SessionRecorder } from './recording';

export interface CaptureOptions {
  conn: string;
  kind: ConnectionKind;
  remote: string;
  path: string;
  query?: Record<string, string>;
  request: RequestHead;
  /** The request head as it crossed the wire. */
  requestRaw: string;
  /** The server's message size limit, so the tap reports 1009 exactly when the server does. */
  maxPayload: number;
  /** Bytes of payload kept in an event. */
  payloadCap: number;
  /** Keeps the raw bytes for export, when given. */
  recorder?: SessionRecorder;
  /** The server's address as the client reached it, for the recording. */
  local?: string;
  /** Follow frame boundaries on this thread too, for `betweenFrames` (a relay injects frames). */
  trackFrames?: boolean;
}

/**
 * Watches one upgraded socket's bytes in both directions and publishes what they mean.
 *
 * Capture must see each byte exactly once, in wire order, and before `ws` unmasks client payloads
 * in place. So: `socket.write` (and `end`) are wrapped before `handleUpgrade`, which is where `ws`
 * writes the 101 answer; a `data` listener is *prepended* after `handleUpgrade` has attached its
 * own, so it runs first on every chunk. A listener attached before `handleUpgrade` would put the
 * socket in flowing mode and steal the bytes `ws` needs; one attached normally afterwards would see
 * payloads already unmasked. The `head` buffer that came with the upgrade request is put back into
 * the socket by `ws` (`unshift`), so it reaches the prepended listener like any other chunk.
 *
 * What the bytes mean is the tap engine's business (tap-feed.ts says on which thread); this class
 * only listens, records, and hands the bytes over.
 */
export class ConnectionCapture {
  readonly conn: string;
  private readonly hub: TapHub;
  private readonly recorder: SessionRecorder | null;
  private readonly recording: ConnectionRecording | null;

  constructor(hub: TapHub, options: CaptureOptions) {
    this.hub = hub;
    this.conn = options.conn;
    const t = hub.now();
    const request = { head: options.request, raw: options.requestRaw };
    hub.feed.open(
      {
        type: 'open',
        conn: options.conn,
        t,
        remote: options.remote,
        path: options.path,
        kind: options.kind,
        ...(options.query ? { query: options.query } : {}),
      },
      { maxPayload: options.maxPayload, payloadCap: options.payloadCap, request },
      options.trackFrames,
    );
    this.recorder = options.recorder ?? null;
    this.recording =
      this.recorder?.open({
        conn: options.conn,
        kind: options.kind,
        remote: options.remote,
        local: options.local ?? '127.0.0.1:0',
        path: options.path,
        openedAt: t,
        ...(options.query ? { query: options.query } : {}),
        maxPayload: options.maxPayload,
      }) ?? null;
    this.record('client', t, Buffer.from(options.requestRaw, 'latin1'));
  }

  /** Wrap the socket's writes. Call before `handleUpgrade`. */
  watchWrites(socket: Socket): void {
    const originalWrite = socket.write;
    const originalEnd = socket.end;
    const capture = this;
    // biome-ignore lint/suspicious/noExplicitAny: the overloads of Socket.write cannot be restated
    socket.write = function (this: Socket, chunk: any, encoding?: any, callback?: any): boolean {
      capture.sawWrite(chunk, typeof encoding === 'string' ? encoding : undefined);
      return originalWrite.call(this, chunk, encoding, callback);
    } as Socket['write'];
    // biome-ignore lint/suspicious/noExplicitAny: as above, for Socket.end
    socket.end = function (this: Socket, chunk?: any, encoding?: any, callback?: any): Socket {
      if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') {
        capture.sawWrite(chunk, typeof encoding === 'string' ? encoding : undefined);
      }
      return originalEnd.call(this, chunk, encoding, callback);
    } as Socket['end'];
    // Listened for here, not in watchReads: a handshake `ws` refuses never reaches that point.
    socket.once('close', () => this.finish());
  }

  /** Listen to the socket's reads, ahead of `ws`. Call after `handleUpgrade` attached its listener. */
  watchReads(socket: Socket): void {
    socket.prependListener('data', (chunk: Buffer) => this.readClient(chunk));
  }

  /** Bytes the client sent that the socket will not emit again (the upgrade's `head`, in a relay). */
  feedClient(bytes: Uint8Array): void {
    this.readClient(bytes);
  }

  /** Both directions are between frames: a frame injected now would not corrupt either stream. */
  get betweenFrames(): boolean {
    return this.hub.feed.betweenFrames(this.conn);
  }

  private readClient(chunk: Uint8Array): void {
    const t = this.hub.now();
    this.record('client', t, chunk);
    this.hub.feed.bytes(this.conn, true, t, chunk);
  }

  private sawWrite(chunk: unknown, encoding: string | undefined): void {
    let bytes: Uint8Array;
    if (typeof chunk === 'string') bytes = Buffer.from(chunk, (encoding as BufferEncoding) ?? 'utf8');
    else if (chunk instanceof Uint8Array) bytes = chunk;
    else return;
    const t = this.hub.now();
    this.record('server', t, bytes);
    this.hub.feed.bytes(this.conn, false, t, bytes);
  }

  private record(dir: 'client' | 'server', t: number, bytes: Uint8Array): void {
    if (this.recording) this.recorder!.append(this.recording, dir, t, bytes);
  }

  private finish(): void {
    const t = this.hub.now();
    if (this.recording) this.recorder!.close(this.recording, t);
    this.hub.feed.finish(this.conn, t);
  }
}

export interface Refusal {
  conn: string;
  remote: string;
  path: string;
  query?: Record<string, string>;
  request: RequestHead;
  requestRaw: string;
  status: number;
  reason: string;
  responseRaw: string;
  /** Stable code for the error event. */
  code: HandshakeRefusalCode;
}

/** Publishes what a refused handshake looked like: it never became a WebSocket, and says why. */
export function publishRefusal(hub: TapHub, refusal: Refusal): void {
  const { conn } = refusal;
  hub.publish({
    type: 'open',
    conn,
    t: hub.now(),
    remote: refusal.remote,
    path: refusal.path,
    kind: 'rejected',
    ...(refusal.query ? { query: refusal.query } : {}),
  });
  const parsed = parseResponseHead(refusal.responseRaw);
  const response = parsed.ok
    ? parsed.head
    : { httpVersion: '1.1', status: refusal.status, reason: '', headers: [] };
  const { request } = refusal;
  hub.publish({
    type: 'handshake',
    conn,
    t: hub.now(),
    request: {
      method: request.method,
      path: request.path,
      httpVersion: request.httpVersion,
      headers: request.headers,
      raw: refusal.requestRaw,
    },
    response: {
      status: response.status,
      reason: response.reason,
      headers: response.headers,
      raw: refusal.responseRaw,
    },
    accept: checkAccept(request, response),
    rejected: refusal.reason,
  });
  hub.publish({
    type: 'error',
    conn,
    t: hub.now(),
    code: refusal.code,
    message: `HTTP ${refusal.status}: ${refusal.reason}`,
  });
  hub.publish({
    type: 'close',
    conn,
    t: hub.now(),
    code: 1006,
    reason: `handshake refused with HTTP ${refusal.status}`,
    initiator: 'server',
    clean: false,
    bytes: { client: Buffer.byteLength(refusal.requestRaw), server: Buffer.byteLength(refusal.responseRaw) },
  });
}
