import { describe, expect, it } from 'vitest';
import type { TapCloseEvent } from '../../../core/tap/events';
import { Connections } from '../../../web/inspector/connections';
import { finMeaning } from '../../../web/inspector/frame-anatomy';

function closedLane(close: Omit<TapCloseEvent, 'type' | 'conn' | 't' | 'bytes'>): string {
  const connections = new Connections('http://127.0.0.1:8765');
  const lane = connections.apply(
    'i1',
    { type: 'open', conn: 'c1', t: 0, remote: '127.0.0.1:1', path: '/echo', kind: 'echo' },
    false,
  );
  connections.apply(
    'i1',
    { type: 'close', conn: 'c1', t: 5, bytes: { client: 0, server: 0 }, ...close },
    false,
  );
  return connections.state(lane);
}

describe('the words for FIN and for a close', () => {
  it('says FIN ends a message only on data frames; on control frames it is always 1 (RFC 6455 §5.5)', () => {
    expect(finMeaning(0x0, true)).toBe('last frame of the message');
    expect(finMeaning(0x0, false)).toBe('more frames follow');
    expect(finMeaning(0x1, true)).toBe('the whole message in one frame');
    expect(finMeaning(0x2, false)).toBe('first frame of a message, more frames follow');
    for (const control of [0x8, 0x9, 0xa]) {
      expect(finMeaning(control, true)).toBe('always 1: a control frame is never fragmented');
      expect(finMeaning(control, true)).not.toContain('message');
    }
    expect(finMeaning(0x9, false)).toBe('a control frame must not be fragmented');
  });

  it('names a close without a status code "1005 no status received" in the lane', () => {
    expect(closedLane({ code: 1005, reason: '', initiator: 'client', clean: true })).toBe(
      'closed 1005 no status received (client closed, clean)',
    );
  });

  it('names the other close codes as RFC 6455 §7.4.1 does', () => {
    expect(closedLane({ code: 1000, reason: '', initiator: 'client', clean: true })).toBe(
      'closed 1000 normal (client closed, clean)',
    );
    expect(closedLane({ code: 1009, reason: '', initiator: 'server', clean: true })).toBe(
      'closed 1009 message too big (server closed, clean)',
    );
    expect(closedLane({ code: 1006, reason: '', initiator: 'none', clean: false })).toBe(
      'closed 1006 abnormal closure (no close frame, not clean)',
    );
    expect(closedLane({ code: 4000, reason: 'bye', initiator: 'server', clean: true })).toBe(
      'closed 4000 private (server closed, clean)',
    );
  });
});
