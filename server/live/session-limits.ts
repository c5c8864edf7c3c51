// The public service's time limits, and the one knob that shrinks them all: `timeScale`. Google's
// Live API docs ("Session management"): without context window compression an audio-only
// session lasts at most 15 minutes and an audio+video one 2 minutes; a connection lasts about 10
// minutes and ends with a `goAway` about a minute before; a resumption handle stays valid for 2 hours. A session
// outlives its connections through resumption, so its clock keeps running across them.
//
// `timeScale=60` turns every minute into a second, so a lesson or a test sees each limit act in
// seconds and in the same proportions as the real ones. Pure: no timers, no clock of its own.

export const PUBLIC_LIMITS = {
  /** A connection, from its handshake. */
  connectionMs: 10 * 60_000,
  /**
   * How long before the connection ends `goAway` comes: its `timeLeft`. "About 60 seconds"
   * (Firebase AI Logic's Live API docs, "Limits for sessions"); users report 50 s.
   */
  goAwayMs: 60_000,
  /** A session that has received only audio (or text), across all its connections. */
  audioSessionMs: 15 * 60_000,
  /** A session that has received a video frame. */
  videoSessionMs: 2 * 60_000,
  /** A `sessionResumptionUpdate` handle, from when it was issued. */
  handleLifetimeMs: 2 * 60 * 60_000,
} as const;

/**
 * The context window the compression defaults are taken from: 128k tokens (Firebase AI Logic's
 * Live API docs, "Limits for sessions"). With `contextWindowCompression` but no `triggerTokens`,
 * the stand-in compresses at 80% of it — its own choice, the reference names no default.
 */
export const CONTEXT_WINDOW_TOKENS = 128 * 1024;
export const DEFAULT_TRIGGER_TOKENS = Math.floor(CONTEXT_WINDOW_TOKENS * 0.8);

export const MAX_TIME_SCALE = 100_000;

/** A public duration at this connection's scale, never below 1 ms. */
export function scaled(ms: number, timeScale: number): number {
  return Math.max(1, Math.round(ms / timeScale));
}

/** What decides when a session must end. */
export interface SessionSpan {
  /** When the session began (its first connection's setup), in ms on the session clock. */
  startedAt: number;
  /** A video frame has been received. */
  video: boolean;
  /** `contextWindowCompression` is on: the session may last for ever. */
  compressed: boolean;
}

/** When the session reaches its limit, in ms on the session clock, or undefined for never. */
export function sessionEndsAt(span: SessionSpan, timeScale: number): number | undefined {
  if (span.compressed) return undefined;
  const limit = span.video ? PUBLIC_LIMITS.videoSessionMs : PUBLIC_LIMITS.audioSessionMs;
  return span.startedAt + scaled(limit, timeScale);
}

/** The limit's name in the close reason: what ran out, and how long it was here. */
export function describeSessionLimit(span: SessionSpan, timeScale: number): string {
  const limit = span.video ? PUBLIC_LIMITS.videoSessionMs : PUBLIC_LIMITS.audioSessionMs;
  const kind = span.video ? 'audio+video' : 'audio-only';
  return `${kind} session limit of ${formatSeconds(scaled(limit, timeScale))} reached; contextWindowCompression lifts it`;
}

export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** Settings read from `setup.contextWindowCompression`. */
export interface CompressionSettings {
  /** Context size, in tokens, that makes the server drop old turns before the next answer. */
  triggerTokens: number;
  /** Context size, in tokens, the oldest turns are dropped down to. */
  targetTokens: number;
}

/** The reference's defaults: `triggerTokens` as above, `targetTokens` half of it. */
export function compressionSettings(triggerTokens?: number, targetTokens?: number): CompressionSettings {
  const trigger = triggerTokens ?? DEFAULT_TRIGGER_TOKENS;
  return { triggerTokens: trigger, targetTokens: targetTokens ?? Math.floor(trigger / 2) };
}
