import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TapEvent, TapFrameEvent, TapMessageEvent } from '../../../core/tap/events';
import { toBase64, utf8 } from '../../../core/wire/bytes';
import type { Direction } from '../../../core/wire/direction';
import { compileFilter, NO_FILTER } from '../../../web/inspector/frame-store';
import { InspectorModel } from '../../../web/inspector/inspector-model';
import { messageJsonOf } from '../../../web/inspector/message-json';
import { rowPreview } from '../../../web/inspector/row-preview';
import { testFrame, testHandshake, testOpen } from './tap-events';

const INSTANCE = 'i1';

const open = (conn: string) => testOpen(conn);
const handshake = (conn: string) => testHandshake(conn);

interface FrameOptions {
  binary?: boolean;
  fin?: boolean;
  opcode?: number;
}

let seq = 0;
function frame(conn: string, dir: Direction, payload: string, options: FrameOptions = {}): TapFrameEvent {
  const opcode = options.opcode ?? (options.binary ? 2 : 1);
  return testFrame({
    conn,
    t: 2 + seq,
    dir,
    seq: seq++,
    fin: options.fin ?? true,
    opcode,
    payloadLength: payload.length,
    payload: options.binary
      ? { base64: toBase64(utf8(payload)), truncated: false }
      : { text: payload, truncated: false },
  });
}

function message(conn: string, dir: Direction, payload: string, frames = 1): TapMessageEvent {
  return {
    type: 'message',
    conn,
    t: 3 + seq,
    dir,
    opcodeName: 'text',
    size: payload.length,
    frames,
    compressed: false,
    text: payload,
    truncated: false,
  };
}

/** A frame and then the whole message, as the tap reports an unfragmented one. */
function sent(conn: string, dir: Direction, payload: string): TapEvent[] {
  return [frame(conn, dir, payload), message(conn, dir, payload)];
}

function model(capacity = 100): InspectorModel {
  return new InspectorModel('http://127.0.0.1:8765', false, capacity);
}

function ingest(target: InspectorModel, ...events: TapEvent[]): void {
  target.ingest({ events, replayed: false, instance: INSTANCE });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('InspectorModel', () => {
  it('puts each connection in its own lane and its frames in the history', () => {
    const m = model();
    ingest(m, open('c1'), handshake('c1'), ...sent('c1', 'client', 'hi'), open('c2'), handshake('c2'));
    ingest(m, ...sent('c2', 'client', 'there'), ...sent('c1', 'server', "Server received: 'hi'"));
    expect(m.connections.order).toEqual(['i1/c1', 'i1/c2']);
    expect(m.connections.lanes.get('i1/c1')?.frames).toBe(2);
    expect(m.store.size).toBe(3);
    expect([0, 1, 2].map((i) => m.store.visibleAt(i)?.event.payload.text)).toEqual([
      'hi',
      'there',
      "Server received: 'hi'",
    ]);
  });

  it('keeps each whole message with the frame that started it, even when fragmented', () => {
    const m = model();
    ingest(
      m,
      open('c1'),
      handshake('c1'),
      frame('c1', 'client', 'hel', { fin: false }),
      frame('c1', 'client', 'lo', { opcode: 0 }),
      message('c1', 'client', 'hello', 2),
    );
    const [first, second] = [m.store.visibleAt(0), m.store.visibleAt(1)];
    expect(first?.messageEvent?.text).toBe('hello');
    expect(second?.messageEvent).toBeUndefined();
  });

  it('finds a compressed message by the text it inflates to, once the message has come', () => {
    const m = model();
    m.store.setMatcher(compileFilter({ ...NO_FILTER, text: 'hello' }).match);
    ingest(m, open('c1'), handshake('c1'), ...sent('c1', 'client', 'not this one'));
    // RFC 7692 §7.2.3.1: "Hello" deflated is f2 48 cd c9 c9 07 00, sent with RSV1 set.
    const deflated = new Uint8Array([0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    const compressedFrame = testFrame({
      conn: 'c1',
      t: 50,
      seq: 50,
      rsv1: true,
      payloadLength: deflated.length,
      payload: { base64: toBase64(deflated), truncated: false },
    });
    ingest(m, compressedFrame);
    expect(m.store.visibleCount).toBe(0);
    ingest(m, { ...message('c1', 'server', 'Hello'), compressed: true, compressedSize: deflated.length });
    expect(m.store.visibleCount).toBe(1);
    expect(m.store.visibleAt(0)?.messageEvent?.text).toBe('Hello');
  });

  it('finds JSON sent in a binary frame, as the Live API sends it, by its text', () => {
    const m = model();
    m.store.setMatcher(compileFilter({ ...NO_FILTER, text: 'You said' }).match);
    ingest(m, open('c1'), handshake('c1'));
    ingest(
      m,
      frame('c1', 'server', '{"serverContent":{"modelTurn":{"parts":[{"text":"You said "}]}}}', {
        binary: true,
      }),
    );
    ingest(m, frame('c1', 'server', '{"setupComplete":{}}', { binary: true }));
    ingest(m, frame('c1', 'server', 'You said, not JSON', { binary: true }));
    expect(m.store.visibleCount).toBe(1);
  });

  it('holds frames back while paused and adds them, in order, on resume', () => {
    const m = model();
    ingest(m, open('c1'), handshake('c1'));
    m.setPaused(true);
    ingest(m, ...sent('c1', 'client', 'one'), ...sent('c1', 'client', 'two'));
    expect(m.store.size).toBe(0);
    expect(m.waiting).toBe(4);
    // The lane counts its frames as they come: it shows the connection's life, not the list's.
    expect(m.connections.lanes.get('i1/c1')?.frames).toBe(2);
    m.setPaused(false);
    expect(m.waiting).toBe(0);
    expect(m.store.size).toBe(2);
    expect(m.store.visibleAt(1)?.messageEvent?.text).toBe('two');
  });

  it('drops the oldest waiting events beyond the capacity and counts them', () => {
    const m = model(3);
    ingest(m, open('c1'), handshake('c1'));
    m.setPaused(true);
    ingest(m, ...['a', 'b', 'c', 'd', 'e'].map((text) => frame('c1', 'client', text)));
    expect(m.waiting).toBe(3);
    expect(m.dropped).toBe(2);
    m.setPaused(false);
    expect([0, 1, 2].map((i) => m.store.visibleAt(i)?.event.payload.text)).toEqual(['c', 'd', 'e']);
  });

  it('counts what the tap could not send; clear forgets it, the frames and the closed connections', () => {
    const m = model();
    ingest(m, open('c1'), handshake('c1'), ...sent('c1', 'client', 'x'), { type: 'dropped', count: 7, t: 5 });
    ingest(m, open('c2'), handshake('c2'), {
      type: 'close',
      conn: 'c2',
      t: 6,
      code: 1000,
      reason: '',
      initiator: 'client',
      clean: true,
      bytes: { client: 0, server: 0 },
    });
    expect(m.dropped).toBe(7);
    m.clear();
    expect(m.dropped).toBe(0);
    expect(m.store.size).toBe(0);
    expect(m.connections.order).toEqual(['i1/c1']);
  });

  it('reads a message’s JSON once, and the row, the order check and the detail share it', () => {
    const m = model();
    ingest(m, open('c1'), handshake('c1'));
    const parse = vi.spyOn(JSON, 'parse');
    const setup = JSON.stringify({ setup: { model: 'models/x' } });
    ingest(m, ...sent('c1', 'client', setup));
    expect(parse).toHaveBeenCalledTimes(1);
    const record = m.store.visibleAt(0)!;
    expect(rowPreview(record)).toBe(`setup  ${JSON.stringify(setup)}`);
    const json = messageJsonOf(record.event, record.messageEvent);
    expect(json).toMatchObject({ state: 'json', source: 'message', value: { setup: { model: 'models/x' } } });
    expect(messageJsonOf(record.event, record.messageEvent)).toBe(json);
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it('reads a fragmented message once, whole, and labels its first frame as cut short', () => {
    const m = model();
    ingest(m, open('c1'), handshake('c1'));
    const parse = vi.spyOn(JSON, 'parse');
    const whole = JSON.stringify({ realtimeInput: { text: 'hello' } });
    ingest(
      m,
      frame('c1', 'client', whole.slice(0, 20), { fin: false }),
      frame('c1', 'client', whole.slice(20), { opcode: 0 }),
      message('c1', 'client', whole, 2),
    );
    expect(parse).toHaveBeenCalledTimes(1);
    const record = m.store.visibleAt(0)!;
    expect(record.liveLabel).toBe('realtimeInput (cut short)');
    expect(messageJsonOf(record.event, record.messageEvent)).toMatchObject({
      state: 'json',
      value: { realtimeInput: { text: 'hello' } },
    });
  });

  it('labels Live API JSON sent in binary frames', () => {
    const m = model();
    ingest(m, open('c1'), handshake('c1'), frame('c1', 'server', '{"setupComplete":{}}', { binary: true }));
    expect(rowPreview(m.store.visibleAt(0)!)).toBe(
      'setupComplete (binary)  UTF-8 "{\\"setupComplete\\":{}}"',
    );
    // Binary that is not UTF-8 JSON stays bytes.
    ingest(m, frame('c1', 'server', 'not json', { binary: true }));
    expect(rowPreview(m.store.visibleAt(1)!)).toMatch(/^base64 bm90/);
  });

  it('warns on the frame of a Live API message sent before setup', () => {
    const m = model();
    ingest(m, open('c1'), handshake('c1'));
    ingest(m, ...sent('c1', 'client', JSON.stringify({ clientContent: { turnComplete: true } })));
    ingest(m, ...sent('c1', 'client', JSON.stringify({ setup: {} })));
    const [early, setup] = [m.store.visibleAt(0)!, m.store.visibleAt(1)!];
    expect(early.sequenceWarnings?.map((w) => w.code)).toEqual(['BEFORE_SETUP']);
    expect(setup.sequenceWarnings).toBeUndefined();
  });

  it('stops checking the order of a lane whose messages were dropped while paused', () => {
    const m = model(1);
    ingest(m, open('c1'), handshake('c1'), ...sent('c1', 'client', JSON.stringify({ setup: {} })));
    m.setPaused(true);
    ingest(m, ...sent('c1', 'client', JSON.stringify({ setup: {} })));
    m.setPaused(false);
    // The second setup would be SETUP_REPEATED, but a message of this lane was lost on the way.
    const last = m.store.visibleAt(m.store.visibleCount - 1)!;
    expect(last.sequenceWarnings).toBeUndefined();
  });

  it('tells its hooks about each frame and each message matched to one', () => {
    const frames: number[] = [];
    const messages: number[] = [];
    const m = new InspectorModel('http://127.0.0.1:8765', false, 10, {
      onFrame: (record) => frames.push(record.id),
      onMessage: (record) => messages.push(record.id),
    });
    ingest(m, open('c1'), handshake('c1'), ...sent('c1', 'client', 'a'), frame('c1', 'server', 'b'));
    expect(frames).toEqual([0, 1]);
    expect(messages).toEqual([0]);
  });
});
