// The tap's event schema: the one contract between the server, the web UI and the lessons.
// The UI imports these types and never redefines them. The fields are documented in the README
// ("The tap"); add fields freely, rename one only together with everything that reads it.

import type { Direction } from '../wire/direction';
import type { DeflateParams } from '../wire/extensions';
import type { HeaderList } from '../wire/handshake';
import type { OpcodeName } from '../wire/opcodes';
import type { ProtocolErrorCode, Violation } from '../wire/protocol-errors';

export const TAP_VERSION = 1;

/**
 * What served a connection. `http` is a plain HTTP exchange relayed by `/proxy` (Socket.IO's
 * long-polling): one request and its answer, never a WebSocket. `workbench` is a raw connection
 * the workbench opened to send frames byte by byte, journaled from its client side.
 */
export type ConnectionKind = 'echo' | 'proxy' | 'live' | 'rejected' | 'http' | 'workbench';

/** How `/proxy` reached its upstream: what the upstream saw, where the client's request differs. */
export interface UpstreamView {
  /** The target URL, decoded, with the client's sub-path and query (secrets redacted). */
  target: string;
  /** The request line as rewritten for the upstream. */
  requestLine: string;
  /** The `Host` header the upstream got. */
  host: string;
  /** `none` for ws:// and http://; `verified` when the certificate was checked; `insecure` with --insecure. */
  tls: 'none' | 'verified' | 'insecure';
  /** With --insecure, why the certificate would have been refused, if it would. */
  tlsError?: string;
}

/**
 * A payload as the tap carries it: `text` only when it is a text payload whose bytes, on their
 * own, are valid UTF-8; `base64` otherwise (a fragment cut inside a character, a ping carrying
 * bytes), so that the bytes a view shows are always the bytes that crossed the wire.
 */
export interface PayloadView {
  text?: string;
  base64?: string;
  /** The payload was longer than the tap's cap; `text`/`base64` hold only the start. */
  truncated: boolean;
}

interface Base {
  /** Connection id, unique for the server's lifetime. */
  conn: string;
  /** Milliseconds since the server started, fractional and monotonic. */
  t: number;
}

export interface TapHelloEvent {
  type: 'hello';
  version: number;
  /** Wall-clock time at the server, ms since the epoch, to turn `t` into dates. */
  serverTime: number;
  /** `serverTime` corresponds to this `t`. */
  t: number;
  /** Bytes of the tap's journal replayed as history after this event (see `live`). */
  historyBytes: number;
  /** The payload cap, in bytes. */
  payloadCap: number;
  maxPayload: number;
}

export interface TapOpenEvent extends Base {
  type: 'open';
  remote: string;
  path: string;
  kind: ConnectionKind;
  /** Query parameters of the upgrade URL, as given (echo behaviours, proxy targets). */
  query?: Record<string, string>;
  /** A relayed connection: how the upstream was reached. */
  upstream?: UpstreamView;
}

export interface HttpHeadView {
  headers: HeaderList;
  /** The head exactly as it crossed the wire. */
  raw: string;
}

export interface TapHandshakeEvent extends Base {
  type: 'handshake';
  request: HttpHeadView & {
    method: string;
    path: string;
    httpVersion: string;
    /** A plain HTTP request's body (no Upgrade: RFC 6455 §4.1), its first bytes and its size. */
    body?: PayloadView & { size: number };
  };
  response: HttpHeadView & {
    status: number;
    reason: string;
    /**
     * What followed a head that was not 101: plain HTTP, not frames (RFC 6455 §4.1), so its
     * first bytes as a payload, and its size. Absent when there was none.
     */
    body?: PayloadView & { size: number };
  };
  /** RFC 6455 §4.2.2: base64(SHA-1(key + GUID)). `ok` is false for any non-101 answer. */
  accept: { key: string; expected: string; actual: string | null; ok: boolean };
  /** Why the handshake was refused, when it was. */
  rejected?: string;
  /** permessage-deflate as the server accepted it (RFC 7692), when it did. */
  deflate?: DeflateParams;
}

export interface TapFrameEvent extends Base {
  type: 'frame';
  dir: Direction;
  /** Index of this frame within its direction of the connection, from 0. */
  seq: number;
  /** Stream offset, within its direction after the handshake, of the frame's first byte. */
  offset: number;
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  opcodeName: OpcodeName;
  masked: boolean;
  /** The 4-byte masking key in hex, or null. */
  maskKey: string | null;
  payloadLength: number;
  /** The header bytes as on the wire, in hex. */
  headerHex: string;
  /** The unmasked payload. */
  payload: PayloadView;
  closeCode?: number | null;
  closeReason?: string;
  /** The rule this frame broke (code, RFC 6455 section, close code); an `error` event follows. */
  violation?: Violation;
  /** Payload bytes that came, when the frame at fault stopped short of `payloadLength`. */
  payloadReceived?: number;
}

export interface TapMessageEvent extends Base {
  type: 'message';
  dir: Direction;
  opcodeName: 'text' | 'binary';
  size: number;
  frames: number;
  /** RSV1 was set: the payload crossed the wire compressed; `size`, `text` and `base64` are inflated. */
  compressed: boolean;
  /** Bytes on the wire when compressed, beside the inflated `size`. */
  compressedSize?: number;
  text?: string;
  base64?: string;
  truncated: boolean;
}

export interface TapCloseEvent extends Base {
  type: 'close';
  /** The code in the first close frame seen, 1005 when it had none, 1006 when no close frame came. */
  code: number;
  reason: string;
  /** Who sent the first close frame; `none` when the TCP connection just dropped. */
  initiator: Direction | 'none';
  /** Both close frames were exchanged before TCP closed (RFC 6455 §7.1.4). */
  clean: boolean;
  bytes: { client: number; server: number };
}

/** Why the server refused a handshake: its own refusals, then the proxy's (README "Protocol errors"). */
export type HandshakeRefusalCode =
  | 'NOT_FOUND'
  | 'BAD_HANDSHAKE'
  | 'BAD_PARAMETER'
  | 'FORBIDDEN_ORIGIN'
  | 'FORBIDDEN_HOST'
  | 'BAD_TARGET'
  | 'FORBIDDEN_TARGET'
  | 'UPSTREAM_FAILED'
  | 'TAP_FULL'
  | 'WORKBENCH_FULL'
  // Classroom mode: no session (401), a run capability that opens nothing, relaying switched off.
  | 'NO_SESSION'
  | 'BAD_RUN_CAPABILITY'
  | 'PROXY_OFF';

/**
 * What the tap itself could not read: a request head that is not HTTP, a compressed message that
 * does not inflate (RFC 7692 §6.2; close code 1007), or a connection whose start left the history
 * (or was missed by a subscriber that fell behind), so its bytes are not decoded from the middle.
 */
export type TapFaultCode = 'BAD_REQUEST_HEAD' | 'INFLATE_FAILED' | 'EVICTED';

/** Every code an `error` event can carry; the README's "Protocol errors" table lists them all. */
export type TapErrorCode = ProtocolErrorCode | HandshakeRefusalCode | TapFaultCode;

export interface TapErrorEvent extends Base {
  type: 'error';
  /** Whose bytes broke the rules, when it was a frame-level error. */
  dir?: Direction;
  code: TapErrorCode;
  message: string;
  /** The RFC close code for this kind of fault, where it names one. */
  closeCode?: number;
}

export interface TapDroppedEvent {
  type: 'dropped';
  /** How many events this subscriber did not receive because it fell behind, when known. */
  count: number;
  /** Bytes of the journal it missed: the connections they belonged to are cut from here on. */
  bytes?: number;
  t: number;
}

/** Everything before this event was history, replayed on subscribing; from here on it is live. */
export interface TapLiveEvent {
  type: 'live';
  t: number;
  /** How many events of history came before it. */
  history: number;
}

/** Every event a connection produces. */
export type ConnectionEvent =
  | TapOpenEvent
  | TapHandshakeEvent
  | TapFrameEvent
  | TapMessageEvent
  | TapCloseEvent
  | TapErrorEvent;

export type TapEvent = TapHelloEvent | ConnectionEvent | TapDroppedEvent | TapLiveEvent;

export type TapEventType = TapEvent['type'];

/** Each message on `/tap` is a JSON array of events, batched per tick. */
export type TapMessage = TapEvent[];
