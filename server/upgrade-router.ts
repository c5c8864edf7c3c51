// Where each WebSocket upgrade goes, by its path, and every check made before one is accepted.
// Refusals are HTTP answers before any upgrade (RFC 6455 §4.2.2), and the tap shows them too;
// accepted connections are captured before `ws` writes the 101, so the tap sees every byte.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { ECHO_PATH, PROXY_PATH, TAP_PATH, WORKBENCH_PATH } from '../core/routes';
import { checkUpgradeRequest } from '../core/wire/handshake';
import {
  type Classroom,
  connFilter,
  NO_SESSION_REASON,
  PROXY_OFF_REASON,
  takeRunCapability,
} from './classroom/classroom';
import { ConnectionTaps } from './connection-taps';
import type { TappedEndpoint } from './endpoint';
import { isAllowedHost, isProxyOrigin, proxyOriginHint } from './host-check';
import { type ProxySettings, type Relay, relay, resolveTarget } from './proxy/relay';
import { AcknowledgedSink } from './tap/acknowledged-sink';
import { TAPS_PER_LEARNER, type TapHub } from './tap/hub';
import { queryOf, readUpgradeRequest, type UpgradeRequest } from './upgrade-request';
import { Workbench } from './workbench/workbench';

// Bytes the tap's memory holds of one relayed message: the upstream's own limit is unknown.
const PROXY_MAX_PAYLOAD = 16 * 1024 * 1024;
// A workbench `send` carries up to 1 MiB as hex (2 MiB of text) or base64, plus its JSON.
const WORKBENCH_CONTROL_MAX_PAYLOAD = 3 * 1024 * 1024;

export interface UpgradeRouterOptions {
  hub: TapHub;
  /** The tapped services, each at its own paths. */
  endpoints: readonly TappedEndpoint<unknown>[];
  /** Largest message an endpoint accepts; larger ones are closed with 1009. */
  maxPayload: number;
  /** Payload bytes kept in a tap event. */
  payloadCap: number;
  /** Host names accepted in `Host` on `/tap`, besides IP literals and localhost. */
  allowedHosts: readonly string[];
  /** Accept permessage-deflate unless an endpoint's options say otherwise. */
  deflate: boolean;
  /** Leave Vite's hot-reload channel to Vite. */
  dev: boolean;
  proxy: ProxySettings;
  /** Classroom mode: whose each connection is, and who may see it. */
  classroom: Classroom;
}

export interface ConnectionCounts {
  echo: number;
  live: number;
  proxy: number;
  tap: number;
  /** Raw connections the workbench holds open. */
  workbench: number;
  /** Every tapped upgrade since the start, refused ones included. */
  total: number;
}

export class UpgradeRouter {
  private readonly taps: ConnectionTaps;
  // `ws` answers pings with pongs and closes with closes on its own (RFC 6455 §5.5.2, §5.5.1).
  private readonly plainServer: WebSocketServer;
  // The same, accepting permessage-deflate (RFC 7692) when the client offers it. Threshold 0:
  // compress every message, so that a lesson can compare sizes even for short ones.
  private readonly deflateServer: WebSocketServer;
  // Tap subscribers only listen; anything they send is read and dropped, and a big one is refused.
  private readonly tapServer = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    perMessageDeflate: false,
  });
  private readonly relays = new Set<Relay>();
  private readonly openByKind = new Map<string, number>();
  // The workbench's control sockets speak JSON; the raw connections they drive are its own.
  private readonly workbenchServer = new WebSocketServer({
    noServer: true,
    maxPayload: WORKBENCH_CONTROL_MAX_PAYLOAD,
    perMessageDeflate: false,
  });
  private readonly workbench: Workbench;

  constructor(private readonly options: UpgradeRouterOptions) {
    const { maxPayload } = options;
    this.taps = new ConnectionTaps(options.hub.journal, options.payloadCap);
    this.workbench = new Workbench({
      journal: options.hub.journal,
      payloadCap: options.payloadCap,
      maxPayload,
      settings: options.proxy,
      classroom: options.classroom.enabled,
    });
    this.plainServer = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false });
    this.deflateServer = new WebSocketServer({
      noServer: true,
      maxPayload,
      perMessageDeflate: { threshold: 0 },
    });
  }

  /** The HTTP server's `upgrade` listener. */
  readonly route = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // A reset before `ws` takes the socket must not become an unhandled 'error'.
    socket.on('error', () => socket.destroy());
    const protocol = req.headers['sec-websocket-protocol'];
    if (this.options.dev && typeof protocol === 'string' && protocol.startsWith('vite-')) return;

    const { classroom } = this.options;
    classroom.sessions.attach(req);
    // The run capability is the server's business only: taken out of the URL before anything
    // (the tap, an endpoint's parameters, a relay's upstream) reads it.
    const taken = takeRunCapability(req.url ?? '/');
    req.url = taken.target;
    const upgrade = readUpgradeRequest(req, socket, head);
    const { remoteAddress, remotePort } = socket as Socket;
    if (this.workbench.isOwnSocket(remoteAddress, remotePort)) upgrade.journaledByWorkbench = true;
    const identity = classroom.identify(req, taken.capability);
    if (identity.learner) upgrade.learner = identity.learner.id;
    if (!identity.ok) {
      this.taps.refuse(upgrade, 403, identity.reason, 'BAD_RUN_CAPABILITY');
      return;
    }
    const { pathname } = upgrade.url;
    if (pathname === PROXY_PATH || pathname.startsWith(`${PROXY_PATH}/`)) {
      this.relay(upgrade);
    } else if (pathname === TAP_PATH) {
      this.subscribe(upgrade);
    } else if (pathname === WORKBENCH_PATH) {
      this.openWorkbench(upgrade);
    } else {
      const endpoint = this.options.endpoints.find((candidate) => candidate.matches(pathname));
      if (endpoint) this.serve(upgrade, endpoint);
      else {
        const reason = `no WebSocket endpoint at ${pathname}; the echo server is at ${ECHO_PATH}`;
        this.taps.refuse(upgrade, 404, reason, 'NOT_FOUND');
      }
    }
  };

  connections(): ConnectionCounts {
    return {
      echo: this.openByKind.get('echo') ?? 0,
      live: this.openByKind.get('live') ?? 0,
      proxy: this.relays.size,
      tap: this.tapServer.clients.size,
      workbench: this.workbench.connectionCount,
      total: this.taps.total,
    };
  }

  /** Says goodbye to every connection with 1001 (RFC 6455 §7.4.1: going away); resolves within a second. */
  async shutDown(): Promise<void> {
    const sockets = [
      ...this.plainServer.clients,
      ...this.deflateServer.clients,
      ...this.tapServer.clients,
      ...this.workbenchServer.clients,
    ];
    for (const ws of sockets) ws.close(1001, 'server shutting down');
    for (const handle of this.relays) handle.shutDown();
    this.workbench.shutDown();
    await Promise.race([
      Promise.all(
        sockets.map((ws) => (ws.readyState === ws.CLOSED ? null : new Promise((r) => ws.once('close', r)))),
      ),
      new Promise((r) => setTimeout(r, 1000).unref()),
    ]);
    for (const ws of sockets) ws.terminate();
  }

  /** Is this a WebSocket opening handshake at all (RFC 6455 §4.2.1)? Refuses it when not. */
  private acceptable(upgrade: UpgradeRequest): boolean {
    const check = checkUpgradeRequest(upgrade.request);
    if (!check.ok) this.taps.refuse(upgrade, check.status, check.reason, 'BAD_HANDSHAKE', check.headers);
    return check.ok;
  }

  private serve(upgrade: UpgradeRequest, endpoint: TappedEndpoint<unknown>): void {
    if (!this.acceptable(upgrade)) return;
    const parsed = endpoint.parse(upgrade.url.searchParams, upgrade.url.pathname, upgrade.req.headers);
    if (!parsed.ok) {
      this.taps.refuse(upgrade, 400, parsed.error, 'BAD_PARAMETER');
      return;
    }
    const socket = upgrade.socket as Socket;
    const capture = upgrade.journaledByWorkbench
      ? null
      : this.taps.captureFor(upgrade, endpoint.kind, { maxPayload: this.options.maxPayload });
    capture?.watchWrites(socket);
    const deflate = endpoint.deflate?.(parsed.value) ?? this.options.deflate;
    const server = deflate ? this.deflateServer : this.plainServer;
    server.handleUpgrade(upgrade.req, socket, upgrade.head, (ws) => {
      capture?.watchReads(socket);
      ws.on('error', () => {
        // `ws` has already answered a protocol error with the right close frame; the tap shows it.
      });
      const { kind } = endpoint;
      this.openByKind.set(kind, (this.openByKind.get(kind) ?? 0) + 1);
      ws.once('close', () => this.openByKind.set(kind, (this.openByKind.get(kind) ?? 1) - 1));
      endpoint.serve(ws, parsed.value);
    });
  }

  /**
   * Lets through this server's own pages and clients that send no Origin (scripts, wscat), and
   * refuses with 403 a Host that is not this machine's (DNS rebinding) or a page from another
   * origin, `null` included (RFC 6455 §10.2: cross-site WebSocket hijacking). False when refused.
   */
  /** `allowOrigins`: given for `/proxy`, which also takes the pages `--allow-origin` names. */
  private onlyOwnPages(upgrade: UpgradeRequest, what: string, allowOrigins?: readonly string[]): boolean {
    const { host, origin } = upgrade.req.headers;
    if (!isAllowedHost(host, this.options.allowedHosts)) {
      this.taps.refuse(
        upgrade,
        403,
        `Host "${host ?? ''}" is not allowed (DNS rebinding guard)`,
        'FORBIDDEN_HOST',
      );
      return false;
    }
    if (!isProxyOrigin(origin, host, allowOrigins ?? [])) {
      const hint = allowOrigins ? proxyOriginHint(origin) : '';
      const reason = `${what} only accepts pages from this server, not Origin ${origin} (RFC 6455 §10.2)${hint}`;
      this.taps.refuse(upgrade, 403, reason, 'FORBIDDEN_ORIGIN');
      return false;
    }
    return true;
  }

  /** `/tap`: only for this machine's pages and scripts, checked before the upgrade. */
  private subscribe(upgrade: UpgradeRequest): void {
    if (!this.acceptable(upgrade) || !this.onlyOwnPages(upgrade, 'the tap')) return;
    const format = upgrade.url.searchParams.get('format') ?? 'json';
    if (format !== 'json' && format !== 'raw') {
      const reason = `format=${format} is not a tap format: use format=json (the default) or format=raw`;
      this.taps.refuse(upgrade, 400, reason, 'BAD_PARAMETER');
      return;
    }
    const scope = this.options.classroom.scopeOf(upgrade.req);
    if (scope === null) {
      this.taps.refuse(upgrade, 401, NO_SESSION_REASON, 'NO_SESSION');
      return;
    }
    const { hub } = this.options;
    if (hub.full) {
      // Each subscriber costs its send limit in memory: past the cap, say so instead (RFC 9110 §15.6.4).
      const reason = `the tap has ${hub.maxSubscribers} subscribers already; try again when one leaves`;
      this.taps.refuse(upgrade, 503, reason, 'TAP_FULL', [['Retry-After', '5']]);
      return;
    }
    // A learner's own taps (not the instructor's) count against their share of the class's.
    const owner = scope.all ? undefined : upgrade.learner;
    if (owner !== undefined && hub.subscribersOf(owner) >= TAPS_PER_LEARNER) {
      const reason = `you have ${TAPS_PER_LEARNER} taps open already (each tab of the page has one): close a tab, then reload`;
      this.taps.refuse(upgrade, 503, reason, 'TAP_FULL', [['Retry-After', '5']]);
      return;
    }
    this.tapServer.handleUpgrade(upgrade.req, upgrade.socket, upgrade.head, (ws: WebSocket) => {
      // A JSON subscriber is held to what its client has read, not only to what this process
      // still holds: its JSON is made for it alone (a raw subscriber is sent views of the journal).
      const sink = format === 'json' ? new AcknowledgedSink(ws, hub.sendLimit(owner)) : ws;
      const unsubscribe = hub.subscribe(sink, format, connFilter(hub.journal, scope), owner);
      ws.on('message', () => {});
      ws.on('error', () => {});
      ws.once('close', unsubscribe);
    });
  }

  /**
   * `/workbench`: the page's control socket for the raw sender, guarded like `/tap`: a page on
   * another site must not make this machine write arbitrary bytes to its loopback services.
   */
  private openWorkbench(upgrade: UpgradeRequest): void {
    if (!this.acceptable(upgrade) || !this.onlyOwnPages(upgrade, 'the workbench')) return;
    const reason = this.workbench.refusal(upgrade.learner);
    if (reason !== null) {
      this.taps.refuse(upgrade, 503, reason, 'WORKBENCH_FULL', [['Retry-After', '5']]);
      return;
    }
    // The default target: this server's own echo, at the address the page reached it on.
    const self = `ws://${upgrade.local}`;
    this.workbenchServer.handleUpgrade(upgrade.req, upgrade.socket, upgrade.head, (ws: WebSocket) => {
      const { classroom } = this.options;
      this.workbench.serve(ws, self, {
        ...(upgrade.learner ? { learner: upgrade.learner } : {}),
        ownOnly: !classroom.proxyAllowed,
      });
    });
  }

  /** `/proxy`: relay byte for byte to another WebSocket server, with the tap reading along. */
  private relay(upgrade: UpgradeRequest): void {
    // A page on another site must not use wslab as its way into this machine's loopback services.
    if (!this.onlyOwnPages(upgrade, 'the proxy', this.options.proxy.allowOrigins ?? [])) return;
    if (!this.options.classroom.proxyAllowed) {
      this.taps.refuse(upgrade, 403, PROXY_OFF_REASON, 'PROXY_OFF');
      return;
    }
    const settings = this.options.proxy;
    const resolved = resolveTarget(upgrade.url, settings);
    if (!resolved.ok) {
      this.taps.refuse(upgrade, resolved.status, resolved.reason, resolved.code);
      return;
    }
    const { target } = resolved;
    const handle = relay(upgrade.req, upgrade.socket, upgrade.head, target, settings, {
      capture: (upstream) =>
        this.taps.captureFor(upgrade, 'proxy', {
          maxPayload: Math.max(this.options.maxPayload, PROXY_MAX_PAYLOAD),
          query: { ...queryOf(upgrade.url), target: target.url.href },
          trackFrames: true,
          upstream,
        }),
      refuse: (status, reason, code) => this.taps.refuse(upgrade, status, reason, code),
    });
    this.relays.add(handle);
    upgrade.socket.once('close', () => this.relays.delete(handle));
  }
}
