// Bytes and frames per direction over time, without a DOM: every frame is counted into a 100 ms
// bucket as it arrives, for all lanes and for its own lane, so the timeline draws from a few
// thousand buckets and never rescans the frames. The chart's bars are sums of buckets.

import type { TapFrameEvent } from '../../core/tap/events';
import type { Direction } from '../../core/wire/direction';

export const BUCKET_MS = 100;
/** Buckets kept per series: ten minutes of continuous traffic; the oldest go first. */
export const MAX_BUCKETS = 6000;
/** The chart shows at least this much time, so a short burst is not stretched over the width. */
export const MIN_SPAN_MS = 10_000;

export interface Counts {
  bytes: Record<Direction, number>;
  frames: Record<Direction, number>;
}

function emptyCounts(): Counts {
  return { bytes: { client: 0, server: 0 }, frames: { client: 0, server: 0 } };
}

/** One series: buckets by index (t / BUCKET_MS), in the order they were first touched. */
/**
 * A frame's bytes as they crossed the wire: its header and the payload that came, which for a
 * frame at fault is less than its header announces (a workbench frame may announce 2^63 bytes).
 */
export function wireBytes(
  event: Pick<TapFrameEvent, 'headerHex' | 'payloadLength' | 'payloadReceived'>,
): number {
  return event.headerHex.length / 2 + (event.payloadReceived ?? event.payloadLength);
}

export class RateSeries {
  private readonly buckets = new Map<number, Counts>();
  /** The earliest and latest bucket index seen, or NaN when empty. */
  first = Number.NaN;
  last = Number.NaN;
  version = 0;

  get size(): number {
    return this.buckets.size;
  }

  add(t: number, dir: Direction, bytes: number): void {
    const index = Math.floor(t / BUCKET_MS);
    let counts = this.buckets.get(index);
    if (!counts) {
      counts = emptyCounts();
      this.buckets.set(index, counts);
      if (this.buckets.size > MAX_BUCKETS) this.dropOldest();
      if (!(index >= this.first)) this.first = index;
      if (!(index <= this.last)) this.last = index;
    }
    counts.bytes[dir] += bytes;
    counts.frames[dir]++;
    this.version++;
  }

  private dropOldest(): void {
    // Maps iterate in insertion order, and buckets are touched in time order (nearly).
    const oldest = this.buckets.keys().next().value as number;
    this.buckets.delete(oldest);
    let first = Number.POSITIVE_INFINITY;
    // Rarely: only when the bound is passed, and then one pass over a bounded map.
    for (const index of this.buckets.keys()) if (index < first) first = index;
    this.first = first;
  }

  entries(): IterableIterator<[number, Counts]> {
    return this.buckets.entries();
  }
}

export interface Bar {
  /** Start and end, ms since the server started. */
  t0: number;
  t1: number;
  /** Per second over the bar's time. */
  bytesPerSecond: Record<Direction, number>;
  framesPerSecond: Record<Direction, number>;
}

export interface Chart {
  bars: Bar[];
  t0: number;
  t1: number;
  peak: { bytesPerSecond: Record<Direction, number>; framesPerSecond: Record<Direction, number> };
  /** Totals over the chart. */
  total: Counts;
}

/**
 * At most `maxBars` bars over the series' whole span (at least MIN_SPAN_MS, ending at its latest
 * bucket), each a whole number of buckets; rates are per second of the bar's time.
 */
export function chartOf(series: RateSeries, maxBars: number): Chart | null {
  if (series.size === 0) return null;
  const lastEnd = series.last + 1;
  const spanBuckets = Math.max(lastEnd - series.first, MIN_SPAN_MS / BUCKET_MS);
  const perBar = Math.max(1, Math.ceil(spanBuckets / maxBars));
  const barCount = Math.ceil(spanBuckets / perBar);
  const startIndex = lastEnd - barCount * perBar;
  const sums: Counts[] = Array.from({ length: barCount }, emptyCounts);
  const total = emptyCounts();
  for (const [index, counts] of series.entries()) {
    const bar = Math.floor((index - startIndex) / perBar);
    const sum = sums[bar];
    if (!sum) continue;
    for (const dir of ['client', 'server'] as const) {
      sum.bytes[dir] += counts.bytes[dir];
      sum.frames[dir] += counts.frames[dir];
      total.bytes[dir] += counts.bytes[dir];
      total.frames[dir] += counts.frames[dir];
    }
  }
  const seconds = (perBar * BUCKET_MS) / 1000;
  const peak = { bytesPerSecond: { client: 0, server: 0 }, framesPerSecond: { client: 0, server: 0 } };
  const bars = sums.map((sum, i): Bar => {
    const bar: Bar = {
      t0: (startIndex + i * perBar) * BUCKET_MS,
      t1: (startIndex + (i + 1) * perBar) * BUCKET_MS,
      bytesPerSecond: { client: sum.bytes.client / seconds, server: sum.bytes.server / seconds },
      framesPerSecond: { client: sum.frames.client / seconds, server: sum.frames.server / seconds },
    };
    for (const dir of ['client', 'server'] as const) {
      peak.bytesPerSecond[dir] = Math.max(peak.bytesPerSecond[dir], bar.bytesPerSecond[dir]);
      peak.framesPerSecond[dir] = Math.max(peak.framesPerSecond[dir], bar.framesPerSecond[dir]);
    }
    return bar;
  });
  return { bars, t0: startIndex * BUCKET_MS, t1: lastEnd * BUCKET_MS, peak, total };
}

/** `0 B/s`, `850 B/s`, `12.4 KB/s`, `3.1 MB/s`. */
export function formatByteRate(rate: number): string {
  if (rate < 1000) return `${Math.round(rate)} B/s`;
  if (rate < 1_000_000) return `${(rate / 1000).toFixed(1)} KB/s`;
  return `${(rate / 1_000_000).toFixed(1)} MB/s`;
}

/** `0 frames/s`, `10 frames/s`, `2.5 frames/s`. */
export function formatFrameRate(rate: number): string {
  const shown = rate >= 100 || Number.isInteger(rate) ? Math.round(rate).toString() : rate.toFixed(1);
  return `${shown} frames/s`;
}

/** The chart's text alternative: what it covers and the peak rates each way. */
export function describeChart(chart: Chart | null, scope: string): string {
  if (!chart) return `Traffic of ${scope}: no frames yet`;
  const seconds = ((chart.t1 - chart.t0) / 1000).toFixed(0);
  const side = (dir: Direction, who: string) =>
    `${who} peak ${formatByteRate(chart.peak.bytesPerSecond[dir])} and ${formatFrameRate(chart.peak.framesPerSecond[dir])}`;
  return `Traffic of ${scope} over ${seconds} s: ${side('client', 'client to server')}; ${side('server', 'server to client')}`;
}

/** A series for all lanes and one per lane, fed one frame at a time. */
export class RateBook<Key> {
  readonly all = new RateSeries();
  private readonly byKey = new Map<Key, RateSeries>();

  add(key: Key, t: number, dir: Direction, bytes: number): void {
    this.all.add(t, dir, bytes);
    let series = this.byKey.get(key);
    if (!series) {
      series = new RateSeries();
      this.byKey.set(key, series);
    }
    series.add(t, dir, bytes);
  }

  /** How many keys have a series of their own. */
  get keys(): number {
    return this.byKey.size;
  }

  series(key: Key | null): RateSeries | null {
    return key === null ? this.all : (this.byKey.get(key) ?? null);
  }

  /** Lets go of the series of keys no longer wanted (lanes the inspector forgot). */
  retain(keep: (key: Key) => boolean): void {
    for (const key of this.byKey.keys()) if (!keep(key)) this.byKey.delete(key);
  }
}
