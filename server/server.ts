import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createApp } from './app';
import { echoEndpoint } from './echo';
import { liveEndpoint, liveTokenEndpoint } from './live/live-endpoint';
import { TapHub } from './tap/hub';
import { SessionRecorder } from './tap/recording';
import { UpgradeRouter } from './upgrade-router';

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

  const recorder = new SessionRecorder(options.recordBytes ?? 64 * 1024 * 1024, performance.timeOrigin);
  const router = new UpgradeRouter({
    hub,
    recorder,
    endpoints: [echoEndpoint, liveEndpoint, liveTokenEndpoint],
    maxPayload,
    payloadCap,
    allowedHosts,
    deflate: options.deflate ?? false,
    dev: options.dev ?? false,
    proxy: {
      target: options.target,
      allowTargets: options.allowTargets ?? [],
      ca: options.ca,
      insecure: options.insecure ?? false,
    },
  });

  const health = (): Record<string, unknown> => ({
    status: 'ok',
    uptime: (performance.now() - started) / 1000,
    connections: router.connections(),
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

  httpServer.on('upgrade', router.route);

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
      await router.shutDown();
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
