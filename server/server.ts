import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type WebSocket, WebSocketServer } from 'ws';
import { checkUpgradeRequest, formatHead, type HeaderList, type RequestHead } from '../core/wire/handshake';
import { createApp } from './app';
import { echoEndpoint } from './echo';
import type { TappedEndpoint } from './endpoint';
import { isAllowedHost, isSameOrigin } from './host-check';
import { liveEndpoint, liveTokenEndpoint } from './live/live-endpoint';
import { PROXY_PATH, type ProxySettings, type Relay, relay, resolveTarget } from './proxy/relay';
import { redactQuery, redactRequest } from './redact';
import { rejectHandshake } from './reject-handshake';
import { ConnectionCapture, publishRefusal } from './tap/capture';
import { TapHub } from './tap/hub';
import { SessionRecorder } from './tap/recording';

export interface ServerOptions {
  /** 0 picks a free port. Default 8765. */
  port?: number;
  /** Default 127.0.0.1: the playground is for this machine unless asked otherwise. */
  host?: string;
  /** Largest message the echo server accepts, in bytes; larger ones are closed with 1009. */
  maxPayload?: number;
  /** Payload bytes kept in a tap event. */
  payloadCap?: number;
  /** Events replayed to a new tap subscriber. */
  historySize?: number;
  /** Captured bytes waiting to be decoded past which the tap skips a connection (default 64 MiB). */
  tapBacklogBytes?: number;
  /** Run the tap's decoding and JSON in a worker thread; by default when there are four cores or more. */
  tapThread?: boolean;
  /** Where `/proxy` relays by default (`--target`). */
  target?: string;
  /** Non-loopback hosts `/proxy` may relay to (`--allow-target`). */
  allowTargets?: string[];
  /** PEM certificates to trust for wss:// targets (`--ca`). */
  ca?: string | Buffer;
  /** Accept any certificate from a wss:// target (`--insecure`). */
  insecure?: boolean;
  /** Raw bytes kept for export (HAR, pcapng); 0 keeps none. Default 64 MiB. */
  recordBytes?: number;
  /** Accept permessage-deflate on the echo server unless a connection asks `deflate=0`. */
  deflate?: boolean;
  /** Unsent bytes after which a tap subscriber is skipped (and later sent `dropped`). */
  tapBufferLimit?: number;
  /** Serve the UI through Vite with hot reload instead of the built files. */
  dev?: boolean;
  /** More host names to accept in `Host`, besides IP literals and localhost. */
  allowedHosts?: string[];
}

export interface RunningServer {
  /** `http://host:port/` */
  url: string;
  port: number;
  host: string;
  hub: TapHub;
  /** The raw bytes of recent connections, for export. */
  recorder: SessionRecorder;
  httpServer: Server;
  health(): Record<string, unknown>;
  /** Closes every WebSocket with 1001 (going away) and stops listening. */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8765;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
export const DEFAULT_PAYLOAD_CAP = 64 * 1024;

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

function remoteOf(socket: Duplex): string {
  const { remoteAddress = '?', remotePort = 0 } = socket as Socket;
  return remoteAddress.includes(':') ? `[${remoteAddress}]:${remotePort}` : `${remoteAddress}:${remotePort}`;
}

function localOf(socket: Duplex): string {
  const { localAddress = '127.0.0.1', localPort = 0 } = socket as Socket;
  return localAddress.includes(':') ? `[${localAddress}]:${localPort}` : `${localAddress}:${localPort}`;
}

function requestHeadOf(req: IncomingMessage): RequestHead {
  const headers: HeaderList = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
  return { method: req.method ?? 'GET', path: req.url ?? '/', httpVersion: req.httpVersion, headers };
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  const payloadCap = options.payloadCap ?? DEFAULT_PAYLOAD_CAP;
  const allowedHosts = [host, ...(options.allowedHosts ?? [])];
  const started = performance.now();
  const hub = new TapHub({
    historySize: options.historySize ?? 5000,
    payloadCap,
    maxPayload,
    maxBufferedBytes: options.tapBufferLimit,
    ...(options.tapBacklogBytes !== undefined ? { backlogBytes: options.tapBacklogBytes } : {}),
    ...(options.tapThread !== undefined ? { thread: options.tapThread } : {}),
  });

  // `ws` answers pings with pongs and closes with closes on its own (RFC 6455 §5.5.2, §5.5.1).
  const tappedServer = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false });
  // The same, accepting permessage-deflate (RFC 7692) when the client offers it. Threshold 0:
  // compress every message, so that a lesson can compare sizes even for short ones.
  const deflateServer = new WebSocketServer({
    noServer: true,
    maxPayload,
    perMessageDeflate: { threshold: 0 },
  });
  // biome-ignore lint/suspicious/noExplicitAny: each endpoint parses its own option type
  const endpoints: TappedEndpoint<any>[] = [echoEndpoint, liveEndpoint, liveTokenEndpoint];
  // Tap subscribers only listen; anything they send is read and dropped, and a big one is refused.
  const tapServer = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });
  const recorder = new SessionRecorder(options.recordBytes ?? 64 * 1024 * 1024, performance.timeOrigin);
  let nextConn = 1;
  const openByKind = new Map<string, number>();
  let totalConnections = 0;

  const health = (): Record<string, unknown> => ({
    status: 'ok',
    uptime: (performance.now() - started) / 1000,
    connections: {
      echo: openByKind.get('echo') ?? 0,
      live: openByKind.get('live') ?? 0,
      proxy: relays.size,
      tap: tapServer.clients.size,
      total: totalConnections,
    },
    events: hub.published,
    maxPayload,
  });

  const app = createApp({
    projectRoot,
    webRoot: `${projectRoot}dist/web`,
    lessonsDir: `${projectRoot}lessons`,
    allowedHosts,
    health,
    recorder,
  });
  const httpServer = createServer(app);

  if (options.dev) {
    const { mountDevUi } = await import('./dev-ui');
    await mountDevUi(app, httpServer);
  }

  const refuse = (
    req: IncomingMessage,
    socket: Duplex,
    url: URL,
    status: number,
    reason: string,
    code: string,
    extraHeaders: HeaderList = [],
  ): void => {
    const request = redactRequest(requestHeadOf(req));
    const remote = remoteOf(socket); // before the socket is destroyed and forgets its peer
    const responseRaw = rejectHandshake(socket, status, reason, extraHeaders);
    totalConnections++;
    publishRefusal(hub, {
      conn: `c${nextConn++}`,
      remote,
      path: url.pathname,
      query: redactQuery(queryOf(url)),
      request,
      requestRaw: formatHead(
        `${request.method} ${request.path} HTTP/${request.httpVersion}`,
        request.headers,
      ),
      status,
      reason,
      responseRaw,
      code,
    });
  };

  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A reset before `ws` takes the socket must not become an unhandled 'error'.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    const protocol = req.headers['sec-websocket-protocol'];
    if (options.dev && typeof protocol === 'string' && protocol.startsWith('vite-')) return; // Vite's HMR channel

    if (url.pathname === PROXY_PATH || url.pathname.startsWith(`${PROXY_PATH}/`)) {
      proxyUpgrade(req, socket, head, url);
      return;
    }
    const isTap = url.pathname === '/tap';
    if (!isTap && !endpoints.some((endpoint) => endpoint.matches(url.pathname))) {
      refuse(
        req,
        socket,
        url,
        404,
        `no WebSocket endpoint at ${url.pathname}; the echo server is at /echo`,
        'NOT_FOUND',
      );
      return;
    }
    const request = redactRequest(requestHeadOf(req));
    const check = checkUpgradeRequest(request);
    if (!check.ok) {
      refuse(req, socket, url, check.status, check.reason, 'BAD_HANDSHAKE', check.headers);
      return;
    }

    if (isTap) {
      if (!isAllowedHost(req.headers.host, allowedHosts)) {
        refuse(
          req,
          socket,
          url,
          403,
          `Host "${req.headers.host ?? ''}" is not allowed (DNS rebinding guard)`,
          'FORBIDDEN_HOST',
        );
        return;
      }
      if (!isSameOrigin(req.headers.origin, req.headers.host)) {
        refuse(
          req,
          socket,
          url,
          403,
          `the tap only accepts pages from this server, not Origin ${req.headers.origin} (RFC 6455 §10.2)`,
          'FORBIDDEN_ORIGIN',
        );
        return;
      }
      tapServer.handleUpgrade(req, socket, head, (ws) => subscribeTap(ws));
      return;
    }

    const endpoint = endpoints.find((candidate) => candidate.matches(url.pathname))!;
    const parsed = endpoint.parse(url.searchParams);
    if (!parsed.ok) {
      refuse(req, socket, url, 400, parsed.error, 'BAD_PARAMETER');
      return;
    }
    totalConnections++;
    const capture = new ConnectionCapture(hub, {
      conn: `c${nextConn++}`,
      kind: endpoint.kind,
      remote: remoteOf(socket),
      path: url.pathname,
      query: redactQuery(queryOf(url)),
      request,
      requestRaw: formatHead(
        `${request.method} ${request.path} HTTP/${request.httpVersion}`,
        request.headers,
      ),
      maxPayload,
      payloadCap,
      recorder,
      local: localOf(socket),
    });
    capture.watchWrites(socket as Socket);
    const deflate = endpoint.deflate?.(parsed.value) ?? options.deflate ?? false;
    (deflate ? deflateServer : tappedServer).handleUpgrade(req, socket, head, (ws) => {
      capture.watchReads(socket as Socket);
      ws.on('error', () => {
        // `ws` has already answered a protocol error with the right close frame; the tap shows it.
      });
      openByKind.set(endpoint.kind, (openByKind.get(endpoint.kind) ?? 0) + 1);
      ws.once('close', () => openByKind.set(endpoint.kind, (openByKind.get(endpoint.kind) ?? 1) - 1));
      endpoint.serve(ws, parsed.value);
    });
  });

  const proxySettings: ProxySettings = {
    target: options.target,
    allowTargets: options.allowTargets ?? [],
    ca: options.ca,
    insecure: options.insecure ?? false,
  };
  const relays = new Set<Relay>();

  /** `/proxy`: relay byte for byte to another WebSocket server, with the tap reading along. */
  function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    const resolved = resolveTarget(url, proxySettings);
    if (!resolved.ok) {
      refuse(req, socket, url, resolved.status, resolved.reason, resolved.code);
      return;
    }
    const request = redactRequest(requestHeadOf(req));
    const remote = remoteOf(socket);
    const handle = relay(req, socket, head, resolved.target, proxySettings, {
      capture: () => {
        totalConnections++;
        return new ConnectionCapture(hub, {
          conn: `c${nextConn++}`,
          kind: 'proxy',
          remote,
          path: url.pathname,
          query: redactQuery({ ...queryOf(url), target: resolved.target.url.href }),
          request,
          requestRaw: formatHead(
            `${request.method} ${request.path} HTTP/${request.httpVersion}`,
            request.headers,
          ),
          // The upstream's limit is unknown; this only bounds what the tap holds to show a message.
          maxPayload: Math.max(maxPayload, 16 * 1024 * 1024),
          payloadCap,
          recorder,
          local: localOf(socket),
          trackFrames: true,
        });
      },
      refuse: (status, reason, code) => refuse(req, socket, url, status, reason, code),
    });
    relays.add(handle);
    socket.once('close', () => relays.delete(handle));
  }

  function subscribeTap(ws: WebSocket): void {
    const unsubscribe = hub.subscribe(ws);
    ws.on('message', () => {});
    ws.on('error', () => {});
    ws.once('close', unsubscribe);
  }

  // Ready means the tap is too: its worker thread has loaded.
  await hub.feed.ready;
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? DEFAULT_PORT, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const address = httpServer.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const sockets = [...tappedServer.clients, ...deflateServer.clients, ...tapServer.clients];
      // RFC 6455 §7.4.1: 1001, the endpoint is going away.
      for (const ws of sockets) ws.close(1001, 'server shutting down');
      for (const handle of relays) handle.shutDown();
      await Promise.race([
        Promise.all(
          sockets.map((ws) => (ws.readyState === ws.CLOSED ? null : new Promise((r) => ws.once('close', r)))),
        ),
        new Promise((r) => setTimeout(r, 1000).unref()),
      ]);
      for (const ws of sockets) ws.terminate();
      await hub.flush();
      await hub.close();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
    })();
    return closing;
  };

  return {
    url: `http://${urlHost}:${address.port}/`,
    port: address.port,
    host: address.address,
    hub,
    recorder,
    httpServer,
    health,
    close,
  };
}

function queryOf(url: URL): Record<string, string> | undefined {
  if (!url.search) return undefined;
  return Object.fromEntries(url.searchParams);
}
