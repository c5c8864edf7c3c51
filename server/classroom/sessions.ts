// A learner, in classroom mode, is a browser session: `GET /` gives the page a random cookie, and
// every connection that page opens (and every snippet it runs, see run-capabilities.ts) is tagged
// with the session's learner id. The id is what the tap and the board show; the secret part of the
// cookie never is.
//
// The cookie is `l7.<secret>`: the learner id, then 128 random bits. The id in front is not a
// secret (the board shows it); it is there so that a load balancer can keep a learner on one
// instance by a key their page's cookie, their snippets' run capabilities and the instructor's
// Watch all carry (deploy/nginx.conf). With several instances (`--redis`), sessions live in the
// shared store too: the instance that answered a learner's first page need not be the one the
// cookie then pins them to.
import { createHash, randomBytes } from 'node:crypto';
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

/**
 * Sessions kept beyond this server, for a class of several instances: learner numbers are drawn
 * from one counter, and a session started on one instance is known on all of them.
 */
export interface SessionStore {
  nextNumber(): Promise<number>;
  /** Keeps (or keeps alive) the session whose cookie hashes to `key`, for `ttlMs`. */
  save(key: string, number: number, ttlMs: number): Promise<void>;
  /** The learner number of the session whose cookie hashes to `key`, or null. */
  load(key: string): Promise<number | null>;
}

// 16 random bytes: 128 bits, as base64url (22 characters), after the learner id.
const SESSION_BYTES = 16;
const SESSION_VALUE = /^l([1-9][0-9]{0,8})\.[A-Za-z0-9_-]{22}$/;

interface Session {
  readonly learner: Learner;
  lastSeen: number;
  /** When the shared store was last told the session is in use. */
  savedAt: number;
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
  private readonly forgetListeners = new Set<(learner: Learner) => void>();

  constructor(
    private readonly limits: SessionLimits = SESSION_DEFAULTS,
    private readonly now: () => number = Date.now,
    /** The class's shared store (`--redis`); without it sessions are this server's alone. */
    private readonly store: SessionStore | null = null,
  ) {}

  get size(): number {
    return this.byCookie.size;
  }

  /** Makes `learnerOf(req)` answer from these sessions. Called for every request and upgrade. */
  attach(req: IncomingMessage): void {
    sessionsOfRequest.set(req, this);
  }

  /**
   * With a shared store: learns the session `req`'s cookie names if another instance started it,
   * so that the synchronous `learnerOf` knows it. Null when there is nothing to wait for.
   */
  resolve(req: IncomingMessage): Promise<void> | null {
    if (!this.store) return null;
    const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (cookie === null || this.byCookie.has(cookie)) return null;
    const number = SESSION_VALUE.exec(cookie)?.[1];
    if (number === undefined) return null;
    return this.store.load(keyOf(cookie)).then(
      (stored) => {
        // The number in the cookie is not trusted: it must be the one the store gave that session.
        if (stored === null || stored !== Number(number) || this.byCookie.has(cookie)) return;
        this.keep(cookie, { id: `l${stored}`, number: stored });
      },
      // The store out of reach: the request goes on as one without a session (401 where it matters).
      () => {},
    );
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
  async ensure(req: IncomingMessage, res: ServerResponse): Promise<Learner> {
    await this.resolve(req);
    const known = this.learnerOf(req);
    if (known) return known;
    const number = this.store ? await this.store.nextNumber() : this.nextNumber++;
    const learner = { id: `l${number}`, number };
    const cookie = `${learner.id}.${randomBytes(SESSION_BYTES).toString('base64url')}`;
    // Stored before the page is answered: its next request may reach another instance at once.
    await this.store?.save(keyOf(cookie), number, this.limits.idleMs);
    this.keep(cookie, learner);
    res.appendHeader('Set-Cookie', `${SESSION_COOKIE}=${cookie}; HttpOnly; SameSite=Lax; Path=/`);
    return learner;
  }

  /** Called with each session's learner as the session is forgotten (idle, or pushed out by the cap). */
  onForget(listener: (learner: Learner) => void): () => void {
    this.forgetListeners.add(listener);
    return () => this.forgetListeners.delete(listener);
  }

  private keep(cookie: string, learner: Learner): void {
    this.sweep();
    while (this.byCookie.size >= this.limits.maxSessions) {
      const oldest = this.byCookie.keys().next().value;
      if (oldest === undefined) break;
      this.forget(oldest);
    }
    const now = this.now();
    this.byCookie.set(cookie, { learner, lastSeen: now, savedAt: now });
  }

  private touch(cookie: string): Learner | null {
    if (!SESSION_VALUE.test(cookie)) return null;
    const session = this.byCookie.get(cookie);
    if (!session) return null;
    const now = this.now();
    if (now - session.lastSeen > this.limits.idleMs) {
      this.forget(cookie);
      return null;
    }
    session.lastSeen = now;
    this.byCookie.delete(cookie);
    this.byCookie.set(cookie, session);
    // The shared copy expires on the same idle time: told now and then that the session is in use.
    if (now - session.savedAt > this.limits.idleMs / 100) this.save(cookie);
    return session.learner;
  }

  private save(cookie: string): void {
    const session = this.byCookie.get(cookie);
    if (!this.store || !session) return;
    session.savedAt = this.now();
    // Lost only if the store is down; the session still works on this instance meanwhile.
    this.store.save(keyOf(cookie), session.learner.number, this.limits.idleMs).catch(() => {});
  }

  private forget(cookie: string): void {
    const session = this.byCookie.get(cookie);
    if (!session) return;
    this.byCookie.delete(cookie);
    for (const listener of this.forgetListeners) listener(session.learner);
  }

  // The oldest sessions come first: stop at the first one still in use.
  private sweep(): void {
    const now = this.now();
    for (const [cookie, session] of this.byCookie) {
      if (now - session.lastSeen <= this.limits.idleMs) break;
      this.forget(cookie);
    }
  }
}

// The store holds a digest of the cookie, never the cookie: whoever reads the store cannot be a learner.
function keyOf(cookie: string): string {
  return createHash('sha256').update(cookie).digest('base64url');
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
