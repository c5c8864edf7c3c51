// The terminal's lines in the order things happened. A snippet's console output reaches the page
// at once, the wire log of the frames around it only when the tap's next batch arrives (the
// server sends one every ~16 ms), so printing on arrival puts "got the reply" above the frame
// that carried the reply. Each line carries the time its event happened; lines wait a moment
// (longer than the tap has lately been late) and leave sorted by that time.

export interface LineOrderOptions {
  /** The page's clock, ms. */
  now?: () => number;
  /** Shortest and longest wait, ms. */
  minHoldMs?: number;
  maxHoldMs?: number;
}

interface Waiting<T> {
  at: number;
  seq: number;
  item: T;
}

/** How much longer than the latest lateness a line waits, so a batch just behind it still fits. */
const MARGIN_MS = 40;
/** After a flood made lines late, the wait halves back towards its minimum every this many ms. */
const HALF_LIFE_MS = 2000;

export class LineOrder<T> {
  private waiting: Waiting<T>[] = [];
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly now: () => number;
  private readonly minHoldMs: number;
  private readonly maxHoldMs: number;
  private holdMs: number;
  private heldAt: number;

  constructor(
    private readonly emit: (item: T) => void,
    options: LineOrderOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    // The tap's batches come every ~16 ms, but a busy machine (a class on one laptop, a test run)
    // holds one back by a hundred ms or more without warning; a fifth of a second is still below
    // what a reader notices in a log, and keeps the order through such a stall.
    this.minHoldMs = options.minHoldMs ?? 200;
    this.maxHoldMs = options.maxHoldMs ?? 1500;
    this.holdMs = this.minHoldMs;
    this.heldAt = this.now();
  }

  /** How long a line waits now, ms. */
  get hold(): number {
    return this.holdMs;
  }

  /** Adds a line that happened at `at` (the page's clock; default now). */
  add(item: T, at = this.now()): void {
    const now = this.now();
    const when = Number.isFinite(at) ? Math.min(at, now) : now;
    // A line reported late says how late the others may be: wait that long, then less and less
    // as time passes, so a flood does not leave the terminal slow.
    const late = now - when;
    const decayed =
      this.minHoldMs + (this.holdMs - this.minHoldMs) * 0.5 ** ((now - this.heldAt) / HALF_LIFE_MS);
    this.holdMs = Math.min(this.maxHoldMs, Math.max(this.minHoldMs, late + MARGIN_MS, decayed));
    this.heldAt = now;
    this.waiting.push({ at: when, seq: this.seq++, item });
    this.release();
  }

  /** Sends every waiting line, in order, now. */
  flush(): void {
    this.release(Number.POSITIVE_INFINITY);
  }

  /** Forgets the waiting lines. */
  clear(): void {
    this.waiting = [];
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  get size(): number {
    return this.waiting.length;
  }

  private release(upTo = this.now() - this.holdMs): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.waiting.sort((a, b) => a.at - b.at || a.seq - b.seq);
    let ready = 0;
    while (ready < this.waiting.length && this.waiting[ready]!.at <= upTo) ready++;
    const out = this.waiting.splice(0, ready);
    for (const line of out) this.emit(line.item);
    const first = this.waiting[0];
    if (first)
      this.timer = setTimeout(() => this.release(), Math.max(1, first.at + this.holdMs - this.now()));
  }
}
