import type { Socket } from 'node:net';
import { ConnectionDecoder } from '../../core/tap/connection-decoder';
import type { ConnectionKind, HandshakeRefusalCode, UpstreamView } from '../../core/tap/events';
import type { OpenMeta } from '../../core/tap/raw-records';
import type { Journal } from './journal';

export interface CaptureOptions {
  kind: ConnectionKind;
  remote: string;
  /** The server's address as the client reached it. */
  local: string;
  path: string;
  query?: Record<string, string>;
  /** A relayed connection: how the upstream was reached. */
  upstream?: UpstreamView;
  /** The request head as it crossed the wire (secrets redacted): the connection's first bytes. */
  requestRaw: string;
  /** The server's message size limit, so a decoder reports 1009 exactly when the server does. */
  maxPayload: number;
  /** Bytes of payload a JSON view keeps per frame or message. */
  payloadCap: number;
  /** Follow frame boundaries on this thread too, for `betweenFrames` (a relay injects frames). */
  trackFrames?: boolean;
  /** Classroom mode: the learner whose session opened it. */
  learner?: string;
}

function openMeta(options: Omit<CaptureOptions, 'requestRaw' | 'trackFrames'>): OpenMeta {
  return {
    kind: options.kind,
    path: options.path,
    ...(options.query ? { query: options.query } : {}),
    ...(options.upstream ? { upstream: options.upstream } : {}),
    remote: options.remote,
    local: options.local,
    maxPayload: options.maxPayload,
    payloadCap: options.payloadCap,
    ...(options.learner ? { learner: options.learner } : {}),
  };
}

/**
 * Copies one upgraded socket's bytes, both ways, into the journal: nothing more. What they mean
 * is decoded at the edge, by whoever reads the journal (core/tap/stream-decoder.ts).
 *
 * Capture must see each byte exactly once, in wire order, and before `ws` unmasks client payloads
 * in place. So: the socket's `_write` and `_writev` (where every write, `end`'s included, reaches
 * the handle) are wrapped before `handleUpgrade`, which is where `ws` writes the 101 answer; a `data` listener is *prepended* after `handleUpgrade` has attached its
 * own, so it runs first on every chunk. A listener attached before `handleUpgrade` would put the
 * socket in flowing mode and steal the bytes `ws` needs; one attached normally afterwards would see
 * payloads already unmasked. The `head` buffer that came with the upgrade request is put back into
 * the socket by `ws` (`unshift`), so it reaches the prepended listener like any other chunk.
 */
export class ConnectionCapture {
  /** The connection's number in the journal; its id in tap events is `c<number>`. */
  readonly number: number;
  private readonly journal: Journal;
  /** Only for a relay: where frames end, known on this thread (see `betweenFrames`). */
  private readonly boundaries: ConnectionDecoder | null;

  constructor(journal: Journal, options: CaptureOptions) {
    this.journal = journal;
    const t = journal.now();
    this.number = journal.open(openMeta(options), t);
    const head = Buffer.from(options.requestRaw, 'latin1');
    journal.append(this.number, true, t, head);
    this.boundaries = options.trackFrames
      ? new ConnectionDecoder({
          conn: '',
          maxPayload: options.maxPayload,
          payloadCap: 0,
          inflater: null,
        })
      : null;
    this.boundaries?.readClient(t, head);
  }

  /** Wrap the socket's writes. Call before `handleUpgrade`. */
  watchWrites(socket: Socket): void {
    const capture = this;
    // Journaled where the stream hands bytes to the socket's handle, in the order it does: a
    // corked header and payload (how `ws` sends a frame) come as one `_writev`, and bytes still
    // queued when the socket is destroyed never crossed the wire, so they are not journaled.
    const write = socket._write;
    const writev = socket._writev;
    socket._write = function (this: Socket, chunk: unknown, encoding, callback): void {
      capture.sawWrite(chunk, encoding, capture.journal.now());
      write.call(this, chunk, encoding, callback);
    };
    if (writev) {
      socket._writev = function (this: Socket, chunks, callback): void {
        const t = capture.journal.now();
        for (const { chunk, encoding } of chunks) capture.sawWrite(chunk, encoding, t);
        writev.call(this, chunks, callback);
      };
    }
    if (this.boundaries) this.watchBoundaries(socket, this.boundaries);
    // Listened for here, not in watchReads: a handshake `ws` refuses never reaches that point.
    socket.once('close', (hadError: boolean) => this.journal.end(this.number, this.journal.now(), hadError));
  }

  // A relay injects frames of its own when both directions are between frames. That must count
  // what it has written, not only what the socket has flushed: a frame half queued is a frame
  // begun. So the relay's boundaries follow `write`.
  private watchBoundaries(socket: Socket, boundaries: ConnectionDecoder): void {
    const originalWrite = socket.write;
    const originalEnd = socket.end;
    const journal = this.journal;
    const follow = (chunk: unknown, encoding: unknown): void => {
      const bytes = bytesOf(chunk, typeof encoding === 'string' ? encoding : undefined);
      if (bytes) boundaries.readServer(journal.now(), bytes);
    };
    // biome-ignore lint/suspicious/noExplicitAny: the overloads of Socket.write cannot be restated
    socket.write = function (this: Socket, chunk: any, encoding?: any, callback?: any): boolean {
      follow(chunk, encoding);
      return originalWrite.call(this, chunk, encoding, callback);
    } as Socket['write'];
    // biome-ignore lint/suspicious/noExplicitAny: as above, for Socket.end
    socket.end = function (this: Socket, chunk?: any, encoding?: any, callback?: any): Socket {
      if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') follow(chunk, encoding);
      return originalEnd.call(this, chunk, encoding, callback);
    } as Socket['end'];
  }

  /** Listen to the socket's reads, ahead of `ws`. Call after `handleUpgrade` attached its listener. */
  watchReads(socket: Socket): void {
    socket.prependListener('data', (chunk: Buffer) => this.readClient(chunk));
  }

  /** Bytes the client sent that the socket will not emit again (the upgrade's `head`, in a relay). */
  feedClient(bytes: Uint8Array): void {
    this.readClient(bytes);
  }

  /** Bytes the server sent that no watched socket wrote (an HTTP answer relayed by `/proxy`). */
  feedServer(bytes: Uint8Array): void {
    this.journal.append(this.number, false, this.journal.now(), bytes);
  }

  /** The exchange is over, for a capture whose socket outlives it (HTTP keep-alive). */
  finish(hadError: boolean): void {
    this.journal.end(this.number, this.journal.now(), hadError);
  }

  /** Both directions are between frames: a frame injected now would not corrupt either stream. */
  get betweenFrames(): boolean {
    return this.boundaries?.betweenFrames ?? false;
  }

  // The journal copies the bytes before this returns: `ws` may unmask them in place next.
  private readClient(chunk: Uint8Array): void {
    const t = this.journal.now();
    this.journal.append(this.number, true, t, chunk);
    this.boundaries?.readClient(t, chunk);
  }

  private sawWrite(chunk: unknown, encoding: string | undefined, t: number): void {
    const bytes = bytesOf(chunk, encoding);
    if (bytes) this.journal.append(this.number, false, t, bytes);
  }
}

/** A chunk as a stream's write takes it: bytes, or a string in an encoding (net.Socket keeps strings). */
function bytesOf(chunk: unknown, encoding: string | undefined): Uint8Array | null {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, (encoding as BufferEncoding) ?? 'utf8');
  return null;
}

export interface Refusal {
  remote: string;
  local: string;
  path: string;
  query?: Record<string, string>;
  requestRaw: string;
  status: number;
  reason: string;
  responseRaw: string;
  /** Stable code for the error event. */
  code: HandshakeRefusalCode;
  maxPayload: number;
  payloadCap: number;
  learner?: string;
}

/**
 * Journals a refused handshake: it never became a WebSocket. The server's verdict goes first, so
 * a reader knows why before it decodes the request and the answer that refused it.
 */
export function captureRefusal(journal: Journal, refusal: Refusal): number {
  const t = journal.now();
  const conn = journal.open(openMeta({ ...refusal, kind: 'rejected' }), t);
  journal.verdict(conn, t, { code: refusal.code, message: refusal.reason, status: refusal.status });
  journal.append(conn, true, t, Buffer.from(refusal.requestRaw, 'latin1'));
  journal.append(conn, false, t, Buffer.from(refusal.responseRaw, 'latin1'));
  journal.end(conn, t, false);
  return conn;
}
