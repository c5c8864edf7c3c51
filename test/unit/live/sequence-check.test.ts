import { describe, expect, it } from 'vitest';
import { SequenceChecker, type SequenceWarning } from '../../../core/live/sequence-check';
import type { Direction } from '../../../core/wire/direction';

const SETUP = { setup: { model: 'models/local' } };
const SETUP_COMPLETE = { setupComplete: {} };
const TURN = { clientContent: { turns: [{ role: 'user', parts: [{ text: 'hi' }] }], turnComplete: true } };
const AUDIO = { realtimeInput: { audio: { mimeType: 'audio/pcm;rate=16000', data: 'AAAA' } } };
const call = (...ids: string[]) => ({
  toolCall: { functionCalls: ids.map((id) => ({ id, name: 'lookup', args: {} })) },
});
const respond = (...ids: string[]) => ({
  toolResponse: { functionResponses: ids.map((id) => ({ id, name: 'lookup', response: { ok: true } })) },
});
const cancel = (...ids: string[]) => ({ toolCallCancellation: { ids } });

/** Feeds a conversation in order; returns the codes of the warnings, one list per message. */
function run(messages: [Direction, unknown][], checker = new SequenceChecker()): string[][] {
  return messages.map(([dir, message]) => checker.check(dir, message).map((warning) => warning.code));
}

/** A session that is set up and ready. */
function ready(): SequenceChecker {
  const checker = new SequenceChecker();
  checker.check('client', SETUP);
  checker.check('server', SETUP_COMPLETE);
  return checker;
}

describe('the order of a Live API session', () => {
  it('finds nothing wrong with a session that waits for setupComplete', () => {
    expect(
      run([
        ['client', SETUP],
        ['server', SETUP_COMPLETE],
        ['client', TURN],
        ['server', { serverContent: { modelTurn: { parts: [{ text: 'You said' }] } } }],
        ['server', { serverContent: { turnComplete: true }, usageMetadata: { totalTokenCount: 9 } }],
        ['client', AUDIO],
        ['client', { realtimeInput: { audioStreamEnd: true } }],
      ]).flat(),
    ).toEqual([]);
  });

  it.each([
    ['clientContent', TURN],
    ['realtimeInput', AUDIO],
    ['toolResponse', respond('call-1')],
  ])('flags %s sent before setup, as an error, and says why', (kind, message) => {
    const [warning] = new SequenceChecker().check('client', message);
    expect(warning).toMatchObject({ code: 'BEFORE_SETUP', level: 'error' });
    expect(warning!.text).toContain(`${kind} sent before setup`);
    expect(warning!.text).toContain('setupComplete');
  });

  it('flags every message before setup, then accepts setup itself', () => {
    expect(
      run([
        ['client', TURN],
        ['client', AUDIO],
        ['client', SETUP],
      ]),
    ).toEqual([['BEFORE_SETUP'], ['BEFORE_SETUP'], []]);
  });

  it('reports only the missing setup when a toolResponse comes first, not its id too', () => {
    expect(run([['client', respond('nobody')]])).toEqual([['BEFORE_SETUP']]);
  });

  it('flags a second setup, before or after setupComplete', () => {
    expect(
      run([
        ['client', SETUP],
        ['client', SETUP],
      ]),
    ).toEqual([[], ['SETUP_REPEATED']]);
    const [warning] = ready().check('client', SETUP);
    expect(warning).toMatchObject({ code: 'SETUP_REPEATED', level: 'error' });
    expect(warning!.text).toContain('second setup');
  });

  it('cautions, more softly, about messages sent while setupComplete is on its way', () => {
    const checker = new SequenceChecker();
    expect(checker.check('client', SETUP)).toEqual([]);
    const [warning] = checker.check('client', AUDIO);
    expect(warning).toMatchObject({ code: 'BEFORE_SETUP_COMPLETE', level: 'caution' });
    expect(warning!.text).toContain('realtimeInput sent before setupComplete');
    expect(checker.check('server', SETUP_COMPLETE)).toEqual([]);
    expect(checker.check('client', AUDIO)).toEqual([]);
  });

  it('cautions that mediaChunks is deprecated, and still lets it through', () => {
    const checker = new SequenceChecker();
    checker.check('client', SETUP);
    checker.check('server', SETUP_COMPLETE);
    const chunk = { mimeType: 'audio/pcm;rate=16000', data: 'AAAA' };
    const warnings = checker.check('client', { realtimeInput: { mediaChunks: [chunk] } });
    expect(warnings).toEqual([
      {
        code: 'DEPRECATED_MEDIA_CHUNKS',
        level: 'caution',
        text: 'realtimeInput.mediaChunks is deprecated: send realtimeInput.audio (or video) instead, one blob a message',
      },
    ]);
    expect(checker.check('client', { realtimeInput: { audio: chunk } })).toEqual([]);
  });

  it('counts setupComplete only from the server', () => {
    expect(
      run([
        ['client', SETUP],
        ['client', SETUP_COMPLETE],
        ['client', TURN],
      ]),
    ).toEqual([[], [], ['BEFORE_SETUP_COMPLETE']]);
  });

  it('accepts a toolResponse to each pending call, once', () => {
    const checker = ready();
    expect(run([['server', call('call-1', 'call-2')]], checker)).toEqual([[]]);
    expect(checker.pendingCallIds).toEqual(['call-1', 'call-2']);
    expect(run([['client', respond('call-2')]], checker)).toEqual([[]]);
    expect(checker.pendingCallIds).toEqual(['call-1']);
    expect(
      run(
        [
          ['client', respond('call-1')],
          ['client', respond('call-1')],
        ],
        checker,
      ),
    ).toEqual([[], ['UNKNOWN_TOOL_CALL_ID']]);
    expect(checker.pendingCallIds).toEqual([]);
  });

  it('flags a toolResponse id that matches no call, naming what is pending', () => {
    const checker = ready();
    checker.check('server', call('call-1'));
    const warnings = checker.check('client', respond('call-9'));
    expect(warnings).toEqual([
      expect.objectContaining({
        code: 'UNKNOWN_TOOL_CALL_ID',
        level: 'error',
      } satisfies Partial<SequenceWarning>),
    ]);
    expect(warnings[0]!.text).toContain('toolResponse id "call-9" matches no pending toolCall');
    expect(warnings[0]!.text).toContain('pending: "call-1"');
    // The unknown id leaves the real call pending.
    expect(checker.pendingCallIds).toEqual(['call-1']);
    expect(ready().check('client', respond('call-1'))[0]!.text).toContain('none pending');
  });

  it('checks each id of a response on its own', () => {
    const checker = ready();
    checker.check('server', call('a'));
    expect(checker.check('client', respond('a', 'b', 'c')).map((w) => w.text)).toEqual([
      expect.stringContaining('"b"'),
      expect.stringContaining('"c"'),
    ]);
  });

  it('takes cancelled calls off the pending list; a late answer gets a caution, a second one an error', () => {
    const checker = ready();
    checker.check('server', call('call-1', 'call-2'));
    checker.check('server', { serverContent: { interrupted: true } });
    checker.check('server', cancel('call-1'));
    expect(checker.pendingCallIds).toEqual(['call-2']);
    const [late] = checker.check('client', respond('call-1'));
    expect(late).toMatchObject({ code: 'CANCELLED_TOOL_CALL_ID', level: 'caution' });
    expect(late!.text).toContain('cancelled');
    expect(run([['client', respond('call-1')]], checker)).toEqual([['UNKNOWN_TOOL_CALL_ID']]);
    expect(run([['client', respond('call-2')]], checker)).toEqual([[]]);
  });

  it('ignores a cancellation of ids that were never pending', () => {
    const checker = ready();
    checker.check('server', cancel('ghost'));
    expect(run([['client', respond('ghost')]], checker)).toEqual([['UNKNOWN_TOOL_CALL_ID']]);
  });

  it('gives a toolResponse sent before setupComplete both warnings', () => {
    const checker = new SequenceChecker();
    checker.check('client', SETUP);
    expect(run([['client', respond('x')]], checker)).toEqual([
      ['BEFORE_SETUP_COMPLETE', 'UNKNOWN_TOOL_CALL_ID'],
    ]);
  });

  it('names on each error the close the local Live API answers it with, and on no caution', () => {
    const [beforeSetup] = new SequenceChecker().check('client', TURN);
    expect(beforeSetup!.close).toEqual({
      error: 'SETUP_REQUIRED',
      reason: 'the first message must be setup, got clientContent',
    });
    const [repeated] = ready().check('client', SETUP);
    expect(repeated!.close).toEqual({
      error: 'SETUP_REPEATED',
      reason: 'setup was already sent; a session is configured once',
    });
    const checker = ready();
    checker.check('server', call('call-1'));
    const [unknown] = checker.check('client', respond('call-9'));
    expect(unknown!.close).toEqual({
      error: 'UNKNOWN_TOOL_CALL_ID',
      reason: 'toolResponse id "call-9" matches no toolCall (pending: call-1)',
    });
    const early = new SequenceChecker();
    early.check('client', SETUP);
    expect(early.check('client', TURN)[0]).not.toHaveProperty('close');
  });

  it('names the calls pending when a response was sent, even those it answers', () => {
    const checker = ready();
    checker.check('server', call('a'));
    const [warning] = checker.check('client', respond('a', 'b'));
    expect(warning!.text).toContain('pending: "a"');
    expect(warning!.close?.reason).toBe('toolResponse id "b" matches no toolCall (pending: a)');
  });

  it('takes a message the reader has parsed itself by its kind and answered ids', () => {
    const checker = new SequenceChecker();
    expect(checker.checkClient('toolResponse', ['x']).map((w) => w.code)).toEqual(['BEFORE_SETUP']);
    expect(checker.checkClient('setup', [])).toEqual([]);
    checker.check('server', SETUP_COMPLETE);
    checker.check('server', call('x'));
    expect(checker.checkClient('toolResponse', ['x'])).toEqual([]);
    expect(checker.pendingCallIds).toEqual([]);
  });

  it('never throws on what is not a Live API message, and lets it change nothing', () => {
    const checker = new SequenceChecker();
    for (const junk of [
      null,
      42,
      'setup',
      [SETUP],
      {},
      { hello: 1 },
      { toolCall: 'x' },
      { toolCall: { functionCalls: [1, { id: 2 }] } },
    ]) {
      expect(checker.check('client', junk)).toEqual([]);
      expect(checker.check('server', junk)).toEqual([]);
    }
    expect(checker.pendingCallIds).toEqual([]);
    expect(run([['client', { toolResponse: { functionResponses: 'none' } }]], checker)).toEqual([
      ['BEFORE_SETUP'],
    ]);
    checker.check('client', SETUP);
    checker.check('server', SETUP_COMPLETE);
    expect(
      run(
        [
          ['client', { toolResponse: {} }],
          ['client', { unknownKind: {} }],
        ],
        checker,
      ),
    ).toEqual([[], []]);
  });
});
