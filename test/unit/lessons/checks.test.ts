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

describe('StepProgress with $after: the answer to a given frame, on its own connection', () => {
  const openOf = (conn: string, kind: TapOpenEvent['kind']): TapOpenEvent => ({
    ...open,
    conn,
    kind,
    query: {},
  });
  // RFC 6455 §5.1: an unmasked client frame, as the tap decodes it, with its violation.
  const unmasked = (conn: string): TapFrameEvent => ({
    ...clientText,
    conn,
    masked: false,
    maskKey: null,
    headerHex: '8105',
    violation: {
      code: 'EXPECTED_MASK',
      section: '§5.1',
      closeCode: 1002,
      message: 'a frame from the client was not masked',
    },
  });
  const serverClose = (conn: string, closeCode: number): TapFrameEvent => ({
    ...clientText,
    conn,
    dir: 'server',
    opcode: 8,
    opcodeName: 'close',
    masked: false,
    maskKey: null,
    payloadLength: 2,
    headerHex: '8802',
    payload: { base64: closeCode === 1002 ? 'A+o=' : 'A+8=', truncated: false },
    closeCode,
  });
  const closeEvent = (conn: string, code: number): TapEvent => ({
    type: 'close',
    conn,
    t: 20,
    code,
    reason: '',
    initiator: 'server',
    clean: false,
    bytes: { client: 100, server: 4 },
  });
  const answer = (): CheckEntry =>
    entry({
      type: 'frame',
      dir: 'server',
      opcodeName: 'close',
      closeCode: 1002,
      $after: [
        { type: 'open', kind: 'workbench' },
        { type: 'frame', dir: 'client', 'violation.code': 'EXPECTED_MASK' },
      ],
    });
  const feed = (progress: StepProgress, events: TapEvent[]): boolean => {
    for (const event of events) progress.observe(event);
    return progress.done;
  };

  it('is done when the close 1002 follows the unmasked frame on the same workbench connection', () => {
    expect(
      feed(new StepProgress([answer()]), [
        openOf('w1', 'workbench'),
        unmasked('w1'),
        serverClose('w1', 1002),
      ]),
    ).toBe(true);
  });

  it('stays undone on a close 1002 from another connection than the one with the unmasked frame', () => {
    const progress = new StepProgress([answer()]);
    const events = [
      openOf('w1', 'workbench'),
      unmasked('w1'),
      openOf('w2', 'workbench'),
      serverClose('w2', 1002),
    ];
    expect(feed(progress, events)).toBe(false);
    expect(progress.entries()[0]!.seen).toBe(0);
  });

  it('stays undone on the right close code when the connection never sent the offending frame', () => {
    expect(
      feed(new StepProgress([answer()]), [
        openOf('w1', 'workbench'),
        clientText,
        { ...clientText, conn: 'w1' },
        serverClose('w1', 1002),
      ]),
    ).toBe(false);
  });

  it('stays undone on the wrong close code, and on the offending frame sent other than from the workbench', () => {
    expect(
      feed(new StepProgress([answer()]), [
        openOf('w1', 'workbench'),
        unmasked('w1'),
        serverClose('w1', 1007),
      ]),
    ).toBe(false);
    expect(
      feed(new StepProgress([answer()]), [openOf('e1', 'echo'), unmasked('e1'), serverClose('e1', 1002)]),
    ).toBe(false);
  });

  it('needs the patterns before the answer, not after it', () => {
    expect(
      feed(new StepProgress([answer()]), [
        openOf('w1', 'workbench'),
        serverClose('w1', 1002),
        unmasked('w1'),
      ]),
    ).toBe(false);
  });

  it('forgets a connection at its close, so a reused id starts from nothing', () => {
    expect(
      feed(new StepProgress([answer()]), [
        openOf('w1', 'workbench'),
        unmasked('w1'),
        closeEvent('w1', 1006),
        serverClose('w1', 1002),
      ]),
    ).toBe(false);
  });

  it('counts $count connections, each closed after its own open', () => {
    const progress = new StepProgress([
      entry({
        type: 'close',
        initiator: 'server',
        code: 1007,
        $count: 3,
        $after: [{ type: 'open', kind: { $in: ['workbench', 'echo'] } }],
      }),
    ]);
    feed(progress, [openOf('a', 'workbench'), closeEvent('a', 1007), closeEvent('b', 1007)]);
    expect(progress.entries()[0]!.seen).toBe(1);
    feed(progress, [openOf('c', 'echo'), openOf('d', 'proxy'), closeEvent('d', 1007), closeEvent('c', 1007)]);
    expect(progress.entries()[0]!.seen).toBe(2);
    expect(feed(progress, [openOf('e', 'workbench'), closeEvent('e', 1007)])).toBe(true);
  });

  it('ignores $after when an event is matched on its own', () => {
    expect(matchesEntry(answer(), serverClose('w9', 1002))).toBe(true);
  });
});

describe('validateCheckEntry on $after', () => {
  it('accepts patterns with a type and known fields', () => {
    expect(
      validateCheckEntry({
        type: 'close',
        code: 1002,
        $label: 'x',
        $after: [
          { type: 'open', kind: 'workbench' },
          { type: 'frame', 'violation.code': { $in: ['A'] } },
        ],
      }),
    ).toEqual([]);
  });

  it('rejects an empty or non-list $after, and patterns that are not patterns', () => {
    const problems = (after: unknown) =>
      validateCheckEntry({ type: 'close', $label: 'x', $after: after }).join('\n');
    expect(problems([])).toMatch(/non-empty array/);
    expect(problems({ type: 'open' })).toMatch(/non-empty array/);
    expect(problems(['open'])).toMatch(/\$after\[0\]: a pattern must be an object/);
    expect(problems([{ kind: 'workbench' }])).toMatch(/\$after\[0\]: "type" must be one of/);
    expect(problems([{ type: 'open', knd: 'workbench' }])).toMatch(/\$after\[0\]: "knd" is not a field/);
    expect(problems([{ type: 'open', kind: { $gt: 1 } }])).toMatch(/unknown operator/);
    expect(problems([{ type: 'open', $label: 'y' }])).toMatch(/holds only "type" and field tests/);
    expect(problems([{ type: 'open', $after: [{ type: 'open' }] }])).toMatch(/holds only/);
  });
});
