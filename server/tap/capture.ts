import type { Socket } from 'node:net';
import { decodeUtf8Strict } from '../wire/bytes';
import { acceptedDeflate, type DeflateParams } from '../wire/extensions';
import type { Frame, Message } from '../wire/frame';
import { type DecoderState, FrameDecoder } from '../wire/frame-decoder';
import {
  checkAccept,
  findHeadEnd,
  headerValue,
  parseResponseHead,
  type RequestHead,
} from '../wire/handshake';
import type { ConnectionKind, Direction, HandshakeEvent } from './events';
import { FrameRecord, MessageRecord } from './frame-events';
import type { TapHub } from './hub';
import { MessageInflater } from './inflate';
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
}

interface DirectionState {
  decoder: FrameDecoder;
  seq: number;
  bytes: number;
  /** The message being received is text: its continuation frames are shown as text. */
  textMessage: boolean;
  /** The first close frame this side sent. */
  close: Frame['close'] | null;
  /** Set when the 101 answer accepted permessage-deflate (RFC 7692). */
  inflater: MessageInflater | null;
  /** Inflating failed: the rest of this direction cannot be read. */
  broken: boolean;
}

const MAX_RESPONSE_HEAD = 16 * 1024;

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
 */
export class ConnectionCapture {
  readonly conn: string;
  private readonly hub: TapHub;
  private readonly options: CaptureOptions;
  private client: DirectionState;
  private server: DirectionState;
  private responseHead: Uint8Array | null = new Uint8Array(0);
  private firstClose: Direction | null = null;
  private closed = false;
  private readonly recording: ConnectionRecording | null;

  constructor(hub: TapHub, options: CaptureOptions) {
    this.hub = hub;
    this.options = options;
    this.conn = options.conn;
    this.client = this.directionState('client', null);
    this.server = this.directionState('server', null);
    const t = hub.now();
    this.recording =
      options.recorder?.open({
        conn: options.conn,
        kind: options.kind,
        remote: options.remote,
        local: options.local ?? '127.0.0.1:0',
        path: options.path,
        openedAt: t,
      }) ?? null;
    if (this.recording)
      options.recorder!.append(this.recording, 'client', t, Buffer.from(options.requestRaw, 'latin1'));
    hub.publish({
      type: 'open',
      conn: options.conn,
      t: hub.now(),
      remote: options.remote,
      path: options.path,
      kind: options.kind,
      ...(options.query ? { query: options.query } : {}),
    });
  }

  private directionState(sender: Direction, deflate: DeflateParams | null): DirectionState {
    // The client's messages are held to the server's limit, as `ws` holds them (it closes with 1009).
    const maxPayload = sender === 'client' ? this.options.maxPayload : 0;
    const inflater = deflate
      ? sender === 'client'
        ? new MessageInflater(deflate.clientMaxWindowBits, deflate.clientNoContextTakeover, maxPayload)
        : new MessageInflater(deflate.serverMaxWindowBits, deflate.serverNoContextTakeover, maxPayload)
      : null;
    return {
      decoder: new FrameDecoder({ sender, maxPayload, allowRsv1: deflate !== null }),
      seq: 0,
      bytes: 0,
      textMessage: false,
      close: null,
      inflater,
      broken: false,
    };
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

  private readClient(chunk: Uint8Array): void {
    if (this.recording) this.options.recorder!.append(this.recording, 'client', this.hub.now(), chunk);
    this.feed(this.client, chunk);
  }

  /** Both directions are between frames: a frame injected now would not corrupt either stream. */
  get betweenFrames(): boolean {
    return this.responseHead === null && !this.server.decoder.midFrame && !this.client.decoder.midFrame;
  }

  private sawWrite(chunk: unknown, encoding: string | undefined): void {
    let bytes: Uint8Array;
    if (typeof chunk === 'string') bytes = Buffer.from(chunk, (encoding as BufferEncoding) ?? 'utf8');
    else if (chunk instanceof Uint8Array) bytes = chunk;
    else return;
    if (this.recording) this.options.recorder!.append(this.recording, 'server', this.hub.now(), bytes);
    if (this.responseHead !== null) {
      this.readResponseHead(bytes);
      return;
    }
    this.feed(this.server, bytes);
  }

  /** The server's first bytes are the HTTP answer; frames follow the blank line (RFC 6455 §4.2.2). */
  private readResponseHead(bytes: Uint8Array): void {
    const sofar = Buffer.concat([this.responseHead!, bytes]);
    const end = findHeadEnd(sofar);
    if (end < 0) {
      this.responseHead = sofar.length > MAX_RESPONSE_HEAD ? sofar.subarray(0, MAX_RESPONSE_HEAD) : sofar;
      return;
    }
    this.responseHead = null;
    this.publishHandshake(sofar.subarray(0, end).toString('latin1'));
    if (end < sofar.length) this.feed(this.server, sofar.subarray(end));
  }

  private publishHandshake(responseRaw: string): void {
    const parsed = parseResponseHead(responseRaw);
    const response = parsed.ok
      ? parsed.head
      : { httpVersion: '1.1', status: 0, reason: parsed.error, headers: [] };
    const { request, requestRaw } = this.options;
    const event: HandshakeEvent = {
      type: 'handshake',
      conn: this.conn,
      t: this.hub.now(),
      request: {
        method: request.method,
        path: request.path,
        httpVersion: request.httpVersion,
        headers: request.headers,
        raw: requestRaw,
      },
      response: {
        status: response.status,
        reason: response.reason,
        headers: response.headers,
        raw: responseRaw,
      },
      accept: checkAccept(request, response),
    };
    const deflate =
      response.status === 101
        ? acceptedDeflate(headerValue(response.headers, 'sec-websocket-extensions'))
        : null;
    if (deflate) {
      event.deflate = deflate;
      // No frame has been decoded yet: `ws` writes the 101 before it reads a single frame.
      this.client = this.directionState('client', deflate);
      this.server = this.directionState('server', deflate);
    }
    this.hub.publish(event);
  }

  private feed(side: DirectionState, chunk: Uint8Array): void {
    side.bytes += chunk.length;
    if (side.decoder.state !== 'open') return;
    const dir = side.decoder.sender;
    const events = side.decoder.push(chunk);
    const stateAfter = side.decoder.state as DecoderState; // push() changed it; TS still holds the earlier check
    // One timestamp per chunk: the frames in it arrived together.
    const t = events.length > 0 ? this.hub.now() : 0;
    for (const event of events) {
      if (event.type === 'frame') {
        const frame = event.frame;
        if (frame.opcode === 1 || frame.opcode === 2) side.textMessage = frame.opcode === 1;
        this.hub.publish(
          new FrameRecord(this.conn, t, dir, side.seq++, frame, side.textMessage, this.options.payloadCap),
        );
        // A close frame that broke the rules (bad code, bad UTF-8) starts no closing handshake:
        // the decoder has failed, and the other side's close frame is the one that counts.
        if (frame.close && side.close === null && stateAfter === 'closed') {
          side.close = frame.close;
          this.firstClose ??= dir;
        }
      } else if (event.type === 'message') {
        if (event.message.compressed && side.inflater) this.publishInflated(side, t, event.message);
        else this.hub.publish(new MessageRecord(this.conn, t, dir, event.message, this.options.payloadCap));
      } else {
        const { error } = event;
        this.hub.publish({
          type: 'error',
          conn: this.conn,
          t,
          dir,
          code: error.code,
          message: `${dir === 'client' ? 'client' : 'server'} frame at byte ${error.offset}: ${error.message}`,
          closeCode: error.closeCode,
        });
      }
    }
  }

  /** A compressed message: inflate it, check it as the receiver would, and show both sizes. */
  private publishInflated(side: DirectionState, t: number, message: Message): void {
    const dir = side.decoder.sender;
    if (side.broken) return;
    const result = side.inflater!.inflate(message.data);
    let text: string | undefined;
    let failure: { code: string; message: string; closeCode: number } | null = null;
    if (!result.ok) {
      failure = result.tooBig
        ? { code: 'MESSAGE_TOO_BIG', message: `a compressed message ${result.message}`, closeCode: 1009 }
        : {
            code: 'INFLATE_FAILED',
            message: `a compressed message does not inflate: ${result.message}`,
            closeCode: 1007,
          };
    } else if (message.opcode === 1) {
      text = decodeUtf8Strict(result.data) ?? undefined;
      if (text === undefined) {
        failure = {
          code: 'INVALID_UTF8',
          message: 'an inflated text message is not valid UTF-8 (RFC 6455 §8.1)',
          closeCode: 1007,
        };
      }
    }
    if (failure) {
      // The receiver fails the connection here; without a good window nothing later can be inflated.
      side.broken = true;
      this.hub.publish({ type: 'error', conn: this.conn, t, dir, ...failure });
      return;
    }
    const inflated: Message = { ...message, data: result.ok ? result.data : message.data, text };
    this.hub.publish(
      new MessageRecord(this.conn, t, dir, inflated, this.options.payloadCap, message.data.length),
    );
  }

  /** The TCP connection is gone: say how the WebSocket ended (RFC 6455 §7.1.5, §7.4.1). */
  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.recording) this.options.recorder!.close(this.recording, this.hub.now());
    const first = this.firstClose;
    const firstClose = first === 'client' ? this.client.close : first === 'server' ? this.server.close : null;
    this.hub.publish({
      type: 'close',
      conn: this.conn,
      t: this.hub.now(),
      code: firstClose ? (firstClose.code ?? 1005) : 1006,
      reason: firstClose?.reason ?? '',
      initiator: first ?? 'none',
      clean: this.client.close !== null && this.server.close !== null,
      bytes: { client: this.client.bytes, server: this.server.bytes },
    });
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
  /** Stable code for the error event: NOT_FOUND, BAD_HANDSHAKE, FORBIDDEN_ORIGIN, FORBIDDEN_HOST, BAD_PARAMETER. */
  code: string;
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
