// The JSON subscriber's output ring on its own: windows taken at the head, given back in order,
// the free run found on either side of the wrap, and growth only for output that could never fit.
import { describe, expect, it } from 'vitest';
import { OutputRing } from '../../../server/tap/output-ring';

describe('OutputRing', () => {
  it('has no memory until output misses it, then grows by doubling to its maximum', () => {
    const ring = new OutputRing(100_000);
    expect(ring.free()).toBeNull();
    ring.missed(20_000);
    expect(ring.size).toBe(32 * 1024);
    ring.missed(1_000_000);
    expect(ring.size).toBe(100_000);
  });

  it('does not grow for output that missed only because the ring was full', () => {
    const ring = new OutputRing(1 << 20);
    ring.missed(1000);
    const size = ring.size;
    ring.take(ring.free()!);
    expect(ring.free()).toBeNull();
    ring.missed(1000);
    expect(ring.size).toBe(size);
  });

  it('gives the run after the head, then wraps to the start once that is shorter than what the tail freed', () => {
    const ring = new OutputRing(16 * 1024);
    ring.missed(16 * 1024);
    const a = ring.take(ring.free()!);
    a.used(6000);
    const b = ring.take(ring.free()!);
    b.used(6000);
    expect(ring.free()).toMatchObject({ start: 12_000, length: 16_384 - 12_000 });
    a.release();
    // 6 000 free before the tail, 4 384 after the head.
    const wrapped = ring.free()!;
    expect(wrapped).toMatchObject({ start: 0, length: 6000 });
    const c = ring.take(wrapped);
    c.used(5000);
    // Wrapped: only between the head and the tail.
    expect(ring.free()).toMatchObject({ start: 5000, length: 1000 });
    b.release();
    c.release();
    expect(ring.free()).toMatchObject({ start: 0, length: 16_384 });
  });

  it('is full when the wrapped head has come round to the tail', () => {
    const ring = new OutputRing(16 * 1024);
    ring.missed(16 * 1024);
    const a = ring.take(ring.free()!);
    a.used(6000);
    ring.take(ring.free()!); // the rest, to the end
    a.release();
    const wrapped = ring.free()!;
    expect(wrapped).toMatchObject({ start: 0, length: 6000 });
    ring.take(wrapped); // all of it: the head meets the tail
    expect(ring.free()).toBeNull();
  });

  it('gives back only in the order taken, as a socket writes', () => {
    const ring = new OutputRing(16 * 1024);
    ring.missed(16 * 1024);
    const a = ring.take(ring.free()!);
    a.used(4000);
    const b = ring.take(ring.free()!);
    b.used(4000);
    b.release();
    // `a` is still being written: the run after `b` is all that is free.
    expect(ring.free()).toMatchObject({ start: 8000, length: 16_384 - 8000 });
    a.release();
    expect(ring.free()).toMatchObject({ start: 0, length: 16_384 });
  });

  it('keeps a grown-out block for what is still being written in it, and hands out the new one', () => {
    const ring = new OutputRing(1 << 20);
    ring.missed(1000);
    const old = ring.free()!;
    const lease = ring.take(old);
    lease.used(500);
    ring.missed(100_000);
    const fresh = ring.free()!;
    expect(fresh.buffer).not.toBe(old.buffer);
    expect(fresh).toMatchObject({ start: 0, length: 128 * 1024 });
    lease.release();
    expect(ring.free()).toMatchObject({ start: 0, length: 128 * 1024 });
  });
});
