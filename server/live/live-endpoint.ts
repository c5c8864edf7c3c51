// The local stand-in for the Live API (BidiGenerateContent): the thin part that binds a
// `LiveSession` to a socket and to timers. What to answer is decided in `live-session.ts`.
import type { WebSocket } from 'ws';
import type { LiveServerMessage } from '../../core/live/live-messages';
import { LIVE_API_VERSIONS, LIVE_TOKEN_PATH, livePath } from '../../core/routes';
import type { TappedEndpoint } from '../endpoint';
import { type LiveClose, liveClose } from './live-errors';
import { ephemeralTokenProblem, goAwaySchedule, type LiveOptions, parseLiveOptions } from './live-options';
import { LiveSession } from './live-session';
import { ResumptionStore } from './resumption-store';

/**
 * Serves one Live API connection. Every timer is cleared when the socket closes, and nothing
 * thrown while handling a message escapes: the connection closes with 1011 and the others carry on.
 */
export function serveLive(socket: WebSocket, options: LiveOptions, store = new ResumptionStore()): void {
  const session = new LiveSession(options, { store, timeScale: options.timeScale });
  const timers = new Set<NodeJS.Timeout>();
  let streamTimer: NodeJS.Timeout | undefined;
  let sent = 0;
  let finished = false;

  const later = (ms: number, run: () => void): NodeJS.Timeout => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      guarded(run);
    }, ms);
    timers.add(timer);
    return timer;
  };

  const stop = (): void => {
    finished = true;
    session.end();
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };

  const close = (reason: LiveClose): void => {
    if (finished) return;
    stop();
    socket.close(reason.code, reason.reason);
  };

  // Resumption updates go around the messages they describe.
  const send = (message: LiveServerMessage): void => {
    for (const each of session.around(message)) sendOne(each);
  };

  const sendOne = (message: LiveServerMessage): void => {
    if (finished || socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify(message), { binary: options.binary });
    sent++;
    if (options.dropAfter !== undefined && sent >= options.dropAfter) drop();
  };

  // No close frame at all: the client sees 1006, an abnormal closure (RFC 6455 §7.1.5).
  const drop = (): void => {
    stop();
    socket.terminate();
  };

  const stream = (): void => {
    if (finished || streamTimer || !session.streaming) return;
    streamTimer = later(options.chunkMs, () => {
      streamTimer = undefined;
      const message = session.pull();
      if (message) send(message);
      stream();
    });
  };

  function guarded(run: () => void): void {
    try {
      run();
    } catch (error) {
      close(
        liveClose('INTERNAL', `internal error: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
  }

  socket.once('close', stop);
  if (options.tokenProblem !== undefined) {
    // Refused after the handshake, as the public service does: the reason says what is missing.
    close(liveClose('TOKEN_REQUIRED', options.tokenProblem));
    return;
  }
  // The session's own limit runs on the session's clock, which resumption carries over from
  // earlier connections; a video frame can shorten it, compression lifts it.
  let limitTimer: NodeJS.Timeout | undefined;
  let limitAt: number | undefined;
  const watchSessionLimit = (): void => {
    if (finished) return;
    const limit = session.sessionLimit;
    if (limit?.at === limitAt) return;
    if (limitTimer) clearTimeout(limitTimer);
    if (limitTimer) timers.delete(limitTimer);
    limitAt = limit?.at;
    limitTimer =
      limit &&
      later(Math.max(0, limit.at - store.time()), () => close(liveClose('SESSION_LIMIT', limit.reason)));
  };

  socket.on('message', (data: Buffer, isBinary: boolean) => {
    guarded(() => {
      if (finished) return;
      // A text frame is UTF-8 already (`ws` closes with 1007 otherwise, RFC 6455 §8.1); a binary
      // one may hold UTF-8 JSON too, and the session checks that.
      const reaction = session.receive(isBinary ? new Uint8Array(data) : data.toString('utf8'));
      for (const message of reaction.send) send(message);
      if (reaction.close) close(reaction.close);
      else {
        stream();
        watchSessionLimit();
      }
    });
  });

  const { at, timeLeft } = goAwaySchedule(options);
  later(at, () => send(session.goAway(timeLeft)));
  // The reason word for word as users of the public service report it (see live-errors.ts).
  later(options.sessionMs, () =>
    close(liveClose('CONNECTION_LIMIT', 'Deadline expired before operation could complete.')),
  );
  if (options.dropAfter === 0) drop();
}

/** Every version's path, by path; any other version gets the router's 404, as the public service answers. */
const LIVE_PATHS: ReadonlyMap<string, string> = new Map(
  LIVE_API_VERSIONS.map((version) => [livePath(version), version]),
);

export const liveEndpoint: TappedEndpoint<LiveOptions> = {
  kind: 'live',
  matches: (pathname) => LIVE_PATHS.has(pathname),
  parse(query, pathname) {
    const parsed = parseLiveOptions(query);
    const apiVersion = pathname === undefined ? undefined : LIVE_PATHS.get(pathname);
    return parsed.ok && apiVersion !== undefined
      ? { ok: true, value: { ...parsed.value, apiVersion } }
      : parsed;
  },
  serve: serveLive,
};

/**
 * The Live endpoints of one running server: their sessions resume from `store`, the server's own,
 * so a handle from one connection works on the next.
 */
export function liveEndpoints(store: ResumptionStore): TappedEndpoint<LiveOptions>[] {
  return [liveEndpoint, liveTokenEndpoint].map((endpoint) => ({
    ...endpoint,
    serve: (socket: WebSocket, options: LiveOptions) => serveLive(socket, options, store),
  }));
}

/** The same stand-in on the ephemeral-token path, which insists on a token's shape. */
export const liveTokenEndpoint: TappedEndpoint<LiveOptions> = {
  kind: 'live',
  matches: (pathname) => pathname === LIVE_TOKEN_PATH,
  parse(query, _pathname, headers) {
    const parsed = parseLiveOptions(query);
    if (!parsed.ok) return parsed;
    const tokenProblem = ephemeralTokenProblem(query, headers?.authorization);
    const value: LiveOptions = { ...parsed.value, apiVersion: 'v1alpha' };
    return { ok: true, value: tokenProblem === undefined ? value : { ...value, tokenProblem } };
  },
  serve: serveLive,
};
