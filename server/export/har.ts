// Builds a HAR 1.2 log from replayed connections: one entry per connection, the upgrade as a
// normal request/response that Chrome DevTools' HAR import reads, its messages as Chrome writes
// them (`_webSocketMessages`), and everything the tap saw under `_wslab`.

import {
  type Har,
  type HarEntry,
  type HarNameValue,
  type HarWebSocketMessage,
  WSLAB_HAR_FORMAT,
} from '../../core/har/har-format';
import type { TapMessageEvent } from '../../core/tap/events';
import type { HeaderList } from '../../core/wire/handshake';
import { headerValue } from '../../core/wire/handshake';
import { Opcode } from '../../core/wire/opcodes';
import type { ReplayedConnection } from './replay';

export interface HarOptions {
  /** Wall-clock ms at t = 0. */
  epoch: number;
  /** wslab's version, for `log.creator`. */
  version: string;
}

export function buildHar(connections: readonly ReplayedConnection[], options: HarOptions): Har {
  return {
    log: {
      version: '1.2',
      creator: { name: 'wslab', version: options.version },
      pages: [],
      entries: connections.map((connection) => harEntry(connection, options.epoch)),
      _wslab: { format: WSLAB_HAR_FORMAT, epoch: options.epoch },
    },
  };
}

export function harEntry(connection: ReplayedConnection, epoch: number): HarEntry {
  const request = connection.request?.head;
  const response = connection.response?.head;
  const requestHeaders = request?.headers ?? [];
  const host = headerValue(requestHeaders, 'host') ?? connection.local;
  const target = request?.path ?? connection.path;
  const http = connection.kind === 'http';
  const url = `${http ? 'http' : 'ws'}://${host}${target.startsWith('/') ? target : `/${target}`}`;
  const handshake = connection.events.find((event) => event.type === 'handshake');
  const requestBody = handshake?.request.body;
  const responseBody = handshake?.response.body;
  // The handshake's round trip: from the request head to the last byte of the answer's head.
  const wait = connection.response ? Math.max(0, connection.response.t - connection.openedAt) : 0;
  const entry: HarEntry = {
    startedDateTime: new Date(epoch + connection.openedAt).toISOString(),
    time: wait,
    request: {
      method: request?.method ?? 'GET',
      url,
      httpVersion: `HTTP/${request?.httpVersion ?? '1.1'}`,
      headers: nameValues(requestHeaders),
      queryString: queryOf(url),
      cookies: [],
      headersSize: connection.request?.raw.length ?? -1,
      bodySize: requestBody?.size ?? 0,
      ...(requestBody
        ? {
            postData: {
              mimeType: headerValue(requestHeaders, 'content-type') ?? '',
              text: requestBody.text ?? requestBody.base64 ?? '',
            },
          }
        : {}),
    },
    response: {
      // HAR's convention for a request that got no answer: status 0.
      status: response?.status ?? 0,
      statusText: response?.reason ?? '',
      httpVersion: response ? `HTTP/${response.httpVersion}` : '',
      headers: nameValues(response?.headers ?? []),
      cookies: [],
      content: responseBody
        ? {
            size: responseBody.size,
            mimeType: headerValue(response?.headers ?? [], 'content-type') ?? 'x-unknown',
            ...(responseBody.text !== undefined
              ? { text: responseBody.text }
              : { text: responseBody.base64 ?? '', encoding: 'base64' as const }),
          }
        : { size: 0, mimeType: 'x-unknown' },
      redirectURL: '',
      headersSize: connection.response?.raw.length ?? -1,
      bodySize: response?.status === 101 ? 0 : (responseBody?.size ?? -1),
    },
    cache: {},
    timings: { blocked: -1, dns: -1, ssl: -1, connect: -1, send: 0, wait, receive: 0 },
    _resourceType: http ? 'xhr' : 'websocket',
    _webSocketMessages: connection.events
      .filter((event): event is TapMessageEvent => event.type === 'message')
      .map((message) => webSocketMessage(message, epoch)),
    _wslab: {
      conn: connection.conn,
      kind: connection.kind,
      remote: connection.remote,
      local: connection.local,
      path: connection.path,
      openedAt: connection.openedAt,
      closedAt: connection.closedAt,
      truncated: connection.truncated,
      incomplete: connection.incomplete,
      deflate: connection.deflate,
      events: connection.events,
    },
  };
  const serverIp = hostOf(connection.local);
  if (serverIp) entry.serverIPAddress = serverIp;
  // HAR 1.2 lets `connection` be either port; Chrome DevTools' import reads it as the server's,
  // beside serverIPAddress. The client's port is in `_wslab.remote`.
  const serverPort = portOf(connection.local);
  if (serverPort) entry.connection = serverPort;
  return entry;
}

/** A whole message as Chrome records it: inflated, reassembled, binary in base64. */
function webSocketMessage(message: TapMessageEvent, epoch: number): HarWebSocketMessage {
  return {
    type: message.dir === 'client' ? 'send' : 'receive',
    time: (epoch + message.t) / 1000,
    opcode: message.opcodeName === 'text' ? Opcode.TEXT : Opcode.BINARY,
    data: message.text ?? message.base64 ?? '',
  };
}

function nameValues(headers: HeaderList): HarNameValue[] {
  return headers.map(([name, value]) => ({ name, value }));
}

function queryOf(url: string): HarNameValue[] {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  } catch {
    return [];
  }
}

/** `127.0.0.1:8765` → `127.0.0.1`, `[::1]:8765` → `::1`. */
function hostOf(address: string): string | null {
  const match = /^\[([^\]]+)\]:\d+$/.exec(address) ?? /^([^:]+):\d+$/.exec(address);
  return match ? match[1]! : null;
}

function portOf(address: string): string | null {
  const match = /:(\d+)$/.exec(address);
  return match ? match[1]! : null;
}
