import { describe, expect, it } from 'vitest';
import {
  BUCKET_MS,
  chartOf,
  describeChart,
  formatByteRate,
  formatFrameRate,
  MAX_BUCKETS,
  MIN_SPAN_MS,
  RateBook,
  RateSeries,
  wireBytes,
} from '../../../web/inspector/timeline-buckets';

describe('timeline buckets', () => {
  it('counts bytes and frames per direction into 100 ms buckets', () => {
    const series = new RateSeries();
    series.add(1000, 'client', 10);
    series.add(1099, 'client', 20);
    series.add(1100, 'server', 5);
    expect(series.size).toBe(2);
    const chart = chartOf(series, 1000)!;
    const first = chart.bars.find((bar) => bar.t0 === 1000)!;
    // 30 bytes and 2 frames in 100 ms: 300 B/s and 20 frames/s.
    expect(first.bytesPerSecond).toEqual({ client: 300, server: 0 });
    expect(first.framesPerSecond).toEqual({ client: 20, server: 0 });
    expect(chart.total.bytes).toEqual({ client: 30, server: 5 });
    expect(chart.peak.bytesPerSecond).toEqual({ client: 300, server: 50 });
  });

  it('shows at least ten seconds, ending at the latest bucket, so one burst is not stretched', () => {
    const series = new RateSeries();
    series.add(20_050, 'client', 1);
    const chart = chartOf(series, 120)!;
    expect(chart.t1).toBe(20_100);
    expect(chart.t1 - chart.t0).toBe(MIN_SPAN_MS);
    expect(chart.bars).toHaveLength(MIN_SPAN_MS / BUCKET_MS);
    expect(chart.bars.at(-1)!.framesPerSecond.client).toBe(10);
    expect(chart.bars.slice(0, -1).every((bar) => bar.framesPerSecond.client === 0)).toBe(true);
  });

  it('joins buckets into at most the bars asked for, and keeps rates per second of each bar', () => {
    const series = new RateSeries();
    // One frame of 100 bytes every 100 ms for 60 s each way: 1000 B/s and 10 frames/s.
    for (let t = 0; t < 60_000; t += BUCKET_MS) {
      series.add(t, 'client', 100);
      series.add(t + 50, 'server', 100);
    }
    const chart = chartOf(series, 120)!;
    expect(chart.bars.length).toBeLessThanOrEqual(120);
    expect(chart.bars[0]!.t1 - chart.bars[0]!.t0).toBe(500);
    for (const bar of chart.bars) {
      expect(bar.bytesPerSecond.client).toBeCloseTo(1000);
      expect(bar.framesPerSecond.server).toBeCloseTo(10);
    }
    expect(chart.total.frames).toEqual({ client: 600, server: 600 });
  });

  it('shows a burst as a peak above a steady pace', () => {
    const series = new RateSeries();
    for (let t = 0; t < 10_000; t += 1000) series.add(t, 'server', 1000);
    for (let i = 0; i < 50; i++) series.add(5000 + i, 'server', 1000);
    const chart = chartOf(series, 100)!;
    const peak = chart.peak.bytesPerSecond.server;
    // 51 frames of 1000 bytes in one 100 ms bucket.
    expect(peak).toBe(510_000);
    expect(describeChart(chart, 'chat c1')).toBe(
      'Traffic of chat c1 over 10 s: client to server peak 0 B/s and 0 frames/s; server to client peak 510.0 KB/s and 510 frames/s',
    );
  });

  it('keeps a bounded number of buckets, dropping the oldest', () => {
    const series = new RateSeries();
    for (let i = 0; i < MAX_BUCKETS + 10; i++) series.add(i * BUCKET_MS, 'client', 1);
    expect(series.size).toBe(MAX_BUCKETS);
    expect(series.first).toBe(10);
    expect(series.last).toBe(MAX_BUCKETS + 9);
  });

  it('keeps a series for all lanes and one per lane', () => {
    const book = new RateBook<string>();
    book.add('a', 0, 'client', 10);
    book.add('b', 0, 'server', 20);
    expect(chartOf(book.series(null)!, 10)!.total.bytes).toEqual({ client: 10, server: 20 });
    expect(chartOf(book.series('a')!, 10)!.total.bytes).toEqual({ client: 10, server: 0 });
    expect(book.series('c')).toBeNull();
    book.retain((key) => key === 'a');
    expect(book.series('b')).toBeNull();
  });

  it('says when there is nothing to show, and writes rates a person can read', () => {
    expect(chartOf(new RateSeries(), 10)).toBeNull();
    expect(describeChart(null, 'all connections')).toBe('Traffic of all connections: no frames yet');
    expect(formatByteRate(999)).toBe('999 B/s');
    expect(formatByteRate(12_400)).toBe('12.4 KB/s');
    expect(formatByteRate(3_100_000)).toBe('3.1 MB/s');
    expect(formatFrameRate(10)).toBe('10 frames/s');
    expect(formatFrameRate(2.5)).toBe('2.5 frames/s');
  });

  it('counts 100 000 frames without slowing down, and draws from the buckets alone', () => {
    const book = new RateBook<string>();
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) book.add('a', i, i % 2 ? 'server' : 'client', 64);
    const chart = chartOf(book.all, 120)!;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(chart.total.frames.client + chart.total.frames.server).toBe(100_000);
  });
});

describe('wireBytes', () => {
  it('counts the header and the payload that came, not what a frame at fault announced', () => {
    // A header announcing 2^63 - 1 bytes (64-bit form) that the server stopped reading after 3.
    const header = '82ff7fffffffffffffff';
    expect(wireBytes({ headerHex: header, payloadLength: 2 ** 63 - 1, payloadReceived: 3 })).toBe(13);
    expect(wireBytes({ headerHex: '8105', payloadLength: 5 })).toBe(7);
  });
});
