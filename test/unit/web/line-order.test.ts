import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LineOrder } from '../../../web/playground/line-order';

describe('LineOrder', () => {
  let clock = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 1000;
  });
  afterEach(() => vi.useRealTimers());

  function ordered(): { out: string[]; order: LineOrder<string> } {
    const out: string[] = [];
    return {
      out,
      order: new LineOrder<string>((line) => out.push(line), { now: () => clock, minHoldMs: 80 }),
    };
  }

  function advance(ms: number): void {
    clock += ms;
    vi.advanceTimersByTime(ms);
  }

  it('prints a frame reported late above the output that followed it', () => {
    const { out, order } = ordered();
    order.add('console: sending', 1000);
    advance(5);
    order.add('console: got the reply', 1005);
    advance(20);
    // The tap's batch: the frames happened at 1002 and 1004, and arrive 20 ms later.
    order.add('→ text', 1002);
    order.add('← text', 1004);
    expect(out).toEqual([]);
    advance(200);
    expect(out).toEqual(['console: sending', '→ text', '← text', 'console: got the reply']);
  });

  it('waits longer once lines have come late, and keeps lines of one time in arrival order', () => {
    const { out, order } = ordered();
    order.add('late', clock - 300);
    expect(order.hold).toBeGreaterThanOrEqual(300);
    order.add('a', clock);
    order.add('b', clock);
    advance(100);
    expect(out).toEqual(['late']);
    advance(300);
    expect(out).toEqual(['late', 'a', 'b']);
  });

  it('waits less again as time passes after a flood', () => {
    const { order } = ordered();
    order.add('very late', clock - 1000);
    expect(order.hold).toBeGreaterThanOrEqual(1000);
    advance(4000);
    order.add('on time');
    expect(order.hold).toBeLessThan(400);
  });

  it('puts a line stamped in the future at now, and flush or clear empties the wait', () => {
    const { out, order } = ordered();
    order.add('future', clock + 10_000);
    order.add('now');
    order.flush();
    expect(out).toEqual(['future', 'now']);
    order.add('dropped');
    order.clear();
    advance(5000);
    expect(out).toEqual(['future', 'now']);
    expect(order.size).toBe(0);
  });
});
