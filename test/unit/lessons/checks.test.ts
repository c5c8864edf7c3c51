import { describe, expect, it } from 'vitest';
import {
  type CheckEntry,
  isKnownField,
  matchesEntry,
  StepProgress,
  validateCheckEntry,
} from '../../../core/lessons/checks';
import type {
  TapEvent,
  TapFrameEvent,
  TapHandshakeEvent,
  TapMessageEvent,
  TapOpenEvent,
} from '../../../core/tap/events';

const clientText: TapFrameEvent = {
  type: 'frame',
  conn: 'c1',
  t: 12.5,
  dir: 'client',
  seq: 0,
  offset: 0,
  fin: true,
  rsv1: false,
  rsv2: false,
  rsv3: false,
  opcode: 1,
  opcodeName: 'text',
  masked: true,
  maskKey: '37fa213d',
  payloadLength: 5,
  headerHex: '818537fa213d',
  payload: { text: 'hello', truncated: false },
};

const handshake: TapHandshakeEvent = {
  type: 'handshake',
  conn: 'c1',
  t: 1,
  request: { method: 'GET', path: '/echo', httpVersion: '1.1', headers: [], raw: '' },
  response: { status: 101, reason: 'Switching Protocols', headers: [], raw: '' },
  accept: { key: 'k', expected: 'a', actual: 'a', ok: true },
};

const open: TapOpenEvent = {
  type: 'open',
  conn: 'c2',
  t: 0,
  remote: '127.0.0.1:5000',
  path: '/echo',
  kind: 'echo',
  query: { tick: '1000' },
};

function entry(fields: Record<string, unknown>): CheckEntry {
  return { $label: 'x', ...fields } as CheckEntry;
}

describe('matchesEntry', () => {
  it('matches when every plain value equals the field', () => {
    expect(
      matchesEntry(entry({ type: 'frame', dir: 'client', opcodeName: 'text', masked: true }), clientText),
    ).toBe(true);
    expect(matchesEntry(entry({ type: 'frame', dir: 'server' }), clientText)).toBe(false);
  });

  it('never matches an event of another type', () => {
    expect(matchesEntry(entry({ type: 'message' }), clientText)).toBe(false);
  });

  it('reaches into objects with dotted keys', () => {
    expect(matchesEntry(entry({ type: 'frame', 'payload.text': 'hello' }), clientText)).toBe(true);
    expect(
      matchesEntry(entry({ type: 'handshake', 'response.status': 101, 'accept.ok': true }), handshake),
    ).toBe(true);
    expect(matchesEntry(entry({ type: 'open', 'query.tick': '1000' }), open)).toBe(true);
  });

  it('applies each operator', () => {
    const cases: [Record<string, unknown>, boolean][] = [
      [{ payloadLength: { $gte: 5 } }, true],
      [{ payloadLength: { $gte: 6 } }, false],
      [{ payloadLength: { $lte: 125 } }, true],
      [{ opcodeName: { $ne: 'close' } }, true],
      [{ opcodeName: { $ne: 'text' } }, false],
      [{ opcode: { $in: [1, 2] } }, true],
      [{ opcode: { $in: [8] } }, false],
      [{ 'payload.text': { $regex: '^hel' } }, true],
      [{ 'payload.text': { $regex: '^Server' } }, false],
      [{ closeCode: { $exists: false } }, true],
      [{ maskKey: { $exists: true } }, true],
    ];
    for (const [fields, expected] of cases) {
      expect(matchesEntry(entry({ type: 'frame', ...fields }), clientText), JSON.stringify(fields)).toBe(
        expected,
      );
    }
  });

  it('treats a missing nested field as absent, not as a match', () => {
    expect(matchesEntry(entry({ type: 'open', 'query.ping': { $exists: true } }), open)).toBe(false);
    expect(matchesEntry(entry({ type: 'open', 'query.ping': '1000' }), open)).toBe(false);
  });
});

describe('matchesEntry on JSON in a binary message', () => {
  // {"setupComplete":{}} as UTF-8, in a binary message: how the Live API sends it.
  const setupComplete: TapMessageEvent = {
    type: 'message',
    conn: 'c3',
    t: 20,
    dir: 'server',
    opcodeName: 'binary',
    size: 20,
    frames: 1,
    compressed: false,
    base64: 'eyJzZXR1cENvbXBsZXRlIjp7fX0=',
    truncated: false,
  };
  const check = entry({ type: 'message', dir: 'server', text: { $regex: '"setupComplete"' } });

  it('reads the bytes of a binary message as text when they are valid UTF-8', () => {
    expect(matchesEntry(check, setupComplete)).toBe(true);
    expect(matchesEntry(entry({ type: 'message', text: '{"setupComplete":{}}' }), setupComplete)).toBe(true);
    expect(matchesEntry(entry({ type: 'message', base64: setupComplete.base64! }), setupComplete)).toBe(true);
  });

  it('does not read bytes that are not valid UTF-8, were cut short, or are still compressed', () => {
    // ff is never valid in UTF-8 (RFC 3629 §3).
    expect(
      matchesEntry(entry({ type: 'message', text: { $exists: true } }), { ...setupComplete, base64: '/w==' }),
    ).toBe(false);
    expect(matchesEntry(check, { ...setupComplete, truncated: true })).toBe(false);
    expect(matchesEntry(check, { ...setupComplete, compressed: true })).toBe(false);
  });

  it('reads a whole binary frame the same way, but not a fragment', () => {
    const frame: TapFrameEvent = {
      ...clientText,
      dir: 'server',
      opcode: 2,
      opcodeName: 'binary',
      masked: false,
      maskKey: null,
      payloadLength: 20,
      headerHex: '8214',
      payload: { base64: setupComplete.base64!, truncated: false },
    };
    const frameCheck = entry({ type: 'frame', 'payload.text': { $regex: '^\\{"setupComplete"' } });
    expect(matchesEntry(frameCheck, frame)).toBe(true);
    expect(matchesEntry(frameCheck, { ...frame, fin: false })).toBe(false);
  });
});

describe('StepProgress', () => {
  it('needs $count matching events for an entry, and every entry for the step', () => {
    const progress = new StepProgress([
      entry({ type: 'frame', dir: 'client', $count: 2 }),
      entry({ type: 'handshake', 'response.status': 101 }),
    ]);
    const events: TapEvent[] = [clientText, handshake];
    for (const event of events) progress.observe(event);
    expect(progress.done).toBe(false);
    expect(progress.entries().map((e) => e.done)).toEqual([false, true]);
    expect(progress.observe(clientText)).toBe(true);
    expect(progress.done).toBe(true);
    expect(progress.observe(clientText)).toBe(false);
  });

  it('is done at once when the step has no checks', () => {
    expect(new StepProgress([]).done).toBe(true);
  });
});

describe('validateCheckEntry', () => {
  it('accepts the README example', () => {
    expect(
      validateCheckEntry({
        type: 'frame',
        dir: 'client',
        opcodeName: 'text',
        masked: true,
        $label: 'a masked frame',
      }),
    ).toEqual([]);
    expect(validateCheckEntry({ type: 'message', dir: 'server', $count: 2, $label: 'two replies' })).toEqual(
      [],
    );
  });

  it('rejects a field the event type does not have', () => {
    const problems = validateCheckEntry({ type: 'frame', direction: 'client', $label: 'x' });
    expect(problems.join('\n')).toMatch(/"direction" is not a field of a frame event/);
    expect(validateCheckEntry({ type: 'message', 'payload.text': 'x', $label: 'x' }).join()).toMatch(
      /payload\.text/,
    );
    expect(validateCheckEntry({ type: 'open', query: 'x', $label: 'x' }).join()).toMatch(/not a field/);
  });

  it('rejects a missing label, a bad count, an unknown operator and a bad regex', () => {
    expect(validateCheckEntry({ type: 'frame' }).join()).toMatch(/\$label/);
    expect(validateCheckEntry({ type: 'frame', $label: 'x', $count: 0 }).join()).toMatch(/\$count/);
    expect(validateCheckEntry({ type: 'frame', $label: 'x', opcode: { $gt: 1 } }).join()).toMatch(
      /unknown operator/,
    );
    expect(validateCheckEntry({ type: 'frame', $label: 'x', headerHex: { $regex: '(' } }).join()).toMatch(
      /regular/,
    );
    expect(validateCheckEntry({ type: 'hello', $label: 'x' }).join()).toMatch(/"type" must be one of/);
  });

  it('knows nested fields and records', () => {
    expect(isKnownField('handshake', 'request.method')).toBe(true);
    expect(isKnownField('handshake', 'request.nope')).toBe(false);
    expect(isKnownField('open', 'query.anything')).toBe(true);
    expect(isKnownField('open', 'query.a.b')).toBe(false);
    expect(isKnownField('frame', 'payload')).toBe(true);
    expect(isKnownField('frame', 'toString')).toBe(false);
  });
});
