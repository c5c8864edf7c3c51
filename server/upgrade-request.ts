import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { formatHead, type HeaderList, type RequestHead } from '../core/wire/handshake';
import { redactRequest } from './redact';

/** One WebSocket upgrade request, read once, before anything answers it. */
export interface UpgradeRequest {
  req: IncomingMessage;
  socket: Duplex;
  /** Bytes that came after the request head in the same read (RFC 6455 §4.1 lets frames follow). */
  head: Buffer;
  url: URL;
  /** The request head in wire order and case, its secrets redacted: what the tap shows. */
  request: RequestHead;
  /** That head written out again, as it crossed the wire. */
  requestRaw: string;
  /** The client's `ip:port`, read now: a destroyed socket forgets its peer. */
  remote: string;
  /** The server's address as the client reached it. */
  local: string;
  /** Classroom mode: the learner whose connection this is (server/classroom/classroom.ts). */
  learner?: string;
  /**
   * The far end of one of the workbench's own raw connections, which the workbench journals from
   * the client's side: the tap must not show the same TCP connection a second time.
   */
  journaledByWorkbench?: boolean;
}

export function readUpgradeRequest(req: IncomingMessage, socket: Duplex, head: Buffer): UpgradeRequest {
  const request = redactRequest(requestHeadOf(req));
  const { remoteAddress = '?', remotePort = 0, localAddress = '127.0.0.1', localPort = 0 } = socket as Socket;
  return {
    req,
    socket,
    head,
    url: new URL(req.url ?? '/', 'http://localhost'),
    request,
    requestRaw: formatHead(`${request.method} ${request.path} HTTP/${request.httpVersion}`, request.headers),
    remote: hostPort(remoteAddress, remotePort),
    local: hostPort(localAddress, localPort),
  };
}

/** The upgrade URL's query as a record, as the tap's `open` event carries it; none when empty. */
export function queryOf(url: URL): Record<string, string> | undefined {
  if (!url.search) return undefined;
  return Object.fromEntries(url.searchParams);
}

function requestHeadOf(req: IncomingMessage): RequestHead {
  const headers: HeaderList = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
  return { method: req.method ?? 'GET', path: req.url ?? '/', httpVersion: req.httpVersion, headers };
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
