import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import type { Duplex } from 'node:stream';
import { TAP_PAYLOAD_CAP, TAP_STORE_BYTES } from '../core/defaults';
import { type PageView, TAP_PATH, TEACH_BOARD_PATH, TEACH_PATH } from '../core/routes';
import { createApp } from './app';
import { BoardSockets } from './classroom/board-socket';
import {
  Classroom,
  connFilter,
  isClassroom,
  NO_SESSION_REASON,
  PROXY_OFF_REASON,
} from './classroom/classroom';
import { newInstructorToken } from './classroom/instructor';
import { learnerRoutes } from './classroom/learner-routes';
import { openConnectionsByLearner } from './classroom/open-connections';
import { PROGRESS_DEFAULTS, ProgressStore } from './classroom/progress';
import { classroomRouter } from './classroom/routes';
import { learnerOf } from './classroom/sessions';
import { SharedBoard } from './classroom/shared-board';
import { joinClass, type SharedClass, SharedClassError } from './classroom/shared-class';
import { Watchers } from './classroom/watchers';
import { echoEndpoint } from './echo';
import { copyJournalInTurns, exportable, recordingsFromJournal } from './export/journal-recordings';
import type { SessionRecorder } from './export/recordings';
import { exportCeiling } from './export/routes';
import { liveEndpoints } from './live/live-endpoint';
import {
  RESUMPTION_STORE_DEFAULTS,
  ResumptionStore,
  type ResumptionStoreLimits,
} from './live/resumption-store';
import { packageRoot } from './package-root';
import { isProxyPath, relayHttp } from './proxy/http-relay';
import { rejectHandshake } from './reject-handshake';
import { CLASSROOM_MAX_SUBSCRIBERS, DEFAULT_MAX_SUBSCRIBERS, TapHub } from './tap/hub';
import { Journal } from './tap/journal';
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
  /**
   * Memory the tap's journal may use for the captured bytes and their bookkeeping (`--history`):
   * the history a new subscriber and the exports get. Default 64 MiB.
   */
  historyBytes?: number;
  /** Decode `/tap` (JSON) in a worker thread; by default when the machine has more than one core. */
  decodeTapOffThread?: boolean;
  /** Where `/proxy` relays by default (`--target`). */
  target?: string;
  /** Non-loopback hosts `/proxy` may relay to (`--allow-target`). */
  allowTargets?: string[];
  /** PEM certificates to trust for wss:// targets (`--ca`). */
  ca?: string | Buffer;
  /** Accept any certificate from a wss:// target (`--insecure`). */
  insecure?: boolean;
  /** Pages from these origins may use `/proxy` (`--allow-origin`), as normalised origins. */
  allowOrigins?: string[];
  /** Accept permessage-deflate on the echo server unless a connection asks `deflate=0`. */
  deflate?: boolean;
  /** Unsent bytes per tap subscriber past which nothing more is sent until its socket drains. */
  tapBufferLimit?: number;
  /** Tap subscribers at once (default 32, 1 024 in classroom mode); one more is refused with 503. */
  maxTapSubscribers?: number;
  /** Serve the UI through Vite with hot reload instead of the built files. */
  dev?: boolean;
  /** The view `/` opens on (`--inspect`: the inspector-first view); default the playground. */
  startView?: PageView;
  /** More host names to accept in `Host`, besides IP literals and localhost. */
  allowedHosts?: string[];
  /** Bytes of HTTP bodies `/proxy` may hold at once for all its exchanges (default 64 MiB). */
  proxyHeldBytes?: number;
  /** Bounds of the Live stand-in's store of resumable sessions. */
  liveResumptions?: ResumptionStoreLimits;
  /**
   * Classroom mode (`--classroom`, `--no-classroom`): each learner sees only their own traffic, and
   * `/proxy` is off unless `allowProxy`. By default on exactly when `host` is not a loopback address.
   */
  classroom?: boolean;
  /** `--allow-proxy`: keep `/proxy` and other workbench targets on in classroom mode. */
  allowProxy?: boolean;
  /** Opens `/teach` and sees every learner (`--instructor-token`); random when not given. */
  instructorToken?: string;
  /** `--redis URL`: this instance is one of several serving one classroom (shared-class.ts). */
  redis?: string;
}

export interface RunningServer {
  /** `http://host:port/` */
  url: string;
  port: number;
  host: string;
  hub: TapHub;
  /** The journal's connections as recordings, for export (`conn` picks one). */
  recordings(conn?: string): SessionRecorder;
  httpServer: Server;
  health(): Record<string, unknown>;
  /** The instructor's token: given, or random (192 bits). */
  instructorToken: string;
  /** `http://host:port/teach?token=…` in classroom mode, else null. */
  instructorUrl: string | null;
  /** Each learner's reported progress, as the board shows it. */
  progress: ProgressStore;
  /** The class this instance is one of (`--redis`), or null. */
  sharedClass: SharedClass | null;
  /** Closes every WebSocket with 1001 (going away) and stops listening. */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8765;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  const payloadCap = options.payloadCap ?? TAP_PAYLOAD_CAP;
  const allowedHosts = [host, ...(options.allowedHosts ?? [])];
  const started = performance.now();
  const journal = new Journal({ budgetBytes: options.historyBytes ?? TAP_STORE_BYTES });
  const hub = new TapHub(journal, {
    payloadCap,
    maxPayload,
    // With a core to spare, JSON subscribers are decoded beside the sockets' thread, not on it.
    decodeOffThread: options.decodeTapOffThread ?? availableParallelism() > 1,
    ...(options.tapBufferLimit !== undefined ? { maxBufferedBytes: options.tapBufferLimit } : {}),
    maxSubscribers:
      options.maxTapSubscribers ??
      (isClassroom(options) ? CLASSROOM_MAX_SUBSCRIBERS : DEFAULT_MAX_SUBSCRIBERS),
  });
  // t = 0 is the journal's clock's origin (performance.now()).
  const recordings = (conn?: string): SessionRecorder =>
    recordingsFromJournal(journal, performance.timeOrigin, conn);
  // Live sessions waiting to be resumed: this server's own, bounded like the journal.
  const resumptions = new ResumptionStore(options.liveResumptions ?? RESUMPTION_STORE_DEFAULTS);
  const proxySettings = {
    target: options.target,
    allowTargets: options.allowTargets ?? [],
    ca: options.ca,
    insecure: options.insecure ?? false,
    allowOrigins: options.allowOrigins ?? [],
  };
  // Classroom mode (issue 17): who each connection belongs to, and who may see it.
  const classroom = isClassroom(options);
  if (options.redis && !classroom)
    throw new SharedClassError(
      '--redis joins instances into one classroom, so it needs classroom mode: add --classroom, or a --host other machines can reach',
    );
  const sharedClass = options.redis ? await joinClass(options.redis) : null;
  let instructorToken = options.instructorToken ?? newInstructorToken();
  try {
    if (sharedClass)
      instructorToken = await sharedClass.agreeToken(instructorToken, !!options.instructorToken);
  } catch (error) {
    await sharedClass?.close();
    throw error;
  }
  const room = new Classroom({
    enabled: classroom,
    ...(options.allowProxy ? { allowProxy: true } : {}),
    instructorToken: () => instructorToken,
    sharesTraffic: (learner) => progress.sharesTraffic(learner),
    sessionStore: sharedClass?.sessions ?? null,
  });
  const router = new UpgradeRouter({
    classroom: room,
    hub,
    endpoints: [echoEndpoint, ...liveEndpoints(resumptions)],
    maxPayload,
    payloadCap,
    allowedHosts,
    deflate: options.deflate ?? false,
    dev: options.dev ?? false,
    proxy: proxySettings,
  });

  const health = (): Record<string, unknown> => ({
    status: 'ok',
    uptime: (performance.now() - started) / 1000,
    connections: router.connections(),
    tap: { subscribers: hub.subscriberCount, queuedBytes: hub.queuedBytes, journal: journal.stats() },
    live: { resumptionHandles: resumptions.size, resumptionBytes: resumptions.memoryBytes },
    maxPayload,
    ...(sharedClass ? { class: { instance: sharedClass.instance, redis: sharedClass.url } } : {}),
  });

  // The instructor's board: each learner's progress, `/teach` and its socket; with `--redis`, the
  // rows of the class's other instances too.
  const progress = new ProgressStore(
    () => journal.now(),
    PROGRESS_DEFAULTS,
    () => (classroom ? openConnectionsByLearner(journal) : null),
  );
  room.sessions.onForget((learner) => progress.forget(learner.id));
  // The journal's clock is performance.now(): its 0 is performance.timeOrigin on the wall clock.
  const sharedBoard = sharedClass ? new SharedBoard(progress, sharedClass, performance.timeOrigin) : null;
  const watchers = new Watchers(progress, () => instructorToken);
  const boardSockets = new BoardSockets({
    store: sharedBoard ?? progress,
    instructorToken,
    allowedHosts,
    now: () => journal.now(),
  });

  const app = createApp({
    projectRoot: packageRoot,
    webRoot: `${packageRoot}dist/web`,
    lessonsDir: `${packageRoot}lessons`,
    allowedHosts,
    health,
    exportSource: {
      copy: async (only) => ({
        records: await copyJournalInTurns(journal, only),
        epoch: performance.timeOrigin,
      }),
      has: (conn, only) => exportable(journal, conn, only),
    },
    learnerRoutes: learnerRoutes(room),
    exportScope: {
      scopeOf: (req) => {
        const scope = room.scopeOf(req);
        const only = scope && connFilter(journal, scope);
        return scope === null ? null : only ? { only } : {};
      },
      why: NO_SESSION_REASON,
    },
    exportCeilingBytes: exportCeiling(journal.budgetBytes),
    startView: options.startView ?? 'playground',
    classroomRoutes: classroomRouter({
      classroom,
      instructorToken,
      store: progress,
      learnerOf,
      webRoot: `${packageRoot}dist/web`,
      dev: options.dev ?? false,
    }),
  });
  const httpRelay = {
    journal,
    payloadCap,
    allowedHosts,
    settings: proxySettings,
    heldBytesLimit: options.proxyHeldBytes,
  };
  // `/proxy` takes plain HTTP too (Socket.IO's long-polling), before the app sees it.
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    if (!isProxyPath(req.url ?? '/')) app(req, res);
    else if (room.proxyAllowed) relayHttp(req, res, httpRelay, room.sessions.learnerOf(req)?.id);
    else res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${PROXY_OFF_REASON}\n`);
  };
  const httpServer = createServer((req, res) => {
    room.sessions.attach(req);
    // With several instances, a session another instance started is looked up first.
    const resolving = room.sessions.resolve(req);
    if (resolving) resolving.then(() => answer(req, res));
    else answer(req, res);
  });

  if (options.dev) {
    const { mountDevUi } = await import('./dev-ui');
    await mountDevUi(app, httpServer);
  }

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname === TEACH_BOARD_PATH) {
      boardSockets.handle(req, socket, head);
      return;
    }
    // The board's Watch on a learner who does not share: said in words rather than the tap's 401.
    const notShared = pathname === TAP_PATH ? room.watchRefusal(req) : null;
    if (notShared !== null) {
      socket.on('error', () => socket.destroy());
      rejectHandshake(socket, 403, notShared);
      return;
    }
    if (pathname === TAP_PATH) watchers.track(req, socket);
    router.route(req, socket, head);
  };
  httpServer.on('upgrade', (req, socket, head) => {
    room.sessions.attach(req);
    const resolving = room.sessions.resolve(req);
    if (!resolving) upgrade(req, socket, head);
    else {
      socket.on('error', () => socket.destroy());
      resolving.then(() => upgrade(req, socket, head));
    }
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? DEFAULT_PORT, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    // Not listening: leave the class (its Redis connections would keep the process alive).
    sharedBoard?.close();
    await sharedClass?.close();
    throw error;
  });
  const address = httpServer.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      boardSockets.close();
      sharedBoard?.close();
      watchers.close();
      await router.shutDown();
      await hub.flush(1000);
      hub.close();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
      await sharedClass?.close();
    })();
    return closing;
  };

  return {
    url: `http://${urlHost}:${address.port}/`,
    port: address.port,
    host: address.address,
    hub,
    recordings,
    httpServer,
    health,
    instructorToken,
    instructorUrl: classroom
      ? `http://${urlHost}:${address.port}${TEACH_PATH}?token=${instructorToken}`
      : null,
    progress,
    sharedClass,
    close,
  };
}
