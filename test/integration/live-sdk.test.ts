// Google's own JavaScript SDK, `@google/genai`, as a client of the local Live API: the code a
// learner writes against the public service, pointed at wslab by `httpOptions.baseUrl` alone.
// Node 20 has no global WebSocket; the SDK opens its sockets with `ws` there.
import {
  ActivityHandling,
  EndSensitivity,
  GoogleGenAI,
  type LiveConnectConfig,
  type LiveServerMessage,
  MediaResolution,
  Modality,
  type Session,
  StartSensitivity,
  TurnCoverage,
  Type,
} from '@google/genai';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LIVE_TOKEN_PATH, livePath } from '../../core/routes';
import type { TapMessageEvent, TapOpenEvent } from '../../core/tap/events';
import type { RunningServer } from '../../server/server';
import { serveWithTap, type TapRecorder } from './harness';
import { LIVE_MODEL, silence, speech } from './live-client';

let server: RunningServer;
let tap: TapRecorder;

serveWithTap({}, (started, recorder) => {
  server = started;
  tap = recorder;
});

// The SDK names the model without the `models/` prefix and adds it itself.
const MODEL = LIVE_MODEL.replace(/^models\//, '');

// The SDK warns on every ephemeral-token connection that the feature is experimental.
beforeEach(() => {
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
});

interface Connection {
  /** Stand-in options (`chunkMs`, `sessionMs`, …), as the query of the Live URL. */
  options?: Record<string, string | number>;
  /** `httpOptions.apiVersion`; unset, the SDK's own default. */
  apiVersion?: string;
  /** The API key, or an ephemeral token `auth_tokens/…`. */
  apiKey?: string;
  model?: string;
  config?: LiveConnectConfig;
}

/** One SDK session and every message its `onmessage` callback was given, read in order. */
class SdkClient {
  readonly received: LiveServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private resolveClosed!: (close: { code: number; reason: string }) => void;
  private isClosed = false;
  private cursor = 0;
  private wake: (() => void) | null = null;
  private session: Session | null = null;

  private constructor() {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  /**
   * Connects as a learner's code does. The SDK appends `?key=API_KEY` to the URL without
   * encoding it, so the stand-in's own query parameters ride on the key: the one way the
   * SDK's Live URL carries a query (a query in `baseUrl` would land before the path).
   */
  static async connect(connection: Connection = {}): Promise<SdkClient> {
    const client = new SdkClient();
    const query = new URLSearchParams(
      Object.entries(connection.options ?? {}).map(([name, value]) => [name, String(value)]),
    ).toString();
    const apiKey = connection.apiKey ?? 'not-a-real-key';
    const ai = new GoogleGenAI({
      // The Gemini Developer API, whatever GOOGLE_GENAI_USE_VERTEXAI says in the environment.
      vertexai: false,
      apiKey: query ? `${apiKey}&${query}` : apiKey,
      httpOptions: {
        baseUrl: `http://127.0.0.1:${server.port}/live`,
        ...(connection.apiVersion ? { apiVersion: connection.apiVersion } : {}),
      },
    });
    const connecting = ai.live.connect({
      model: connection.model ?? MODEL,
      config: connection.config ?? {},
      callbacks: {
        onmessage: (message) => {
          client.received.push(message);
          client.wake?.();
        },
        onclose: (event) => {
          client.isClosed = true;
          client.resolveClosed({ code: event.code, reason: event.reason });
          client.wake?.();
        },
      },
    });
    // `connect` resolves at setupComplete and never settles if the server closes first.
    client.session = await Promise.race([
      connecting,
      client.closed.then(({ code, reason }) => {
        throw new Error(`closed with ${code} "${reason}" before setupComplete`);
      }),
    ]);
    return client;
  }

  get live(): Session {
    if (!this.session) throw new Error('not connected');
    return this.session;
  }

  /** The messages after the last one read, up to and including the first that matches. */
  async until(
    match: (message: LiveServerMessage) => boolean,
    timeoutMs = 5000,
  ): Promise<LiveServerMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.received.findIndex((message, i) => i >= this.cursor && match(message));
      if (at >= 0) {
        const read = this.received.slice(this.cursor, at + 1);
        this.cursor = at + 1;
        return read;
      }
      if (this.isClosed) throw new Error(`closed before the expected message; unread: ${this.unread()}`);
      if (Date.now() > deadline) throw new Error(`timed out; unread: ${this.unread()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private unread(): string {
    return JSON.stringify(this.received.slice(this.cursor));
  }

  close(): void {
    this.live.close();
  }
}

const isTurnComplete = (m: LiveServerMessage): boolean => m.serverContent?.turnComplete === true;
const textOf = (messages: LiveServerMessage[]): string => messages.map((m) => m.text ?? '').join('');
const transcriptOf = (messages: LiveServerMessage[], kind: 'inputTranscription' | 'outputTranscription') =>
  messages.map((m) => m.serverContent?.[kind]?.text ?? '').join('');

/** The tap's `open` event of the next live connection opened after `mark` events. */
async function nextLiveOpen(mark: number): Promise<TapOpenEvent> {
  const [open] = await tap.waitFor(
    (e) => e.type === 'open' && e.kind === 'live' && tap.events.indexOf(e) >= mark,
  );
  return open as TapOpenEvent;
}

/** Sends 16 kHz PCM as a microphone would, 20 ms a message. */
function sendAudio(client: SdkClient, samples: Int16Array): void {
  for (let at = 0; at < samples.length; at += 320) {
    const chunk = samples.subarray(at, at + 320);
    const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64');
    client.live.sendRealtimeInput({ audio: { data, mimeType: 'audio/pcm;rate=16000' } });
  }
}

describe('the SDK connects as it connects to the public service', () => {
  it('opens the Live path of its default API version, and the inspector sees every message it sends', async () => {
    const mark = tap.events.length;
    const client = await SdkClient.connect({
      options: { chunkMs: 1 },
      config: { responseModalities: [Modality.TEXT] },
    });
    const open = await nextLiveOpen(mark);
    expect(open.path).toMatch(
      /^\/live\/ws\/google\.ai\.generativelanguage\.v1(beta)?\.GenerativeService\.BidiGenerateContent$/,
    );
    // The key is a credential: the tap shows that there was one, never what it was.
    expect(open.query).toEqual({ key: '[redacted]', chunkMs: '1' });
    client.live.sendClientContent({ turns: 'hello' });
    await client.until(isTurnComplete);
    const sent = (await tap.waitFor(
      (e) => e.type === 'message' && e.conn === open.conn && e.dir === 'client',
      2,
    )) as TapMessageEvent[];
    expect(sent.map((m) => JSON.parse(m.text ?? Buffer.from(m.base64!, 'base64').toString()))).toEqual([
      { setup: { model: `models/${MODEL}`, generationConfig: { responseModalities: ['TEXT'] } } },
      { clientContent: { turns: [{ role: 'user', parts: [{ text: 'hello' }] }], turnComplete: true } },
    ]);
    client.close();
  });

  it.each(['v1', 'v1beta', 'v1alpha'])('connects with apiVersion %s', async (apiVersion) => {
    const mark = tap.events.length;
    const client = await SdkClient.connect({
      apiVersion,
      options: { chunkMs: 0 },
      config: { responseModalities: [Modality.TEXT] },
    });
    expect((await nextLiveOpen(mark)).path).toBe(livePath(apiVersion as 'v1' | 'v1beta' | 'v1alpha'));
    client.live.sendClientContent({ turns: apiVersion });
    expect(textOf(await client.until(isTurnComplete))).toBe(
      `You said "${apiVersion}" (${apiVersion.length} bytes).`,
    );
    client.close();
  });

  it('takes an ephemeral token on the v1alpha path the SDK picks for it', async () => {
    const mark = tap.events.length;
    const client = await SdkClient.connect({
      apiKey: 'auth_tokens/demo-token',
      apiVersion: 'v1alpha',
      options: { chunkMs: 0 },
      config: { responseModalities: [Modality.TEXT] },
    });
    const open = await nextLiveOpen(mark);
    expect(open.path).toBe(LIVE_TOKEN_PATH);
    expect(open.query?.access_token).toBe('[redacted]');
    client.live.sendClientContent({ turns: 'with a token' });
    expect(textOf(await client.until(isTurnComplete))).toBe('You said "with a token" (12 bytes).');
    client.close();
  });

  it.each([
    ['binary frames, as the service sends them (the default)', {}, 'binary'],
    ['text frames, with binary=0', { binary: 0 }, 'text'],
  ])('reads the JSON from %s', async (_, framing, opcodeName) => {
    const mark = tap.events.length;
    const client = await SdkClient.connect({
      options: { chunkMs: 1, ...framing },
      config: { responseModalities: [Modality.TEXT] },
    });
    const open = await nextLiveOpen(mark);
    client.live.sendClientContent({ turns: 'framed' });
    expect(textOf(await client.until(isTurnComplete))).toBe('You said "framed" (6 bytes).');
    const messages = (await tap.waitFor(
      (e) => e.type === 'message' && e.conn === open.conn && e.dir === 'server',
      client.received.length,
    )) as TapMessageEvent[];
    expect(messages.every((m) => m.opcodeName === opcodeName)).toBe(true);
    client.close();
  });
});

// Every field of `LiveConnectConfig` the SDK sends to the Gemini Developer API (its
// `liveConnectConfigToMldev`), each with a value the public reference documents.
const everyConfigField: LiveConnectConfig = {
  responseModalities: [Modality.AUDIO],
  temperature: 0.7,
  topP: 0.9,
  topK: 40,
  maxOutputTokens: 256,
  seed: 7,
  mediaResolution: MediaResolution.MEDIA_RESOLUTION_LOW,
  speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Kore' } }, languageCode: 'en-US' },
  thinkingConfig: { thinkingBudget: 0 },
  enableAffectiveDialog: true,
  systemInstruction: 'Answer in one sentence.',
  tools: [{ functionDeclarations: [{ name: 'get_time', description: 'The time now' }] }],
  sessionResumption: {},
  inputAudioTranscription: {},
  outputAudioTranscription: {},
  realtimeInputConfig: {
    automaticActivityDetection: {
      disabled: false,
      startOfSpeechSensitivity: StartSensitivity.START_SENSITIVITY_LOW,
      endOfSpeechSensitivity: EndSensitivity.END_SENSITIVITY_LOW,
      prefixPaddingMs: 20,
      silenceDurationMs: 100,
    },
    activityHandling: ActivityHandling.START_OF_ACTIVITY_INTERRUPTS,
    turnCoverage: TurnCoverage.TURN_INCLUDES_ONLY_ACTIVITY,
  },
  contextWindowCompression: { triggerTokens: '25600', slidingWindow: { targetTokens: '12800' } },
  proactivity: { proactiveAudio: true },
};

describe('the setup the SDK builds', () => {
  it('is accepted with every field the SDK can send, and the session answers', async () => {
    const client = await SdkClient.connect({ options: { chunkMs: 0 }, config: everyConfigField });
    client.live.sendClientContent({ turns: 'all set' });
    const answer = await client.until(isTurnComplete);
    expect(transcriptOf(answer, 'outputTranscription')).toBe('You said "all set" (7 bytes).');
    client.close();
  });

  it("ends speech after realtimeInputConfig's silenceDurationMs, not the stand-in's default", async () => {
    const client = await SdkClient.connect({
      options: { chunkMs: 1 },
      config: {
        responseModalities: [Modality.TEXT],
        realtimeInputConfig: { automaticActivityDetection: { silenceDurationMs: 100 } },
      },
    });
    sendAudio(client, speech(100));
    // 120 ms of quiet: past the 100 ms asked for, well short of the 500 ms default.
    sendAudio(client, silence(120));
    expect(textOf(await client.until(isTurnComplete, 2000))).toMatch(/^I heard 0\.10 s of audio/);
    client.close();
  });

  it('takes a turn the client marks itself with activityStart and activityEnd, detection off', async () => {
    const client = await SdkClient.connect({
      options: { chunkMs: 1 },
      config: {
        responseModalities: [Modality.TEXT],
        realtimeInputConfig: { automaticActivityDetection: { disabled: true } },
      },
    });
    client.live.sendRealtimeInput({ activityStart: {} });
    sendAudio(client, speech(100));
    client.live.sendRealtimeInput({ activityEnd: {} });
    expect(textOf(await client.until(isTurnComplete))).toMatch(/^I heard 0\.10 s of audio: 1600 samples/);
    client.close();
  });

  it("still understands audio sent in the SDK's older media form (mediaChunks)", async () => {
    const client = await SdkClient.connect({
      options: { chunkMs: 1, silenceMs: 50 },
      config: { responseModalities: [Modality.TEXT] },
    });
    const samples = new Int16Array([...speech(100), ...silence(60)]);
    const data = Buffer.from(samples.buffer).toString('base64');
    client.live.sendRealtimeInput({ media: { data, mimeType: 'audio/pcm;rate=16000' } });
    expect(textOf(await client.until(isTurnComplete))).toMatch(/^I heard 0\.10 s of audio: 1600 samples/);
    client.close();
  });
});

describe('a conversation through the SDK', () => {
  it('streams the answer to a text turn in parts, then generationComplete and turnComplete', async () => {
    const client = await SdkClient.connect({
      options: { chunkMs: 1 },
      config: { responseModalities: [Modality.TEXT] },
    });
    expect(client.received[0]?.setupComplete).toBeDefined();
    client.live.sendClientContent({ turns: 'héllo wörld' });
    const answer = await client.until(isTurnComplete);
    expect(answer.filter((m) => m.serverContent?.modelTurn).length).toBeGreaterThan(1);
    expect(textOf(answer)).toBe('You said "héllo wörld" (13 bytes).');
    expect(answer.at(-2)?.serverContent).toEqual({ generationComplete: true });
    const usage = answer.at(-1)!.usageMetadata!;
    expect(usage.totalTokenCount).toBe(usage.promptTokenCount! + usage.responseTokenCount!);
    client.close();
  });

  it('answers 16 kHz speech with 24 kHz audio and both transcriptions', async () => {
    const client = await SdkClient.connect({
      options: { chunkMs: 1, silenceMs: 100 },
      config: {
        responseModalities: [Modality.AUDIO],
        inputAudioTranscription: {},
        outputAudioTranscription: {},
      },
    });
    sendAudio(client, speech(200));
    sendAudio(client, silence(120));
    const answer = await client.until(isTurnComplete);
    const audio = answer.flatMap((m) => m.serverContent?.modelTurn?.parts ?? []);
    expect(audio.length).toBeGreaterThan(1);
    expect(audio.every((part) => part.inlineData?.mimeType === 'audio/pcm;rate=24000')).toBe(true);
    // 0.2 s at 24 kHz: 4800 samples of 2 bytes. The SDK's `data` getter joins a message's audio.
    const bytes = answer.reduce((sum, m) => sum + Buffer.from(m.data ?? '', 'base64').length, 0);
    expect(bytes).toBe(4800 * 2);
    expect(transcriptOf(answer, 'inputTranscription')).toMatch(/0\.20 s, 3200 samples at 16000 Hz/);
    expect(transcriptOf(answer, 'outputTranscription')).toBe('Here is your 0.20 s of audio back at 24 kHz.');
    expect(answer.at(-2)?.serverContent).toEqual({ generationComplete: true });
    client.close();
  });

  it('calls a declared function and answers once sendToolResponse returns its result', async () => {
    const client = await SdkClient.connect({
      options: { chunkMs: 1 },
      config: {
        responseModalities: [Modality.TEXT],
        tools: [
          {
            functionDeclarations: [
              {
                name: 'get_weather',
                description: 'The weather in a city',
                parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } } },
              },
            ],
          },
        ],
      },
    });
    client.live.sendClientContent({ turns: 'get_weather Paris' });
    const [call] = (await client.until((m) => m.toolCall !== undefined)).at(-1)!.toolCall!.functionCalls!;
    expect(call).toMatchObject({ name: 'get_weather', args: { city: 'Paris' } });
    client.live.sendToolResponse({
      functionResponses: [{ id: call!.id, name: call!.name, response: { celsius: 21 } }],
    });
    expect(textOf(await client.until(isTurnComplete))).toBe('get_weather returned {"celsius":21}.');
    client.close();
  });

  it('takes a sendContextUpdate with a new system instruction, and the session goes on', async () => {
    const client = await SdkClient.connect({
      options: { chunkMs: 0 },
      config: { responseModalities: [Modality.TEXT] },
    });
    client.live.sendContextUpdate({ systemInstruction: 'Answer briefly.' });
    client.live.sendClientContent({ turns: 'still there?' });
    expect(textOf(await client.until(isTurnComplete))).toBe('You said "still there?" (12 bytes).');
    client.close();
  });

  it('ends an interrupted answer with interrupted and turnComplete, then answers the new turn', async () => {
    const client = await SdkClient.connect({
      options: { chunkMs: 200 },
      config: { responseModalities: [Modality.TEXT] },
    });
    client.live.sendClientContent({ turns: 'a long enough question to need several chunks' });
    await client.until((m) => m.serverContent?.modelTurn !== undefined);
    client.live.sendClientContent({ turns: 'next' });
    const rest = await client.until(isTurnComplete);
    // Nothing of the new answer before the old turn is complete.
    expect(rest.some((m) => m.serverContent?.interrupted === true)).toBe(true);
    expect(textOf(rest.slice(rest.findIndex((m) => m.serverContent?.interrupted)))).toBe('');
    expect(textOf(await client.until(isTurnComplete))).toBe('You said "next" (4 bytes).');
    client.close();
  });
});

/** The handle of the next resumable sessionResumptionUpdate not yet read. */
async function nextHandle(client: SdkClient): Promise<string> {
  const [update] = (
    await client.until(
      (m) => m.sessionResumptionUpdate?.resumable === true && !!m.sessionResumptionUpdate.newHandle,
    )
  ).slice(-1);
  return update!.sessionResumptionUpdate!.newHandle!;
}

describe('sessions that outlive a connection', () => {
  it('resumes a session with the handle of a sessionResumptionUpdate, its context kept', async () => {
    const first = await SdkClient.connect({
      options: { chunkMs: 1 },
      config: { responseModalities: [Modality.TEXT], sessionResumption: {} },
    });
    first.live.sendClientContent({ turns: 'remember this sentence, please' });
    const firstUsage = (await first.until(isTurnComplete)).at(-1)!.usageMetadata!;
    const handle = await nextHandle(first);
    first.close();
    await first.closed;

    const resumed = await SdkClient.connect({
      options: { chunkMs: 1 },
      config: { responseModalities: [Modality.TEXT], sessionResumption: { handle } },
    });
    resumed.live.sendClientContent({ turns: 'and now?' });
    const answer = await resumed.until(isTurnComplete);
    expect(textOf(answer)).toContain('before it you said "remember this sentence, please"');
    const usage = answer.at(-1)!.usageMetadata!;
    // The prompt holds the first connection's turn and answer as well as the new turn.
    expect(usage.promptTokenCount).toBeGreaterThan(firstUsage.totalTokenCount!);
    resumed.close();
  });

  // timeScale=300: the ten-minute connection lasts 2 s and goAway comes 60 s / 300 = 0.2 s before
  // its end; the 15-minute session lasts 3 s, across its connections.
  it('on goAway, closes and reconnects with the latest handle, and the session goes on', async () => {
    const first = await SdkClient.connect({
      options: { chunkMs: 1, timeScale: 300 },
      config: { responseModalities: [Modality.TEXT], sessionResumption: {} },
    });
    first.live.sendClientContent({ turns: 'before the goAway' });
    const firstUsage = (await first.until(isTurnComplete)).at(-1)!.usageMetadata!;
    const handle = await nextHandle(first);
    const [goAway] = (await first.until((m) => m.goAway !== undefined, 3000)).slice(-1);
    expect(goAway!.goAway).toEqual({ timeLeft: '0.2s' });
    first.close();
    await first.closed;

    const next = await SdkClient.connect({
      options: { chunkMs: 1, timeScale: 300 },
      config: { responseModalities: [Modality.TEXT], sessionResumption: { handle } },
    });
    next.live.sendClientContent({ turns: 'after it' });
    const answer = await next.until(isTurnComplete);
    expect(textOf(answer)).toContain('before it you said "before the goAway"');
    expect(answer.at(-1)!.usageMetadata!.promptTokenCount).toBeGreaterThan(firstUsage.totalTokenCount!);
    next.close();
  });

  it('sees a connection that outlives its goAway closed as the service closes it, and resumes after', async () => {
    const first = await SdkClient.connect({
      options: { chunkMs: 1, timeScale: 300 },
      config: { responseModalities: [Modality.TEXT], sessionResumption: {} },
    });
    first.live.sendClientContent({ turns: 'still here' });
    await first.until(isTurnComplete);
    const handle = await nextHandle(first);
    expect(await first.closed).toEqual({
      code: 1011,
      reason: 'Deadline expired before operation could complete.',
    });

    const next = await SdkClient.connect({
      options: { chunkMs: 1, timeScale: 300 },
      config: { responseModalities: [Modality.TEXT], sessionResumption: { handle } },
    });
    next.live.sendClientContent({ turns: 'back' });
    expect(textOf(await next.until(isTurnComplete))).toContain('before it you said "still here"');
    next.close();
  });
});

describe('what the stand-in refuses, the SDK reports as the service would', () => {
  it("sees an unknown model closed with 1008 before setupComplete, in the service's words", async () => {
    await expect(SdkClient.connect({ model: 'no-such-model', apiVersion: 'v1beta' })).rejects.toThrow(
      'closed with 1008 "models/no-such-model is not found for API version v1beta, or is not supported for bidiGenerateContent.',
    );
  });
});
