// The board of a class of several instances: this instance's learners (its progress store) and the
// rows the others publish through the class's Redis (shared-class.ts), merged. Each instance
// publishes its own rows soon after they change and every HEARTBEAT_MS (connection counts change
// on their own); an instance silent for INSTANCE_TTL_MS has stopped, and its rows go.
import type { BoardRow } from '../../core/classroom/board';
import type { BoardSource } from './board-socket';
import type { ProgressStore } from './progress';
import { type BoardSnapshot, HEARTBEAT_MS, INSTANCE_TTL_MS, type SharedClass } from './shared-class';

/** How soon a change here is published: a burst of reports goes out as one snapshot. */
const PUBLISH_DELAY_MS = 50;

export class SharedBoard implements BoardSource {
  private readonly others = new Map<string, BoardSnapshot>();
  private readonly listeners = new Set<() => void>();
  private readonly stops: (() => void)[] = [];
  private publishTimer: NodeJS.Timeout | null = null;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly local: ProgressStore,
    private readonly shared: SharedClass,
    /** Wall-clock ms at this instance's clock's 0 (`performance.timeOrigin` for the journal's clock). */
    private readonly clockOrigin: number,
  ) {
    this.stops.push(
      local.onChange(() => {
        this.publishSoon();
        this.changed();
      }),
      shared.onBoard((snapshot) => this.take(snapshot)),
    );
    this.heartbeat = setInterval(() => this.publish(), HEARTBEAT_MS);
    this.heartbeat.unref();
    this.publish();
    // A board opened mid-class shows the learners the others already have.
    shared.boards().then(
      (snapshots) => {
        for (const snapshot of snapshots) if (snapshot.instance !== shared.instance) this.take(snapshot);
      },
      () => {},
    );
  }

  rows(): BoardRow[] {
    const byLearner = new Map<string, BoardRow>();
    for (const row of this.local.rows()) byLearner.set(row.learner, row);
    const stale = Date.now() - INSTANCE_TTL_MS;
    for (const [instance, snapshot] of this.others) {
      if (snapshot.at < stale) {
        this.others.delete(instance);
        continue;
      }
      for (const row of snapshot.rows) {
        const here = { ...row, lastActivity: row.lastActivity - this.clockOrigin };
        const known = byLearner.get(row.learner);
        // A learner moved to another instance (theirs stopped) is on the board once, as last seen.
        if (!known || known.lastActivity < here.lastActivity) byLearner.set(row.learner, here);
      }
    }
    return [...byLearner.values()].sort((a, b) => a.number - b.number);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    for (const stop of this.stops) stop();
    clearInterval(this.heartbeat);
    if (this.publishTimer) clearTimeout(this.publishTimer);
    this.listeners.clear();
    // Stopping on purpose: the others drop this instance's rows now, not when its heartbeat is missed.
    this.shared.publishBoard({ instance: this.shared.instance, at: Date.now(), rows: [] });
  }

  private take(snapshot: BoardSnapshot): void {
    const known = this.others.get(snapshot.instance);
    if (known && known.at > snapshot.at) return;
    this.others.set(snapshot.instance, snapshot);
    this.changed();
  }

  private publishSoon(): void {
    this.publishTimer ??= setTimeout(() => {
      this.publishTimer = null;
      this.publish();
    }, PUBLISH_DELAY_MS);
  }

  private publish(): void {
    const rows = this.local
      .rows()
      .map((row) => ({ ...row, lastActivity: row.lastActivity + this.clockOrigin }));
    this.shared.publishBoard({ instance: this.shared.instance, at: Date.now(), rows });
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
