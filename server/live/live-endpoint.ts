// The local stand-in for the Live API (BidiGenerateContent): the thin part that binds a
// `LiveSession` to a socket and to timers. What to answer is decided in `live-session.ts`.
import type { WebSocket } from 'ws';
import type { LiveServerMessage } from '../../core/live/live-messages';
import { LIVE_API_VERSIONS, LIVE_TOKEN_PATH, livePath } from '../../core/routes';
import type { TappedEndpoint } from '../endpoint';
import { type LiveClose, liveClose } from './live-errors';
import { ephemeralTokenProblem, goAwaySchedule, type LiveOptions, parseLiveOptions } from './live-options';
import { LiveSession } from './live-session';

/**
 * Serves one Live API connection. Every timer is cleared when the socket closes, and nothing
 * thrown while handling a message escapes: the connection closes with 1011 and the others carry on.
 */
export function serveLive(socket: WebSocket, options: LiveOptions): void {
  const session = new LiveSession(options);
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

  const send = (message: LiveServerMessage): void => {
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
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    guarded(() => {
      if (finished) return;
      // A text frame is UTF-8 already (`ws` closes with 1007 otherwise, RFC 6455 §8.1); a binary
      // one may hold UTF-8 JSON too, and the session checks that.
      const reaction = session.receive(isBinary ? new Uint8Array(data) : data.toString('utf8'));
      for (const message of reaction.send) send(message);
      if (reaction.close) close(reaction.close);
      else stream();
    });
  });

  const { at, timeLeft } = goAwaySchedule(options);
  later(at, () => send(session.goAway(timeLeft)));
  later(options.sessionMs, () =>
    close(liveClose('SESSION_LIMIT', `session time limit of ${formatSeconds(options.sessionMs)} reached`)),
  );
  if (options.dropAfter === 0) drop();
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** Every version's path; any other version gets the router's 404, as the public service answers. */
const LIVE_PATHS: ReadonlySet<string> = new Set(LIVE_API_VERSIONS.map(livePath));

export const liveEndpoint: TappedEndpoint<LiveOptions> = {
  kind: 'live',
  matches: (pathname) => LIVE_PATHS.has(pathname),
  parse: parseLiveOptions,
  serve: serveLive,
};

/** The same stand-in on the ephemeral-token path, which insists on a token's shape. */
export const liveTokenEndpoint: TappedEndpoint<LiveOptions> = {
  kind: 'live',
  matches: (pathname) => pathname === LIVE_TOKEN_PATH,
  parse(query) {
    const parsed = parseLiveOptions(query);
    if (!parsed.ok) return parsed;
    const tokenProblem = ephemeralTokenProblem(query);
    return { ok: true, value: tokenProblem === undefined ? parsed.value : { ...parsed.value, tokenProblem } };
  },
  serve: serveLive,
};
