// Each learner's progress as their page last reported it: one entry per live learner, bounded in
// count, in each entry's size (core/classroom/board.ts) and in how often a learner may report.
import type { BoardRow, ProgressReport } from '../../core/classroom/board';

/** The learner a report comes from, as the sessions module names them. */
export interface ProgressLearner {
  id: string;
  number: number;
}

export interface ProgressLimits {
  /** Learners kept at once; the one quiet longest leaves first. */
  maxLearners: number;
  /** A learner who has not reported for this long leaves the board (their session has ended). */
  idleMs: number;
  /** Reports a learner may send in a burst, and how many more each second allows. */
  burst: number;
  perSecond: number;
}

export const PROGRESS_DEFAULTS: ProgressLimits = {
  maxLearners: 10_000,
  idleMs: 12 * 60 * 60 * 1000,
  // The page reports at most once a second and on each step change: a learner paging through a
  // lesson quickly stays inside this, a script hammering the endpoint does not.
  burst: 10,
  perSecond: 2,
};

interface Entry {
  learner: ProgressLearner;
  report: ProgressReport;
  lastActivity: number;
  tokens: number;
  refilledAt: number;
}

export type ReportOutcome = 'stored' | 'too-fast';

/**
 * The board's state. It knows learners only from their reports; the sessions module says when a
 * session ends (`forget`), and the idle expiry bounds the rest should it never say.
 */
export class ProgressStore {
  // Insertion order is report order: the first key is the learner quiet longest.
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly now: () => number,
    private readonly limits: ProgressLimits = PROGRESS_DEFAULTS,
    /** Each learner's open WebSockets, or null when the server cannot say. */
    private readonly openConnections: () => ReadonlyMap<string, number> | null = () => null,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Keeps a learner's report, unless they report faster than the limits allow. */
  report(learner: ProgressLearner, report: ProgressReport): ReportOutcome {
    const now = this.now();
    this.expire(now);
    const entry = this.entries.get(learner.id);
    let tokens = this.limits.burst;
    if (entry) {
      tokens = Math.min(
        this.limits.burst,
        entry.tokens + ((now - entry.refilledAt) / 1000) * this.limits.perSecond,
      );
      if (tokens < 1) {
        entry.tokens = tokens;
        entry.refilledAt = now;
        return 'too-fast';
      }
      this.entries.delete(learner.id);
    } else if (this.entries.size >= this.limits.maxLearners) {
      const quietest = this.entries.keys().next().value;
      if (quietest !== undefined) this.entries.delete(quietest);
    }
    this.entries.set(learner.id, { learner, report, lastActivity: now, tokens: tokens - 1, refilledAt: now });
    this.changed();
    return 'stored';
  }

  /** The learner's session has ended: their row goes. */
  forget(learner: string): void {
    if (this.entries.delete(learner)) this.changed();
  }

  /** Has this learner ticked "let the instructor see my traffic"? */
  sharesTraffic(learner: string): boolean {
    return this.entries.get(learner)?.report.shareTraffic === true;
  }

  /** The board, learners in the order they joined the class, so rows stay put as they update. */
  rows(): BoardRow[] {
    this.expire(this.now());
    const open = this.openConnections();
    const rows: BoardRow[] = [];
    for (const { learner, report, lastActivity } of this.entries.values()) {
      rows.push({
        learner: learner.id,
        number: learner.number,
        nickname: report.nickname,
        lesson: report.lesson,
        checks: report.checks,
        shareTraffic: report.shareTraffic,
        connections: open === null ? null : (open.get(learner.id) ?? 0),
        lastActivity,
      });
    }
    return rows.sort((a, b) => a.number - b.number);
  }

  /** Called after every change to the board; returns how to stop. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private expire(now: number): void {
    let gone = false;
    for (const [id, entry] of this.entries) {
      if (now - entry.lastActivity < this.limits.idleMs) break;
      this.entries.delete(id);
      gone = true;
    }
    if (gone) this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
