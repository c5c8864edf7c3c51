import type { IncomingMessage } from 'node:http';
import { connect as connectTcp, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as connectTls } from 'node:tls';
import { PROXY_PATH } from '../../core/routes';
import type { HandshakeRefusalCode } from '../../core/tap/events';
import { encodeClose } from '../../core/wire/frame-encoder';
import { formatHead, type HeaderList } from '../../core/wire/handshake';
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
  if (asked === null) {
    // --target: the client's path below /proxy and its query go on to the target's path.
    const rest = url.pathname.slice(PROXY_PATH.length);
    const base = parsed.target.url;
    if (rest) base.pathname = `${base.pathname.replace(/\/$/, '')}${rest}`;
    if (url.search) base.search = url.search;
  }
  return parsed;
}

/**
 * The request as the upstream will see it: the same head, byte for byte, except the request
 * line's path and the Host header (RFC 9112 §3.2: Host names the server being asked).
 */
export function upstreamRequest(req: IncomingMessage, target: ProxyTarget): string {
  const defaultPort = target.secure ? 443 : 80;
  const hostValue = target.port === defaultPort ? target.url.host.replace(/:\d+$/, '') : target.url.host;
  const headers: HeaderList = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    headers.push([name, name.toLowerCase() === 'host' ? hostValue : req.rawHeaders[i + 1]!]);
  }
  return formatHead(
    `${req.method} ${target.url.pathname}${target.url.search} HTTP/${req.httpVersion}`,
    headers,
  );
}

export interface RelayHooks {
  /** Called once the upstream TCP (and TLS) connection is up, to start watching the client socket. */
  capture(): ConnectionCapture;
  /** The upstream could not be reached: answer the client with this status and reason. */
  refuse(status: number, reason: string, code: HandshakeRefusalCode): void;
}

/**
 * Relays one upgraded connection to its target byte for byte. Nothing is parsed on the way: the
 * tap's capture reads the same bytes as they pass, so what the inspector shows is exactly what
 * the client and the upstream exchanged — extensions, subprotocols and faults included.
 */
export interface Relay {
  /** Says goodbye to both peers with a close frame 1001 (going away), then lets go. */
  shutDown(): void;
}

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
  let connected = false;
  let capture: ConnectionCapture | null = null;

  upstream.once(target.secure ? 'secureConnect' : 'connect', () => {
    connected = true;
    upstream.setNoDelay(true);
    capture = hooks.capture();
    capture.watchWrites(clientSocket);
    capture.watchReads(clientSocket);
    // Half-closed TCP passes through: a FIN from one side becomes a FIN to the other.
    clientSocket.allowHalfOpen = true;
    upstream.write(upstreamRequest(req, target));
    if (head.length > 0) {
      capture.feedClient(head);
      upstream.write(head);
    }
    clientSocket.pipe(upstream);
    upstream.pipe(clientSocket);
  });

  upstream.on('error', (error: NodeJS.ErrnoException) => {
    if (!connected) {
      hooks.refuse(502, describeUpstreamFailure(error, target), 'UPSTREAM_FAILED');
      return;
    }
    clientSocket.destroy();
  });
  upstream.on('close', () => {
    if (connected) clientSocket.end();
  });
  clientSocket.on('error', () => upstream.destroy());
  clientSocket.on('close', () => upstream.destroy());

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

function describeUpstreamFailure(error: NodeJS.ErrnoException, target: ProxyTarget): string {
  const where = `${target.host}:${target.port}`;
  if (error.code === 'ECONNREFUSED') return `the target ${where} refused the connection (nothing listening?)`;
  if (error.code === 'ENOTFOUND') return `the target host ${target.host} was not found`;
  if (error.code === 'ETIMEDOUT') return `the target ${where} did not answer`;
  if (target.secure)
    return `TLS with ${where} failed: ${error.message} (--ca <file> or --insecure for a test server)`;
  return `could not reach the target ${where}: ${error.message}`;
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
