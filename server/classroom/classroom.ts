// Classroom mode: one server for a room of learners, each of whom sees only their own traffic.
// This module decides whether it is on, who a request or an upgrade belongs to, and what a
// subscriber or an export may see; the tap, the exports and the router only ask it.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { LEARNER_PARAM, RUN_CAPABILITY_PARAM } from '../../core/routes';
import { isLoopbackAddress } from '../proxy/target';
import type { Journal } from '../tap/journal';
import type { ConnFilter } from '../tap/record-filter';
import { isInstructor } from './instructor';
import { RunCapabilities } from './run-capabilities';
import { type Learner, type SessionStore, Sessions } from './sessions';

/**
 * Classroom mode is on whenever the server listens beyond this machine (a `--host` that is not a
 * loopback address), or when asked (`--classroom`); `--no-classroom` turns it off on purpose.
 * The one place this is decided.
 */
export function isClassroom(options: { host?: string; classroom?: boolean }): boolean {
  if (options.classroom !== undefined) return options.classroom;
  const host = (options.host ?? '127.0.0.1').replace(/^\[|\]$/g, '');
  if (host.toLowerCase() === 'localhost') return false;
  return isIP(host) === 0 || !isLoopbackAddress(host);
}

/** Which connections of the journal a reader may see; `null` from `scopeOf`: none, answer 401. */
export type Scope = { all: true } | { all: false; learner: string };

/** Whose an upgrade is, or why it is refused (an unknown, ended or other learner's run capability). */
export type Identity =
  | { ok: true; learner: Learner | null }
  | { ok: false; reason: string; learner: Learner | null };

export const NO_SESSION_REASON =
  'classroom mode: this shows only your own connections, so it needs your session: open the page on this server first (it gives your browser one), or use the instructor token';

export const PROXY_OFF_REASON =
  'classroom mode: /proxy and workbench targets other than this server are off, so that learners cannot reach the machine running wslab or its network; start wslab with --allow-proxy to allow them';

export interface ClassroomOptions {
  enabled: boolean;
  /** `--allow-proxy`: `/proxy` and other workbench targets stay on in classroom mode. */
  allowProxy?: boolean;
  /** The instructor's token: it sees every session. */
  instructorToken?: () => string | undefined;
  /** Has this learner ticked "let the instructor see my traffic" (the board's Watch)? */
  sharesTraffic?: (learner: string) => boolean;
  /** Sessions shared by the instances of one class (`--redis`). */
  sessionStore?: SessionStore | null;
}

export class Classroom {
  readonly enabled: boolean;
  readonly sessions: Sessions;
  readonly runs = new RunCapabilities();
  /** Relaying to other servers (`/proxy`, other workbench targets) is allowed. */
  readonly proxyAllowed: boolean;
  private readonly instructorToken: () => string | undefined;
  private readonly sharesTraffic: (learner: string) => boolean;

  constructor(options: ClassroomOptions) {
    this.enabled = options.enabled;
    this.sessions = new Sessions(undefined, undefined, options.sessionStore ?? null);
    this.proxyAllowed = !options.enabled || options.allowProxy === true;
    this.instructorToken = options.instructorToken ?? (() => undefined);
    this.sharesTraffic = options.sharesTraffic ?? (() => false);
  }

  /**
   * Whose connections `req` may see: all of them outside classroom mode and for the instructor;
   * the instructor's `?learner=l7` (the board's Watch) narrows it to a learner who shares theirs.
   */
  scopeOf(req: IncomingMessage): Scope | null {
    if (!this.enabled) return { all: true };
    if (isInstructor(req, this.instructorToken())) {
      const watched = watchedLearner(req);
      if (watched === null) return { all: true };
      return this.sharesTraffic(watched) ? { all: false, learner: watched } : null;
    }
    const learner = this.sessions.learnerOf(req);
    return learner ? { all: false, learner: learner.id } : null;
  }

  /** Why the instructor may not watch the learner `req` names, or null (nobody named, or they share). */
  watchRefusal(req: IncomingMessage): string | null {
    if (!this.enabled) return null;
    const watched = watchedLearner(req);
    if (watched === null || !isInstructor(req, this.instructorToken())) return null;
    if (this.sharesTraffic(watched)) return null;
    return `learner ${watched.slice(1)} has not ticked "Let the instructor see my traffic" (or has unticked it)`;
  }

  /**
   * Whose connection an upgrade opens: a run capability's learner (a snippet's socket, which has no
   * cookie), else the session cookie's. Both at once must agree: a capability is good only for the
   * session it was issued to.
   */
  identify(req: IncomingMessage, capability: string | null): Identity {
    if (!this.enabled) return { ok: true, learner: null };
    const cookie = this.sessions.learnerOf(req);
    if (capability === null) return { ok: true, learner: cookie };
    const check = this.runs.check(capability);
    if (!check.ok)
      return {
        ok: false,
        reason: `classroom mode: ${check.reason}`,
        learner: cookie ?? check.learner ?? null,
      };
    if (cookie && cookie.id !== check.learner.id) {
      return {
        ok: false,
        reason: "classroom mode: this run capability belongs to another learner's session",
        learner: cookie,
      };
    }
    return { ok: true, learner: check.learner };
  }
}

/** The learner the board's Watch names (`?learner=l7`), or null. */
function watchedLearner(req: IncomingMessage): string | null {
  try {
    return new URL(req.url ?? '/', 'http://localhost').searchParams.get(LEARNER_PARAM) || null;
  } catch {
    return null;
  }
}

/** The filter for a scope over `journal`'s connections; undefined when it sees them all. */
export function connFilter(journal: Journal, scope: Scope): ConnFilter | undefined {
  if (scope.all) return undefined;
  const { learner } = scope;
  return (conn) => journal.learnerOf(conn) === learner;
}

/**
 * Takes the run capability out of a request target (`/echo?wslab_run=…&x=1` → `/echo?x=1`): the
 * connection's server, the tap and a relay's upstream never see it. Returns the capability too.
 */
export function takeRunCapability(target: string): { target: string; capability: string | null } {
  const at = target.indexOf('?');
  if (at < 0) return { target, capability: null };
  let capability: string | null = null;
  const kept = target
    .slice(at + 1)
    .split('&')
    .filter((pair) => {
      const eq = pair.indexOf('=');
      if ((eq < 0 ? pair : pair.slice(0, eq)) !== RUN_CAPABILITY_PARAM) return true;
      capability ??= eq < 0 ? '' : pair.slice(eq + 1);
      return false;
    });
  if (capability === null) return { target, capability };
  return {
    target: kept.length > 0 ? `${target.slice(0, at)}?${kept.join('&')}` : target.slice(0, at),
    capability,
  };
}
