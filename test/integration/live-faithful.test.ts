// The local Live API behaving as the public service does, driven by plain `ws` clients: the paths
// the SDKs open, the order of the server's messages, what setup accepts and how it refuses.
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { LIVE_TOKEN_PATH, livePath } from '../../core/routes';
import type { RunningServer } from '../../server/server';
import { serveWithTap } from './harness';
import { isTurnComplete, LiveClient, silence, speech, streamAudio, textOf, textTurn } from './live-client';

let server: RunningServer;

serveWithTap({}, (started) => {
  server = started;
});

/** The HTTP status an upgrade on `path` is refused with, or 101 when it is accepted. */
function upgradeStatus(path: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`);
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => {});
  });
}

describe('the paths the SDKs open', () => {
  it.each(['v1', 'v1beta', 'v1alpha'] as const)(
    'serves a whole text turn on the %s path',
    async (version) => {
      const client = await LiveClient.ready(
        server.port,
        '?chunkMs=0',
        {
          generationConfig: { responseModalities: ['TEXT'] },
        },
        livePath(version),
      );
      client.send(textTurn('which version?'));
      expect(textOf(await client.until(isTurnComplete))).toBe('You said "which version?" (14 bytes).');
      client.close();
    },
  );

  it('refuses a version no SDK uses with 404 before the upgrade', async () => {
    expect(await upgradeStatus(livePath('v1beta').replace('v1beta', 'v2'))).toBe(404);
    expect(await upgradeStatus(LIVE_TOKEN_PATH.replace('v1alpha', 'v1'))).toBe(404);
    expect(await upgradeStatus(`${LIVE_TOKEN_PATH}?access_token=auth_tokens/x`)).toBe(101);
  });
});

describe('what setup accepts', () => {
  it('accepts every setup field the reference lists, as the SDKs send them', async () => {
    const client = await LiveClient.ready(server.port, '?chunkMs=0', {
      model: 'models/gemini-2.5-flash-native-audio-preview-09-2025',
      generationConfig: {
        candidateCount: 1,
        maxOutputTokens: 256,
        temperature: 0.5,
        topP: 0.9,
        topK: 20,
        presencePenalty: 0,
        frequencyPenalty: 0,
        seed: 1,
        responseModalities: ['TEXT'],
        speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Puck' } }, languageCode: 'en-US' },
        mediaResolution: 'MEDIA_RESOLUTION_MEDIUM',
        thinkingConfig: { thinkingBudget: 0 },
        enableAffectiveDialog: false,
      },
      systemInstruction: { parts: [{ text: 'Answer briefly.' }] },
      tools: [{ googleSearch: {} }],
      realtimeInputConfig: {
        automaticActivityDetection: {
          disabled: false,
          startOfSpeechSensitivity: 'START_SENSITIVITY_HIGH',
          endOfSpeechSensitivity: 'END_SENSITIVITY_LOW',
          prefixPaddingMs: 20,
          silenceDurationMs: 500,
        },
        activityHandling: 'START_OF_ACTIVITY_INTERRUPTS',
        turnCoverage: 'TURN_INCLUDES_ONLY_ACTIVITY',
      },
      inputAudioTranscription: {},
      outputAudioTranscription: {},
      proactivity: { proactiveAudio: false },
    });
    client.send(textTurn('all set'));
    expect(textOf(await client.until(isTurnComplete))).toBe('You said "all set" (7 bytes).');
    client.close();
  });

  it('takes a model named without models/, and names written the proto way (snake_case)', async () => {
    const client = await LiveClient.open(server.port, '?chunkMs=0');
    client.send({
      setup: { model: 'gemini-2.0-flash-live-001', generation_config: { response_modalities: ['TEXT'] } },
    });
    await client.until((m) => m.setupComplete !== undefined);
    client.send({
      client_content: { turns: [{ role: 'user', parts: [{ text: 'snake' }] }], turn_complete: true },
    });
    expect(textOf(await client.until(isTurnComplete))).toBe('You said "snake" (5 bytes).');
    client.close();
  });

  it('closes with 1007 naming an unknown field where it is, as the service does', async () => {
    const client = await LiveClient.open(server.port);
    client.send({
      setup: { model: 'models/gemini-live-2.5-flash-preview', generationConfig: { voice: 'Kore' } },
    });
    expect(await client.closed).toEqual({
      code: 1007,
      reason: `Invalid JSON payload received. Unknown name "voice" at 'setup.generation_config': Cannot find field.`,
    });
  });

  it("closes with 1008 for a model the Live API does not have, naming the path's API version", async () => {
    const client = await LiveClient.open(server.port, '', livePath('v1'));
    client.send({ setup: { model: 'models/gemini-1.5-pro' } });
    const closed = await client.closed;
    expect(closed.code).toBe(1008);
    // The service's sentence, cut to the 123 bytes a close frame holds (RFC 6455 §5.5).
    expect(closed.reason).toBe(
      'models/gemini-1.5-pro is not found for API version v1, or is not supported for bidiGenerateContent. Call ListModels to s…',
    );
    expect(Buffer.byteLength(closed.reason)).toBe(123);
  });
});

describe('setup fields that change what the stand-in does', () => {
  it('ends speech after silenceDurationMs of quiet, whatever the query says', async () => {
    const client = await LiveClient.ready(server.port, '?chunkMs=0&silenceMs=5000', {
      generationConfig: { responseModalities: ['TEXT'] },
      realtimeInputConfig: { automaticActivityDetection: { silenceDurationMs: 100 } },
    });
    streamAudio(client, speech(100));
    streamAudio(client, silence(120));
    expect(textOf(await client.until(isTurnComplete))).toMatch(/^I heard 0\.10 s of audio: 1600 samples/);
    client.close();
  });

  it('takes no sound shorter than prefixPaddingMs for speech, and keeps the start of longer speech', async () => {
    const client = await LiveClient.ready(server.port, '?chunkMs=0&silenceMs=50', {
      generationConfig: { responseModalities: ['TEXT'] },
      realtimeInputConfig: { automaticActivityDetection: { prefixPaddingMs: 100 } },
    });
    streamAudio(client, speech(60)); // a click: not speech
    streamAudio(client, silence(60));
    streamAudio(client, speech(200)); // speech: all of it heard, the first 100 ms included
    streamAudio(client, silence(60));
    const answer = await client.until(isTurnComplete);
    expect(answer.some((m) => m.serverContent?.interrupted)).toBe(false);
    expect(textOf(answer)).toMatch(/^I heard 0\.20 s of audio: 3200 samples/);
    client.close();
  });

  it('counts the quiet before the speech in the turn under turnCoverage TURN_INCLUDES_ALL_INPUT', async () => {
    const heard = async (turnCoverage?: string): Promise<string> => {
      const client = await LiveClient.ready(server.port, '?chunkMs=0&silenceMs=50', {
        generationConfig: { responseModalities: ['TEXT'] },
        ...(turnCoverage ? { realtimeInputConfig: { turnCoverage } } : {}),
      });
      const answers: string[] = [];
      for (let turn = 0; turn < 2; turn++) {
        streamAudio(client, silence(300));
        streamAudio(client, speech(100));
        streamAudio(client, silence(60));
        answers.push(textOf(await client.until(isTurnComplete)));
      }
      client.close();
      return answers.map((answer) => answer.slice(0, 'I heard 0.00 s'.length)).join(', ');
    };
    // The second turn also holds the 10 ms of quiet left after the first one's silence window.
    expect(await heard('TURN_INCLUDES_ALL_INPUT')).toBe('I heard 0.40 s, I heard 0.41 s');
    expect(await heard()).toBe('I heard 0.10 s, I heard 0.10 s');
  });

  it('lets no speech cut an answer short under activityHandling NO_INTERRUPTION', async () => {
    const client = await LiveClient.ready(server.port, '?chunkMs=60&silenceMs=50', {
      generationConfig: { responseModalities: ['TEXT'] },
      realtimeInputConfig: { activityHandling: 'NO_INTERRUPTION' },
    });
    client.send(textTurn('a long enough question to need several chunks'));
    await client.until((m) => m.serverContent?.modelTurn !== undefined);
    streamAudio(client, speech(40));
    streamAudio(client, silence(60));
    const first = await client.until(isTurnComplete);
    expect(textOf(first)).toContain('a long enough question to need several chunks');
    const second = await client.until(isTurnComplete);
    expect(textOf(second)).toMatch(/^I heard 0\.04 s of audio/);
    expect([...first, ...second].some((m) => m.serverContent?.interrupted)).toBe(false);
    client.close();
  });
});

describe("the order of a turn's last messages", () => {
  const kinds = (messages: { serverContent?: object; toolCall?: object }[]): string[] =>
    messages.map((m) => (m.toolCall ? 'toolCall' : Object.keys(m.serverContent ?? {}).join('+')));

  it('ends an answer after a tool call with generationComplete, then turnComplete', async () => {
    const client = await LiveClient.ready(server.port, '?chunkMs=0', {
      generationConfig: { responseModalities: ['TEXT'] },
      tools: [{ functionDeclarations: [{ name: 'lookup', parameters: { type: 'OBJECT', properties: {} } }] }],
    });
    client.send(textTurn('lookup now'));
    const [call] = await client.until((m) => m.toolCall !== undefined);
    client.send({
      toolResponse: { functionResponses: [{ id: call!.toolCall!.functionCalls[0]!.id, response: {} }] },
    });
    expect(kinds(await client.until(isTurnComplete)).slice(-2)).toEqual([
      'generationComplete',
      'turnComplete',
    ]);
    client.close();
  });

  it('ends an interrupted turn with turnComplete and no generationComplete, before the new answer', async () => {
    const client = await LiveClient.ready(server.port, '?chunkMs=50', {
      generationConfig: { responseModalities: ['AUDIO'] },
    });
    client.send(textTurn('a long enough question to need several chunks'));
    await client.until((m) => m.serverContent?.modelTurn !== undefined);
    client.send(textTurn('stop'));
    expect(kinds(await client.until(isTurnComplete))).toEqual(['interrupted', 'turnComplete']);
    const next = await client.until(isTurnComplete);
    expect(kinds(next).slice(-2)).toEqual(['generationComplete', 'turnComplete']);
    expect(kinds(next)).not.toContain('interrupted');
    client.close();
  });
});
