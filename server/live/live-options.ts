// The local Live API's per-connection settings, read from the upgrade URL's query: timings (so
// tests and lessons need not wait for realistic ones) and faults on demand. Pure; an unknown or
// malformed parameter is refused with HTTP 400 by the server, never silently ignored.
import type { Result } from '../../core/result';
import { type IntegerRule, parseFlagParam, parseIntegerParam } from '../query-params';
import { MAX_TIME_SCALE, PUBLIC_LIMITS, scaled } from './session-limits';

export interface LiveOptions {
  /** Pause between streamed messages, in ms: the model "generating". */
  chunkMs: number;
  /** Quiet input, in ms of audio, that ends the user's speech. */
  silenceMs: number;
  /** A sample louder than this (0 to 32767) is speech; at or below, silence. */
  silenceLevel: number;
  /** Longest audio chunk accepted in one message, in ms; longer ones close the session with 1009. */
  maxChunkMs: number;
  /** The session's time limit from the opening handshake, in ms; then it closes with 1001. */
  sessionMs: number;
  /** How long before the limit `goAway` is sent, in ms: its `timeLeft`. */
  goAwayMs: number;
  /**
   * How many times faster than the public service's the time limits run: the connection's
   * (unless `sessionMs` is given), `goAwayMs` (unless given), the session's and a handle's life.
   */
  timeScale: number;
  /**
   * Send every server message as UTF-8 JSON in a binary frame, as the public service does (a
   * browser gets a `Blob`, the SDKs decode it); `binary=0` sends text frames instead.
   */
  binary: boolean;
  /** Fault: destroy the TCP connection, with no close frame, after this many server messages. */
  dropAfter?: number;
  /**
   * On the ephemeral-token endpoint, what is wrong with the `access_token` it requires, or
   * undefined when it is fine (or not asked for). The token itself is never kept.
   */
  tokenProblem?: string;
  /** The API version in the path the client opened (`v1`, `v1beta`, `v1alpha`); errors name it. */
  apiVersion?: string;
}

export const LIVE_DEFAULTS: LiveOptions = {
  chunkMs: 40,
  silenceMs: 500,
  silenceLevel: 500, // about -36 dBFS: well above a quiet room's hiss, well below speech
  maxChunkMs: 1000,
  sessionMs: 10 * 60_000, // the public service's connections last about ten minutes
  goAwayMs: 60_000, // "about 60 seconds before the connection ends" (Firebase AI Logic's Live API docs)
  timeScale: 1,
  binary: true,
};

const INTEGERS: Record<string, IntegerRule> = {
  chunkMs: { min: 0, max: 5_000, meaning: 'ms between streamed messages' },
  silenceMs: { min: 1, max: 10_000, meaning: 'ms of quiet audio that end speech' },
  silenceLevel: { min: 0, max: 32_767, meaning: 'the largest sample counted as silence' },
  maxChunkMs: { min: 1, max: 60_000, meaning: 'ms of audio a message may hold' },
  sessionMs: { min: 1, max: 3_600_000, meaning: 'ms before the session ends' },
  goAwayMs: { min: 0, max: 3_600_000, meaning: 'ms between goAway and the end' },
  goAwayAfter: { min: 0, max: 3_600_000, meaning: 'ms before goAway is sent' },
  dropAfter: { min: 0, max: 1_000_000, meaning: 'server messages before the drop' },
  timeScale: { min: 1, max: MAX_TIME_SCALE, meaning: 'how many times faster the time limits run' },
};

// The public endpoint takes the API key (or an ephemeral token) in the query; the same URL must
// work here, so they are accepted and ignored. Nothing here checks or keeps them.
const CREDENTIALS = new Set(['key', 'access_token']);

const KNOWN = [...Object.keys(INTEGERS), 'binary'];

/**
 * The public service's ephemeral tokens are named `auth_tokens/…` and go in `access_token`
 * (Google's Live API docs, "Ephemeral tokens"), or, from the Python SDK, in an
 * `Authorization: Token auth_tokens/…` header. Only the shape is checked: there is no secret here.
 */
export function ephemeralTokenProblem(query: URLSearchParams, authorization?: string): string | undefined {
  const token = query.get('access_token') ?? /^Token (.*)$/.exec(authorization ?? '')?.[1] ?? null;
  if (token === null) {
    return 'this endpoint needs an ephemeral token: ?access_token=auth_tokens/… or Authorization: Token auth_tokens/…';
  }
  if (!/^auth_tokens\/[\w-]+$/.test(token)) return 'access_token is not an ephemeral token (auth_tokens/…)';
  return undefined;
}

export function parseLiveOptions(query: URLSearchParams): Result<LiveOptions> {
  const options: LiveOptions = { ...LIVE_DEFAULTS };
  let goAwayAfter: number | undefined;
  for (const [name, value] of query) {
    if (CREDENTIALS.has(name)) continue;
    const rule = INTEGERS[name];
    if (rule) {
      const parsed = parseIntegerParam(name, value, rule);
      if (!parsed.ok) return parsed;
      const number = parsed.value;
      if (name === 'goAwayAfter') goAwayAfter = number;
      else (options as unknown as Record<string, number>)[name] = number;
    } else if (name === 'binary') {
      const flag = parseFlagParam(name, value);
      if (!flag.ok) return flag;
      options.binary = flag.value;
    } else {
      return { ok: false, error: `unknown live parameter "${name}"; known: ${KNOWN.join(', ')}` };
    }
  }
  // One knob for every limit of the public service: what is not given explicitly is scaled.
  if (!query.has('sessionMs')) options.sessionMs = scaled(PUBLIC_LIMITS.connectionMs, options.timeScale);
  if (!query.has('goAwayMs')) options.goAwayMs = scaled(PUBLIC_LIMITS.goAwayMs, options.timeScale);
  if (goAwayAfter !== undefined) {
    // Fault: a goAway soon. The session then ends goAwayMs after it.
    if (query.has('sessionMs')) return { ok: false, error: 'give sessionMs or goAwayAfter, not both' };
    options.sessionMs = goAwayAfter + options.goAwayMs;
  }
  return { ok: true, value: options };
}

/** When `goAway` is due, from the opening handshake, and the `timeLeft` it announces. */
export function goAwaySchedule(options: LiveOptions): { at: number; timeLeft: number } {
  const at = Math.max(0, options.sessionMs - options.goAwayMs);
  return { at, timeLeft: options.sessionMs - at };
}
