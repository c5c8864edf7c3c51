// The echo server's per-connection behaviours, chosen by query parameters on the upgrade URL so a
// lesson can ask for a fragmented reply, pings, a dropped connection or a server-side close.
// Parsing is pure; `echo.ts` carries it out.

import type { Result } from '../core/result';
import { type IntegerRule, parseFlagParam, parseIntegerParam } from './query-params';

export interface EchoBehaviour {
  /** Send each reply in frames of at most this many payload bytes (continuation frames). */
  fragment?: number;
  /** Ping the client every this many ms. */
  ping?: number;
  /** Destroy the TCP connection, with no close frame, after replying to this many messages. */
  dropAfter?: number;
  /** Start the closing handshake after replying to this many messages. */
  closeAfter?: number;
  closeCode: number;
  closeReason: string;
  /** Wait this many ms before each reply. */
  delay?: number;
  /** Send `tick N` every this many ms, unprompted (at most 1000 ticks). */
  tick?: number;
  /** Send a greeting as soon as the connection opens. */
  greet: boolean;
  /** Offer permessage-deflate (RFC 7692) to this client; unset: the server's --deflate default. */
  deflate?: boolean;
}

const INTEGERS: Record<string, IntegerRule> = {
  fragment: { min: 1, max: 1 << 20, meaning: 'bytes per frame' },
  ping: { min: 50, max: 3_600_000, meaning: 'milliseconds between pings' },
  dropAfter: { min: 0, max: 1_000_000, meaning: 'messages before the drop' },
  closeAfter: { min: 0, max: 1_000_000, meaning: 'messages before the close' },
  closeCode: { min: 1000, max: 4999, meaning: 'a close code' },
  delay: { min: 0, max: 60_000, meaning: 'milliseconds before each reply' },
  tick: { min: 50, max: 3_600_000, meaning: 'milliseconds between ticks' },
};

const KNOWN = new Set([...Object.keys(INTEGERS), 'closeReason', 'greet', 'deflate']);

/** Reads the behaviour from the query; an unknown or malformed parameter is an error, not ignored. */
export function parseEchoBehaviour(query: URLSearchParams): Result<EchoBehaviour> {
  const behaviour: EchoBehaviour = { closeCode: 1000, closeReason: '', greet: false };
  for (const [name, value] of query) {
    if (!KNOWN.has(name)) {
      return { ok: false, error: `unknown echo parameter "${name}"; known: ${[...KNOWN].join(', ')}` };
    }
    const rule = INTEGERS[name];
    if (rule) {
      const parsed = parseIntegerParam(name, value, rule);
      if (!parsed.ok) return parsed;
      const number = parsed.value;
      (behaviour as unknown as Record<string, number>)[name] = number;
    } else if (name === 'closeReason') {
      // RFC 6455 §5.5: a control frame's payload is at most 125 bytes, 2 of them the code.
      if (Buffer.byteLength(value) > 123)
        return { ok: false, error: 'closeReason must be at most 123 bytes of UTF-8' };
      behaviour.closeReason = value;
    } else if (name === 'greet' || name === 'deflate') {
      const flag = parseFlagParam(name, value);
      if (!flag.ok) return flag;
      behaviour[name] = flag.value;
    }
  }
  // RFC 6455 §7.4.1: 1005, 1006 and 1015 are never sent in a close frame; 1004 is reserved.
  if (
    [1004, 1005, 1006, 1015].includes(behaviour.closeCode) ||
    (behaviour.closeCode > 1014 && behaviour.closeCode < 3000)
  ) {
    return {
      ok: false,
      error: `closeCode ${behaviour.closeCode} may not be sent in a close frame (RFC 6455 §7.4)`,
    };
  }
  if (query.has('closeCode') && behaviour.closeAfter === undefined) behaviour.closeAfter = 1;
  return { ok: true, value: behaviour };
}
