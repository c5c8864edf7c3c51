// Sessions that outlive a connection, and the time limits that end them, driven by plain `ws`
// clients against a real server: resumption handles, goAway then the connection's end, the
// session limits for audio and for video, and context window compression lifting them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveServerMessage, SessionResumptionUpdate } from '../../core/live/live-messages';
import type { RunningServer } from '../../server/server';
import { startTestServer } from './harness';
import { audioInput, isTurnComplete, LiveClient, silence, textOf, textTurn } from './live-client';

let server: RunningServer;
let small: RunningServer;

beforeAll(async () => {
  server = await startTestServer();
  small = await startTestServer({ liveResumptions: { maxHandles: 2, maxBytes: 64 * 1024 } });
});

afterAll(async () => {
  await server.close();
  await small.close();
});

const TEXT = { generationConfig: { responseModalities: ['TEXT'] } };
const COMPRESSED = { contextWindowCompression: { slidingWindow: {} } };
const isUpdate = (m: LiveServerMessage): boolean => m.sessionResumptionUpdate !== undefined;

/** The next update, after whatever comes before it. */
async function nextUpdate(client: LiveClient): Promise<SessionResumptionUpdate> {
  const read = await client.until(isUpdate);
  return read.at(-1)!.sessionResumptionUpdate!;
}

/** Opens a session that asks for handles, has one turn, and returns the handle issued after it. */
async function sessionWithTurn(on: RunningServer, text: string, query = '?chunkMs=1'): Promise<string> {
  const client = await LiveClient.ready(on.port, query, { ...TEXT, sessionResumption: {} });
  await nextUpdate(client);
  client.send(textTurn(text));
  await client.until(isTurnComplete);
  const { newHandle } = await nextUpdate(client);
  client.close();
  await client.closed;
  return newHandle!;
}

describe('session resumption', () => {
  it('sends a handle after setupComplete and after each turn, and none while the model answers', async () => {
    const client = await LiveClient.ready(server.port, '?chunkMs=1', { ...TEXT, sessionResumption: {} });
    const first = await nextUpdate(client);
    expect(first).toEqual({ newHandle: expect.stringMatching(/^[\w-]{32}$/), resumable: true });
    client.send(textTurn('hello'));
    const turn = await client.until(isTurnComplete);
    expect(turn[0]).toEqual({ sessionResumptionUpdate: {} });
    expect(turn.filter(isUpdate)).toHaveLength(1);
    expect(textOf(turn)).toBe('You said "hello" (5 bytes).');
    const after = await client.until(() => true);
    expect(after).toEqual([{ sessionResumptionUpdate: { newHandle: expect.any(String), resumable: true } }]);
    expect(after[0]!.sessionResumptionUpdate!.newHandle).not.toBe(first.newHandle);
    client.close();
  });

  it('sends no update to a session that did not ask for resumption', async () => {
    const client = await LiveClient.ready(server.port, '?chunkMs=1', TEXT);
    client.send(textTurn('hello'));
    await client.until(isTurnComplete);
    client.send(textTurn('again'));
    await client.until(isTurnComplete);
    expect(client.received.filter((entry) => isUpdate(entry.message))).toEqual([]);
    client.close();
  });

  it('resumes the earlier connection’s turns on a new connection with the handle', async () => {
    const handle = await sessionWithTurn(server, 'hello');
    const client = await LiveClient.ready(server.port, '?chunkMs=1', {
      ...TEXT,
      sessionResumption: { handle },
    });
    await nextUpdate(client);
    client.send(textTurn('again'));
    const turn = await client.until(isTurnComplete);
    expect(textOf(turn)).toBe(
      'You said "again" (5 bytes). This is turn 2 of a resumed session; before it you said "hello".',
    );
    // The context read for this answer holds the first connection's turn too.
    const fresh = await LiveClient.ready(server.port, '?chunkMs=1', TEXT);
    fresh.send(textTurn('again'));
    const alone = await fresh.until(isTurnComplete);
    expect(turn.at(-1)!.usageMetadata!.promptTokenCount).toBeGreaterThan(
      alone.at(-1)!.usageMetadata!.promptTokenCount,
    );
    client.close();
    fresh.close();
  });

  it('carries the conversation over when a client reconnects with its latest handle on goAway', async () => {
    const query = '?chunkMs=1&goAwayAfter=300&goAwayMs=500';
    const old = await LiveClient.ready(server.port, query, { ...TEXT, sessionResumption: {} });
    old.send(textTurn('hello'));
    await old.until(isTurnComplete);
    const { newHandle } = await nextUpdate(old);
    expect(await old.until((m) => m.goAway !== undefined)).toEqual([{ goAway: { timeLeft: '0.5s' } }]);
    // Before the old connection ends: what real clients do with goAway's time left.
    const next = await LiveClient.ready(server.port, '?chunkMs=1', {
      ...TEXT,
      sessionResumption: { handle: newHandle },
    });
    next.send(textTurn('still there?'));
    expect(textOf(await next.until(isTurnComplete))).toBe(
      'You said "still there?" (12 bytes). This is turn 2 of a resumed session; before it you said "hello".',
    );
    expect((await old.closed).code).toBe(1011);
    next.close();
  });

  it('counts the client messages each update includes when the setup asks for transparent', async () => {
    const client = await LiveClient.ready(server.port, '?chunkMs=20', {
      ...TEXT,
      sessionResumption: { transparent: true },
    });
    const indexes = [(await nextUpdate(client)).lastConsumedClientMessageIndex];
    client.send(textTurn('one'));
    // Quiet microphone audio while the answer streams: consumed, but in no turn yet.
    client.send(audioInput(silence(20)));
    await client.until(isTurnComplete);
    indexes.push((await nextUpdate(client)).lastConsumedClientMessageIndex);
    client.send(textTurn('two, not yet', false));
    client.send(textTurn('three'));
    await client.until(isTurnComplete);
    indexes.push((await nextUpdate(client)).lastConsumedClientMessageIndex);
    // int64 in protobuf's JSON: strings. The setup is message 0, the audio 2.
    expect(indexes).toEqual(['0', '1', '4']);
    client.close();
  });

  it('closes with 1008 when the handle names no session', async () => {
    const client = await LiveClient.open(server.port);
    client.send({
      setup: {
        model: 'models/gemini-live-2.5-flash-preview',
        sessionResumption: { handle: 'no-such-handle' },
      },
    });
    expect(await client.closed).toEqual({
      code: 1008,
      reason: 'setup.sessionResumption.handle names no session: unknown, or older than 7200 s',
    });
  });

  it('forgets a handle once its lifetime, scaled by timeScale, has passed', async () => {
    // timeScale=100000: a handle lives 72 ms; the connection and session limits are lifted.
    const query = '?chunkMs=1&timeScale=100000&sessionMs=60000';
    const client = await LiveClient.ready(server.port, query, {
      ...TEXT,
      ...COMPRESSED,
      sessionResumption: {},
    });
    const { newHandle } = await nextUpdate(client);
    client.close();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const late = await LiveClient.open(server.port, query);
    late.send({
      setup: { model: 'models/gemini-live-2.5-flash-preview', sessionResumption: { handle: newHandle } },
    });
    expect(await late.closed).toEqual({
      code: 1008,
      reason: 'setup.sessionResumption.handle names no session: unknown, or older than 0.072 s',
    });
  });

  it('keeps only as many handles as the server’s store allows, the newest', async () => {
    const handles = [];
    for (const text of ['a', 'b']) handles.push(await sessionWithTurn(small, text));
    // Each session issued two handles (after setup, after its turn): the store holds the last two.
    const evicted = await LiveClient.open(small.port);
    evicted.send({
      setup: { model: 'models/gemini-live-2.5-flash-preview', sessionResumption: { handle: handles[0] } },
    });
    expect((await evicted.closed).code).toBe(1008);
    const kept = await LiveClient.ready(small.port, '?chunkMs=1', {
      ...TEXT,
      sessionResumption: { handle: handles[1] },
    });
    kept.close();
    expect(small.health().live).toMatchObject({ resumptionHandles: 2 });
  });
});

describe('time limits', () => {
  it('sends goAway, then closes with 1011 at the connection limit timeScale shrinks', async () => {
    // timeScale=600: the connection's 10 minutes are 1 s, goAway's 60 s lead 100 ms.
    const started = Date.now();
    const client = await LiveClient.ready(server.port, '?timeScale=600', TEXT);
    expect(await client.until((m) => m.goAway !== undefined, 3000)).toEqual([
      { goAway: { timeLeft: '0.1s' } },
    ]);
    expect(await client.closed).toEqual({
      code: 1011,
      reason: 'Deadline expired before operation could complete.',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('ends an audio-only session at its limit, 15 minutes scaled', async () => {
    const started = Date.now();
    const client = await LiveClient.ready(server.port, '?timeScale=600&sessionMs=10000', TEXT);
    expect(await client.closed).toEqual({
      code: 1008,
      reason: 'audio-only session limit of 1.5 s reached; contextWindowCompression lifts it',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  it('ends a session with video at the audio+video limit, 2 minutes scaled', async () => {
    const client = await LiveClient.ready(server.port, '?timeScale=600&sessionMs=10000', TEXT);
    const frame = { mimeType: 'image/jpeg', data: Buffer.from('not really a jpeg').toString('base64') };
    client.send({ realtimeInput: { video: frame } });
    expect(await client.closed).toEqual({
      code: 1008,
      reason: 'audio+video session limit of 0.2 s reached; contextWindowCompression lifts it',
    });
  });

  it('counts the session limit from the session’s first connection, across resumption', async () => {
    const query = '?timeScale=600&sessionMs=10000&chunkMs=1';
    const started = Date.now();
    const handle = await sessionWithTurn(server, 'hello', query);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const resumed = await LiveClient.ready(server.port, query, { ...TEXT, sessionResumption: { handle } });
    expect((await resumed.closed).code).toBe(1008);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(2500);
  });

  it('lifts the session limit with context window compression', async () => {
    const client = await LiveClient.ready(server.port, '?timeScale=600&sessionMs=2500', {
      ...TEXT,
      ...COMPRESSED,
    });
    // Past the 1.5 s audio limit, only the connection's own limit ends it.
    expect(await client.closed).toEqual({
      code: 1011,
      reason: 'Deadline expired before operation could complete.',
    });
  });
});

describe('context window compression', () => {
  it('drops the oldest turns once the context passes triggerTokens, down to targetTokens', async () => {
    const client = await LiveClient.ready(server.port, '?chunkMs=1', {
      ...TEXT,
      contextWindowCompression: { triggerTokens: '100', slidingWindow: { targetTokens: '50' } },
    });
    client.send(textTurn('x'.repeat(200)));
    const first = await client.until(isTurnComplete);
    // 50 tokens read, 56 answered (224 bytes): 106 in the context, past the trigger.
    expect(first.at(-1)!.usageMetadata).toMatchObject({ promptTokenCount: 50, responseTokenCount: 56 });
    client.send(textTurn('y'));
    const second = await client.until(isTurnComplete);
    // The first turn is dropped before the answer: only "y" is read.
    expect(second.at(-1)!.usageMetadata!.promptTokenCount).toBe(1);
    client.close();
  });
});
