import type { IncomingMessage } from 'node:http';
import { connect as connectTcp, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { PROXY_PATH } from '../../core/routes';
import type { HandshakeRefusalCode, UpstreamView } from '../../core/tap/events';
import { encodeClose } from '../../core/wire/frame-encoder';
import {
  checkAccept,
  findHeadEnd,
  formatHead,
  type HeaderList,
  headerValue,
  parseResponseHead,
  type RequestHead,
  type ResponseHead,
} from '../../core/wire/handshake';
import { redactTarget } from '../redact';
import type { ConnectionCapture } from '../tap/capture';
import { isAllowedTarget, type ProxyTarget, parseTarget, type TargetResult } from './target';

export interface ProxySettings {
  /** `--target`: where `/proxy` relays when the URL names no `?target=`. */
  target?: string;
  /** `--allow-target host[:port]`: non-loopback targets the user allows. */
  allowTargets: readonly string[];
  /** `--ca`: PEM certificates to trust for wss:// targets. */
  ca?: string | Buffer;
  /** `--insecure`: accept any certificate from a wss:// target (self-signed test servers). */
  insecure: boolean;
  /** `--allow-origin`: pages from these origins may use `/proxy` too (normalised origins). */
  allowOrigins?: readonly string[];
}

/** Which upstream URL this request asks for, and whether wslab may go there. */
export function resolveTarget(url: URL, settings: ProxySettings): TargetResult {
  const asked = url.searchParams.get('target');
  const text = asked ?? settings.target;
  if (!text) {
    return {
      ok: false,
      status: 400,
      code: 'BAD_TARGET',
      reason: 'no target: connect to /proxy?target=ws://host:port/path, or start wslab with --target',
    };
  }
  const parsed = parseTarget(text);
  if (!parsed.ok) return parsed;
  const { host, port } = parsed.target;
  if (!isAllowedTarget(host, port, settings.allowTargets)) {
    return {
      ok: false,
      status: 403,
      code: 'FORBIDDEN_TARGET',
      reason: `wslab relays only to loopback addresses unless started with --allow-target ${host}:${port}`,
    };
  }
  // The client's path below /proxy goes on to the target's path, as a client library that only
  // lets you pick the path (Socket.IO's `path`) needs.
  const rest = url.pathname.slice(PROXY_PATH.length);
  const base = parsed.target.url;
  if (rest) base.pathname = `${base.pathname.replace(/\/$/, '')}${rest}`;
  if (asked === null) {
    // --target: the client's query is the target's query.
    if (url.search) base.search = url.search;
  } else {
    // ?target=: the client's other parameters (a library's own, `EIO=4&transport=polling`) follow
    // the target's; `target` itself is wslab's and stays here.
    for (const [name, value] of url.searchParams) {
      if (name !== 'target') base.searchParams.append(name, value);
    }
  }
  return parsed;
}

/** How the upstream was reached, for the connection's handshake card. */
export function upstreamView(
  target: ProxyTarget,
  requestLine: string,
  settings: ProxySettings,
  authorizationError: string | null,
): UpstreamView {
  const view: UpstreamView = {
    target: redactTarget(target.url.href),
    requestLine: redactRequestLine(requestLine),
    host: hostHeaderOf(target),
    tls: !target.secure ? 'none' : settings.insecure ? 'insecure' : 'verified',
  };
  if (target.secure && authorizationError) view.tlsError = authorizationError;
  return view;
}

/** `GET /chat?key=abc HTTP/1.1` with its secrets redacted, as the tap shows any path. */
function redactRequestLine(line: string): string {
  const [method, path, version] = line.split(' ');
  return `${method} ${redactTarget(path ?? '')} ${version}`;
}

/** RFC 9112 §3.2: Host names the server being asked; the default port is left out. */
export function hostHeaderOf(target: ProxyTarget): string {
  const defaultPort = target.secure ? 443 : 80;
  return target.port === defaultPort ? target.url.host.replace(/:\d+$/, '') : target.url.host;
}

/**
 * The request as the upstream will see it: the same head, byte for byte, except the request
 * line's path and the Host header (RFC 9112 §3.2: Host names the server being asked).
 */
export function upstreamRequest(req: IncomingMessage, target: ProxyTarget): string {
  const hostValue = hostHeaderOf(target);
  const headers: HeaderList = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    headers.push([name, name.toLowerCase() === 'host' ? hostValue : req.rawHeaders[i + 1]!]);
  }
  return formatHead(upstreamRequestLine(req, target), headers);
}

export function upstreamRequestLine(req: IncomingMessage, target: ProxyTarget): string {
  return `${req.method} ${target.url.pathname}${target.url.search} HTTP/${req.httpVersion}`;
}

export interface RelayHooks {
  /** Called once the upstream has answered the handshake, to start watching the client socket. */
  capture(upstream: UpstreamView): ConnectionCapture;
  /** The upstream could not be reached, or is no WebSocket server: answer the client with this. */
  refuse(status: number, reason: string, code: HandshakeRefusalCode): void;
}

/**
 * Relays one upgraded connection to its target byte for byte. Nothing is parsed on the way but the
 * upstream's answer to the handshake: the tap's capture reads the same bytes as they pass, so what
 * the inspector shows is exactly what the client and the upstream exchanged — extensions,
 * subprotocols and faults included.
 */
export interface Relay {
  /** Says goodbye to both peers with a close frame 1001 (going away), then lets go. */
  shutDown(): void;
}

// What the client may send before the upstream has accepted the WebSocket: held here, not relayed.
export const MAX_EARLY_CLIENT_BYTES = 64 * 1024;
// An answer head longer than this is no WebSocket server's 101.
export const MAX_UPSTREAM_HEAD_BYTES = 16 * 1024;
// How long the upstream may take to answer the handshake.
export const UPSTREAM_ANSWER_MS = 10_000;

const HTTP_PREFIX = Buffer.from('HTTP/', 'latin1');

export function relay(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  target: ProxyTarget,
  settings: ProxySettings,
  hooks: RelayHooks,
): Relay {
  const clientSocket = client as Socket;
  const upstream: Socket = target.secure
    ? connectTls({
        host: target.host,
        port: target.port,
        servername: isIpLiteral(target.host) ? undefined : target.host,
        ca: settings.ca,
        rejectUnauthorized: !settings.insecure,
        ALPNProtocols: ['http/1.1'],
      })
    : connectTcp({ host: target.host, port: target.port });
  // Half-closed TCP passes through: a FIN from one side becomes a FIN to the other.
  clientSocket.allowHalfOpen = true;
  let connected = false;
  // Until the upstream has answered, the relay is a handshake and nothing else: `/proxy` must not
  // be a tunnel to any TCP service on this machine. Only a 101 whose Sec-WebSocket-Accept is
  // derived from this request's key (RFC 6455 §4.1, §4.2.2) proves a WebSocket server answered.
  let settled = false;
  let capture: ConnectionCapture | null = null;
  const held: Buffer[] = head.length > 0 ? [head] : [];
  let heldBytes = head.length;
  let clientEnded = false;
  let answer: Buffer = Buffer.alloc(0);

  const fail = (reason: string): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    upstream.destroy();
    hooks.refuse(502, reason, 'UPSTREAM_FAILED');
  };
  const timer = setTimeout(
    () =>
      fail(`the target ${where(target)} did not answer the handshake within ${UPSTREAM_ANSWER_MS / 1000} s`),
    UPSTREAM_ANSWER_MS,
  );
  timer.unref();

  const hold = (chunk: Buffer): void => {
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes > MAX_EARLY_CLIENT_BYTES) {
      fail(
        `the client sent more than ${MAX_EARLY_CLIENT_BYTES / 1024} KiB before the target accepted the WebSocket (RFC 6455 §4.1: frames come after the 101)`,
      );
    }
  };
  const onClientEnd = (): void => {
    clientEnded = true;
  };
  clientSocket.on('data', hold);
  clientSocket.on('end', onClientEnd);

  const readAnswer = (chunk: Buffer): void => {
    answer = answer.length === 0 ? chunk : Buffer.concat([answer, chunk]);
    const prefix = Math.min(answer.length, HTTP_PREFIX.length);
    if (!answer.subarray(0, prefix).equals(HTTP_PREFIX.subarray(0, prefix))) {
      fail(
        `the target ${where(target)} is not a WebSocket server: its answer is not HTTP (${preview(answer)})`,
      );
      return;
    }
    const end = findHeadEnd(answer);
    if (end < 0) {
      if (answer.length > MAX_UPSTREAM_HEAD_BYTES) {
        fail(`the target ${where(target)} sent an answer head over ${MAX_UPSTREAM_HEAD_BYTES / 1024} KiB`);
      }
      return;
    }
    const parsed = parseResponseHead(answer.subarray(0, end).toString('latin1'));
    if (!parsed.ok) {
      fail(`the target ${where(target)} is not a WebSocket server: ${parsed.error}`);
      return;
    }
    if (parsed.head.status !== 101) {
      passThrough(parsed.head, end);
      return;
    }
    const accept = checkAccept(requestHeadOf(req), parsed.head);
    if (!accept.ok) {
      fail(
        `the target ${where(target)} answered 101 without the right Sec-WebSocket-Accept (expected ${accept.expected}, got ${accept.actual ?? 'none'}): not a WebSocket server (RFC 6455 §4.1)`,
      );
      return;
    }
    open();
  };

  /** Starts the tap's capture and hands the client the upstream's answer, exactly as it came. */
  const settle = (): ConnectionCapture => {
    settled = true;
    clearTimeout(timer);
    upstream.off('data', readAnswer);
    clientSocket.off('data', hold);
    clientSocket.off('end', onClientEnd);
    const tlsError = (upstream as TLSSocket).authorizationError;
    const started = hooks.capture(
      upstreamView(target, upstreamRequestLine(req, target), settings, tlsError ? String(tlsError) : null),
    );
    started.watchWrites(clientSocket);
    clientSocket.write(answer);
    capture = started;
    return started;
  };

  /** The upstream refused the WebSocket: its answer reaches the client as sent, and the relay ends. */
  const passThrough = (response: ResponseHead, headEnd: number): void => {
    settle();
    // Whatever the client sends now is not a WebSocket frame and goes nowhere.
    clientSocket.on('data', () => {});
    const length = Number(headerValue(response.headers, 'content-length') ?? Number.NaN);
    let remaining = Number.isInteger(length) && length >= 0 ? length - (answer.length - headEnd) : null;
    const finish = (): void => {
      clientSocket.end();
      upstream.destroy();
    };
    if (remaining !== null && remaining <= 0) {
      finish();
      return;
    }
    upstream.on('data', (chunk: Buffer) => {
      if (remaining === null) {
        clientSocket.write(chunk);
        return;
      }
      clientSocket.write(chunk.subarray(0, remaining));
      remaining -= chunk.length;
      if (remaining <= 0) finish();
    });
  };

  /** The upstream is a WebSocket server: the held bytes go first, then both ways, untouched. */
  const open = (): void => {
    const started = settle();
    const early = Buffer.concat(held);
    if (early.length > 0) {
      started.feedClient(early);
      upstream.write(early);
    }
    started.watchReads(clientSocket);
    if (clientEnded) upstream.end();
    else clientSocket.pipe(upstream);
    upstream.pipe(clientSocket);
  };

  upstream.once(target.secure ? 'secureConnect' : 'connect', () => {
    connected = true;
    upstream.setNoDelay(true);
    upstream.write(upstreamRequest(req, target));
    upstream.on('data', readAnswer);
  });

  upstream.on('error', (error: NodeJS.ErrnoException) => {
    if (!settled) {
      fail(describeUpstreamFailure(error, target));
      return;
    }
    clientSocket.destroy();
  });
  upstream.on('close', () => {
    if (!settled) {
      fail(
        connected
          ? `the target ${where(target)} closed before answering the upgrade`
          : `could not reach the target ${where(target)}`,
      );
      return;
    }
    clientSocket.end();
  });
  const stop = (): void => {
    // The client left: there is no one to answer any more, whatever the upstream does next.
    settled = true;
    clearTimeout(timer);
    upstream.destroy();
  };
  clientSocket.on('error', stop);
  clientSocket.on('close', stop);

  return {
    shutDown() {
      // RFC 6455 §7.4.1: 1001, going away. Only between frames: one injected mid-frame would
      // corrupt the stream, and then dropping the connection is the honest thing to do.
      if (capture?.betweenFrames && clientSocket.writable) {
        clientSocket.unpipe(upstream);
        upstream.unpipe(clientSocket);
        // Keep reading both (unpipe pauses them), so each peer's FIN arrives and the sockets close.
        clientSocket.resume();
        upstream.resume();
        clientSocket.end(encodeClose(1001, 'wslab shutting down'));
        upstream.end(encodeClose(1001, 'wslab shutting down', true));
        setTimeout(() => {
          clientSocket.destroy();
          upstream.destroy();
        }, 1000).unref();
      } else {
        clientSocket.destroy();
        upstream.destroy();
      }
    },
  };
}

/** The client's request as the handshake checks read it: only its key matters for the accept. */
function requestHeadOf(req: IncomingMessage): RequestHead {
  const headers: HeaderList = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
  return { method: req.method ?? 'GET', path: req.url ?? '/', httpVersion: req.httpVersion, headers };
}

function where(target: ProxyTarget): string {
  return `${target.host}:${target.port}`;
}

/** The first bytes of an answer, printable, for a reason line. */
function preview(bytes: Buffer): string {
  return JSON.stringify(bytes.subarray(0, 24).toString('latin1'));
}

export function describeUpstreamFailure(error: NodeJS.ErrnoException, target: ProxyTarget): string {
  const where = `${target.host}:${target.port}`;
  if (error.code === 'ECONNREFUSED') return `the target ${where} refused the connection (nothing listening?)`;
  if (error.code === 'ENOTFOUND') return `the target host ${target.host} was not found`;
  if (error.code === 'ETIMEDOUT') return `the target ${where} did not answer`;
  if (target.secure) return describeTlsFailure(error, target);
  return `could not reach the target ${where}: ${error.message}`;
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/**
 * Why TLS with the upstream failed, with the remedy that can fix it. A certificate for another
 * name is not fixed by trusting it (--ca): the URL must name the host the certificate was issued
 * for (RFC 9110 §4.3.4), or the check must be skipped.
 */
export function describeTlsFailure(
  error: NodeJS.ErrnoException & { cert?: { subjectaltname?: string } },
  target: ProxyTarget,
): string {
  const where = `${target.host}:${target.port}`;
  if (error.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = error.cert?.subjectaltname?.replace(/\b(?:DNS|IP Address):/g, '') ?? 'other names';
    return `TLS with ${where} failed: the certificate is for ${names}, not ${target.host} (hostname mismatch): name the target by one of those (${target.url.protocol}//NAME:${target.port}…), or --insecure to skip the check`;
  }
  return `TLS with ${where} failed: ${error.message} (--ca <file> to trust its certificate, or --insecure for a test server)`;
}
