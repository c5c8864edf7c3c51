import { describe, expect, it } from 'vitest';
import type { TapFrameEvent } from '../../../core/tap/events';
import type { Direction } from '../../../core/wire/direction';
import type { Lane } from '../../../web/inspector/connections';
import { compileFilter, FrameStore, NO_FILTER } from '../../../web/inspector/frame-store';
import { testLane } from './lane';
import { testFrame } from './tap-events';

function lane(key: string): Lane {
  return testLane({ key, conn: key });
}

function frame(dir: Direction, opcode: number, text: string): TapFrameEvent {
  return testFrame({ dir, opcode, payload: { text, truncated: false } });
}

describe('FrameStore', () => {
  it('keeps at most its capacity, counts what it dropped, and keeps the filtered list in step', () => {
    const store = new FrameStore(4);
    const a = lane('a');
    for (let i = 0; i < 6; i++) store.add(a, frame(i % 2 ? 'server' : 'client', 1, `m${i}`));
    expect(store.size).toBe(4);
    expect(store.evicted).toBe(2);
    expect(store.visibleCount).toBe(4);
    expect(store.visibleAt(0)?.event.payload.text).toBe('m2');
    store.setMatcher(compileFilter({ ...NO_FILTER, dir: 'client' }).match);
    expect(store.visibleCount).toBe(2);
    store.add(a, frame('client', 1, 'm6'));
    store.add(a, frame('client', 1, 'm7'));
    // m2 and m4 fell out of the history; m6 and m7 came in: still only what the ring holds.
    expect([0, 1, 2].map((i) => store.visibleAt(i)?.event.payload.text)).toEqual(['m4', 'm6', 'm7']);
  });

  it('numbers data messages per lane and direction, so a chat line finds its frame', () => {
    const store = new FrameStore(10);
    const a = lane('a');
    store.add(a, frame('client', 1, 'hello'));
    store.add(a, frame('server', 9, 'ping'));
    store.add(a, frame('server', 1, 'reply'));
    store.add(a, frame('client', 1, 'again'));
    expect(store.findMessage('a', 'client', 1)?.event.payload.text).toBe('again');
    expect(store.findMessage('a', 'server', 0)?.event.payload.text).toBe('reply');
    expect(store.findMessage('a', 'server', 1)).toBeUndefined();
  });

  it('filters by opcode group and text, and reports a bad regular expression', () => {
    const control = compileFilter({ ...NO_FILTER, opcode: 'control' }).match;
    const text = compileFilter({ ...NO_FILTER, text: 'REPLY' }).match;
    const bad = compileFilter({ ...NO_FILTER, text: '(', regex: true });
    const record = { id: 0, lane: lane('a'), event: frame('server', 1, 'reply'), message: 0 };
    expect(control(record)).toBe(false);
    expect(text(record)).toBe(true);
    expect(bad.error).toBeTruthy();
  });
});
