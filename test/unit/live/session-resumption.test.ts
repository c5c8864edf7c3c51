// The store of resumable sessions and the updates that hand out its handles, on an injected clock:
// what is kept, for how long, within which bounds, and when an update says "not resumable".
import { describe, expect, it } from 'vitest';
import type { LiveServerMessage } from '../../../core/live/live-messages';
import { parseClientMessage } from '../../../server/live/client-messages';
import { ResumptionStore, type SessionSnapshot, snapshotBytes } from '../../../server/live/resumption-store';
import { SessionContext } from '../../../server/live/session-context';
import { ResumptionTracker } from '../../../server/live/session-resumption';
import { TokenLedger } from '../../../server/live/token-ledger';

function snapshot(user = 'hello', turns = 1): SessionSnapshot {
  const turn = { user, tokens: { TEXT: 10, AUDIO: 0 } };
  return { turns: Array(turns).fill(turn), callCount: 0, turnCount: turns, startedAt: 0, video: false };
}

/** A store on a clock the test moves, with handles h1, h2, … */
function storeAt(limits = { maxHandles: 10, maxBytes: 1 << 20 }) {
  const clock = { now: 1000 };
  let n = 0;
  const store = new ResumptionStore(
    limits,
    () => clock.now,
    () => `h${++n}`,
  );
  return { store, clock };
}

describe('ResumptionStore', () => {
  it('gives back the snapshot a handle names until its lifetime is over', () => {
    const { store, clock } = storeAt();
    const kept = snapshot();
    const handle = store.keep(kept, 500)!;
    expect(handle).toBe('h1');
    clock.now += 499;
    expect(store.find(handle)).toBe(kept);
    clock.now += 1;
    expect(store.find(handle)).toBeUndefined();
    expect(store.size).toBe(0);
    expect(store.memoryBytes).toBe(0);
  });

  it('knows no handle it did not issue', () => {
    const { store } = storeAt();
    store.keep(snapshot(), 500);
    expect(store.find('h2')).toBeUndefined();
  });

  it('drops the oldest handle to stay within its count', () => {
    const { store } = storeAt({ maxHandles: 2, maxBytes: 1 << 20 });
    for (let i = 0; i < 3; i++) store.keep(snapshot(), 500);
    expect(store.find('h1')).toBeUndefined();
    expect(store.find('h2')).toBeDefined();
    expect(store.find('h3')).toBeDefined();
    expect(store.evicted).toBe(1);
  });

  it('drops the oldest handles to stay within its memory, and never goes above it', () => {
    const size = snapshotBytes(snapshot('x'.repeat(100))) + 4;
    const { store } = storeAt({ maxHandles: 100, maxBytes: size * 2 + 10 });
    for (let i = 0; i < 5; i++) {
      store.keep(snapshot('x'.repeat(100)), 500);
      expect(store.memoryBytes).toBeLessThanOrEqual(store.limits.maxBytes);
    }
    expect(store.size).toBe(2);
    expect(store.find('h4')).toBeDefined();
    expect(store.find('h5')).toBeDefined();
  });

  it('refuses a snapshot larger than the whole store, keeping the others', () => {
    const { store } = storeAt({ maxHandles: 10, maxBytes: 2048 });
    store.keep(snapshot(), 500);
    expect(store.keep(snapshot('x'.repeat(2000)), 500)).toBeUndefined();
    expect(store.find('h1')).toBeDefined();
  });

  it('counts a snapshot’s text at two bytes a character', () => {
    expect(snapshotBytes(snapshot('x'.repeat(1000))) - snapshotBytes(snapshot(''))).toBe(2000);
  });

  it('forgets expired handles when it keeps a new one, whatever their order', () => {
    const { store, clock } = storeAt();
    store.keep(snapshot(), 1000);
    store.keep(snapshot(), 10);
    clock.now += 20;
    store.keep(snapshot(), 1000);
    expect(store.size).toBe(2);
  });

  it('issues long random handles by default', () => {
    const store = new ResumptionStore();
    const a = store.keep(snapshot(), 500)!;
    const b = store.keep(snapshot(), 500)!;
    expect(a).toMatch(/^[\w-]{32}$/);
    expect(a).not.toBe(b);
  });
});

describe('ResumptionTracker', () => {
  function tracker(transparent = false) {
    const { store } = storeAt();
    const captured = snapshot();
    const tracking = new ResumptionTracker(store, { transparent }, 500, () => captured);
    tracking.consumed(); // setup
    tracking.included();
    return { tracking, store, captured };
  }
  const text = (t: string): LiveServerMessage => ({ serverContent: { modelTurn: { parts: [{ text: t }] } } });

  it('follows setupComplete with a handle to the session as it is', () => {
    const { tracking, store, captured } = tracker();
    expect(tracking.around({ setupComplete: {} })).toEqual([
      { setupComplete: {} },
      { sessionResumptionUpdate: { newHandle: 'h1', resumable: true } },
    ]);
    expect(store.find('h1')).toBe(captured);
  });

  it('says not resumable once when the answer starts, and resumable with a new handle after turnComplete', () => {
    const { tracking } = tracker();
    expect(tracking.around(text('a'))).toEqual([{ sessionResumptionUpdate: {} }, text('a')]);
    expect(tracking.around(text('b'))).toEqual([text('b')]);
    expect(tracking.around({ toolCall: { functionCalls: [] } })).toEqual([
      { toolCall: { functionCalls: [] } },
    ]);
    expect(tracking.around({ serverContent: { turnComplete: true } })).toEqual([
      { serverContent: { turnComplete: true } },
      { sessionResumptionUpdate: { newHandle: 'h1', resumable: true } },
    ]);
    expect(tracking.around({ toolCall: { functionCalls: [] } })[0]).toEqual({ sessionResumptionUpdate: {} });
  });

  it('leaves goAway alone', () => {
    const { tracking } = tracker();
    expect(tracking.around({ goAway: { timeLeft: '1s' } })).toEqual([{ goAway: { timeLeft: '1s' } }]);
  });

  it('adds the index of the last consumed client message, as a string, only when transparent', () => {
    const plain = tracker().tracking;
    expect(plain.around({ setupComplete: {} })[1]).toEqual({
      sessionResumptionUpdate: { newHandle: 'h1', resumable: true },
    });
    const { tracking } = tracker(true);
    tracking.consumed();
    tracking.consumed();
    tracking.included();
    tracking.consumed(); // audio while the answer streams: in no turn yet
    expect(tracking.around({ serverContent: { turnComplete: true } })[1]).toEqual({
      sessionResumptionUpdate: { newHandle: 'h1', resumable: true, lastConsumedClientMessageIndex: '2' },
    });
  });
});

describe('SessionContext', () => {
  function turn(ledger: TokenLedger, context: SessionContext, text: string, answer: number): void {
    ledger.read('TEXT', text.length);
    context.heard(text);
    context.compress();
    ledger.answer('TEXT', answer);
    context.record();
  }

  it('carries turns, counts, the session clock and video into a snapshot and back', () => {
    const ledger = new TokenLedger();
    const context = new SessionContext(ledger, 1234);
    turn(ledger, context, 'hello', 5);
    context.sawVideo();
    const saved = context.snapshot(3);
    expect(saved).toEqual({
      turns: [{ user: 'hello', tokens: { TEXT: 10, AUDIO: 0 } }],
      callCount: 3,
      turnCount: 1,
      startedAt: 1234,
      video: true,
    });
    const next = new TokenLedger();
    const resumed = new SessionContext(next, 9999);
    resumed.restore(saved);
    expect(next.totals()).toEqual({ TEXT: 10, AUDIO: 0 });
    expect(resumed.sessionSpan).toEqual({ startedAt: 1234, video: true, compressed: false });
    expect(resumed.replyTo('again')).toBe(
      'You said "again" (5 bytes). This is turn 2 of a resumed session; before it you said "hello".',
    );
  });

  it('answers a new session’s turns as always', () => {
    const context = new SessionContext(new TokenLedger(), 0);
    expect(context.replyTo('hi')).toBe('You said "hi" (2 bytes).');
  });

  it('drops the oldest turns past triggerTokens down to targetTokens, keeping the setup’s tokens', () => {
    const ledger = new TokenLedger();
    ledger.read('TEXT', 7); // the system instruction
    const context = new SessionContext(ledger, 0, { triggerTokens: 40, targetTokens: 25 });
    turn(ledger, context, 'aaaaa', 5); // 10
    turn(ledger, context, 'bbbbb', 5); // 10
    turn(ledger, context, 'ccccc', 5); // 10: 37 in all, not past 40
    expect(context.dropped).toBe(0);
    turn(ledger, context, 'ddddd', 5); // 42 before answering: 7 + 10 + 5 read is at most 25
    expect(context.dropped).toBe(2);
    expect(ledger.totals().TEXT).toBe(7 + 10 + 10);
    expect(context.snapshot(0).turns.map((t) => t.user)).toEqual(['ccccc', 'ddddd']);
  });

  it('keeps a bounded number of turns and of characters, with exact token counts', () => {
    const ledger = new TokenLedger();
    const context = new SessionContext(ledger, 0);
    for (let i = 0; i < 300; i++) turn(ledger, context, `${i} ${'x'.repeat(200)}`, 1);
    const { turns, turnCount } = context.snapshot(0);
    expect(turnCount).toBe(300);
    expect(turns).toHaveLength(256);
    expect(turns.reduce((sum, t) => sum + t.tokens.TEXT, 0)).toBe(ledger.totals().TEXT);
    expect(turns.at(-1)!.user).toBe(`299 ${'x'.repeat(116)}…`);
  });

  it('has no session limit when compressed, and the audio or video one otherwise', () => {
    const ledger = new TokenLedger();
    expect(new SessionContext(ledger, 0, { triggerTokens: 10, targetTokens: 5 }).limit(1)).toBeUndefined();
    const context = new SessionContext(ledger, 100);
    expect(context.limit(60)).toEqual({
      at: 100 + 15_000,
      reason: 'audio-only session limit of 15 s reached; contextWindowCompression lifts it',
    });
    context.sawVideo();
    expect(context.limit(60)?.at).toBe(100 + 2_000);
  });
});

describe('reading setup’s session fields', () => {
  const read = (fields: Record<string, unknown>) =>
    parseClientMessage(
      JSON.stringify({ setup: { model: 'models/gemini-live-2.5-flash-preview', ...fields } }),
      {
        maxChunkMs: 1000,
      },
    );

  it('reads sessionResumption with or without a handle, an empty handle as none', () => {
    expect(read({ sessionResumption: {} })).toMatchObject({
      message: { setup: { resumption: { transparent: false } } },
    });
    expect(read({ sessionResumption: { handle: 'h1', transparent: true } })).toMatchObject({
      message: { setup: { resumption: { handle: 'h1', transparent: true } } },
    });
    const empty = read({ sessionResumption: { handle: '' } });
    expect(empty.ok && empty.message.kind === 'setup' && empty.message.setup.resumption).toEqual({
      transparent: false,
    });
    const none = read({});
    expect(none.ok && none.message.kind === 'setup' && 'resumption' in none.message.setup).toBe(false);
  });

  it('reads contextWindowCompression’s token counts as protobuf writes int64s, strings, or as numbers', () => {
    expect(
      read({ contextWindowCompression: { triggerTokens: '2000', slidingWindow: { targetTokens: 500 } } }),
    ).toMatchObject({ message: { setup: { compression: { triggerTokens: 2000, targetTokens: 500 } } } });
    expect(read({ contextWindowCompression: { slidingWindow: {} } })).toMatchObject({
      message: { setup: { compression: { triggerTokens: 104_857, targetTokens: 52_428 } } },
    });
  });

  it('refuses mistyped session fields with 1007', () => {
    for (const fields of [
      { sessionResumption: { handle: 7 } },
      { sessionResumption: { transparent: 'yes' } },
      { contextWindowCompression: { triggerTokens: '-1' } },
      { contextWindowCompression: { slidingWindow: { targetTokens: 1.5 } } },
    ]) {
      expect(read(fields)).toMatchObject({ ok: false, close: { code: 1007, error: 'INVALID_FIELD' } });
    }
  });
});
