// A client WebSocket connection opened by hand on a raw TCP (or TLS) socket, so that whoever holds
// it — the workbench's raw sender, a conformance case — can write any bytes after the handshake,
// exactly as it wants, invalid frames included. The one client handshake of this server.
import { randomBytes } from 'node:crypto';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { Result } from '../../core/result';
import {
  checkAccept,
  findHeadEnd,
  formatHead,
  type HeaderList,
  headerValue,
  parseResponseHead,
  type RequestHead,
} from '../../core/wire/handshake';
import { describeUpstreamFailure, hostHeaderOf } from '../proxy/relay';
import type { ProxyTarget } from '../proxy/target';
import { ConnectionCapture } from '../tap/capture';
import type { Journal } from '../tap/journal';

/** Journal the connection from the client's side, as kind `workbench`: CLIENT is what was written. */
export interface ClientCapture {
  journal: Journal;
  payloadCap: number;
  /** The target's message limit when it is known (this server's own), or 0. */
  maxPayload: number;
  /**
   * The socket's own address and port, once connected and again when it closes: a tapped
   * endpoint of this server that the connection reaches must not journal it a second time.
   */
  onSocket?(address: string, port: number, connected: boolean): void;
  /** Classroom mode: the learner whose workbench opened it. */
  learner?: string;
}

export interface ConnectSettings {
  /** PEM certificates to trust for wss:// (the proxy's `--ca`). */
  ca?: string | Buffer;
  /** Accept any certificate from a wss:// target (the proxy's `--insecure`). */
  insecure?: boolean;
  /** How long the TCP connection and the opening handshake may take together. */
  timeoutMs: number;
  /** Sent as User-Agent, so a server's log tells who knocked. */
  userAgent?: string;
  capture?: ClientCapture;
  /** Gives up the opening: it fails with `cancelled`. */
  signal?: AbortSignal;
}

export interface OpenConnection {
  /** Paused: listen for 'data', then resume(). */
  socket: Socket;
  /** Bytes that came after the 101's head: the server's first frames. */
  rest: Buffer;
  /** The target's answer line: `HTTP/1.1 101 Switching Protocols`. */
  status: string;
  /** This end's `ip:port`, as the target sees it: what the tap's `open` event calls `remote`. */
  client: string;
  /** The tap's id for the connection (`c12`), when it is journaled. */
  conn?: string;
}

/** Why a connection could not be opened, in a sentence; `unreachable` when no server answered at all. */
export interface OpenFailure {
  message: string;
  unreachable: boolean;
  /** The socket error's code (`ECONNREFUSED`), when one ended it. */
  code?: string;
  /** The tap's id for the attempt, when it was journaled (the refused handshake is on the tap). */
  conn?: string;
}

// An answer head longer than this is no WebSocket server's 101.
const MAX_HEAD_BYTES = 16 * 1024;

/**
 * Connects and does the opening handshake (RFC 6455 §4.1): a fresh random key, then the checks a
 * client must make of the answer: 101, and Sec-WebSocket-Accept derived from the key (§4.2.2).
 */
export function openWebSocket(
  target: ProxyTarget,
  settings: ConnectSettings,
): Promise<Result<OpenConnection, OpenFailure>> {
  const socket: Socket = target.secure
    ? connectTls({
        host: target.host,
        port: target.port,
        servername: isIP(target.host) === 0 ? target.host : undefined,
        ca: settings.ca,
        rejectUnauthorized: !settings.insecure,
        ALPNProtocols: ['http/1.1'],
      })
    : connectTcp({ host: target.host, port: target.port });
  socket.setNoDelay(true);
  // §4.1: the key is 16 random bytes, base64-encoded.
  const key = randomBytes(16).toString('base64');
  const request: RequestHead = {
    method: 'GET',
    path: `${target.url.pathname}${target.url.search}`,
    httpVersion: '1.1',
    headers: [
      ['Host', hostHeaderOf(target)],
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
      ['Sec-WebSocket-Key', key],
      ['Sec-WebSocket-Version', '13'],
      ['User-Agent', settings.userAgent ?? 'wslab'],
    ] satisfies HeaderList,
  };
  let client = '';
  let conn: string | undefined;

  return new Promise((resolve) => {
    let answer: Buffer = Buffer.alloc(0);
    let connected = false;
    const done = (result: Result<OpenConnection, OpenFailure>): void => {
      clearTimeout(timer);
      settings.signal?.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      // Paused, so that no byte after the head is lost before the caller listens (and resumes).
      if (result.ok) socket.pause();
      else socket.destroy();
      resolve(result);
    };
    const fail = (message: string, unreachable = false, code?: string): void =>
      done({
        ok: false,
        error: { message, unreachable, ...(code ? { code } : {}), ...(conn ? { conn } : {}) },
      });
    const timer = setTimeout(
      () =>
        fail(
          connected
            ? `no answer to the opening handshake within ${settings.timeoutMs} ms`
            : `could not connect to ${target.host}:${target.port} within ${settings.timeoutMs} ms`,
          !connected,
        ),
      settings.timeoutMs,
    );
    const onAbort = (): void => fail('cancelled', !connected);
    if (settings.signal?.aborted) {
      queueMicrotask(onAbort);
    } else settings.signal?.addEventListener('abort', onAbort, { once: true });
    const onError = (error: NodeJS.ErrnoException): void =>
      fail(describeUpstreamFailure(error, target), !connected, error.code);
    const onClose = (): void =>
      fail('the server closed the connection before answering the opening handshake');
    const onData = (chunk: Buffer): void => {
      answer = answer.length === 0 ? chunk : Buffer.concat([answer, chunk]);
      const end = findHeadEnd(answer);
      if (end < 0) {
        if (answer.length > MAX_HEAD_BYTES) fail(`the answer's head is longer than ${MAX_HEAD_BYTES} bytes`);
        return;
      }
      const parsed = parseResponseHead(answer.subarray(0, end).toString('latin1'));
      if (!parsed.ok) {
        fail(`the server did not answer with HTTP: ${parsed.error}`);
        return;
      }
      const response = parsed.head;
      const status = `HTTP/${response.httpVersion} ${response.status} ${response.reason}`.trim();
      if (response.status !== 101) {
        fail(`the server answered the upgrade with ${response.status} ${response.reason}`.trim());
        return;
      }
      const accept = checkAccept(request, response);
      if (!accept.ok) {
        fail(
          `Sec-WebSocket-Accept is ${accept.actual ?? 'missing'}, not ${accept.expected} (RFC 6455 §4.2.2)`,
        );
        return;
      }
      // §4.1: a client fails the connection when the server names an extension it did not offer.
      const extensions = headerValue(response.headers, 'sec-websocket-extensions');
      if (extensions) {
        fail(
          `the server chose the extension "${extensions}", which the client did not offer (RFC 6455 §4.1)`,
        );
        return;
      }
      done({
        ok: true,
        value: { socket, rest: answer.subarray(end), status, client, ...(conn ? { conn } : {}) },
      });
    };
    socket.once(target.secure ? 'secureConnect' : 'connect', () => {
      connected = true;
      const address = socket.localAddress ?? '?';
      const port = socket.localPort ?? 0;
      client = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
      const head = formatHead(`GET ${request.path} HTTP/1.1`, request.headers);
      if (settings.capture) conn = journalClientSide(socket, target, head, settings.capture, address, port);
      socket.write(head, 'latin1');
    });
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

/**
 * Journals the socket from the client's side for as long as it lives: every byte written (where
 * the stream hands it to the handle, in wire order, whoever writes) and every byte read (by a
 * listener put first, whoever listens later). Returns the tap's id for the connection.
 */
function journalClientSide(
  socket: Socket,
  target: ProxyTarget,
  head: string,
  options: ClientCapture,
  address: string,
  port: number,
): string {
  options.onSocket?.(address, port, true);
  const capture = new ConnectionCapture(options.journal, {
    kind: 'workbench',
    // The client's address as the target sees it, as every other connection's `remote` is.
    remote: address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`,
    local: `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`,
    path: target.url.pathname,
    ...(target.url.search ? { query: Object.fromEntries(target.url.searchParams) } : {}),
    requestRaw: head,
    maxPayload: options.maxPayload,
    payloadCap: options.payloadCap,
    ...(options.learner ? { learner: options.learner } : {}),
  });
  // The head is journaled by the capture itself: the first write (it) is not journaled again.
  let headWritten = false;
  const sawWrite = (chunk: unknown, encoding: unknown): void => {
    if (!headWritten) {
      headWritten = true;
      return;
    }
    if (chunk instanceof Uint8Array) capture.feedClient(chunk);
    else if (typeof chunk === 'string')
      capture.feedClient(
        Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'),
      );
  };
  const write = socket._write;
  const writev = socket._writev;
  socket._write = function (this: Socket, chunk: unknown, encoding, callback): void {
    sawWrite(chunk, encoding);
    write.call(this, chunk, encoding, callback);
  };
  if (writev) {
    socket._writev = function (this: Socket, chunks, callback): void {
      for (const { chunk, encoding } of chunks) sawWrite(chunk, encoding);
      writev.call(this, chunks, callback);
    };
  }
  socket.prependListener('data', (chunk: Buffer) => capture.feedServer(chunk));
  socket.once('close', (hadError: boolean) => {
    options.onSocket?.(address, port, false);
    capture.finish(hadError);
  });
  return `c${capture.number}`;
}
