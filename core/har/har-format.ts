// The HAR 1.2 shape wslab writes and reads: the parts of the format we fill in, Chrome's
// WebSocket extension (`_resourceType`, `_webSocketMessages`), and our frame-level `_wslab`
// superset. Types only, so the web UI can import them along with the import parser.
import type { ConnectionEvent, ConnectionKind } from '../tap/events';
import type { Direction } from '../wire/direction';
import type { DeflateParams } from '../wire/extensions';

/** Bumped when `_wslab` changes in a way an older reader would misread. */
export const WSLAB_HAR_FORMAT = 1;

export interface HarNameValue {
  name: string;
  value: string;
}

export interface HarRequest {
  method: string;
  url: string;
  httpVersion: string;
  headers: HarNameValue[];
  queryString: HarNameValue[];
  cookies: HarNameValue[];
  headersSize: number;
  bodySize: number;
  /** A relayed HTTP exchange's request body (HAR 1.2 `postData`), as far as the tap kept it. */
  postData?: { mimeType: string; text: string };
}

export interface HarResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  headers: HarNameValue[];
  cookies: HarNameValue[];
  /** `text` (base64 with `encoding`) for a relayed HTTP exchange's answer, as far as the tap kept it. */
  content: { size: number; mimeType: string; text?: string; encoding?: 'base64' };
  redirectURL: string;
  headersSize: number;
  bodySize: number;
}

/**
 * Chrome DevTools' record of one WebSocket message: whole messages, after reassembly and
 * inflation; `time` in seconds since the Unix epoch; binary `data` in base64.
 */
export interface HarWebSocketMessage {
  type: 'send' | 'receive';
  time: number;
  opcode: number;
  data: string;
}

/** Everything the tap knew about one connection. */
export interface WslabConnection {
  conn: string;
  kind: ConnectionKind;
  /** The client's address, `ip:port`. */
  remote: string;
  /** The server's address as the client reached it, `ip:port`. */
  local: string;
  path: string;
  /** ms since the server started; `log._wslab.epoch` turns them into dates. */
  openedAt: number;
  closedAt: number | null;
  /** The recording budget ran out: bytes after some point were not kept, so events may be missing. */
  truncated: boolean;
  /** Bytes at the end of each direction that never completed a frame (cut off, or dropped mid-frame). */
  incomplete: Record<Direction, number>;
  deflate: DeflateParams | null;
  /**
   * The tap's events for this connection, in the order it published them: open, handshake, every
   * frame (FIN, RSV1-3, opcode, mask key, header hex, the unmasked payload, still compressed when
   * RSV1 is set, close code and reason), every message (inflated), errors, and the close summary.
   * A frame's wire bytes are `headerHex` followed by the payload XORed with `maskKey` (RFC 6455 §5.3).
   */
  events: ConnectionEvent[];
}

export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: HarRequest;
  response: HarResponse;
  cache: Record<string, never>;
  timings: {
    blocked: number;
    dns: number;
    ssl: number;
    connect: number;
    send: number;
    wait: number;
    receive: number;
  };
  serverIPAddress?: string;
  connection?: string;
  /** `xhr` for a plain HTTP exchange relayed by `/proxy` (Socket.IO's long-polling). */
  _resourceType: 'websocket' | 'xhr';
  _webSocketMessages: HarWebSocketMessage[];
  _wslab: WslabConnection;
}

export interface Har {
  log: {
    version: '1.2';
    creator: { name: string; version: string };
    pages: never[];
    entries: HarEntry[];
    _wslab: {
      format: number;
      /** Wall-clock ms since the Unix epoch at t = 0 (the server's start). */
      epoch: number;
    };
  };
}
