// Decodes a recorded connection again, with the same wire core and the same event builders the
// tap used live, so that every export (HAR, the inspector's import) says what the tap said.
// The walk mirrors the capture's: the request head, the response head, then each direction's
// bytes through its own FrameDecoder, inflated when the 101 accepted permessage-deflate.
import type {
  CloseEvent,
  ConnectionEvent,
  ConnectionKind,
  Direction,
  ErrorEvent,
  HandshakeEvent,
  OpenEvent,
} from '../tap/events';
import { FrameRecord, MessageRecord } from '../tap/frame-events';
import { MessageInflater } from '../tap/inflate';
import type { RecordedChunk } from '../tap/recording';
import { concatBytes, decodeUtf8Strict } from '../wire/bytes';
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

/** What a replay needs of a recording: `ConnectionRecording` fits, and so does a test fixture. */
export interface RecordingSource {
  conn: string;
  kind: ConnectionKind;
  remote: string;
  local: string;
  path: string;
  openedAt: number;
  closedAt: number | null;
  truncated: boolean;
  /** The query the tap showed in `open`, when the recording kept it; else read from the request. */
  query?: Record<string, string>;
  readonly chunks: readonly RecordedChunk[];
}

export interface ReplayOptions {
  /** Payload bytes kept in a frame or message event; by default all of them. */
  payloadCap?: number;
  /** The server's message limit, to report 1009 where the server did; 0 (default) for none. */
  maxPayload?: number;
}

export interface ReplayedHead<T> {
  /** The head exactly as it crossed the wire. */
  raw: string;
  /** Null when the bytes were not an HTTP head. */
  head: T | null;
  /** When the last byte of the head was recorded, in ms since the server started. */
  t: number;
}

export interface ReplayedConnection {
  conn: string;
  kind: ConnectionKind;
  remote: string;
  local: string;
  path: string;
  openedAt: number;
  closedAt: number | null;
  /** The recording budget ran out: bytes after some point were not kept. */
  truncated: boolean;
  request: ReplayedHead<RequestHead> | null;
  response: ReplayedHead<ResponseHead> | null;
  deflate: DeflateParams | null;
  /** The events the tap published for this connection, in the same order, payloads uncut by default. */
  events: ConnectionEvent[];
  /** Bytes at the end of each direction that never completed a frame or a head. */
  incomplete: Record<Direction, number>;
}

interface DirectionState {
  decoder: FrameDecoder;
  seq: number;
  bytes: number;
  textMessage: boolean;
  close: Frame['close'] | null;
  inflater: MessageInflater | null;
  broken: boolean;
}

const NO_CAP = Number.POSITIVE_INFINITY;

/** Decodes one recording into the tap events it produced. Never throws on bad bytes. */
export function replayRecording(recording: RecordingSource, options: ReplayOptions = {}): ReplayedConnection {
  return new Replay(recording, options).run();
}

class Replay {
  private readonly events: ConnectionEvent[] = [];
  private readonly cap: number;
  private readonly maxPayload: number;
  private client: DirectionState;
  private server: DirectionState;
  private requestBytes: Uint8Array[] | null = [];
  private responseBytes: Uint8Array[] | null = [];
  private request: ReplayedHead<RequestHead> | null = null;
  private response: ReplayedHead<ResponseHead> | null = null;
  private deflate: DeflateParams | null = null;
  private firstClose: Direction | null = null;

  constructor(
    private readonly recording: RecordingSource,
    options: ReplayOptions,
  ) {
    this.cap = options.payloadCap ?? NO_CAP;
    this.maxPayload = options.maxPayload ?? 0;
    this.client = this.directionState('client', null);
    this.server = this.directionState('server', null);
  }

  run(): ReplayedConnection {
    const r = this.recording;
    const open: OpenEvent = {
      type: 'open',
      conn: r.conn,
      t: r.openedAt,
      remote: r.remote,
      path: r.path,
      kind: r.kind,
    };
    this.events.push(open);
    for (const chunk of r.chunks) {
      if (chunk.dir === 'client') this.readClient(chunk);
      else this.readServer(chunk);
    }
    const query = r.query ?? queryOf(this.request?.head?.path);
    if (query) open.query = query;
    if (r.closedAt !== null) this.finish(r.closedAt);
    return {
      conn: r.conn,
      kind: r.kind,
      remote: r.remote,
      local: r.local,
      path: r.path,
      openedAt: r.openedAt,
      closedAt: r.closedAt,
      truncated: r.truncated,
      request: this.request,
      response: this.response,
      deflate: this.deflate,
      events: this.events,
      incomplete: {
        client: this.pendingBytes(this.requestBytes, this.client),
        server: this.pendingBytes(this.responseBytes, this.server),
      },
    };
  }

  private directionState(sender: Direction, deflate: DeflateParams | null): DirectionState {
    // As in the capture: the client's messages are held to the server's limit, the server's to none.
    const maxPayload = sender === 'client' ? this.maxPayload : 0;
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

  /** The recording starts with the client's request head; frames follow its blank line. */
  private readClient(chunk: RecordedChunk): void {
    if (this.requestBytes === null) {
      this.feed(this.client, chunk.t, chunk.bytes);
      return;
    }
    this.requestBytes.push(chunk.bytes);
    const sofar = concatBytes(this.requestBytes);
    const end = findHeadEnd(sofar);
    if (end < 0) return;
    this.requestBytes = null;
    const raw = latin1(sofar.subarray(0, end));
    const parsed = parseRequestHead(raw);
    this.request = { raw, head: parsed.ok ? parsed.head : null, t: chunk.t };
    if (!parsed.ok) this.error(chunk.t, undefined, 'BAD_RECORDING', `the request head: ${parsed.error}`);
    if (end < sofar.length) this.feed(this.client, chunk.t, sofar.subarray(end));
  }

  /** The server's first bytes are the HTTP answer (RFC 6455 §4.2.2). */
  private readServer(chunk: RecordedChunk): void {
    if (this.responseBytes === null) {
      this.feed(this.server, chunk.t, chunk.bytes);
      return;
    }
    this.responseBytes.push(chunk.bytes);
    const sofar = concatBytes(this.responseBytes);
    const end = findHeadEnd(sofar);
    if (end < 0) return;
    this.responseBytes = null;
    this.handshake(chunk.t, latin1(sofar.subarray(0, end)));
    if (end < sofar.length) this.feed(this.server, chunk.t, sofar.subarray(end));
  }

  private handshake(t: number, responseRaw: string): void {
    const parsed = parseResponseHead(responseRaw);
    const response = parsed.ok
      ? parsed.head
      : { httpVersion: '1.1', status: 0, reason: parsed.error, headers: [] };
    this.response = { raw: responseRaw, head: parsed.ok ? parsed.head : null, t };
    const request = this.request?.head ?? {
      method: 'GET',
      path: this.recording.path,
      httpVersion: '1.1',
      headers: [],
    };
    const event: HandshakeEvent = {
      type: 'handshake',
      conn: this.recording.conn,
      t,
      request: {
        method: request.method,
        path: request.path,
        httpVersion: request.httpVersion,
        headers: request.headers,
        raw: this.request?.raw ?? '',
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
      this.deflate = deflate;
      this.client = this.directionState('client', deflate);
      this.server = this.directionState('server', deflate);
    }
    this.events.push(event);
  }

  private feed(side: DirectionState, t: number, chunk: Uint8Array): void {
    side.bytes += chunk.length;
    if (side.decoder.state !== 'open') return;
    const dir = side.decoder.sender;
    const { conn } = this.recording;
    const events = side.decoder.push(chunk);
    const stateAfter = side.decoder.state as DecoderState; // push() changed it; TS still holds the earlier check
    for (const event of events) {
      if (event.type === 'frame') {
        const frame = event.frame;
        if (frame.opcode === 1 || frame.opcode === 2) side.textMessage = frame.opcode === 1;
        this.events.push(
          new FrameRecord(conn, t, dir, side.seq++, frame, side.textMessage, this.cap).toJSON(),
        );
        // A close frame that broke the rules starts no closing handshake (see the capture).
        if (frame.close && side.close === null && stateAfter === 'closed') {
          side.close = frame.close;
          this.firstClose ??= dir;
        }
      } else if (event.type === 'message') {
        if (event.message.compressed && side.inflater) this.inflated(side, t, event.message);
        else this.events.push(new MessageRecord(conn, t, dir, event.message, this.cap).toJSON());
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
  }

  /** A compressed message: inflate it as the receiver would (RFC 7692 §7.2.2). */
  private inflated(side: DirectionState, t: number, message: Message): void {
    const dir = side.decoder.sender;
    if (side.broken) return;
    const result = side.inflater!.inflate(message.data);
    if (!result.ok) {
      side.broken = true;
      if (result.tooBig)
        this.error(t, dir, 'MESSAGE_TOO_BIG', `a compressed message ${result.message}`, 1009);
      else
        this.error(
          t,
          dir,
          'INFLATE_FAILED',
          `a compressed message does not inflate: ${result.message}`,
          1007,
        );
      return;
    }
    let text: string | undefined;
    if (message.opcode === 1) {
      text = decodeUtf8Strict(result.data) ?? undefined;
      if (text === undefined) {
        side.broken = true;
        this.error(
          t,
          dir,
          'INVALID_UTF8',
          'an inflated text message is not valid UTF-8 (RFC 6455 §8.1)',
          1007,
        );
        return;
      }
    }
    const inflated: Message = { ...message, data: result.data, text };
    this.events.push(
      new MessageRecord(this.recording.conn, t, dir, inflated, this.cap, message.data.length).toJSON(),
    );
  }

  private error(
    t: number,
    dir: Direction | undefined,
    code: string,
    message: string,
    closeCode?: number,
  ): void {
    const event: ErrorEvent = { type: 'error', conn: this.recording.conn, t, code, message };
    if (dir) event.dir = dir;
    if (closeCode !== undefined) event.closeCode = closeCode;
    this.events.push(event);
  }

  /** The TCP connection ended: how the WebSocket ended, as the capture says it (RFC 6455 §7.1.5). */
  private finish(t: number): void {
    const first = this.firstClose;
    const firstClose = first === 'client' ? this.client.close : first === 'server' ? this.server.close : null;
    const close: CloseEvent = {
      type: 'close',
      conn: this.recording.conn,
      t,
      code: firstClose ? (firstClose.code ?? 1005) : 1006,
      reason: firstClose?.reason ?? '',
      initiator: first ?? 'none',
      clean: this.client.close !== null && this.server.close !== null,
      bytes: { client: this.client.bytes, server: this.server.bytes },
    };
    this.events.push(close);
  }

  private pendingBytes(head: Uint8Array[] | null, side: DirectionState): number {
    if (head !== null) return head.reduce((sum, part) => sum + part.length, 0);
    return side.decoder.midFrame
      ? side.decoder.bytesSeen - lastFrameEnd(this.events, side.decoder.sender)
      : 0;
  }
}

/** Where the last complete frame of a direction ended, in that direction's stream after the head. */
function lastFrameEnd(events: readonly ConnectionEvent[], dir: Direction): number {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    if (event.type === 'frame' && event.dir === dir) {
      return event.offset + event.headerHex.length / 2 + event.payloadLength;
    }
  }
  return 0;
}

/** The upgrade URL's query, as the capture reports it in `open`. */
function queryOf(path: string | undefined): Record<string, string> | undefined {
  const at = path?.indexOf('?') ?? -1;
  if (path === undefined || at < 0 || at === path.length - 1) return undefined;
  return Object.fromEntries(new URLSearchParams(path.slice(at + 1)));
}

function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return out;
}
