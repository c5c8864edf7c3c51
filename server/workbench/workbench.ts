// The raw sender behind `/workbench`: each control socket (the page's) drives at most one raw TCP
// connection at a time, and the whole server holds a few at most. Every limit is told to the page
// as an error message on its control socket, never by dropping it.
import type { WebSocket } from 'ws';
import { selectCases } from '../../core/conformance/suite';
import {
  parseWorkbenchRequest,
  type WorkbenchErrorCode,
  type WorkbenchReply,
  type WorkbenchRequest,
} from '../../core/workbench/control-protocol';
import { PROXY_OFF_REASON } from '../classroom/classroom';
import { ConformanceTargetError, runConformance } from '../conformance/runner';
import type { ProxySettings } from '../proxy/relay';
import { isAllowedTarget, mappedIPv4, parseTarget } from '../proxy/target';
import type { Journal } from '../tap/journal';
import { RawConnection } from './raw-connection';

/** Who a control socket is: classroom mode tags its connections and may keep it to this server. */
export interface ControlOwner {
  /** The learner whose page opened it. */
  learner?: string;
  /** Only this server's own endpoints may be targets (classroom mode without --allow-proxy). */
  ownOnly: boolean;
}

/** Does `target` name this server, `self` being `ws://host:port` as the page reached it? */
function isSelf(target: { host: string; port: number }, self: string): boolean {
  const url = new URL(self);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return target.host.toLowerCase() === host.toLowerCase() && target.port === Number(url.port || 80);
}

export interface WorkbenchOptions {
  journal: Journal;
  payloadCap: number;
  /** This server's message limit: the tap holds a connection to its own echo to it. */
  maxPayload: number;
  settings: ProxySettings;
  /** Raw connections open at once over all control sockets (default 8). */
  maxConnections?: number;
  /** A raw connection with nothing sent or received for this long is closed (default 2 min). */
  idleMs?: number;
  /** Conformance checks running at once over all control sockets (default 2). */
  maxChecks?: number;
  /** Classroom mode: the caps are the class's, with a share for each learner. */
  classroom?: boolean;
}

export const WORKBENCH_MAX_CONNECTIONS = 8;
export const WORKBENCH_IDLE_MS = 120_000;
/** Checks at once, each with a few connections of its own: a check is a burst of 200-odd connections. */
export const WORKBENCH_MAX_CHECKS = 2;
// Cases a check from the page runs at once: a target that times out on every case still finishes
// the suite in minutes, not a quarter of an hour.
const CHECK_CONCURRENCY = 4;
// Replies queued on a control socket past which received frames are counted, not sent: a target
// that floods must not grow this server's memory through a page that reads slowly.
const CONTROL_BUFFER_LIMIT = 1024 * 1024;
/** Control sockets at once; one more is refused with 503. */
export const WORKBENCH_MAX_CONTROLS = 16;
// Classroom mode: a class doing the workbench lesson at once. Each page has two control sockets
// (the frame builder's and the check's), each with at most one raw connection; a learner's share
// allows a second tab, and no one learner takes the class's.
export const CLASSROOM_WORKBENCH_CONTROLS = 256;
export const WORKBENCH_CONTROLS_PER_LEARNER = 4;

export class Workbench {
  private readonly raw = new Set<RawConnection>();
  // The client ends (`ip:port`) of this server's raw connections, for isOwnSocket().
  private readonly ownAddresses = new Set<string>();
  /** Each control socket, and the learner whose page opened it (classroom mode). */
  private readonly controls = new Map<WebSocket, string | undefined>();
  private readonly checks = new Set<AbortController>();

  constructor(private readonly options: WorkbenchOptions) {}

  /** Why one more control socket (of `learner`'s) is refused, or null when there is room. */
  refusal(learner: string | undefined): string | null {
    const max = this.options.classroom ? CLASSROOM_WORKBENCH_CONTROLS : WORKBENCH_MAX_CONTROLS;
    if (this.controls.size >= max)
      return `the workbench has ${max} control sockets already; try again when one leaves`;
    if (!this.options.classroom || learner === undefined) return null;
    let own = 0;
    for (const owner of this.controls.values()) if (owner === learner) own++;
    return own >= WORKBENCH_CONTROLS_PER_LEARNER
      ? `you have ${WORKBENCH_CONTROLS_PER_LEARNER} workbench sockets open already (each tab of the page has two): close a tab, then try again`
      : null;
  }

  get connectionCount(): number {
    return this.raw.size;
  }

  /** Conformance checks running now. */
  get checkCount(): number {
    return this.checks.size;
  }

  private readonly trackSocket = (address: string, port: number, connected: boolean): void => {
    if (connected) this.ownAddresses.add(addressKey(address, port));
    else this.ownAddresses.delete(addressKey(address, port));
  };

  /**
   * Is this accepted socket the far end of one of the workbench's own raw connections? The
   * workbench journals its connection from the client's side, so a tapped endpoint of this server
   * must not journal the same connection a second time as `echo`. The socket's peer address names
   * it exactly — two live TCP connections to this server never share a client `ip:port` — and
   * nothing is added to the bytes, so the handshake the inspector shows is the one written.
   */
  isOwnSocket(remoteAddress: string | undefined, remotePort: number | undefined): boolean {
    if (this.ownAddresses.size === 0 || !remoteAddress || !remotePort) return false;
    return this.ownAddresses.has(addressKey(remoteAddress, remotePort));
  }

  /** Serves one control socket; `self` is `ws://host:port` of this server as the page reached it. */
  serve(control: WebSocket, self: string, owner: ControlOwner = { ownOnly: false }): void {
    const learnerTag = owner.learner ? { learner: owner.learner } : {};
    this.controls.set(control, owner.learner);
    let connection: RawConnection | null = null;
    let sending = false;
    let omitted = 0;
    let idle: NodeJS.Timeout | null = null;
    const idleMs = this.options.idleMs ?? WORKBENCH_IDLE_MS;

    const reply = (message: WorkbenchReply): void => {
      if (control.readyState === control.OPEN) control.send(JSON.stringify(message));
    };
    const error = (code: WorkbenchErrorCode, message: string): void =>
      reply({ type: 'error', code, message });
    const ownOnlyError = (what: string): void => error('FORBIDDEN_TARGET', `${what}: ${PROXY_OFF_REASON}`);
    const touch = (): void => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => {
        if (!connection) return;
        error(
          'IDLE',
          `nothing was sent or received for ${idleMs / 1000} s: the workbench closed the connection`,
        );
        connection.destroy();
      }, idleMs);
      idle.unref();
    };
    const forget = (): void => {
      if (idle) clearTimeout(idle);
      if (connection) this.raw.delete(connection);
      connection = null;
      sending = false;
    };

    const open = (request: Extract<WorkbenchRequest, { type: 'open' }>): void => {
      if (connection) {
        error('ALREADY_OPEN', 'a connection is open already: close it before opening another');
        return;
      }
      // One raw connection per control socket at most, so in a class the controls' cap bounds them.
      const max =
        this.options.maxConnections ??
        (this.options.classroom ? CLASSROOM_WORKBENCH_CONTROLS : WORKBENCH_MAX_CONNECTIONS);
      if (this.raw.size >= max) {
        error(
          'TOO_MANY_CONNECTIONS',
          `the workbench has ${max} connections open already; try again when one closes`,
        );
        return;
      }
      const text = request.target ?? `${self}/echo`;
      const parsed = parseTarget(text);
      if (!parsed.ok) {
        error('BAD_TARGET', parsed.reason);
        return;
      }
      const { target } = parsed;
      const own = request.target === undefined;
      if (owner.ownOnly && !own && !isSelf(target, self)) {
        ownOnlyError(`the workbench may not connect to ${target.url.href}`);
        return;
      }
      // The same rule as /proxy: this machine, or a host the user named with --allow-target. This
      // server's own echo is allowed at whatever address the page reached it (--host 0.0.0.0).
      if (!own && !isAllowedTarget(target.host, target.port, this.options.settings.allowTargets)) {
        error(
          'FORBIDDEN_TARGET',
          `the workbench connects only to loopback addresses unless wslab is started with --allow-target ${target.host}:${target.port}`,
        );
        return;
      }
      const raw: RawConnection = new RawConnection(
        {
          target,
          settings: this.options.settings,
          journal: this.options.journal,
          payloadCap: this.options.payloadCap,
          maxPayload: own ? this.options.maxPayload : 0,
          onSocket: this.trackSocket,
          ...learnerTag,
        },
        {
          opened: (conn, status) => {
            touch();
            reply({ type: 'opened', conn, target: target.url.href, status });
          },
          received: (frames) => {
            touch();
            if (control.bufferedAmount > CONTROL_BUFFER_LIMIT) {
              omitted += frames.length;
              return;
            }
            reply({ type: 'received', frames, sentBytes: raw.sentBytes, ...(omitted ? { omitted } : {}) });
            omitted = 0;
          },
          closed: (close, by) => {
            forget();
            reply({
              type: 'closed',
              code: close?.code ?? null,
              reason: close?.reason ?? '',
              dropped: close === null,
              by,
              sentBytes: raw.sentBytes,
              summary: closedSummary(close, by),
            });
          },
          failed: (message) => {
            forget();
            error('HANDSHAKE_FAILED', message);
          },
        },
      );
      connection = raw;
      this.raw.add(raw);
      touch();
    };

    const send = (request: Extract<WorkbenchRequest, { type: 'send' }>): void => {
      const raw = connection;
      if (!raw?.isOpen) {
        error(
          'NOT_OPEN',
          connection
            ? 'the connection is still opening: wait for "opened"'
            : 'no connection is open: open one first',
        );
        return;
      }
      if (sending) {
        error('BUSY', 'the previous send is still being written: wait for "sent"');
        return;
      }
      sending = true;
      touch();
      const chunks: Uint8Array[] = [];
      let at = 0;
      for (const size of request.writes) {
        chunks.push(request.bytes.subarray(at, at + size));
        at += size;
      }
      raw.write(chunks, request.pauseMs).then(
        () => {
          sending = false;
          reply({
            type: 'sent',
            bytes: request.bytes.length,
            writes: chunks.length,
            sentBytes: raw.sentBytes,
          });
        },
        (failure: Error) => {
          sending = false;
          error('NOT_OPEN', `${failure.message} (${raw.sentBytes} bytes written)`);
        },
      );
    };

    let check: AbortController | null = null;
    const startCheck = (request: Extract<WorkbenchRequest, { type: 'check' }>): void => {
      if (check) {
        error('CHECK_RUNNING', 'a check is running already: cancel it or wait for its report');
        return;
      }
      const max = this.options.maxChecks ?? WORKBENCH_MAX_CHECKS;
      if (this.checks.size >= max) {
        error('TOO_MANY_CHECKS', `the server runs ${max} checks at once already; try again when one is over`);
        return;
      }
      const ownUrl = `${self}/echo`;
      const parsed = parseTarget(request.target ?? ownUrl);
      if (!parsed.ok) {
        error('BAD_TARGET', parsed.reason);
        return;
      }
      const { target } = parsed;
      const own = target.url.href === new URL(ownUrl).href;
      if (owner.ownOnly && !own && !isSelf(target, self)) {
        ownOnlyError(`the check may not connect to ${target.url.href}`);
        return;
      }
      if (!own && !isAllowedTarget(target.host, target.port, this.options.settings.allowTargets)) {
        error(
          'FORBIDDEN_TARGET',
          `the check connects only to loopback addresses unless wslab is started with --allow-target ${target.host}:${target.port}`,
        );
        return;
      }
      const cases = selectCases(request.cases ?? []);
      if (cases.length === 0) {
        error('NO_CASES', `no case matches ${(request.cases ?? []).join(', ')}`);
        return;
      }
      const running = new AbortController();
      check = running;
      this.checks.add(running);
      const { settings } = this.options;
      reply({ type: 'checking', target: target.url.href, total: cases.length });
      runConformance({
        url: target.url.href,
        cases,
        concurrency: CHECK_CONCURRENCY,
        signal: running.signal,
        ...(settings.ca ? { ca: settings.ca } : {}),
        insecure: settings.insecure,
        capture: {
          journal: this.options.journal,
          payloadCap: this.options.payloadCap,
          maxPayload: own ? this.options.maxPayload : 0,
          onSocket: this.trackSocket,
          ...learnerTag,
        },
        onProgress: ({ done, total, result }) => {
          // Progress is a courtesy: a page that reads slowly gets the cases in the report.
          if (control.bufferedAmount <= CONTROL_BUFFER_LIMIT)
            reply({ type: 'progress', done, total, result });
        },
      })
        .then(
          (report) => reply({ type: 'report', report, cancelled: running.signal.aborted }),
          (failure: unknown) => {
            const why = failure instanceof Error ? failure.message : String(failure);
            const prefix = failure instanceof ConformanceTargetError ? '' : 'the check stopped: ';
            error('CHECK_FAILED', `could not check ${target.url.href}: ${prefix}${why}`);
          },
        )
        .finally(() => {
          this.checks.delete(running);
          if (check === running) check = null;
        });
    };

    control.on('message', (data, isBinary) => {
      if (isBinary) {
        error('BAD_REQUEST', 'a workbench message is JSON text, not binary');
        return;
      }
      const parsed = parseWorkbenchRequest(String(data));
      if (!parsed.ok) {
        error(parsed.error.code, parsed.error.message);
        return;
      }
      const request = parsed.value;
      if (request.type === 'open') open(request);
      else if (request.type === 'send') send(request);
      else if (request.type === 'check') startCheck(request);
      else if (request.type === 'cancel') {
        if (check) check.abort();
        else error('NOT_CHECKING', 'no check is running');
      } else if (connection) connection.end();
      else error('NOT_OPEN', 'no connection is open');
    });
    control.on('error', () => {});
    control.once('close', () => {
      this.controls.delete(control);
      // Nobody is left to read the report: the run stops starting cases.
      check?.abort();
      connection?.destroy();
      forget();
    });
  }

  /** Ends every raw connection and stops every check (the server is shutting down). */
  shutDown(): void {
    for (const check of this.checks) check.abort();
    for (const raw of this.raw) raw.destroy();
  }
}

function closedSummary(
  close: { code: number | null; reason: string } | null,
  by: 'target' | 'workbench',
): string {
  if (close) {
    const code = close.code === null ? 'no code' : String(close.code);
    return `the server closed with ${code}${close.reason ? ` "${close.reason}"` : ''}`;
  }
  return by === 'workbench'
    ? 'the workbench ended the TCP connection, with no close frame from the server'
    : 'the server dropped the connection without a close frame';
}

function addressKey(address: string, port: number): string {
  const plain = mappedIPv4(address) ?? address;
  return plain.includes(':') ? `[${plain}]:${port}` : `${plain}:${port}`;
}
