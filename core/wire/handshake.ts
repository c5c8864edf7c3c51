import { toBase64, utf8 } from './bytes';
import { sha1 } from './sha1';

// RFC 6455 §1.3 and §4.2.2: the GUID the server appends to the client's key.
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Headers as `[name, value]` pairs in wire order and wire case. */
export type HeaderList = [name: string, value: string][];

export interface RequestHead {
  method: string;
  path: string;
  httpVersion: string;
  headers: HeaderList;
}

export interface ResponseHead {
  httpVersion: string;
  status: number;
  reason: string;
  headers: HeaderList;
}

export type ParseResult<T> = { ok: true; head: T } | { ok: false; error: string };

/** Where the head ends: the index just past the blank line (`\r\n\r\n`), or -1. */
export function findHeadEnd(bytes: Uint8Array, from = 0): number {
  for (let i = Math.max(0, from - 3); i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) return i + 4;
  }
  return -1;
}

function splitHead(text: string): { start: string; headers: HeaderList } | { error: string } {
  const lines = text.replace(/\r\n\r\n[\s\S]*$/, '').split('\r\n');
  const start = lines.shift() ?? '';
  const headers: HeaderList = [];
  for (const line of lines) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: `header line without a name: ${JSON.stringify(line.slice(0, 80))}` };
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return { start, headers };
}

/** Parses `GET /path HTTP/1.1` and its headers (RFC 9112 §3, §5). Never throws. */
export function parseRequestHead(text: string): ParseResult<RequestHead> {
  const split = splitHead(text);
  if ('error' in split) return { ok: false, error: split.error };
  const match = /^([A-Za-z]+) (\S+) HTTP\/(\d\.\d)$/.exec(split.start);
  if (!match)
    return { ok: false, error: `not an HTTP request line: ${JSON.stringify(split.start.slice(0, 80))}` };
  return {
    ok: true,
    head: { method: match[1]!, path: match[2]!, httpVersion: match[3]!, headers: split.headers },
  };
}

/** Parses `HTTP/1.1 101 Switching Protocols` and its headers. Never throws. */
export function parseResponseHead(text: string): ParseResult<ResponseHead> {
  const split = splitHead(text);
  if ('error' in split) return { ok: false, error: split.error };
  const match = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(split.start);
  if (!match)
    return { ok: false, error: `not an HTTP status line: ${JSON.stringify(split.start.slice(0, 80))}` };
  return {
    ok: true,
    head: {
      httpVersion: match[1]!,
      status: Number(match[2]),
      reason: match[3] ?? '',
      headers: split.headers,
    },
  };
}

/** A header's value, case-insensitively; repeated headers are joined with `, ` (RFC 9110 §5.3). */
export function headerValue(headers: HeaderList, name: string): string | undefined {
  const lower = name.toLowerCase();
  const values = headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
  return values.length > 0 ? values.join(', ') : undefined;
}

function hasToken(value: string | undefined, token: string): boolean {
  return (value ?? '').split(',').some((part) => part.trim().toLowerCase() === token);
}

/** base64(SHA-1(key + GUID)): the value the server must send back (RFC 6455 §4.2.2 step 5.4). */
export function deriveAccept(key: string): string {
  return toBase64(sha1(utf8(key + WEBSOCKET_GUID)));
}

export type UpgradeCheck =
  | { ok: true; key: string; version: number }
  | { ok: false; status: number; reason: string; headers?: HeaderList };

// §4.1: the key is 16 random bytes, base64-encoded: 22 characters and `==`.
const KEY_PATTERN = /^[+/0-9A-Za-z]{22}==$/;

/**
 * Checks an opening handshake the way a server must (RFC 6455 §4.2.1), in `ws`'s order:
 * method, Upgrade, key, version. Connection: Upgrade is checked too, which `ws` skips.
 */
export function checkUpgradeRequest(request: RequestHead): UpgradeCheck {
  if (request.method !== 'GET') {
    return {
      ok: false,
      status: 405,
      reason: `the opening handshake must be a GET, not ${request.method} (RFC 6455 §4.1)`,
    };
  }
  if (request.httpVersion !== '1.1') {
    return {
      ok: false,
      status: 400,
      reason: `the opening handshake needs HTTP/1.1, not ${request.httpVersion} (§4.1)`,
    };
  }
  if (!hasToken(headerValue(request.headers, 'upgrade'), 'websocket')) {
    return {
      ok: false,
      status: 400,
      reason: 'the Upgrade header must be "websocket" (RFC 6455 §4.2.1 step 3)',
    };
  }
  if (!hasToken(headerValue(request.headers, 'connection'), 'upgrade')) {
    return {
      ok: false,
      status: 400,
      reason: 'the Connection header must include "Upgrade" (RFC 6455 §4.2.1 step 4)',
    };
  }
  const key = headerValue(request.headers, 'sec-websocket-key');
  if (key === undefined || !KEY_PATTERN.test(key)) {
    return {
      ok: false,
      status: 400,
      reason: 'Sec-WebSocket-Key must be 16 random bytes in base64 (RFC 6455 §4.2.1 step 5)',
    };
  }
  const version = headerValue(request.headers, 'sec-websocket-version');
  if (version !== '13') {
    // §4.4: answer with the versions we speak, so the client can retry with one of them.
    return {
      ok: false,
      status: 426,
      reason: `Sec-WebSocket-Version must be 13, got ${version === undefined ? 'none' : JSON.stringify(version)} (RFC 6455 §4.4)`,
      headers: [['Sec-WebSocket-Version', '13']],
    };
  }
  return { ok: true, key, version: 13 };
}

export interface AcceptCheck {
  key: string;
  expected: string;
  actual: string | null;
  ok: boolean;
}

/** Compares a 101 answer's Sec-WebSocket-Accept with the value derived from the request's key. */
export function checkAccept(request: RequestHead, response: ResponseHead): AcceptCheck {
  const key = headerValue(request.headers, 'sec-websocket-key') ?? '';
  const expected = deriveAccept(key);
  const actual = headerValue(response.headers, 'sec-websocket-accept') ?? null;
  return { key, expected, actual, ok: response.status === 101 && actual === expected };
}

/** Serialises a head back to its wire text, headers in the order given. */
export function formatHead(startLine: string, headers: HeaderList): string {
  return `${startLine}\r\n${headers.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n`;
}
