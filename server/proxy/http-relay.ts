// `/proxy` for plain HTTP: what a client sends before, or instead of, a WebSocket. Socket.IO
// starts every connection with HTTP long-polling (`GET`/`POST /socket.io/?EIO=4&transport=polling`)
// and upgrades later, so a relay that only took WebSockets would never see it connect.
// Each request is relayed to the target under the WebSocket relay's rules, and journaled as a
// connection of its own (kind `http`): the request's bytes and the answer's bytes, which the tap
// decodes like any refused handshake (status, headers, body).
import {
  type ClientRequest,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { PROXY_PATH } from '../../core/routes';
import type { HandshakeRefusalCode } from '../../core/tap/events';
import type { HeaderList } from '../../core/wire/handshake';
import { isAllowedHost, isSameOrigin, isSameOriginFetch, normalOrigin, proxyOriginHint } from '../host-check';
import { redactQuery } from '../redact';
import { ConnectionCapture } from '../tap/capture';
import type { Journal } from '../tap/journal';
import { queryOf, readUpgradeRequest } from '../upgrade-request';
import {
  describeUpstreamFailure,
  hostHeaderOf,
  type ProxySettings,
  resolveTarget,
  upstreamRequestLine,
  upstreamView,
} from './relay';
import type { ProxyTarget } from './target';

// A request body larger than this is refused (413): a long-poll `POST` carries a few messages,
// and Engine.IO's own default limit (`maxHttpBufferSize`) is 1 MB.
export const MAX_HTTP_REQUEST_BYTES = 4 * 1024 * 1024;
// An answer larger than this is not relayed (502): wslab holds an answer before passing it on.
export const MAX_HTTP_ANSWER_BYTES = 16 * 1024 * 1024;
// Exchanges in flight at once: each may hold a request and an answer in memory, so their number
// is bounded too; past it, 503 (RFC 9110 §15.6.4).
export const MAX_HTTP_EXCHANGES = 64;
// The bodies all exchanges hold at once, requests and answers together: 64 exchanges at their
// own limits would be 1.3 GB. Past it, the exchange that asks for more gets 503.
export const MAX_HTTP_HELD_BYTES = 64 * 1024 * 1024;
// How long a client may take to send its body.
export const HTTP_REQUEST_MS = 10_000;
// How long the target may take to answer: a long-poll `GET` is held until there is something to
// say, at the latest by the next ping (Engine.IO's `pingInterval`, 25 s by default).
export const HTTP_ANSWER_MS = 60_000;

// RFC 9110 §7.6.1: hop-by-hop fields are the connection's, not the message's; each hop sets its own.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
]);

export interface HttpRelayOptions {
  journal: Journal;
  /** Payload bytes kept in a tap event. */
  payloadCap: number;
  /** Host names accepted in `Host`, besides IP literals and localhost. */
  allowedHosts: readonly string[];
  settings: ProxySettings;
  /** Bytes of bodies all exchanges may hold at once (default `MAX_HTTP_HELD_BYTES`). */
  heldBytesLimit?: number;
}

/** One exchange's share of the bodies held: taken as they come, given back when it ends. */
class Hold {
  private bytes = 0;
  constructor(
    private readonly budget: { held: number },
    private readonly limit: number,
  ) {}

  /** False, taking nothing, when these bytes would go past the shared limit. */
  take(size: number): boolean {
    if (this.budget.held + size > this.limit) return false;
    this.budget.held += size;
    this.bytes += size;
    return true;
  }

  release(): void {
    this.budget.held -= this.bytes;
    this.bytes = 0;
  }
}

const busyRefusal = (limit: number): Refusal => ({
  retryAfter: 1,
  status: 503,
  reason: `/proxy is holding ${limit / 1024 / 1024} MiB of other requests' and answers' bodies already; try again when they are through`,
  code: 'UPSTREAM_FAILED',
});

interface Refusal {
  status: number;
  reason: string;
  code: HandshakeRefusalCode;
  /** Seconds, for a 503. */
  retryAfter?: number;
}

/** `/proxy`, `/proxy/…` and `/proxy?…`: a request URL the relay takes. */
export function isProxyPath(url: string): boolean {
  return url === PROXY_PATH || url.startsWith(`${PROXY_PATH}/`) || url.startsWith(`${PROXY_PATH}?`);
}

// Per server (its options object): tests and embedders may run several in one process.
const inFlight = new WeakMap<HttpRelayOptions, number>();
const heldBodies = new WeakMap<HttpRelayOptions, { held: number }>();

/**
 * Relays one HTTP request under `/proxy` to its target, and journals both sides; `learner`: whose
 * exchange it is, in classroom mode.
 */
export function relayHttp(
  req: IncomingMessage,
  res: ServerResponse,
  options: HttpRelayOptions,
  learner?: string,
): void {
  const socket = req.socket;
  const upgrade = readUpgradeRequest(req, socket, Buffer.alloc(0));
  const refusal = checkRequest(req, options);
  const resolved = refusal ? null : resolveTarget(upgrade.url, options.settings);
  const target = resolved?.ok ? resolved.target : null;
  const capture = new ConnectionCapture(options.journal, {
    kind: 'http',
    remote: upgrade.remote,
    local: upgrade.local,
    path: upgrade.url.pathname,
    query: redactQuery(target ? { ...queryOf(upgrade.url), target: target.url.href } : queryOf(upgrade.url)),
    ...(target
      ? { upstream: upstreamView(target, upstreamRequestLine(req, target), options.settings, null) }
      : {}),
    requestRaw: upgrade.requestRaw,
    maxPayload: 0,
    payloadCap: options.payloadCap,
    ...(learner ? { learner } : {}),
  });
  watchAnswer(socket, res, capture);

  const refuse = ({ status, reason, code, retryAfter }: Refusal): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    options.journal.verdict(capture.number, options.journal.now(), { code, message: reason, status });
    const body = `${reason}\n`;
    res.writeHead(status, STATUS_CODES[status] ?? 'Error', [
      'Content-Type',
      'text/plain; charset=utf-8',
      'Content-Length',
      String(Buffer.byteLength(body)),
      ...(retryAfter === undefined ? [] : ['Retry-After', String(retryAfter)]),
    ]);
    res.end(body);
  };

  if (refusal) {
    req.resume();
    refuse(refusal);
    return;
  }
  const busy = inFlight.get(options) ?? 0;
  if (busy >= MAX_HTTP_EXCHANGES) {
    req.resume();
    refuse({
      retryAfter: 1,
      status: 503,
      reason: `/proxy is relaying ${MAX_HTTP_EXCHANGES} HTTP requests already; try again when one ends`,
      code: 'UPSTREAM_FAILED',
    });
    return;
  }
  inFlight.set(options, busy + 1);
  const budget = heldBodies.get(options) ?? { held: 0 };
  heldBodies.set(options, budget);
  const limit = options.heldBytesLimit ?? MAX_HTTP_HELD_BYTES;
  const hold = new Hold(budget, limit);
  res.once('close', () => {
    inFlight.set(options, (inFlight.get(options) ?? 1) - 1);
    hold.release();
  });
  if (!resolved!.ok) {
    req.resume();
    refuse(resolved!);
    return;
  }
  readBody(req, capture, hold).then(
    (body) => {
      if (body === 'too large' || body === 'no room') {
        res.shouldKeepAlive = false;
        refuse(
          body === 'no room'
            ? busyRefusal(limit)
            : {
                status: 413,
                reason: `the request body is over ${MAX_HTTP_REQUEST_BYTES / 1024 / 1024} MiB, the most /proxy relays`,
                code: 'BAD_PARAMETER',
              },
        );
        return;
      }
      forward(req, body, target!, options.settings, res, refuse, hold, limit);
    },
    (error: Error) => refuse({ status: 400, reason: error.message, code: 'BAD_PARAMETER' }),
  );
}

/** The WebSocket relay's checks (upgrade-router.ts `onlyOwnPages`), and Fetch Metadata for GETs. */
function checkRequest(req: IncomingMessage, options: HttpRelayOptions): Refusal | null {
  const { host, origin } = req.headers;
  if (!isAllowedHost(host, options.allowedHosts)) {
    return {
      status: 403,
      reason: `Host "${host ?? ''}" is not allowed (DNS rebinding guard)`,
      code: 'FORBIDDEN_HOST',
    };
  }
  // A page the user let in names itself in Origin: browsers send it on every cross-origin request
  // (CORS), GETs included. Its CORS answer is the target's own, as when the page calls it directly.
  const allowed = normalOrigin(origin ?? '');
  if (allowed !== null && (options.settings.allowOrigins ?? []).includes(allowed)) return null;
  const site = req.headers['sec-fetch-site'];
  // A cross-site page's GET carries no Origin, but browsers name it in Sec-Fetch-Site.
  if (!isSameOrigin(origin, host) || !isSameOriginFetch(typeof site === 'string' ? site : undefined)) {
    return {
      status: 403,
      reason: `the proxy only accepts pages from this server, not ${origin ? `Origin ${origin}` : `a ${site} request`} (RFC 6455 §10.2)${proxyOriginHint(origin)}`,
      code: 'FORBIDDEN_ORIGIN',
    };
  }
  return null;
}

/**
 * The request body, journaled as it comes; `too large` past the request limit, `no room` when
 * the bodies all exchanges hold would go past theirs.
 */
function readBody(
  req: IncomingMessage,
  capture: ConnectionCapture,
  hold: Hold,
): Promise<Buffer | 'too large' | 'no room'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`the request body did not come within ${HTTP_REQUEST_MS / 1000} s`));
    }, HTTP_REQUEST_MS);
    timer.unref();
    // Node hands the body over with its chunked framing (RFC 9112 §7.1) already taken off: what
    // the tap shows after a chunked request's head is the body, not the chunks.
    let refused = false;
    // Answered now, not after the rest has come: the answer closes the connection.
    const stop = (why: 'too large' | 'no room'): void => {
      refused = true;
      chunks.length = 0;
      clearTimeout(timer);
      resolve(why);
    };
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > MAX_HTTP_REQUEST_BYTES) return stop('too large');
      if (!hold.take(chunk.length)) return stop('no room');
      capture.feedClient(chunk);
      chunks.push(chunk);
    });
    req.on('end', () => {
      clearTimeout(timer);
      if (!refused) resolve(Buffer.concat(chunks));
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** The request as the target gets it: the client's, with the target's path and Host. */
function forward(
  req: IncomingMessage,
  body: Buffer,
  target: ProxyTarget,
  settings: ProxySettings,
  res: ServerResponse,
  refuse: (refusal: Refusal) => void,
  hold: Hold,
  heldLimit: number,
): void {
  const headers: HeaderList = [];
  const hopByHop = connectionFields(req.headers.connection);
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (hopByHop.has(lower)) continue;
    headers.push([name, lower === 'host' ? hostHeaderOf(target) : req.rawHeaders[i + 1]!]);
  }
  if (body.length > 0 || req.method === 'POST' || req.method === 'PUT') {
    headers.push(['Content-Length', String(body.length)]);
  }
  const failed = (reason: string): void => refuse({ status: 502, reason, code: 'UPSTREAM_FAILED' });
  const where = `${target.host}:${target.port}`;
  const common = {
    host: target.host,
    port: target.port,
    method: req.method,
    path: `${target.url.pathname}${target.url.search}`,
    headers: headers.flat(),
    agent: false as const,
  };
  const upstream: ClientRequest = target.secure
    ? httpsRequest({
        ...common,
        servername: /^[\d.]+$/.test(target.host) || target.host.includes(':') ? undefined : target.host,
        ca: settings.ca,
        rejectUnauthorized: !settings.insecure,
      })
    : httpRequest(common);
  const timer = setTimeout(() => {
    upstream.destroy();
    failed(`the target ${where} did not answer within ${HTTP_ANSWER_MS / 1000} s`);
  }, HTTP_ANSWER_MS);
  timer.unref();
  let settled = false;
  const settle = (): boolean => {
    if (settled) return false;
    settled = true;
    clearTimeout(timer);
    return true;
  };
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    if (settle()) failed(describeUpstreamFailure(error, target));
  });
  upstream.on('response', (answer: IncomingMessage) => {
    const chunks: Buffer[] = [];
    let size = 0;
    answer.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_HTTP_ANSWER_BYTES) {
        answer.destroy();
        if (settle())
          failed(`the target ${where} answered with more than ${MAX_HTTP_ANSWER_BYTES / 1024 / 1024} MiB`);
        return;
      }
      if (!hold.take(chunk.length)) {
        answer.destroy();
        if (settle()) refuse(busyRefusal(heldLimit));
        return;
      }
      chunks.push(chunk);
    });
    answer.on('error', () => {
      if (settle()) failed(`the target ${where} closed in the middle of its answer`);
    });
    answer.on('end', () => {
      if (!settle()) return;
      const out: HeaderList = [];
      const answerHopByHop = connectionFields(answer.headers.connection);
      for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) {
        const name = answer.rawHeaders[i]!;
        if (!answerHopByHop.has(name.toLowerCase())) out.push([name, answer.rawHeaders[i + 1]!]);
      }
      const payload = Buffer.concat(chunks);
      // RFC 9110 §8.6: a HEAD answer, a 204 and a 304 carry no body, whatever their length says.
      const bodiless = req.method === 'HEAD' || answer.statusCode === 204 || answer.statusCode === 304;
      const length = answer.headers['content-length'];
      if (!bodiless) out.push(['Content-Length', String(payload.length)]);
      else if (length !== undefined && answer.statusCode !== 204) out.push(['Content-Length', length]);
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out.flat());
      res.end(payload);
    });
  });
  // The client left: nothing to answer any more.
  res.once('close', () => {
    if (settle()) upstream.destroy();
  });
  upstream.end(body);
}

/** The hop-by-hop fields, and those a message's Connection header names (RFC 9110 §7.6.1). */
function connectionFields(connection: string | undefined): Set<string> {
  const fields = new Set(HOP_BY_HOP);
  for (const token of (connection ?? '').split(',')) {
    const name = token.trim().toLowerCase();
    if (name) fields.add(name);
  }
  return fields;
}

// Answers on one keep-alive socket go out one at a time, in request order (RFC 9112 §9.3): the
// response the socket is writing now is the one its bytes belong to.
const exchanges = new WeakMap<ServerResponse, ConnectionCapture>();
const watchedSockets = new WeakSet<Socket>();

/** Journals the bytes of this answer as the socket is handed them, and ends the exchange after. */
function watchAnswer(socket: Socket, res: ServerResponse, capture: ConnectionCapture): void {
  exchanges.set(res, capture);
  res.once('close', () => {
    exchanges.delete(res);
    capture.finish(!res.writableFinished);
  });
  if (watchedSockets.has(socket)) return;
  watchedSockets.add(socket);
  const write = socket.write;
  // biome-ignore lint/suspicious/noExplicitAny: the overloads of Socket.write cannot be restated
  socket.write = function (this: Socket, chunk: any, encoding?: any, callback?: any): boolean {
    const current = (this as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    const exchange = current ? exchanges.get(current) : undefined;
    if (exchange) {
      const bytes =
        typeof chunk === 'string'
          ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
          : chunk;
      if (bytes instanceof Uint8Array) exchange.feedServer(bytes);
    }
    return write.call(this, chunk, encoding, callback);
  } as Socket['write'];
}
