// The local Live API endpoint driven by real `ws` clients, with the tap watching: every client
// message kind, every server message kind, every fault on demand and every way a session is closed.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { LiveServerMessage, Part } from '../../core/live/live-messages';
import { LIVE_PATH, LIVE_TOKEN_PATH } from '../../core/routes';
import type { TapCloseEvent, TapFrameEvent, TapMessageEvent, TapOpenEvent } from '../../core/tap/events';
import type { RunningServer } from '../../server/server';
import { localPortOf, serveWithTap, type TapRecorder } from './harness';
import { LiveClient as SharedLiveClient } from './live-client';

let server: RunningServer;
let tap: TapRecorder;

serveWithTap({}, (started, recorder) => {
  server = started;
  tap = recorder;
});

/** The shared Live client (live-client.ts), on this file's server. */
const LiveClient = {
  open: (query = '', path = LIVE_PATH) => SharedLiveClient.open(server.port, query, path),
  ready: (query = '', setup: Record<string, unknown> = {}) =>
    SharedLiveClient.ready(server.port, query, setup),
};

/** A client's connection id, as the tap names it. */
function connOf(client: SharedLiveClient): Promise<string> {
  return tap.connOf(localPortOf(client.socket));
}

const turnComplete = (m: LiveServerMessage): boolean => m.serverContent?.turnComplete === true;
const partsOf = (messages: LiveServerMessage[]): Part[] =>
  messages.flatMap((m) => m.serverContent?.modelTurn?.parts ?? []);
const textOf = (messages: LiveServerMessage[]): string =>
  partsOf(messages)
    .map((p) => p.text ?? '')
    .join('');

/** A transcription as streamed, its pieces joined; the last piece carries `finished: true`. */
function transcriptOf(
  messages: LiveServerMessage[],
  kind: 'inputTranscription' | 'outputTranscription',
): string {
  const pieces = messages.flatMap((m) => m.serverContent?.[kind] ?? []);
  expect(pieces.at(-1)?.finished).toBe(true);
  expect(pieces.slice(0, -1).every((piece) => piece.finished === undefined)).toBe(true);
  return pieces.map((piece) => piece.text).join('');
}

function textTurn(text: string, turnComplete = true): unknown {
  return { clientContent: { turns: [{ role: 'user', parts: [{ text }] }], turnComplete } };
}

/** A 500 Hz square wave at ±8000: every sample is well above the silence level, so counts are exact. */
function speech(ms: number, rate = 16_000): Int16Array {
  const samples = new Int16Array((ms * rate) / 1000);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.floor(i / (rate / 1000)) % 2 ? -8000 : 8000;
  return samples;
}

function silence(ms: number, rate = 16_000): Int16Array {
  return new Int16Array((ms * rate) / 1000);
}

function base64Of(samples: Int16Array): string {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).toString('base64');
}

function audioInput(samples: Int16Array, mimeType = 'audio/pcm;rate=16000'): unknown {
  return { realtimeInput: { audio: { mimeType, data: base64Of(samples) } } };
}

/** Streams audio as a microphone would, 20 ms a message. */
function streamAudio(client: SharedLiveClient, samples: Int16Array): void {
  for (let at = 0; at < samples.length; at += 320) client.send(audioInput(samples.subarray(at, at + 320)));
}

function samplesIn(parts: Part[]): number {
  return parts.reduce((sum, part) => sum + Buffer.from(part.inlineData?.data ?? '', 'base64').length / 2, 0);
}

async function tapClose(conn: string): Promise<TapCloseEvent> {
  const [close] = await tap.waitFor((e) => e.type === 'close' && e.conn === conn);
  return close as TapCloseEvent;
}

describe('the Live API session life cycle', () => {
  it('answers setup with setupComplete in a binary frame, and the tap sees a live connection', async () => {
    const client = await LiveClient.ready('', { generationConfig: { responseModalities: ['TEXT'] } });
    const conn = await connOf(client);
    const [open] = (await tap.waitFor((e) => e.type === 'open' && e.conn === conn)) as TapOpenEvent[];
    expect(open).toMatchObject({ kind: 'live', path: LIVE_PATH });
    const messages = (await tap.waitFor(
      (e) => e.type === 'message' && e.conn === conn,
      2,
    )) as TapMessageEvent[];
    expect(messages[0]).toMatchObject({ dir: 'client', opcodeName: 'text' });
    expect(JSON.parse(messages[0]!.text!)).toEqual({
      setup: {
        model: 'models/gemini-live-2.5-flash-preview',
        generationConfig: { responseModalities: ['TEXT'] },
      },
    });
    // The public service sends its JSON in binary frames; the client may send text.
    expect(messages[1]).toMatchObject({ dir: 'server', opcodeName: 'binary' });
    expect(Buffer.from(messages[1]!.base64!, 'base64').toString()).toBe('{"setupComplete":{}}');
    client.close();
    expect(await tapClose(conn)).toMatchObject({ code: 1005, initiator: 'client', clean: true });
  });

  it('streams the answer to a text turn in several chunks, then generationComplete and turnComplete', async () => {
    const client = await LiveClient.ready('?chunkMs=1', {
      generationConfig: { responseModalities: ['TEXT'] },
    });
    client.send(textTurn('héllo wörld'));
    const answer = await client.until(turnComplete);
    const chunks = answer.filter((m) => m.serverContent?.modelTurn);
    expect(chunks.length).toBeGreaterThan(1);
    expect(textOf(answer)).toBe('You said "héllo wörld" (13 bytes).');
    expect(answer.at(-2)).toEqual({ serverContent: { generationComplete: true } });
    const usage = answer.at(-1)!.usageMetadata!;
    expect(usage.responseTokenCount).toBeGreaterThan(0);
    expect(usage.totalTokenCount).toBe(usage.promptTokenCount + usage.responseTokenCount);
    expect(usage.responseTokensDetails).toEqual([{ modality: 'TEXT', tokenCount: usage.responseTokenCount }]);
    const conn = await connOf(client);
    const frames = tap.of(conn).filter((e): e is TapFrameEvent => e.type === 'frame' && e.dir === 'server');
    expect(frames.every((f) => f.opcodeName === 'binary')).toBe(true);
    client.close();
  });

  it('waits for turnComplete before answering, then answers every turn sent so far', async () => {
    const client = await LiveClient.ready('?chunkMs=1', {
      generationConfig: { responseModalities: ['TEXT'] },
    });
    client.send(textTurn('one ', false));
    client.send(textTurn('two'));
    const answer = await client.until(turnComplete);
    expect(textOf(answer)).toBe('You said "one two" (7 bytes).');
    client.close();
  });

  it('counts the whole growing context in usageMetadata, turn after turn', async () => {
    const client = await LiveClient.ready('?chunkMs=1', {
      generationConfig: { responseModalities: ['TEXT'] },
    });
    client.send(textTurn('first'));
    const first = (await client.until(turnComplete)).at(-1)!.usageMetadata!;
    client.send(textTurn('second'));
    const second = (await client.until(turnComplete)).at(-1)!.usageMetadata!;
    // The second prompt holds the first prompt, the first answer and the new turn.
    expect(second.promptTokenCount).toBeGreaterThan(first.totalTokenCount);
    client.close();
  });

  it('takes realtimeInput.text as a turn of its own', async () => {
    const client = await LiveClient.ready('?chunkMs=1', {
      generationConfig: { responseModalities: ['TEXT'] },
    });
    client.send({ realtimeInput: { text: 'typed' } });
    expect(textOf(await client.until(turnComplete))).toBe('You said "typed" (5 bytes).');
    client.close();
  });

  it('answers a text turn in audio when the session asked for AUDIO, with its transcription', async () => {
    const client = await LiveClient.ready('?chunkMs=1', {
      generationConfig: { responseModalities: ['AUDIO'] },
      outputAudioTranscription: {},
    });
    client.send(textTurn('hi'));
    const answer = await client.until(turnComplete);
    const parts = partsOf(answer);
    expect(parts.length).toBeGreaterThan(0);
    expect(parts.every((p) => p.inlineData?.mimeType === 'audio/pcm;rate=24000')).toBe(true);
    expect(samplesIn(parts)).toBeGreaterThan(0);
    expect(transcriptOf(answer, 'outputTranscription')).toBe('You said "hi" (2 bytes).');
    client.close();
  });
});

describe('audio in, audio out', () => {
  it('answers speech after a silence with the input resampled to 24 kHz, and both transcriptions', async () => {
    const client = await LiveClient.ready('?chunkMs=1&silenceMs=100', {
      generationConfig: { responseModalities: ['AUDIO'] },
      inputAudioTranscription: {},
      outputAudioTranscription: {},
    });
    streamAudio(client, speech(200));
    streamAudio(client, silence(120));
    const answer = await client.until(turnComplete);
    expect(answer[0]!.serverContent?.inputTranscription).toBeDefined();
    expect(transcriptOf(answer, 'inputTranscription')).toBe(
      '(audio: 0.20 s, 3200 samples at 16000 Hz, peak -12.2 dBFS, RMS -12.2 dBFS)',
    );
    const parts = partsOf(answer);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.inlineData?.mimeType === 'audio/pcm;rate=24000')).toBe(true);
    // 3200 samples at 16 kHz are 4800 at 24 kHz: the trailing silence is not played back.
    expect(samplesIn(parts)).toBe(4800);
    expect(transcriptOf(answer, 'outputTranscription')).toBe('Here is your 0.20 s of audio back at 24 kHz.');
    // Pieces of the output transcription come between the audio chunks they describe.
    const kinds = answer.map((m) => Object.keys(m.serverContent ?? {})[0]);
    expect(kinds.filter((kind) => kind !== 'inputTranscription').slice(0, -2)).toEqual([
      'modelTurn',
      'outputTranscription',
      'outputTranscription',
      'modelTurn',
      'outputTranscription',
      'outputTranscription',
    ]);
    expect(answer.at(-2)).toEqual({ serverContent: { generationComplete: true } });
    // The prompt holds the audio heard until the silence window closed: 0.3 s at 32 tokens a second.
    expect(answer.at(-1)!.usageMetadata!.promptTokensDetails).toContainEqual({
      modality: 'AUDIO',
      tokenCount: 10,
    });
    client.close();
  });

  it('does not answer until the input has been quiet for the whole silence window', async () => {
    const client = await LiveClient.ready('?chunkMs=1&silenceMs=200', {
      generationConfig: { responseModalities: ['TEXT'] },
    });
    streamAudio(client, speech(100));
    streamAudio(client, silence(180)); // not yet 200 ms of quiet
    streamAudio(client, speech(100)); // the same turn goes on
    streamAudio(client, silence(200));
    const answer = await client.until(turnComplete);
    // One answer for the whole turn: a first answer after the short gap would say 0.10 s.
    expect(textOf(answer)).toMatch(/^I heard 0\.38 s of audio: 6080 samples at 16000 Hz/);
    client.close();
  });

  it('reads the older mediaChunks form of audio, and other sample rates', async () => {
    const client = await LiveClient.ready('?chunkMs=1&silenceMs=50', {
      generationConfig: { responseModalities: ['TEXT'] },
    });
    const samples = new Int16Array([...speech(100, 8000), ...silence(60, 8000)]);
    client.send({
      realtimeInput: { mediaChunks: [{ mimeType: 'audio/pcm;rate=8000', data: base64Of(samples) }] },
    });
    expect(textOf(await client.until(turnComplete))).toMatch(
      /^I heard 0\.10 s of audio: 1600 samples at 16000 Hz/,
    );
    client.close();
  });

  it('ends the turn at audioStreamEnd, without waiting for silence', async () => {
    const client = await LiveClient.ready('?chunkMs=1&silenceMs=5000', {
      generationConfig: { responseModalities: ['TEXT'] },
    });
    streamAudio(client, speech(100));
    client.send({ realtimeInput: { audioStreamEnd: true } });
    expect(textOf(await client.until(turnComplete))).toMatch(/^I heard 0\.10 s of audio: 1600 samples/);
    client.close();
  });

  it('answers between activityStart and activityEnd when automatic detection is disabled', async () => {
    const client = await LiveClient.ready('?chunkMs=1', {
      generationConfig: { responseModalities: ['TEXT'] },
      realtimeInputConfig: { automaticActivityDetection: { disabled: true } },
    });
    client.send({ realtimeInput: { activityStart: {} } });
    // Silence too is part of the turn: the client, not the level, says where it ends.
    streamAudio(client, new Int16Array([...silence(40), ...speech(60)]));
    client.send({ realtimeInput: { activityEnd: {} } });
    expect(textOf(await client.until(turnComplete))).toMatch(/^I heard 0\.10 s of audio: 1600 samples/);
    client.close();
  });

  it('accepts video frames and carries on', async () => {
    const client = await LiveClient.ready('?chunkMs=1', {
      generationConfig: { responseModalities: ['TEXT'] },
    });
    client.send({
      realtimeInput: {
        video: { mimeType: 'image/jpeg', data: Buffer.from('not really a jpeg').toString('base64') },
      },
    });
    client.send(textTurn('still here'));
    expect(textOf(await client.until(turnComplete))).toBe('You said "still here" (10 bytes).');
    client.close();
  });
});

const weatherTool = {
  functionDeclarations: [
    {
      name: 'get_weather',
      description: 'The weather in a city',
      parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } } },
    },
  ],
};

describe('tool calls', () => {
  it('calls a declared function a turn names, and answers once the toolResponse with its id comes back', async () => {
    const client = await LiveClient.ready('?chunkMs=1', {
      generationConfig: { responseModalities: ['TEXT'] },
      tools: [weatherTool],
    });
    client.send(textTurn('get_weather Paris'));
    const [call] = await client.until((m) => m.toolCall !== undefined);
    expect(call).toEqual({
      toolCall: { functionCalls: [{ id: 'call-1', name: 'get_weather', args: { city: 'Paris' } }] },
    });
    client.send({
      toolResponse: { functionResponses: [{ id: 'call-1', name: 'get_weather', response: { celsius: 21 } }] },
    });
    expect(textOf(await client.until(turnComplete))).toBe('get_weather returned {"celsius":21}.');
    client.close();
  });

  it('takes a contextUpdate (as the SDKs send it): the tools it declares are called in later turns', async () => {
    const client = await LiveClient.ready('?chunkMs=1', {
      generationConfig: { responseModalities: ['TEXT'] },
    });
    client.send(textTurn('get_weather Paris'));
    expect(textOf(await client.until(turnComplete))).toBe('You said "get_weather Paris" (17 bytes).');
    client.send({
      contextUpdate: { systemInstruction: { parts: [{ text: 'Be brief.' }] }, tools: [weatherTool] },
    });
    client.send(textTurn('get_weather Oslo'));
    const [call] = await client.until((m) => m.toolCall !== undefined);
    expect(call).toEqual({
      toolCall: { functionCalls: [{ id: 'call-1', name: 'get_weather', args: { city: 'Oslo' } }] },
    });
    client.close();
  });

  it('refuses a contextUpdate whose tools are not a list with 1007, naming the field', async () => {
    const client = await LiveClient.ready('?chunkMs=1', {});
    client.send({ contextUpdate: { tools: {} } });
    expect(await client.closed).toEqual({ code: 1007, reason: 'contextUpdate.tools must be an array' });
  });

  it('closes with 1008 and names the id when a toolResponse answers no pending call', async () => {
    const client = await LiveClient.ready('?chunkMs=1', { tools: [weatherTool] });
    const conn = await connOf(client);
    client.send(textTurn('get_weather Oslo'));
    await client.until((m) => m.toolCall !== undefined);
    client.send({ toolResponse: { functionResponses: [{ id: 'call-7', response: {} }] } });
    const closed = await client.closed;
    expect(closed).toEqual({
      code: 1008,
      reason: 'toolResponse id "call-7" matches no toolCall (pending: call-1)',
    });
    expect(await tapClose(conn)).toMatchObject({
      code: 1008,
      reason: closed.reason,
      initiator: 'server',
      clean: true,
    });
  });
});

describe('interruptions', () => {
  it('sends interrupted: true when a new turn arrives while the answer is still streaming', async () => {
    const client = await LiveClient.ready('?chunkMs=1000', {
      generationConfig: { responseModalities: ['TEXT'] },
    });
    client.send(textTurn('a long enough question to need several chunks'));
    await client.until((m) => m.serverContent?.modelTurn !== undefined);
    client.send(textTurn('next'));
    const rest = await client.until(turnComplete);
    expect(rest).toEqual([
      { serverContent: { interrupted: true } },
      { serverContent: { turnComplete: true } },
    ]);
    // The new turn's answer follows; its first two chunks are enough to tell it apart.
    const next = [...(await client.until((m) => m.serverContent?.modelTurn !== undefined))];
    next.push(...(await client.until((m) => m.serverContent?.modelTurn !== undefined)));
    expect(textOf(next)).toBe('You said "next" (4 ');
    client.close();
  });

  it('lets speech interrupt an answer, as a user talking over the model does', async () => {
    const client = await LiveClient.ready('?chunkMs=1000&silenceMs=50', {
      generationConfig: { responseModalities: ['TEXT'] },
    });
    client.send(textTurn('talk to me for a while'));
    await client.until((m) => m.serverContent?.modelTurn !== undefined);
    streamAudio(client, speech(40));
    expect(await client.until(turnComplete)).toEqual([
      { serverContent: { interrupted: true } },
      { serverContent: { turnComplete: true } },
    ]);
    client.close();
  });

  it('cancels a pending tool call when a new turn interrupts it, and ignores its late answer', async () => {
    const client = await LiveClient.ready('?chunkMs=1', {
      generationConfig: { responseModalities: ['TEXT'] },
      tools: [weatherTool],
    });
    client.send(textTurn('get_weather Rome'));
    await client.until((m) => m.toolCall !== undefined);
    client.send(textTurn('never mind'));
    expect(await client.until(turnComplete)).toEqual([
      { toolCallCancellation: { ids: ['call-1'] } },
      { serverContent: { interrupted: true } },
      { serverContent: { turnComplete: true } },
    ]);
    client.send({ toolResponse: { functionResponses: [{ id: 'call-1', response: { late: true } }] } });
    expect(textOf(await client.until(turnComplete))).toBe('You said "never mind" (10 bytes).');
    client.send(textTurn('and still open'));
    expect(textOf(await client.until(turnComplete))).toBe('You said "and still open" (14 bytes).');
    client.close();
  });
});

describe('session limits and faults on demand', () => {
  it('sends goAway with timeLeft before the connection limit, then closes with 1011 as the service does', async () => {
    const client = await LiveClient.ready('?sessionMs=1500&goAwayMs=1000');
    const conn = await connOf(client);
    expect(await client.until((m) => m.goAway !== undefined)).toEqual([{ goAway: { timeLeft: '1s' } }]);
    const closed = await client.closed;
    expect(closed).toEqual({ code: 1011, reason: 'Deadline expired before operation could complete.' });
    expect(await tapClose(conn)).toMatchObject({ code: 1011, initiator: 'server', clean: true });
  });

  it('goAwayAfter=MS sends a goAway soon, announcing the default sixty seconds left', async () => {
    const client = await LiveClient.ready('?goAwayAfter=50');
    expect(await client.until((m) => m.goAway !== undefined)).toEqual([{ goAway: { timeLeft: '60s' } }]);
    client.close();
  });

  it('sends every message as JSON in a binary frame by default (binary=1), as the public service does', async () => {
    const client = await LiveClient.ready('?binary=1&chunkMs=1', {
      generationConfig: { responseModalities: ['TEXT'] },
    });
    client.send(textTurn('bin'));
    await client.until(turnComplete);
    expect(client.received.every((entry) => entry.isBinary)).toBe(true);
    const conn = await connOf(client);
    await tap.waitFor(
      (e) => e.type === 'message' && e.conn === conn && e.dir === 'server',
      client.received.length,
    );
    const server = tap
      .of(conn)
      .filter((e): e is TapMessageEvent => e.type === 'message' && e.dir === 'server');
    expect(server.every((m) => m.opcodeName === 'binary')).toBe(true);
    expect(Buffer.from(server[0]!.base64!, 'base64').toString()).toBe('{"setupComplete":{}}');
    client.close();
  });

  it('binary=0 sends every message as JSON in a text frame instead', async () => {
    const client = await LiveClient.ready('?binary=0&chunkMs=1', {
      generationConfig: { responseModalities: ['TEXT'] },
    });
    client.send(textTurn('text'));
    await client.until(turnComplete);
    expect(client.received.some((entry) => entry.isBinary)).toBe(false);
    const conn = await connOf(client);
    const [first] = (await tap.waitFor(
      (e) => e.type === 'message' && e.conn === conn && e.dir === 'server',
    )) as TapMessageEvent[];
    expect(first).toMatchObject({ opcodeName: 'text', text: '{"setupComplete":{}}' });
    client.close();
  });

  it('dropAfter=N drops the TCP connection after N server messages, with no close frame: 1006', async () => {
    const client = await LiveClient.open('?dropAfter=2&chunkMs=1');
    const conn = await connOf(client);
    client.send({
      setup: {
        model: 'models/gemini-live-2.5-flash-preview',
        generationConfig: { responseModalities: ['TEXT'] },
      },
    });
    client.send(textTurn('cut me off'));
    expect(await client.closed).toEqual({ code: 1006, reason: '' });
    expect(client.received).toHaveLength(2);
    expect(await tapClose(conn)).toMatchObject({ code: 1006, initiator: 'none', clean: false });
  });

  it('takes JSON in binary frames from the client as well', async () => {
    const client = await LiveClient.open();
    client.socket.send(
      Buffer.from(JSON.stringify({ setup: { model: 'models/gemini-live-2.5-flash-preview' } })),
    );
    expect(await client.until((m) => m.setupComplete !== undefined)).toEqual([{ setupComplete: {} }]);
    client.close();
  });

  it('refuses an unknown query parameter with HTTP 400 before the upgrade', async () => {
    const refused = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}${LIVE_PATH}?chunkMs=fast`);
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk;
        });
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      });
      ws.on('error', () => {});
    });
    expect(refused).toMatch(/^400 chunkMs must be a whole number/);
  });

  it('accepts the key parameter the public endpoint needs, and ignores it', async () => {
    const client = await LiveClient.ready('?key=not-a-real-key');
    client.close();
  });
});

describe('the ephemeral-token endpoint', () => {
  it('serves the same session to a client with an auth_tokens/… access_token, and the tap never sees it', async () => {
    const client = await LiveClient.open('?access_token=auth_tokens/abc123&chunkMs=0', LIVE_TOKEN_PATH);
    client.send({ setup: { model: 'models/gemini-live-2.5-flash-preview' } });
    expect(await client.until((m) => m.setupComplete !== undefined)).toEqual([{ setupComplete: {} }]);
    client.send(textTurn('hello'));
    await client.until((m) => m.serverContent?.turnComplete === true);
    const conn = await connOf(client);
    const [open] = (await tap.waitFor((e) => e.type === 'open' && e.conn === conn)) as TapOpenEvent[];
    expect(open!.path).toBe(LIVE_TOKEN_PATH);
    expect(open!.kind).toBe('live');
    expect(open!.query?.access_token).toBe('[redacted]');
    expect(JSON.stringify(tap.events.filter((e) => 'conn' in e && e.conn === conn))).not.toContain('abc123');
    client.close();
  });

  it('takes the token in an Authorization: Token header, as the Python SDK sends it', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}${LIVE_TOKEN_PATH}?binary=0`, {
      headers: { Authorization: 'Token auth_tokens/abc123' },
    });
    await once(socket, 'open');
    const answer = once(socket, 'message');
    socket.send(JSON.stringify({ setup: { model: 'models/gemini-live-2.5-flash-preview' } }));
    expect(JSON.parse(String((await answer)[0]))).toEqual({ setupComplete: {} });
    socket.close();
  });

  it.each([
    [
      '',
      /^this endpoint needs an ephemeral token: \?access_token=auth_tokens\/… or Authorization: Token auth_tokens\/…$/,
    ],
    ['?access_token=AIzaNotAToken', /^access_token is not an ephemeral token \(auth_tokens\/…\)$/],
  ])('closes with 1008 and says what is missing when the token is %s', async (query, reason) => {
    const client = await LiveClient.open(query, LIVE_TOKEN_PATH);
    const conn = await connOf(client);
    const closed = await client.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(reason);
    const [close] = await tap.waitFor((e) => e.type === 'close' && e.conn === conn);
    expect(close).toMatchObject({ code: 1008, initiator: 'server' });
  });
});

// Each row: what the client sends after opening (and after setup when `afterSetup`), the close
// code the session must end with, and the start of the reason.
const errors: {
  name: string;
  afterSetup: boolean;
  query?: string;
  send: (string | Buffer)[];
  code: number;
  reason: RegExp;
}[] = [
  {
    name: 'a first message that is not setup',
    afterSetup: false,
    send: [JSON.stringify(textTurn('hi'))],
    code: 1008,
    reason: /^the first message must be setup, got clientContent$/,
  },
  {
    name: 'malformed JSON',
    afterSetup: false,
    send: ['{"setup": {'],
    code: 1007,
    reason: /^message is not valid JSON/,
  },
  {
    name: 'a binary message that is not UTF-8',
    afterSetup: false,
    send: [Buffer.from([0x7b, 0xff, 0x7d])],
    code: 1007,
    reason: /^binary message is not UTF-8 text/,
  },
  {
    name: 'a setup without a model',
    afterSetup: false,
    send: [JSON.stringify({ setup: {} })],
    code: 1007,
    reason: /^setup\.model must name a model as "models\/NAME", got nothing$/,
  },
  {
    name: 'a second setup',
    afterSetup: true,
    send: [JSON.stringify({ setup: { model: 'models/other' } })],
    code: 1008,
    reason: /^setup was already sent/,
  },
  {
    name: 'an unknown message kind',
    afterSetup: true,
    send: [JSON.stringify({ chat: { text: 'hi' } })],
    code: 1007,
    reason: /^Invalid JSON payload received\. Unknown name "chat": Cannot find field\.$/,
  },
  {
    name: 'two message kinds in one message',
    afterSetup: true,
    send: [JSON.stringify({ clientContent: {}, realtimeInput: {} })],
    code: 1007,
    reason: /^a message holds exactly one kind, got clientContent and realtimeInput$/,
  },
  {
    name: 'audio that is not base64',
    afterSetup: true,
    send: [JSON.stringify({ realtimeInput: { audio: { mimeType: 'audio/pcm;rate=16000', data: 'AAA*' } } })],
    code: 1007,
    reason: /^realtimeInput\.audio\.data is not valid base64$/,
  },
  {
    name: 'audio with an odd number of bytes',
    afterSetup: true,
    send: [JSON.stringify({ realtimeInput: { audio: { mimeType: 'audio/pcm;rate=16000', data: 'AAAA' } } })],
    code: 1007,
    reason: /^realtimeInput\.audio holds 3 bytes; 16-bit PCM needs an even count$/,
  },
  {
    name: 'audio that is not PCM',
    afterSetup: true,
    send: [JSON.stringify({ realtimeInput: { audio: { mimeType: 'audio/webm', data: 'AAAA' } } })],
    code: 1007,
    reason: /^realtimeInput\.audio\.mimeType must be "audio\/pcm;rate=16000", got "audio\/webm"$/,
  },
  {
    name: 'an audio chunk longer than maxChunkMs',
    afterSetup: true,
    query: '?maxChunkMs=100',
    send: [JSON.stringify(audioInput(speech(200)))],
    code: 1009,
    reason: /^realtimeInput\.audio lasts 200 ms; send at most 100 ms a message/,
  },
  {
    name: 'activityStart while the server detects activity itself',
    afterSetup: true,
    send: [JSON.stringify({ realtimeInput: { activityStart: {} } })],
    code: 1008,
    reason: /^activityStart needs realtimeInputConfig\.automaticActivityDetection\.disabled: true in setup$/,
  },
  {
    name: 'a toolResponse when no call was made',
    afterSetup: true,
    send: [JSON.stringify({ toolResponse: { functionResponses: [{ id: 'call-1' }] } })],
    code: 1008,
    reason: /^toolResponse id "call-1" matches no toolCall \(none pending\)$/,
  },
];

describe('bad input closes the session with a reason, never the server', () => {
  it.each(errors)('closes with $code on $name', async ({ afterSetup, query, send, code, reason }) => {
    const client = afterSetup ? await LiveClient.ready(query ?? '') : await LiveClient.open(query ?? '');
    const conn = await connOf(client);
    for (const data of send) client.socket.send(data);
    const closed = await client.closed;
    expect(closed.code).toBe(code);
    expect(closed.reason).toMatch(reason);
    expect(Buffer.byteLength(closed.reason)).toBeLessThanOrEqual(123);
    expect(await tapClose(conn)).toMatchObject({
      code,
      reason: closed.reason,
      initiator: 'server',
      clean: true,
    });
  });

  it('keeps a long reason within the 123 bytes a close frame allows', async () => {
    const client = await LiveClient.open();
    client.send({ setup: { model: `models/${'x'.repeat(50)} ${'y'.repeat(100)}` } });
    const closed = await client.closed;
    expect(closed.code).toBe(1008);
    expect(Buffer.byteLength(closed.reason)).toBe(123);
    expect(closed.reason.endsWith('…')).toBe(true);
  });

  it('leaves other sessions untouched when one is closed for bad input', async () => {
    const healthy = await LiveClient.ready('?chunkMs=1', {
      generationConfig: { responseModalities: ['TEXT'] },
    });
    const broken = await LiveClient.ready();
    broken.socket.send('not json');
    expect((await broken.closed).code).toBe(1007);
    healthy.send(textTurn('still fine'));
    expect(textOf(await healthy.until(turnComplete))).toBe('You said "still fine" (10 bytes).');
    healthy.close();
  });
});
