// What one connection's bytes mean, in both directions, with no socket and no clock: the live
// capture feeds it as bytes cross the wire, the exports feed it a recording, and both get the
// same events back, like FrameDecoder.push() gives them. It follows the opening handshake, each
// direction's frames, permessage-deflate as the 101 answer accepted it, and how the connection
// ended. It imports nothing from Node: the one thing it needs zlib for, inflating, is handed in.

import { concatBytes, decodeUtf8Strict } from '../wire/bytes';
import type { Direction } from '../wire/direction';
import { acceptedDeflate, type DeflateParams } from '../wire/extensions';
import type { Frame, Message } from '../wire/frame';
import { type DecoderState, FrameDecoder } from '../wire/frame-decoder';
import {
  checkAccept,
  findHeadEnd,
  headerValue,
  parseRequestHead,
  parseResponseHead,
  type RequestHead,
  type ResponseHead,
} from '../wire/handshake';
import type { InflaterFactory, MessageInflate } from '../wire/inflate';
import { ControlFrameFollower } from './control-frame-follower';
import type {
  ConnectionEvent,
  PayloadView,
  TapCloseEvent,
  TapErrorCode,
  TapErrorEvent,
  TapHandshakeEvent,
} from './events';
import { type LazyEvent, LazyFrameEvent, LazyMessageEvent, payloadView } from './lazy-events';

export type { InflaterFactory };

/** An event as the decoder hands it out: plain, or a record that becomes one in JSON. */
export type DecodedEvent = ConnectionEvent | LazyEvent<ConnectionEvent>;

export interface ConnectionDecoderOptions {
  conn: string;
  /** The server's message limit: the client's messages are held to it, as `ws` holds them. */
  maxPayload: number;
  /** Payload bytes kept in a frame or message event. */
  payloadCap: number;
  /**
   * The request head when the HTTP server already parsed it (live capture). Without it, the
   * client's first bytes are read as the request head (a recording).
   */
  request?: { head: RequestHead; raw: string };
  /**
   * Makes an inflater for each direction when the 101 answer accepts permessage-deflate. Null
   * for a decoder that only follows frame boundaries: compressed messages then give no event.
   */
  inflater: InflaterFactory | null;
}

export interface DecodedHead<T> {
  /** The head exactly as it crossed the wire. */
  raw: string;
  /** Null when the bytes were not an HTTP head. */
  head: T | null;
  t: number;
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
  inflater: MessageInflate | null;
  /** Inflating failed: the rest of this direction cannot be read. */
  broken: boolean;
  /** Bytes of an HTTP head still being gathered; null once the head is done. */
  head: Uint8Array[] | null;
  /** After a message too big: the frames that still cross the wire, followed for their closes. */
  follower: ControlFrameFollower | null;
}

// A head larger than this is not a head we will wait for.
const MAX_HEAD = 16 * 1024;

/** An HTTP body as the tap shows it: its first `cap` bytes, and its size. */
class HttpBody {
  private readonly kept: Uint8Array[] = [];
  private keptBytes = 0;
  size = 0;

  constructor(private readonly cap: number) {}

  add(chunk: Uint8Array): void {
    this.size += chunk.length;
    const room = this.cap - this.keptBytes;
    if (room <= 0 || chunk.length === 0) return;
    const kept = chunk.slice(0, room);
    this.kept.push(kept);
    this.keptBytes += kept.length;
  }

  /** Undefined when there was none. */
  view(): (PayloadView & { size: number }) | undefined {
    if (this.size === 0) return undefined;
    return { ...payloadView(concatBytes(this.kept), this.size, true), size: this.size };
  }
}

/** A handshake answered with anything but 101, held until its body has come. */
interface RefusedAnswer {
  event: TapHandshakeEvent;
  body: HttpBody;
  /** Body bytes still to come by its Content-Length; null when it has none (ends with TCP). */
  remaining: number | null;
}

export class ConnectionDecoder {
  readonly conn: string;
  request: DecodedHead<RequestHead> | null;
  response: DecodedHead<ResponseHead> | null = null;
  deflate: DeflateParams | null = null;
  private client: DirectionState;
  private server: DirectionState;
  private firstClose: Direction | null = null;
  private finished = false;
  private readonly options: ConnectionDecoderOptions;
  /** Events of the call in progress, handed back when it returns. */
  private out: DecodedEvent[] = [];
  /** Bytes after a message too big in the chunk that brought it, followed once it is reported. */
  private pendingFollow: (() => void) | null = null;
  /** The server answered with anything but 101: no WebSocket, nothing after its head is a frame. */
  private notUpgraded = false;
  private refused: RefusedAnswer | null = null;
  /** A request with no Upgrade: what follows its head is its body, never frames. */
  private requestBody: HttpBody | null = null;

  constructor(options: ConnectionDecoderOptions) {
    this.options = options;
    this.conn = options.conn;
    this.request = options.request ? { ...options.request, t: 0 } : null;
    this.client = this.directionState('client', null, options.request ? null : []);
    this.server = this.directionState('server', null, []);
  }

  /** Bytes the client sent; returns the events they complete, in order. */
  readClient(t: number, bytes: Uint8Array): DecodedEvent[] {
    this.read(this.client, t, bytes);
    return this.take();
  }

  /** Bytes the server sent; returns the events they complete, in order. */
  readServer(t: number, bytes: Uint8Array): DecodedEvent[] {
    this.read(this.server, t, bytes);
    return this.take();
  }

  /** Both directions are between frames: a frame injected now would not corrupt either stream. */
  get betweenFrames(): boolean {
    return this.server.head === null && !this.server.decoder.midFrame && !this.client.decoder.midFrame;
  }

  /** Bytes at the end of a direction that never completed a head or a frame. */
  incomplete(dir: Direction): number {
    const side = dir === 'client' ? this.client : this.server;
    if (side.head !== null) return side.head.reduce((sum, part) => sum + part.length, 0);
    return side.decoder.pendingBytes;
  }

  /** The TCP connection is gone: say how the WebSocket ended (RFC 6455 §7.1.5, §7.4.1). */
  finish(t: number): DecodedEvent[] {
    if (this.finished) return [];
    this.finished = true;
    // A frame at fault that announced more bytes than came is reported with the part that did.
    this.feed(this.client, t, null);
    this.feed(this.server, t, null);
    const first = this.firstClose;
    const firstClose = first === 'client' ? this.client.close : first === 'server' ? this.server.close : null;
    const close: TapCloseEvent = {
      type: 'close',
      conn: this.conn,
      t,
      code: firstClose ? (firstClose.code ?? 1005) : 1006,
      reason: firstClose?.reason ?? '',
      initiator: first ?? 'none',
      // RFC 6455 §7.1.4: closed cleanly when both close frames crossed before TCP closed.
      clean: this.client.close !== null && this.server.close !== null,
      bytes: { client: this.client.bytes, server: this.server.bytes },
    };
    return [...this.take(), close];
  }

  private take(): DecodedEvent[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private directionState(
    sender: Direction,
    deflate: DeflateParams | null,
    head: Uint8Array[] | null,
  ): DirectionState {
    const maxPayload = sender === 'client' ? this.options.maxPayload : 0;
    const makeInflater = this.options.inflater;
    const inflater =
      deflate && makeInflater
        ? makeInflater(
            sender === 'client'
              ? {
                  windowBits: deflate.clientMaxWindowBits,
                  noContextTakeover: deflate.clientNoContextTakeover,
                  maxOutput: maxPayload,
                }
              : {
                  windowBits: deflate.serverMaxWindowBits,
                  noContextTakeover: deflate.serverNoContextTakeover,
                  maxOutput: maxPayload,
                },
          )
        : null;
    return {
      decoder: new FrameDecoder({ sender, maxPayload, allowRsv1: deflate !== null }),
      seq: 0,
      bytes: 0,
      textMessage: false,
      close: null,
      inflater,
      broken: false,
      head,
      follower: null,
    };
  }

  /** A direction's first bytes may be its HTTP head; frames follow the blank line (RFC 6455 §4). */
  private read(side: DirectionState, t: number, bytes: Uint8Array): void {
    if (side.head === null) {
      this.feed(side, t, bytes);
      return;
    }
    side.head.push(bytes);
    const sofar = concatBytes(side.head);
    const end = findHeadEnd(sofar);
    if (end < 0) {
      if (sofar.length > MAX_HEAD) side.head = [sofar.subarray(0, MAX_HEAD)];
      return;
    }
    side.head = null;
    const raw = latin1(sofar.subarray(0, end));
    if (side === this.client) this.readRequestHead(t, raw);
    else this.readResponseHead(t, raw);
    // The response head may have changed the direction's state (deflate): look it up again.
    if (end < sofar.length)
      this.feed(side === this.client ? this.client : this.server, t, sofar.subarray(end));
  }

  private readRequestHead(t: number, raw: string): void {
    const parsed = parseRequestHead(raw);
    this.request = { raw, head: parsed.ok ? parsed.head : null, t };
    if (!parsed.ok) this.error(t, undefined, 'BAD_REQUEST_HEAD', `the request head: ${parsed.error}`);
    // RFC 6455 §4.1: only a request asking to upgrade can become a WebSocket. Anything else is
    // plain HTTP (a Socket.IO long-poll relayed by /proxy): its body is shown, not decoded as frames.
    const upgrade = parsed.ok ? headerValue(parsed.head.headers, 'upgrade') : undefined;
    if (parsed.ok && !/\bwebsocket\b/i.test(upgrade ?? '')) {
      this.requestBody = new HttpBody(this.options.payloadCap);
    }
  }

  private readResponseHead(t: number, raw: string): void {
    const parsed = parseResponseHead(raw);
    this.response = { raw, head: parsed.ok ? parsed.head : null, t };
    const response = parsed.ok
      ? parsed.head
      : { httpVersion: '1.1', status: 0, reason: parsed.error, headers: [] };
    const request = this.request?.head ?? { method: 'GET', path: '', httpVersion: '1.1', headers: [] };
    const event: TapHandshakeEvent = {
      type: 'handshake',
      conn: this.conn,
      t,
      request: {
        method: request.method,
        path: request.path,
        httpVersion: request.httpVersion,
        headers: request.headers,
        raw: this.request?.raw ?? '',
      },
      response: { status: response.status, reason: response.reason, headers: response.headers, raw },
      accept: checkAccept(request, response),
    };
    const requestBody = this.requestBody?.view();
    if (requestBody) event.request.body = requestBody;
    const deflate =
      response.status === 101
        ? acceptedDeflate(headerValue(response.headers, 'sec-websocket-extensions'))
        : null;
    if (response.status !== 101) {
      // RFC 6455 §4.1: only a 101 makes the connection a WebSocket; what follows any other
      // answer is its HTTP body (a "400 Transport unknown" in JSON, say), shown as such.
      this.notUpgraded = true;
      const length = Number(headerValue(response.headers, 'content-length') ?? Number.NaN);
      const remaining = Number.isInteger(length) && length >= 0 ? length : null;
      this.refused = { event, body: new HttpBody(this.options.payloadCap), remaining };
      if (remaining === 0) this.answerRefused();
      return;
    }
    if (deflate) {
      event.deflate = deflate;
      this.deflate = deflate;
      // No frame has been decoded yet: the 101 comes before the server's first frame, and a
      // client may not send frames before it has the 101 (RFC 6455 §4.1).
      this.client = this.directionState('client', deflate, this.client.head);
      this.server = this.directionState('server', deflate, null);
    }
    this.out.push(event);
  }

  /** Feeds a direction's frame bytes; null says they stopped (FrameDecoder#end). */
  private feed(side: DirectionState, t: number, chunk: Uint8Array | null): void {
    side.bytes += chunk?.length ?? 0;
    const body = this.requestBody;
    if (body !== null && side === this.client) {
      if (chunk !== null) body.add(chunk);
      return;
    }
    if (this.notUpgraded) {
      if (side === this.server) this.readRefusedBody(chunk);
      return;
    }
    if (side.decoder.state !== 'open') {
      if (side.follower && chunk) this.followed(side, t, side.follower.push(chunk));
      return;
    }
    const dir = side.decoder.sender;
    const { conn, payloadCap } = this.options;
    const out = this.out;
    const events = chunk ? side.decoder.push(chunk) : side.decoder.end();
    const stateAfter = side.decoder.state as DecoderState; // push() changed it; TS still holds the earlier check
    for (const event of events) {
      if (event.type === 'frame') {
        const frame = event.frame;
        // Too big is the one failure that leaves the framing intact (§10.4): the frames after it,
        // the sender's answer to the close among them, can still be told apart.
        if (frame.violation?.code === 'MESSAGE_TOO_BIG' && chunk) {
          const fedUpTo = side.bytes;
          const nextFrameAt = frame.offset + frame.header.length + frame.payloadLength;
          side.follower = new ControlFrameFollower(dir, nextFrameAt, fedUpTo);
          const chunkStart = fedUpTo - chunk.length;
          if (nextFrameAt < fedUpTo) {
            const rest = chunk.subarray(nextFrameAt - chunkStart);
            this.pendingFollow = () => this.followed(side, t, side.follower!.push(rest));
          }
        }
        if (frame.opcode === 1 || frame.opcode === 2) side.textMessage = frame.opcode === 1;
        out.push(new LazyFrameEvent(conn, t, dir, side.seq++, frame, side.textMessage, payloadCap));
        // A close frame that broke the rules (bad code, bad UTF-8) starts no closing handshake:
        // the decoder has failed, and the other side's close frame is the one that counts.
        if (frame.close && side.close === null && stateAfter === 'closed') {
          side.close = frame.close;
          this.firstClose ??= dir;
        }
      } else if (event.type === 'message') {
        if (!event.message.compressed)
          out.push(new LazyMessageEvent(conn, t, dir, event.message, payloadCap));
        else if (side.inflater) this.inflate(side, t, event.message);
      } else {
        const { error } = event;
        this.error(
          t,
          dir,
          error.code,
          `${dir} frame at byte ${error.offset}: ${error.message}`,
          error.closeCode,
        );
      }
    }
    // The rest of the chunk, after the error was reported.
    const pending = this.pendingFollow;
    this.pendingFollow = null;
    pending?.();
  }

  /** A refused answer's body, until its Content-Length or the end of the connection. */
  private readRefusedBody(chunk: Uint8Array | null): void {
    const refused = this.refused;
    if (refused === null) return;
    if (chunk === null) {
      this.answerRefused();
      return;
    }
    const body = refused.remaining === null ? chunk : chunk.subarray(0, refused.remaining);
    refused.body.add(body);
    if (refused.remaining !== null) {
      refused.remaining -= body.length;
      if (refused.remaining <= 0) this.answerRefused();
    }
  }

  private answerRefused(): void {
    const refused = this.refused;
    if (refused === null) return;
    this.refused = null;
    const { event } = refused;
    const body = refused.body.view();
    if (body) event.response.body = body;
    this.out.push(event);
  }

  /** Control frames that came after a message too big: shown, and a close counts (§7.1.5). */
  private followed(side: DirectionState, t: number, frames: Frame[]): void {
    const dir = side.decoder.sender;
    for (const frame of frames) {
      this.out.push(new LazyFrameEvent(this.conn, t, dir, side.seq++, frame, false, this.options.payloadCap));
      if (frame.close && !frame.violation && side.close === null) {
        side.close = frame.close;
        this.firstClose ??= dir;
      }
    }
  }

  /** A compressed message: inflate it, check it as the receiver would, and show both sizes. */
  private inflate(side: DirectionState, t: number, message: Message): void {
    const dir = side.decoder.sender;
    if (side.broken) return;
    const result = side.inflater!.inflate(message.data);
    let text: string | undefined;
    let failure: [code: TapErrorCode, message: string, closeCode: number] | null = null;
    if (!result.ok) {
      failure = result.tooBig
        ? ['MESSAGE_TOO_BIG', `a compressed message ${result.message}`, 1009]
        : ['INFLATE_FAILED', `a compressed message does not inflate: ${result.message}`, 1007];
    } else if (message.opcode === 1) {
      text = decodeUtf8Strict(result.data) ?? undefined;
      if (text === undefined) {
        failure = ['INVALID_UTF8', 'an inflated text message is not valid UTF-8 (RFC 6455 §8.1)', 1007];
      }
    }
    if (failure || !result.ok) {
      // The receiver fails the connection here; without a good window nothing later can be inflated.
      side.broken = true;
      if (failure) this.error(t, dir, ...failure);
      return;
    }
    const inflated: Message = { ...message, data: result.data, text };
    this.out.push(
      new LazyMessageEvent(this.conn, t, dir, inflated, this.options.payloadCap, message.data.length),
    );
  }

  private error(
    t: number,
    dir: Direction | undefined,
    code: TapErrorCode,
    message: string,
    closeCode?: number,
  ): void {
    const event: TapErrorEvent = { type: 'error', conn: this.conn, t, code, message };
    if (dir) event.dir = dir;
    if (closeCode !== undefined) event.closeCode = closeCode;
    this.out.push(event);
  }
}

function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return out;
}
