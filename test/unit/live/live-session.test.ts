import { describe, expect, it } from 'vitest';
import type { LiveServerMessage } from '../../../core/live/live-messages';
import { SequenceChecker } from '../../../core/live/sequence-check';
import { LiveSession, type Reaction } from '../../../server/live/live-session';

const options = { silenceMs: 10, silenceLevel: 500, maxChunkMs: 1000 };

/** A session already set up; `receive` takes plain objects. */
function session(setup: Record<string, unknown> = {}): {
  live: LiveSession;
  send: (message: unknown) => Reaction;
  drain: () => LiveServerMessage[];
} {
  const live = new LiveSession(options);
  const send = (message: unknown): Reaction => live.receive(JSON.stringify(message));
  expect(
    send({
      setup: {
        model: 'models/gemini-2.0-flash-live-001',
        generationConfig: { responseModalities: ['TEXT'] },
        ...setup,
      },
    }),
  ).toEqual({
    send: [{ setupComplete: {} }],
  });
  const drain = (): LiveServerMessage[] => {
    const out: LiveServerMessage[] = [];
    for (let message = live.pull(); message; message = live.pull()) out.push(message);
    return out;
  };
  return { live, send, drain };
}

const turn = (text: string, turnComplete = true) => ({
  clientContent: { turns: [{ role: 'user', parts: [{ text }] }], turnComplete },
});
const textOf = (messages: LiveServerMessage[]): string =>
  messages
    .flatMap((m) => m.serverContent?.modelTurn?.parts ?? [])
    .map((p) => p.text ?? '')
    .join('');
const audio = (samples: number[]) => ({
  realtimeInput: {
    audio: {
      mimeType: 'audio/pcm;rate=16000',
      data: Buffer.from(Int16Array.from(samples).buffer).toString('base64'),
    },
  },
});
// 16 samples a millisecond at 16 kHz.
const loud = (ms: number): number[] => Array.from({ length: ms * 16 }, (_, i) => (i % 2 ? -4000 : 4000));
const quiet = (ms: number): number[] => new Array(ms * 16).fill(0);

describe('LiveSession', () => {
  it('queues a text answer to stream, ending with generationComplete and turnComplete with usage', () => {
    const { live, send, drain } = session();
    expect(send(turn('hi'))).toEqual({ send: [] });
    expect(live.streaming).toBe(true);
    const out = drain();
    expect(textOf(out)).toBe('You said "hi" (2 bytes).');
    expect(out.at(-2)).toEqual({ serverContent: { generationComplete: true } });
    expect(out.at(-1)).toMatchObject({
      serverContent: { turnComplete: true },
      usageMetadata: { responseTokenCount: 6 },
    });
    expect(live.streaming).toBe(false);
  });

  it('interrupts the answer still queued when a new turn comes, ends that turn, and answers the new one', () => {
    const { live, send, drain } = session();
    send(turn('first'));
    live.pull();
    expect(send(turn('second')).send).toEqual([
      { serverContent: { interrupted: true } },
      { serverContent: { turnComplete: true } },
    ]);
    expect(textOf(drain())).toBe('You said "second" (6 bytes).');
  });

  it('does not report an interruption when nothing was being said', () => {
    const { send, drain } = session();
    send(turn('first'));
    drain();
    expect(send(turn('second')).send).toEqual([]);
  });

  it('makes a tool call pending only once it has been sent', () => {
    const { live, send, drain } = session({
      tools: [
        { functionDeclarations: [{ name: 'lookup', parameters: { properties: { q: { type: 'STRING' } } } }] },
      ],
    });
    send(turn('lookup cats'));
    expect(live.pendingCallIds).toEqual([]);
    expect(drain()).toEqual([
      { toolCall: { functionCalls: [{ id: 'call-1', name: 'lookup', args: { q: 'cats' } }] } },
    ]);
    expect(live.pendingCallIds).toEqual(['call-1']);
    expect(send({ toolResponse: { functionResponses: [{ id: 'call-1', response: { n: 3 } }] } })).toEqual({
      send: [],
    });
    expect(live.pendingCallIds).toEqual([]);
    expect(textOf(drain())).toBe('lookup returned {"n":3}.');
  });

  it('numbers tool calls across the session and refuses a repeated answer', () => {
    const { send, drain } = session({ tools: [{ functionDeclarations: [{ name: 'f' }] }] });
    send(turn('f'));
    drain();
    send({ toolResponse: { functionResponses: [{ id: 'call-1' }] } });
    drain();
    send(turn('f again'));
    expect(drain()).toEqual([{ toolCall: { functionCalls: [{ id: 'call-2', name: 'f', args: {} }] } }]);
    expect(send({ toolResponse: { functionResponses: [{ id: 'call-1' }] } }).close).toEqual({
      error: 'UNKNOWN_TOOL_CALL_ID',
      code: 1008,
      reason: 'toolResponse id "call-1" matches no toolCall (pending: call-2)',
    });
  });

  it('answers speech once the silence window closes, trailing silence cut off', () => {
    const { send, drain } = session();
    send(audio([...quiet(5), ...loud(20), ...quiet(9)]));
    expect(drain()).toEqual([]);
    send(audio(quiet(1)));
    expect(textOf(drain())).toMatch(/^I heard 0\.02 s of audio: 320 samples at 16000 Hz, peak -18\.3 dBFS/);
  });

  it('lets speech interrupt an answer, and cancels a pending call', () => {
    const { send, drain } = session({ tools: [{ functionDeclarations: [{ name: 'f' }] }] });
    send(turn('f'));
    drain();
    expect(send(audio(loud(5))).send).toEqual([
      { toolCallCancellation: { ids: ['call-1'] } },
      { serverContent: { interrupted: true } },
      { serverContent: { turnComplete: true } },
    ]);
    // The late answer to the cancelled call is expected, not an error.
    expect(send({ toolResponse: { functionResponses: [{ id: 'call-1' }] } })).toEqual({ send: [] });
  });

  it('echoes speech at 24 kHz in 100 ms messages when the session answers in audio', () => {
    const { send, drain } = session({
      generationConfig: { responseModalities: ['AUDIO'] },
      inputAudioTranscription: {},
      outputAudioTranscription: {},
    });
    send(audio([...loud(250), ...quiet(10)]));
    const out = drain();
    const kinds = out.map((m) => Object.keys(m.serverContent ?? {}).join('+'));
    // Each transcription streams a few words a message; the output's pieces ride beside the
    // audio they describe (a quarter of the speech each here: two start in each of the first two
    // chunks), and both end with finished: true.
    expect(kinds).toEqual([
      ...new Array(5).fill('inputTranscription'),
      'modelTurn',
      'outputTranscription',
      'outputTranscription',
      'modelTurn',
      'outputTranscription',
      'outputTranscription',
      'modelTurn',
      'generationComplete',
      'turnComplete',
    ]);
    const input = out.flatMap((m) => m.serverContent?.inputTranscription ?? []);
    expect(input.map((t) => t.text).join('')).toMatch(/^\(audio: 0\.25 s, 4000 samples at 16000 Hz, peak /);
    expect(input.map((t) => t.finished)).toEqual([undefined, undefined, undefined, undefined, true]);
    const output = out.flatMap((m) => m.serverContent?.outputTranscription ?? []);
    expect(output).toEqual([
      { text: 'Here is your ' },
      { text: '0.25 s of ' },
      { text: 'audio back at ' },
      { text: '24 kHz.', finished: true },
    ]);
    const sizes = out
      .flatMap((m) => m.serverContent?.modelTurn?.parts ?? [])
      .map((p) => Buffer.from(p.inlineData!.data, 'base64').length / 2);
    expect(sizes).toEqual([2400, 2400, 1200]);
    expect(out.at(-1)?.usageMetadata?.responseTokensDetails).toEqual([{ modality: 'AUDIO', tokenCount: 8 }]);
  });

  it('leaves transcriptions out unless setup asked for them', () => {
    const { send, drain } = session({ generationConfig: { responseModalities: ['AUDIO'] } });
    send(audio([...loud(10), ...quiet(10)]));
    const out = drain();
    expect(out.some((m) => m.serverContent?.inputTranscription || m.serverContent?.outputTranscription)).toBe(
      false,
    );
  });

  it('takes activityStart and activityEnd as the turn when automatic detection is disabled', () => {
    const { send, drain } = session({
      realtimeInputConfig: { automaticActivityDetection: { disabled: true } },
    });
    send(audio(loud(10))); // outside any activity: not part of a turn
    send({ realtimeInput: { activityStart: {} } });
    send(audio([...loud(10), ...quiet(30)]));
    expect(drain()).toEqual([]);
    send({ realtimeInput: { activityEnd: {} } });
    expect(textOf(drain())).toMatch(/^I heard 0\.04 s of audio: 640 samples/);
  });

  it('refuses activity signals while it detects activity itself', () => {
    const { live, send } = session();
    expect(send({ realtimeInput: { activityEnd: {} } }).close).toMatchObject({
      error: 'ACTIVITY_SIGNAL_NOT_ALLOWED',
      code: 1008,
    });
    expect(live.ended).toBe(true);
  });

  it('ends speech at audioStreamEnd', () => {
    const { send, drain } = session();
    send(audio([...loud(10), ...quiet(5)]));
    send({ realtimeInput: { audioStreamEnd: true } });
    expect(textOf(drain())).toMatch(/^I heard 0\.01 s of audio: 160 samples/);
    send({ realtimeInput: { audioStreamEnd: true } });
    expect(drain()).toEqual([]);
  });

  it('requires setup first, and only once', () => {
    const fresh = new LiveSession(options);
    expect(fresh.receive(JSON.stringify(turn('hi'))).close).toEqual({
      error: 'SETUP_REQUIRED',
      code: 1008,
      reason: 'the first message must be setup, got clientContent',
    });
    const { send } = session();
    expect(send({ setup: { model: 'models/gemini-2.0-flash-live-001' } }).close).toMatchObject({
      error: 'SETUP_REPEATED',
      code: 1008,
    });
  });

  it('ignores everything once it has ended', () => {
    const { live, send } = session();
    send(turn('hi'));
    expect(live.receive('{').close).toMatchObject({ error: 'MALFORMED_JSON', code: 1007 });
    expect(live.streaming).toBe(false);
    expect(send(turn('again'))).toEqual({ send: [] });
    expect(live.pull()).toBeUndefined();
  });

  it('announces the time left in a goAway', () => {
    expect(new LiveSession(options).goAway(9500)).toEqual({ goAway: { timeLeft: '9.5s' } });
  });

  it('refuses a toolResponse that answers the same call twice', () => {
    const { send, drain } = session({ tools: [{ functionDeclarations: [{ name: 'f' }] }] });
    send(turn('f'));
    drain();
    expect(send({ toolResponse: { functionResponses: [{ id: 'call-1' }, { id: 'call-1' }] } }).close).toEqual(
      {
        error: 'UNKNOWN_TOOL_CALL_ID',
        code: 1008,
        reason: 'toolResponse id "call-1" matches no toolCall (pending: call-1)',
      },
    );
  });
});

describe('LiveSession and the page’s SequenceChecker', () => {
  /** A session, with the page's checker watching both directions as the inspector would. */
  function watched(): { exchange: (message: unknown) => { reaction: Reaction; closes: unknown[] } } {
    const live = new LiveSession(options);
    const page = new SequenceChecker();
    const exchange = (message: unknown) => {
      const closes = page
        .check('client', message)
        .flatMap((warning) => (warning.close ? [warning.close] : []));
      const reaction = live.receive(JSON.stringify(message));
      for (const answer of reaction.send) page.check('server', answer);
      for (let answer = live.pull(); answer; answer = live.pull()) page.check('server', answer);
      return { reaction, closes };
    };
    return { exchange };
  }
  const setup = {
    setup: { model: 'models/gemini-2.0-flash-live-001', tools: [{ functionDeclarations: [{ name: 'f' }] }] },
  };
  const closedAs = ({ reaction, closes }: { reaction: Reaction; closes: unknown[] }) => {
    expect(closes).toHaveLength(1);
    expect(reaction.close).toEqual({ ...(closes[0] as object), code: 1008 });
  };

  it('closes for a message before setup exactly as the page warns it will', () => {
    closedAs(watched().exchange(turn('hi')));
  });

  it('closes for a second setup exactly as the page warns it will', () => {
    const { exchange } = watched();
    expect(exchange(setup)).toEqual({ reaction: { send: [{ setupComplete: {} }] }, closes: [] });
    closedAs(exchange(setup));
  });

  it('closes for an unknown call id exactly as the page warns it will, and accepts the real one', () => {
    const answer = (id: string) => ({ toolResponse: { functionResponses: [{ id, response: {} }] } });
    const first = watched();
    first.exchange(setup);
    first.exchange(turn('f'));
    expect(first.exchange(answer('call-1'))).toMatchObject({ reaction: { send: [] }, closes: [] });
    const second = watched();
    second.exchange(setup);
    second.exchange(turn('f'));
    closedAs(second.exchange(answer('call-9')));
  });
});
