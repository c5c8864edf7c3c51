import { describe, expect, it } from 'vitest';
import type { TapCloseEvent, TapEvent, TapFrameEvent } from '../../../core/tap/events';
import type { Direction } from '../../../core/wire/direction';
import { InspectorModel } from '../../../web/inspector/inspector-model';
import {
  indexOfFrame,
  type SequenceItem,
  SequenceTrack,
  type SequenceView,
} from '../../../web/inspector/sequence-track';
import { testFrame, testHandshake, testOpen } from './tap-events';

const INSTANCE = 'i1';

const open = testOpen;
const handshake = testHandshake;

let t = 10;
function frame(conn: string, dir: Direction, opcode: number, fin = true, payload = 'x'): TapFrameEvent {
  return testFrame({
    conn,
    t: t++,
    dir,
    fin,
    opcode,
    maskKey: dir === 'client' ? '01020304' : null,
    headerHex: dir === 'client' ? '818101020304' : '8101',
    payload: { text: payload, truncated: false },
  });
}

function close(conn: string): TapCloseEvent {
  return {
    type: 'close',
    conn,
    t: t++,
    code: 1000,
    reason: '',
    initiator: 'client',
    clean: true,
    bytes: { client: 0, server: 0 },
  };
}

/** The model and the track, wired as the inspector wires them. */
function setup(capacity = 1000) {
  let track: SequenceTrack | null = null;
  const model = new InspectorModel('http://127.0.0.1:8765', false, capacity, {
    onFrame: (record) => track!.addFrame(record),
    onConnection: (lane, event) =>
      event.type === 'handshake' ? track!.addHandshake(lane, event) : track!.addEnd(lane, event),
  });
  track = new SequenceTrack(model.store);
  const ingest = (...events: TapEvent[]) => model.ingest({ events, replayed: false, instance: INSTANCE });
  return { model, track, ingest };
}

function kinds(view: SequenceView): string[] {
  const out: string[] = [];
  for (let i = 0; i < view.length; i++) {
    const item = view.at(i) as SequenceItem;
    out.push(item.kind === 'frame' ? `${item.record.event.dir} ${item.record.event.opcodeName}` : item.kind);
  }
  return out;
}

describe('SequenceTrack', () => {
  it('puts the handshake before the frames that came in the same batch, and the end after them', () => {
    const { model, track, ingest } = setup();
    ingest(open('c1'), handshake('c1'), frame('c1', 'client', 1), frame('c1', 'server', 1));
    ingest(frame('c1', 'client', 8), frame('c1', 'server', 8), close('c1'));
    const lane = model.connections.lanes.get('i1/c1')!;
    const expected = [
      'request',
      'response',
      'client text',
      'server text',
      'client close',
      'server close',
      'end',
    ];
    expect(kinds(track.view(lane))).toEqual(expected);
    expect(kinds(track.view(null))).toEqual(expected);
  });

  it('keeps a lane view to its own connection while the view of all interleaves them in wire order', () => {
    const { model, track, ingest } = setup();
    ingest(open('c1'), handshake('c1'), open('c2'), handshake('c2'));
    ingest(frame('c1', 'client', 1), frame('c2', 'client', 2), frame('c1', 'server', 1));
    const c2 = model.connections.lanes.get('i1/c2')!;
    expect(kinds(track.view(c2))).toEqual(['request', 'response', 'client binary']);
    expect(kinds(track.view(null))).toEqual([
      'request',
      'response',
      'request',
      'response',
      'client text',
      'client binary',
      'server text',
    ]);
  });

  it('draws whole connections of one batch (a history) each in its place, not their handshakes last', () => {
    const { track, ingest } = setup();
    ingest(
      open('c1'),
      handshake('c1'),
      frame('c1', 'client', 1),
      frame('c1', 'server', 1),
      close('c1'),
      open('c2'),
      handshake('c2'),
      frame('c2', 'client', 2),
      close('c2'),
    );
    const view = track.view(null);
    const drawn: string[] = [];
    for (let i = 0; i < view.length; i++) {
      const item = view.at(i)!;
      drawn.push(`${item.lane.conn} ${item.kind}`);
    }
    expect(drawn).toEqual([
      'c1 request',
      'c1 response',
      'c1 frame',
      'c1 frame',
      'c1 end',
      'c2 request',
      'c2 response',
      'c2 frame',
      'c2 end',
    ]);
  });

  it('draws frames a client sent right behind its request after the handshake (RFC 6455 §4.1)', () => {
    const { track, ingest } = setup();
    ingest(open('c1'), frame('c1', 'client', 1), handshake('c1'), frame('c1', 'server', 1));
    expect(kinds(track.view(null))).toEqual(['request', 'response', 'client text', 'server text']);
  });

  it('marks the frames of a fragmented message and a ping sent between them (RFC 6455 §5.4)', () => {
    const { model, track, ingest } = setup();
    ingest(
      open('c1'),
      handshake('c1'),
      frame('c1', 'client', 1, false),
      frame('c1', 'client', 0, false),
      frame('c1', 'client', 9),
      frame('c1', 'server', 1),
      frame('c1', 'client', 0, true),
      frame('c1', 'client', 10),
    );
    const view = track.view(model.connections.lanes.get('i1/c1')!);
    const marks: string[] = [];
    for (let i = 2; i < view.length; i++) {
      const item = view.at(i)!;
      if (item.kind === 'frame') marks.push(item.fragment);
    }
    // The server's text frame is its own message: the client's fragments do not bracket it.
    expect(marks).toEqual(['first', 'middle', 'inside', 'none', 'last', 'none']);
  });

  it('holds a connection end back while paused, so it comes after the frames the pause held', () => {
    const { model, track, ingest } = setup();
    ingest(open('c1'), handshake('c1'));
    model.setPaused(true);
    track.setPaused(true);
    ingest(frame('c1', 'client', 8), frame('c1', 'server', 8), close('c1'));
    expect(kinds(track.view(null))).toEqual(['request', 'response']);
    model.setPaused(false);
    track.setPaused(false);
    expect(kinds(track.view(null))).toEqual(['request', 'response', 'client close', 'server close', 'end']);
  });

  it('finds the arrow of a frame by its id, in the view of all lanes and in its own', () => {
    const { model, track, ingest } = setup();
    ingest(open('c1'), handshake('c1'), open('c2'), handshake('c2'));
    ingest(frame('c1', 'client', 1), frame('c2', 'client', 1), frame('c1', 'server', 1), close('c2'));
    const c1 = model.connections.lanes.get('i1/c1')!;
    const third = model.store.get(2)!;
    expect(indexOfFrame(track.view(null), third.id)).toBe(6);
    expect(indexOfFrame(track.view(c1), third.id)).toBe(3);
    // Not in this lane, or not in the history at all.
    expect(indexOfFrame(track.view(c1), 1)).toBe(-1);
    expect(indexOfFrame(track.view(null), 99)).toBe(-1);
  });

  it('lets items go with the frames the history drops', () => {
    const { track, ingest } = setup(4);
    ingest(open('c1'), handshake('c1'));
    for (let i = 0; i < 10; i++) ingest(frame('c1', i % 2 ? 'server' : 'client', 1));
    const view = track.view(null);
    expect(view.length).toBe(4);
    expect(kinds(view)).toEqual(['client text', 'server text', 'client text', 'server text']);
  });

  it('draws a handshake once when a reconnecting tap replays it', () => {
    const { track, ingest } = setup();
    ingest(open('c1'), handshake('c1'));
    ingest(open('c1'), handshake('c1'));
    expect(kinds(track.view(null))).toEqual(['request', 'response']);
  });

  it('knows when a lane goes through the relay and needs a third lifeline', () => {
    const { track, ingest } = setup();
    ingest(open('c1'), handshake('c1'));
    expect(track.hasRelayed()).toBe(false);
    ingest(open('c2', 'proxy', '/proxy'), handshake('c2'));
    expect(track.hasRelayed()).toBe(true);
    track.clear();
    expect(track.hasRelayed()).toBe(false);
    expect(track.view(null).length).toBe(0);
  });

  it('takes 100 000 frames in linear time, and a screenful is read without a rescan', () => {
    const model = new InspectorModel('http://127.0.0.1:8765', false, 100_000);
    const events: TapEvent[] = [open('c1'), handshake('c1')];
    for (let i = 0; i < 100_000; i++) events.push(frame('c1', i % 2 ? 'server' : 'client', 1));
    model.ingest({ events, replayed: false, instance: INSTANCE });
    const records = Array.from({ length: 100_000 }, (_, id) => model.store.get(id)!);
    const track = new SequenceTrack(model.store);
    const started = performance.now();
    for (const record of records) track.addFrame(record);
    const took = performance.now() - started;
    const view = track.view(null);
    expect(view.length).toBe(100_000);
    // About 10 ms on a laptop; generous for a shared machine, far below what a rescan per frame costs.
    expect(took).toBeLessThan(500);
    const read = performance.now();
    for (let i = 50_000; i < 50_030; i++) expect(view.at(i)?.kind).toBe('frame');
    expect(performance.now() - read).toBeLessThan(20);
  });
});
