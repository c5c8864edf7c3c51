// A snippet runs in an opaque-origin sandbox, whose sockets carry no cookie: the page asks for a
// capability when a run starts, the sandbox adds it to the URLs of the sockets the snippet opens
// on this server, and the server tags those connections with the learner it was issued to. It is
// good for one run: the page ends it when the run ends, and it expires on its own after a while.
import { randomBytes } from 'node:crypto';
import { RUN_CAPABILITY_PARAM } from '../../core/routes';
import type { Learner } from './sessions';

export { RUN_CAPABILITY_PARAM };

export interface RunCapabilityLimits {
  /** How long a capability is good for, however long its run goes on. */
  ttlMs: number;
  /** Capabilities remembered at once (live and recently ended); past it the oldest is forgotten. */
  max: number;
}

// A run is stopped after 30 s by the page; a minute leaves room for a slow start.
export const RUN_CAPABILITY_DEFAULTS: RunCapabilityLimits = { ttlMs: 60_000, max: 20_000 };

const CAPABILITY_BYTES = 16;

interface Capability {
  readonly learner: Learner;
  readonly expiresAt: number;
  ended: boolean;
}

export type CapabilityCheck =
  | { ok: true; learner: Learner }
  | { ok: false; reason: string; learner?: Learner };

export class RunCapabilities {
  // In order of issue, oldest first.
  private readonly byValue = new Map<string, Capability>();

  constructor(
    private readonly limits: RunCapabilityLimits = RUN_CAPABILITY_DEFAULTS,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.byValue.size;
  }

  issue(learner: Learner): { capability: string; expiresAt: number } {
    const now = this.now();
    for (const [value, capability] of this.byValue) {
      if (capability.expiresAt > now && this.byValue.size < this.limits.max) break;
      this.byValue.delete(value);
    }
    // The learner id in front lets a load balancer send the snippet's socket to the instance that
    // holds its learner (deploy/nginx.conf); the random part is what makes it a capability.
    const capability = `${learner.id}.${randomBytes(CAPABILITY_BYTES).toString('base64url')}`;
    const expiresAt = now + this.limits.ttlMs;
    this.byValue.set(capability, { learner, expiresAt, ended: false });
    return { capability, expiresAt };
  }

  /** The run is over: its capability opens nothing more. Only its own learner may end it. */
  end(value: string, learner: Learner): boolean {
    const capability = this.byValue.get(value);
    if (!capability || capability.learner.id !== learner.id) return false;
    capability.ended = true;
    return true;
  }

  /** Whose run this capability is, or why it opens nothing. */
  check(value: string): CapabilityCheck {
    const capability = this.byValue.get(value);
    if (!capability) return { ok: false, reason: 'the run capability is not one this server issued' };
    const { learner } = capability;
    if (capability.ended)
      return { ok: false, reason: 'the run this capability was issued for has ended', learner };
    if (capability.expiresAt <= this.now()) {
      return { ok: false, reason: 'the run capability has expired: run the snippet again', learner };
    }
    return { ok: true, learner };
  }
}
