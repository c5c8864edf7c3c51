import { describe, expect, it } from 'vitest';
import type { TapEvent, TapFrameEvent } from '../../../core/tap/events';
import type { Direction } from '../../../core/wire/direction';
import { compileFilter, NO_FILTER } from '../../../web/inspector/frame-store';
import { InspectorModel } from '../../../web/inspector/inspector-model';
import { testFrame, testHandshake, testOpen } from './tap-events';

let seq = 0;
function frame(dir: Direction, opcode: number, text: string, fin = true, conn = 'c1'): TapFrameEvent {
  return testFrame({ conn, t: 2 + seq, dir, seq: seq++, fin, opcode, payload: { text, truncated: false } });
}

function connection(conn: string): TapEvent[] {
  return [testOpen(conn), testHandshake(conn)];
}

/** "hello world" in six frames: text "he", then continuations, the last with FIN=1. */
function sixFrames(dir: Direction = 'server', conn = 'c1'): TapFrameEvent[] {
  const parts = ['he', 'll', 'o ', 'wo', 'rl', 'd'];
  return parts.map((part, i) => frame(dir, i === 0 ? 1 : 0, part, i === parts.length - 1, conn));
}

function model(capacity = 100): InspectorModel {
  const m = new InspectorModel('http://127.0.0.1:8765', false, capacity);
  m.ingest({ events: connection('c1'), replayed: false, instance: 'i1' });
  return m;
}

function ingest(m: InspectorModel, ...events: TapEvent[]): void {
  m.ingest({ events, replayed: false, instance: 'i1' });
}

/** What the list shows, one word a row: `msg×6` for a message row, the payload for a frame. */
function rows(m: InspectorModel): string[] {
  const out: string[] = [];
  for (let i = 0; i < m.store.visibleCount; i++) {
    const row = m.store.rowAt(i)!;
    out.push(row.message ? `msg×${row.message.ids.length}` : (row.record.event.payload.text ?? ''));
  }
  return out;
}

describe('message rows', () => {
  it('groups a message sent in six frames under one folded row that counts them and their bytes', () => {
    const m = model();
    ingest(m, frame('client', 1, 'hi'), ...sixFrames());
    expect(rows(m)).toEqual(['hi', 'msg×6']);
    const group = m.store.rowAt(1)!.message!;
    expect(group.complete).toBe(true);
    expect(group.bytes).toBe('hello world'.length);
    expect(group.first.event.payload.text).toBe('he');
  });

  it('shows the frames under the row when expanded and hides them again when folded', () => {
    const m = model();
    ingest(m, ...sixFrames(), frame('client', 1, 'after'));
    const group = m.store.rowAt(0)!.message!;
    m.store.setExpanded(group, true);
    expect(rows(m)).toEqual(['msg×6', 'he', 'll', 'o ', 'wo', 'rl', 'd', 'after']);
    expect(m.store.indexOfVisible(group.ids[2]!)).toBe(3);
    m.store.setExpanded(group, false);
    expect(rows(m)).toEqual(['msg×6', 'after']);
    expect(m.store.indexOfVisible(group.ids[2]!)).toBe(-1);
    expect(m.store.locate(group.ids[2]!)).toEqual({ index: 0, message: true });
  });

  it('keeps single-frame messages and control frames as one row each, even inside a fragmented message', () => {
    const m = model();
    const [first, ...rest] = sixFrames('client');
    // RFC 6455 §5.4: a control frame may come between the fragments of a message.
    ingest(
      m,
      first!,
      frame('client', 9, 'ping'),
      ...rest,
      frame('server', 10, 'ping'),
      frame('server', 1, 'one'),
    );
    expect(rows(m)).toEqual(['msg×6', 'ping', 'ping', 'one']);
  });

  it('counts a message still arriving, and fills in frames added to an open row live', () => {
    const m = model();
    const frames = sixFrames();
    ingest(m, ...frames.slice(0, 3));
    const group = m.store.rowAt(0)!.message!;
    expect(group.complete).toBe(false);
    expect(group.ids).toHaveLength(3);
    m.store.setExpanded(group, true);
    ingest(m, ...frames.slice(3));
    expect(group.complete).toBe(true);
    expect(rows(m)).toEqual(['msg×6', 'he', 'll', 'o ', 'wo', 'rl', 'd']);
  });

  it('keeps the fragments of two connections apart', () => {
    const m = model();
    ingest(m, ...connection('c2'));
    const a = sixFrames('server', 'c1');
    const b = sixFrames('server', 'c2');
    ingest(m, ...a.flatMap((f, i) => [f, b[i]!]));
    expect(rows(m)).toEqual(['msg×6', 'msg×6']);
  });

  it('shows the fragments as frames when a filter hides the frame that starts the message', () => {
    const m = model();
    ingest(m, ...sixFrames());
    m.store.setMatcher(compileFilter({ ...NO_FILTER, opcode: 'continuation' }).match);
    expect(rows(m)).toEqual(['ll', 'o ', 'wo', 'rl', 'd']);
    m.store.setMatcher(compileFilter(NO_FILTER).match);
    expect(rows(m)).toEqual(['msg×6']);
  });

  it('lets the folded frames show once the frame that started the message leaves the history', () => {
    const m = model(4);
    ingest(m, ...sixFrames());
    // Capacity 4: "he" and "ll" are gone, the row with them; the last four frames remain.
    expect(rows(m)).toEqual(['o ', 'wo', 'rl', 'd']);
    expect(m.dropped).toBe(2);
  });

  it('puts the folded frames in wire order among the others when the message row leaves the history', () => {
    const m = model(8);
    ingest(m, frame('client', 1, 'x'), frame('client', 1, 'y'), frame('client', 1, 'z'));
    ingest(m, frame('client', 1, 'A1', false), frame('client', 9, 'p'), frame('client', 0, 'A2', false));
    ingest(m, frame('client', 0, 'A3'), frame('client', 1, 'w'));
    expect(rows(m)).toEqual(['x', 'y', 'z', 'msg×3', 'p', 'w']);
    ingest(m, frame('client', 1, 'v'), frame('client', 1, 'u'), frame('client', 1, 't'));
    expect(rows(m)).toEqual(['msg×3', 'p', 'w', 'v', 'u', 't']);
    // "A1" goes: the row goes with it, and "A2" and "A3" show as frames, after the ping.
    ingest(m, frame('client', 1, 's'));
    expect(rows(m)).toEqual(['p', 'A2', 'A3', 'w', 'v', 'u', 't', 's']);
  });

  it('forgets an unfinished message when the sender starts a new one', () => {
    const m = model();
    ingest(m, frame('client', 1, 'a', false), frame('client', 1, 'b'), frame('client', 0, 'c'));
    // "b" starts over (breaking §5.4); the stray continuation stands alone.
    expect(rows(m)).toEqual(['msg×1', 'b', 'c']);
  });
});
