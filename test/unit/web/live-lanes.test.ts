import { describe, expect, it } from 'vitest';
import type { TapHandshakeEvent, TapMessageEvent } from '../../../core/tap/events';
import { toBase64, utf8 } from '../../../core/wire/bytes';
import type { Direction } from '../../../core/wire/direction';
import type { Lane } from '../../../web/inspector/connections';
import { LiveLanes } from '../../../web/inspector/live-lanes';
import { testLane } from './lane';

function lane(withHandshake = true): Lane {
  // Only the handshake's presence matters here.
  return testLane({
    role: 'terminal',
    label: 'terminal',
    ...(withHandshake ? { handshake: {} as TapHandshakeEvent } : {}),
  });
}

type Message = Pick<TapMessageEvent, 'dir' | 'text' | 'base64' | 'truncated'>;
const text = (dir: Direction, value: unknown, truncated = false): Message => ({
  dir,
  text: typeof value === 'string' ? value : JSON.stringify(value),
  truncated,
});
const binary = (dir: Direction, value: unknown): Message => ({
  dir,
  base64: toBase64(utf8(JSON.stringify(value))),
  truncated: false,
});
const codes = (warnings: { code: string }[] | null) => warnings?.map((w) => w.code) ?? null;

describe('Live API lanes', () => {
  it('checks nothing on a lane until a message opens with a Live API field', () => {
    const lanes = new LiveLanes();
    const echo = lane();
    for (const message of [text('client', 'hello'), text('client', { hello: 1 }), text('server', '[1]')])
      expect(lanes.take(echo, message)).toBeNull();
    expect(lanes.isChecked(echo)).toBe(false);
    expect(codes(lanes.take(echo, text('client', { clientContent: { turnComplete: true } })))).toEqual([
      'BEFORE_SETUP',
    ]);
    expect(lanes.isChecked(echo)).toBe(true);
  });

  it('follows a whole session, text or binary, and flags what is out of order', () => {
    const lanes = new LiveLanes();
    const live = lane();
    expect(codes(lanes.take(live, text('client', { setup: { model: 'models/x' } })))).toEqual([]);
    expect(codes(lanes.take(live, binary('server', { setupComplete: {} })))).toEqual([]);
    expect(
      codes(lanes.take(live, binary('server', { toolCall: { functionCalls: [{ id: 'call-1' }] } }))),
    ).toEqual([]);
    expect(
      codes(lanes.take(live, text('client', { toolResponse: { functionResponses: [{ id: 'call-2' }] } }))),
    ).toEqual(['UNKNOWN_TOOL_CALL_ID']);
    expect(
      codes(lanes.take(live, text('client', { toolResponse: { functionResponses: [{ id: 'call-1' }] } }))),
    ).toEqual([]);
    // Once a lane is checked, a message that is not JSON is passed over, not a reason to stop.
    expect(codes(lanes.take(live, text('client', 'not json')))).toEqual([]);
    expect(codes(lanes.take(live, text('client', { setup: { model: 'models/x' } })))).toEqual([
      'SETUP_REPEATED',
    ]);
  });

  it('reads a client’s snake_case names as the service does (the Python SDK’s way)', () => {
    const lanes = new LiveLanes();
    const live = lane();
    // Before setup, in snake_case: recognised as Live API, and out of order.
    expect(codes(lanes.take(live, text('client', { client_content: { turn_complete: true } })))).toEqual([
      'BEFORE_SETUP',
    ]);
    expect(codes(lanes.take(live, text('client', { setup: { model: 'models/x' } })))).toEqual([]);
    expect(codes(lanes.take(live, binary('server', { setupComplete: {} })))).toEqual([]);
    expect(
      codes(lanes.take(live, binary('server', { toolCall: { functionCalls: [{ id: 'call-1' }] } }))),
    ).toEqual([]);
    expect(
      codes(lanes.take(live, text('client', { tool_response: { function_responses: [{ id: 'call-2' }] } }))),
    ).toEqual(['UNKNOWN_TOOL_CALL_ID']);
    expect(
      codes(lanes.take(live, text('client', { tool_response: { function_responses: [{ id: 'call-1' }] } }))),
    ).toEqual([]);
  });

  it('keeps lanes apart', () => {
    const lanes = new LiveLanes();
    const a = lane();
    const b = lane();
    lanes.take(a, text('client', { setup: { model: 'models/x' } }));
    expect(codes(lanes.take(b, text('client', { setup: { model: 'models/x' } })))).toEqual([]);
    expect(codes(lanes.take(a, text('client', { realtimeInput: {} })))).toEqual(['BEFORE_SETUP_COMPLETE']);
  });

  it('checks a message the tap cut short by its kind alone', () => {
    const lanes = new LiveLanes();
    const live = lane();
    const cut = text('client', '{"realtimeInput":{"audio":{"data":"AAAA', true);
    expect(codes(lanes.take(live, cut))).toEqual(['BEFORE_SETUP']);
  });

  it('does not check a lane it joined late, or one whose messages were dropped', () => {
    const lanes = new LiveLanes();
    const late = lane(false);
    expect(lanes.take(late, text('client', { clientContent: {} }))).toBeNull();
    expect(lanes.isChecked(late)).toBe(false);
    const gap = lane();
    lanes.take(gap, text('client', { setup: { model: 'models/x' } }));
    lanes.lost(gap);
    expect(lanes.take(gap, text('client', { setup: { model: 'models/x' } }))).toBeNull();
    const never = lane();
    lanes.lost(never);
    expect(lanes.take(never, text('client', { clientContent: {} }))).toBeNull();
  });
});
