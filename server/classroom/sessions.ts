// A learner, in classroom mode, is a browser session: `GET /` gives the page a random cookie, and
// every connection that page opens (and every snippet it runs, see run-capabilities.ts) is tagged
// with the session's learner id. The id is what the tap and the board show; the cookie never is.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const SESSION_COOKIE = 'wslab_session';

/** A learner as the rest of the server knows them: an opaque id (`l7`) and the number in "learner 7". */
export interface Learner {
  id: string;
  number: number;
}

export interface SessionLimits {
  /** Sessions held at once; past it the one idle longest is forgotten. */
  maxSessions: number;
  /** A session not seen for this long is forgotten (its learner starts afresh). */
  idleMs: number;
}

export const SESSION_DEFAULTS: SessionLimits = { maxSessions: 10_000, idleMs: 12 * 60 * 60 * 1000 };

// 16 random bytes: 128 bits, as base64url (22 characters).
const SESSION_BYTES = 16;
const SESSION_VALUE = /^[A-Za-z0-9_-]{22}$/;

interface Session {
  readonly learner: Learner;
  lastSeen: number;
}

// Which server's sessions a request belongs to: several servers may run in one process (tests).
const sessionsOfRequest = new WeakMap<IncomingMessage, Sessions>();

/** The learner whose session cookie `req` carries, or null (no cookie, unknown, or not classroom mode). */
export function learnerOf(req: IncomingMessage): Learner | null {
  return sessionsOfRequest.get(req)?.learnerOf(req) ?? null;
}

/** The sessions of one server, bounded in number and in idle time. */
export class Sessions {
  // In order of last use, oldest first: a touched session moves to the end.
  private readonly byCookie = new Map<string, Session>();
  private nextNumber = 1;

  constructor(
    private readonly limits: SessionLimits = SESSION_DEFAULTS,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.byCookie.size;
  }

  /** Makes `learnerOf(req)` answer from these sessions. Called for every request and upgrade. */
  attach(req: IncomingMessage): void {
    sessionsOfRequest.set(req, this);
  }

  learnerOf(req: IncomingMessage): Learner | null {
    const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
    return cookie === null ? null : this.touch(cookie);
  }

  /**
   * The page's answer: keeps the request's session, or starts one and sets its cookie.
   * `HttpOnly`: a snippet or a script on the page cannot read it; `SameSite=Lax`: another site's
   * page cannot make the browser send it with a request of its own.
   */
  ensure(req: IncomingMessage, res: ServerResponse): Learner {
    const known = this.learnerOf(req);
    if (known) return known;
    const cookie = randomBytes(SESSION_BYTES).toString('base64url');
    const learner = this.start(cookie);
    res.appendHeader('Set-Cookie', `${SESSION_COOKIE}=${cookie}; HttpOnly; SameSite=Lax; Path=/`);
    return learner;
  }

  private start(cookie: string): Learner {
    this.sweep();
    while (this.byCookie.size >= this.limits.maxSessions) {
      const oldest = this.byCookie.keys().next().value;
      if (oldest === undefined) break;
      this.byCookie.delete(oldest);
    }
    const number = this.nextNumber++;
    const learner = { id: `l${number}`, number };
    this.byCookie.set(cookie, { learner, lastSeen: this.now() });
    return learner;
  }

  private touch(cookie: string): Learner | null {
    if (!SESSION_VALUE.test(cookie)) return null;
    const session = this.byCookie.get(cookie);
    if (!session) return null;
    const now = this.now();
    if (now - session.lastSeen > this.limits.idleMs) {
      this.byCookie.delete(cookie);
      return null;
    }
    session.lastSeen = now;
    this.byCookie.delete(cookie);
    this.byCookie.set(cookie, session);
    return session.learner;
  }

  // The oldest sessions come first: stop at the first one still in use.
  private sweep(): void {
    const now = this.now();
    for (const [cookie, session] of this.byCookie) {
      if (now - session.lastSeen <= this.limits.idleMs) break;
      this.byCookie.delete(cookie);
    }
  }
}

/** One cookie's value from a `Cookie` header (RFC 6265 §5.4), or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    if (pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return null;
}
