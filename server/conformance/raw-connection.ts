// A client WebSocket connection opened by hand on a raw TCP (or TLS) socket, so that a case can
// write any bytes after the handshake, exactly as it wants, invalid frames included.
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
import { describeUpstreamFailure } from '../proxy/relay';
import type { ProxyTarget } from '../proxy/target';

export interface ConnectSettings {
  /** PEM certificates to trust for wss:// (the proxy's `--ca`). */
  ca?: string | Buffer;
  /** Accept any certificate from a wss:// target (the proxy's `--insecure`). */
  insecure?: boolean;
  /** How long the TCP connection and the opening handshake may take together. */
  timeoutMs: number;
}

export interface OpenConnection {
  /** Paused: listen for 'data', then resume(). */
  socket: Socket;
  /** Bytes that came after the 101's head: the server's first frames. */
  rest: Buffer;
}

/** Why a connection could not be opened, in a sentence; `unreachable` when no server answered at all. */
export interface OpenFailure {
  message: string;
  unreachable: boolean;
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
      ['Host', target.url.host],
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
      ['Sec-WebSocket-Key', key],
      ['Sec-WebSocket-Version', '13'],
      ['User-Agent', 'wslab-conformance'],
    ] satisfies HeaderList,
  };

  return new Promise((resolve) => {
    let answer = Buffer.alloc(0);
    let connected = false;
    const done = (result: Result<OpenConnection, OpenFailure>): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      // Paused, so that no byte after the head is lost before the caller listens (and resumes).
      if (result.ok) socket.pause();
      else socket.destroy();
      resolve(result);
    };
    const fail = (message: string, unreachable = false): void =>
      done({ ok: false, error: { message, unreachable } });
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
    const onError = (error: NodeJS.ErrnoException): void =>
      fail(describeUpstreamFailure(error, target), !connected);
    const onClose = (): void =>
      fail('the server closed the connection before answering the opening handshake');
    const onData = (chunk: Buffer): void => {
      answer = Buffer.concat([answer, chunk]);
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
      done({ ok: true, value: { socket, rest: answer.subarray(end) } });
    };
    socket.once(target.secure ? 'secureConnect' : 'connect', () => {
      connected = true;
      socket.write(formatHead(`GET ${request.path} HTTP/1.1`, request.headers));
    });
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}
