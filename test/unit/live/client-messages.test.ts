import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClientMessage, parseClientMessage } from '../../../server/live/client-messages';
import { fitCloseReason, LiveErrorCode } from '../../../server/live/live-errors';

const limits = { maxChunkMs: 1000 };

function parse(message: unknown): ClientMessage {
  const parsed = parseClientMessage(JSON.stringify(message), limits);
  if (!parsed.ok) throw new Error(`refused: ${parsed.close.reason}`);
  return parsed.message;
}

function refusal(data: unknown): { error: string; code: number; reason: string } {
  const parsed = parseClientMessage(typeof data === 'string' ? data : JSON.stringify(data), limits);
  if (parsed.ok) throw new Error('accepted');
  return parsed.close;
}

const pcm = (samples: number[]): string => Buffer.from(Int16Array.from(samples).buffer).toString('base64');

describe('reading setup', () => {
  it('reads the model, the one response modality, the instruction, tools and flags', () => {
    const message = parse({
      setup: {
        model: 'models/gemini-live',
        generationConfig: { responseModalities: ['TEXT'] },
        systemInstruction: { parts: [{ text: 'Be brief.' }] },
        tools: [
          { googleSearch: {} },
          {
            functionDeclarations: [
              { name: 'turn_on', parameters: { properties: { room: { type: 'STRING' } } } },
            ],
          },
        ],
        realtimeInputConfig: { automaticActivityDetection: { disabled: true } },
        inputAudioTranscription: {},
      },
    });
    expect(message).toEqual({
      kind: 'setup',
      setup: {
        model: 'models/gemini-live',
        modality: 'TEXT',
        systemText: 'Be brief.',
        functions: [
          { name: 'turn_on', parameters: { type: 'OBJECT', properties: { room: { type: 'STRING' } } } },
        ],
        manualActivity: true,
        bargeIn: true,
        inputTranscription: true,
        outputTranscription: false,
      },
    });
  });

  it('answers in audio when no modality is asked for, and takes a plain string instruction', () => {
    const message = parse({ setup: { model: 'models/m', systemInstruction: 'Hi.' } });
    expect(message).toMatchObject({ setup: { modality: 'AUDIO', systemText: 'Hi.', manualActivity: false } });
  });

  it.each([
    [{ setup: { model: 42 } }, /^setup\.model must name a model as "models\/NAME", got 42$/],
    [
      { setup: { model: 'models/m', generationConfig: { responseModalities: ['TEXT', 'AUDIO'] } } },
      /takes one modality, TEXT or AUDIO, got 2$/,
    ],
    [
      { setup: { model: 'models/m', generationConfig: { responseModalities: ['VIDEO'] } } },
      /must be \["TEXT"\] or \["AUDIO"\], got "VIDEO"$/,
    ],
    [{ setup: { model: 'models/m', tools: {} } }, /^setup\.tools must be an array$/],
    [
      { setup: { model: 'models/m', tools: [{ functionDeclarations: [{ name: 'has space' }] }] } },
      /^setup\.tools\[0\]\.functionDeclarations\[0\]\.name must be/,
    ],
    [{ setup: 'models/m' }, /^setup must be an object$/],
  ])('refuses a setup that is malformed: %j', (message, reason) => {
    expect(refusal(message)).toMatchObject({
      error: 'INVALID_FIELD',
      code: 1007,
      reason: expect.stringMatching(reason),
    });
  });
});

describe('every setup field the reference lists', () => {
  const everything = {
    model: 'models/gemini-2.5-flash-native-audio-preview-09-2025',
    generationConfig: {
      candidateCount: 1,
      maxOutputTokens: 512,
      temperature: 0.7,
      topP: 0.9,
      topK: 40,
      presencePenalty: 0.1,
      frequencyPenalty: 0.1,
      seed: 7,
      responseModalities: ['AUDIO'],
      speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Kore' } }, languageCode: 'en-US' },
      mediaResolution: 'MEDIA_RESOLUTION_LOW',
      thinkingConfig: { includeThoughts: false, thinkingBudget: 0 },
      enableAffectiveDialog: true,
    },
    systemInstruction: { role: 'user', parts: [{ text: 'Be brief.' }] },
    tools: [{ googleSearch: {} }, { codeExecution: {} }, { functionDeclarations: [{ name: 'f' }] }],
    realtimeInputConfig: {
      automaticActivityDetection: {
        disabled: false,
        startOfSpeechSensitivity: 'START_SENSITIVITY_LOW',
        endOfSpeechSensitivity: 'END_SENSITIVITY_HIGH',
        prefixPaddingMs: 20,
        silenceDurationMs: 300,
      },
      activityHandling: 'NO_INTERRUPTION',
      turnCoverage: 'TURN_INCLUDES_ALL_INPUT',
    },
    sessionResumption: {},
    contextWindowCompression: { slidingWindow: {} },
    inputAudioTranscription: {},
    outputAudioTranscription: {},
    proactivity: { proactiveAudio: true },
    historyConfig: { initialHistoryInClientContent: true },
  };

  it('accepts them all, and reads the ones that change what the stand-in does', () => {
    expect(parse({ setup: everything })).toMatchObject({
      kind: 'setup',
      setup: {
        model: 'models/gemini-2.5-flash-native-audio-preview-09-2025',
        modality: 'AUDIO',
        manualActivity: false,
        silenceMs: 300,
        prefixPaddingMs: 20,
        startSensitivity: 'START_SENSITIVITY_LOW',
        endSensitivity: 'END_SENSITIVITY_HIGH',
        bargeIn: false,
        allInput: true,
        inputTranscription: true,
        outputTranscription: true,
      },
    });
  });

  it('accepts proto names as well as JSON names, as protobuf JSON does', () => {
    const message = parse({
      setup: {
        model: 'gemini-2.0-flash-live-001',
        generation_config: { response_modalities: ['TEXT'] },
        realtime_input_config: { automatic_activity_detection: { silence_duration_ms: '250' } },
      },
    });
    expect(message).toMatchObject({ setup: { modality: 'TEXT', silenceMs: 250, bargeIn: true } });
    expect(parse({ client_content: { turns: [], turn_complete: true } })).toEqual({
      kind: 'clientContent',
      turns: [],
      turnComplete: true,
    });
  });

  it('takes an enum by number as well as by name, UNSPECIFIED as the default', () => {
    const setup = (realtimeInputConfig: unknown) =>
      parse({ setup: { model: 'models/x', realtimeInputConfig } });
    expect(setup({ activityHandling: 2 })).toMatchObject({ setup: { bargeIn: false } });
    expect(setup({ activityHandling: 'ACTIVITY_HANDLING_UNSPECIFIED' })).toMatchObject({
      setup: { bargeIn: true },
    });
  });

  it.each([
    [
      { foo: 1 },
      'UNKNOWN_FIELD',
      `Invalid JSON payload received. Unknown name "foo" at 'setup': Cannot find field.`,
    ],
    [
      { generationConfig: { responseModality: ['TEXT'] } },
      'UNKNOWN_FIELD',
      `Invalid JSON payload received. Unknown name "responseModality" at 'setup.generation_config': Cannot find field.`,
    ],
    [
      { enableAffectiveDialog: true },
      'UNKNOWN_FIELD',
      `Invalid JSON payload received. Unknown name "enableAffectiveDialog" at 'setup': Cannot find field.`,
    ],
    [
      { realtimeInputConfig: { automaticActivityDetection: { silenceMs: 100 } } },
      'UNKNOWN_FIELD',
      `Invalid JSON payload received. Unknown name "silenceMs" at 'setup.realtime_input_config.automatic_activity_detection': Cannot find field.`,
    ],
    [
      { realtimeInputConfig: { activityHandling: 'NEVER' } },
      'INVALID_FIELD',
      `Invalid value at 'setup.realtime_input_config.activity_handling' (ActivityHandling), "NEVER"`,
    ],
    [
      { realtimeInputConfig: { automaticActivityDetection: { silenceDurationMs: 'long' } } },
      'INVALID_FIELD',
      `Invalid value at 'setup.realtime_input_config.automatic_activity_detection.silence_duration_ms' (TYPE_INT32), "long"`,
    ],
    [
      { generationConfig: { mediaResolution: 'MEDIA_RESOLUTION_HUGE' } },
      'INVALID_FIELD',
      `Invalid value at 'setup.generation_config.media_resolution' (MediaResolution), "MEDIA_RESOLUTION_HUGE"`,
    ],
  ])('refuses %j as the service does, with 1007', (fields, error, reason) => {
    const close = refusal({ setup: { model: 'models/x', ...fields } });
    expect(close).toEqual({ error, code: 1007, reason: reason.length > 123 ? expect.any(String) : reason });
    if (reason.length > 123) expect(reason.startsWith(close.reason.slice(0, -1))).toBe(true);
  });

  it('reads function declarations under their proto name too, and lets other tools through unchecked', () => {
    const message = parse({
      setup: {
        model: 'models/x',
        tools: [{ function_declarations: [{ name: 'f' }] }, { urlContext: {} }, { aNewerTool: {} }],
      },
    });
    expect(message).toMatchObject({ setup: { functions: [{ name: 'f' }] } });
    expect(
      refusal({ setup: { model: 'models/x', tools: [{ functionDeclarations: [{ nam: 'f' }] }] } }).reason,
    ).toBe(
      `Invalid JSON payload received. Unknown name "nam" at 'setup.tools[0].function_declarations[0]': Cannot find field.`,
    );
  });

  it('names the list index of an unknown field in a repeated one', () => {
    expect(refusal({ clientContent: { turns: [{ parts: [] }, { role: 'user', text: 'hi' }] } }).reason).toBe(
      `Invalid JSON payload received. Unknown name "text" at 'client_content.turns[1]': Cannot find field.`,
    );
  });
});

describe('reading the other message kinds', () => {
  it('reads clientContent turns as role and text, turnComplete false unless said', () => {
    expect(
      parse({
        clientContent: {
          turns: [
            { role: 'user', parts: [{ text: 'a' }, { text: 'b' }] },
            { role: 'model', parts: [{ text: 'c' }] },
            { parts: [{ inlineData: { mimeType: 'image/png', data: '' } }] },
          ],
        },
      }),
    ).toEqual({
      kind: 'clientContent',
      turns: [
        { role: 'user', text: 'ab' },
        { role: 'model', text: 'c' },
        { role: 'user', text: '' },
      ],
      turnComplete: false,
    });
  });

  it('reads realtimeInput audio at 16 kHz as is, and resamples other rates to 16 kHz', () => {
    const message = parse({
      realtimeInput: {
        audio: { mimeType: 'audio/pcm;rate=16000', data: pcm([1, -2, 3]) },
        mediaChunks: [
          { mimeType: 'audio/pcm;rate=8000', data: pcm([100, 100]) },
          { mimeType: 'image/jpeg', data: 'AAAA' },
        ],
      },
    });
    if (message.kind !== 'realtimeInput') throw new Error(message.kind);
    expect(message.input.audio.map((chunk) => [...chunk.samples])).toEqual([
      [1, -2, 3],
      [100, 100, 100, 100],
    ]);
    expect(message.input.audio.map((chunk) => chunk.rate)).toEqual([16_000, 8000]);
    expect(message.input.frames).toBe(1);
  });

  it('takes audio/pcm without a rate as 16 kHz', () => {
    const message = parse({ realtimeInput: { audio: { mimeType: 'audio/pcm', data: pcm([5]) } } });
    expect(message).toMatchObject({ input: { audio: [{ rate: 16_000 }] } });
  });

  it('reads the activity signals as documented ({}) and as booleans', () => {
    expect(parse({ realtimeInput: { activityStart: {} } })).toMatchObject({
      input: { activityStart: true, activityEnd: false },
    });
    expect(parse({ realtimeInput: { activityEnd: true, audioStreamEnd: true } })).toMatchObject({
      input: { activityStart: false, activityEnd: true, audioStreamEnd: true },
    });
    expect(parse({ realtimeInput: { text: 'hi' } })).toMatchObject({ input: { text: 'hi' } });
  });

  it('reads toolResponse ids and responses', () => {
    expect(
      parse({ toolResponse: { functionResponses: [{ id: 'call-1', name: 'f', response: { ok: 1 } }] } }),
    ).toEqual({
      kind: 'toolResponse',
      responses: [{ id: 'call-1', name: 'f', response: { ok: 1 } }],
    });
  });

  it('reads JSON from a binary message as UTF-8', () => {
    const bytes = new TextEncoder().encode('{"setup":{"model":"models/é"}}');
    const parsed = parseClientMessage(bytes, limits);
    expect(parsed).toMatchObject({ ok: true, message: { setup: { model: 'models/é' } } });
  });
});

describe('refusing bad messages', () => {
  it.each([
    ['text that is not JSON', 'hello', 'MALFORMED_JSON', /^message is not valid JSON/],
    ['a JSON array', '[]', 'UNKNOWN_MESSAGE', /^a message must be a JSON object/],
    ['JSON null', 'null', 'UNKNOWN_MESSAGE', /^a message must be a JSON object/],
    ['an empty object', '{}', 'UNKNOWN_MESSAGE', /^empty message; expected one of setup, /],
    [
      'an unknown kind',
      '{"hello":1}',
      'UNKNOWN_MESSAGE',
      /^Invalid JSON payload received\. Unknown name "hello": Cannot find field\.$/,
    ],
    [
      'an unknown field in a known kind',
      '{"clientContent":{"turnsComplete":true}}',
      'UNKNOWN_FIELD',
      /^Invalid JSON payload received\. Unknown name "turnsComplete" at 'client_content': Cannot find field\.$/,
    ],
    ['two kinds', '{"setup":{},"toolResponse":{}}', 'UNKNOWN_MESSAGE', /^a message holds exactly one kind/],
    ['an empty realtimeInput', '{"realtimeInput":{}}', 'INVALID_FIELD', /^realtimeInput needs audio, /],
    [
      'a turnComplete that is not boolean',
      '{"clientContent":{"turnComplete":"yes"}}',
      'INVALID_FIELD',
      /true or false$/,
    ],
    [
      'a role that is not user or model',
      '{"clientContent":{"turns":[{"role":"system","parts":[]}]}}',
      'INVALID_FIELD',
      /role must be/,
    ],
    [
      'no functionResponses',
      '{"toolResponse":{"functionResponses":[]}}',
      'INVALID_FIELD',
      /at least one response$/,
    ],
    [
      'a response without an id',
      '{"toolResponse":{"functionResponses":[{"response":{}}]}}',
      'INVALID_FIELD',
      /\.id is required/,
    ],
    [
      'audio without a mimeType',
      '{"realtimeInput":{"audio":{"data":"AAAA"}}}',
      'INVALID_AUDIO',
      /mimeType must be "audio\/pcm;rate=16000", got undefined$/,
    ],
    [
      'an unlikely rate',
      '{"realtimeInput":{"audio":{"mimeType":"audio/pcm;rate=96000","data":""}}}',
      'INVALID_AUDIO',
      /rate 96000 is outside/,
    ],
    [
      'audio data that is not a string',
      '{"realtimeInput":{"audio":{"mimeType":"audio/pcm","data":[1,2]}}}',
      'INVALID_AUDIO',
      /data must be a base64 string$/,
    ],
    [
      'a video frame that is not an image',
      '{"realtimeInput":{"video":{"mimeType":"text/plain","data":""}}}',
      'INVALID_FIELD',
      /an image type/,
    ],
  ])('refuses %s', (_name, text, error, reason) => {
    const close = refusal(text);
    expect(close.error).toBe(error);
    expect(close.code).toBe(LiveErrorCode[error as keyof typeof LiveErrorCode]);
    expect(close.reason).toMatch(reason);
  });

  it('refuses an audio chunk longer than the limit with 1009', () => {
    const samples = new Array(16_001).fill(0);
    expect(refusal({ realtimeInput: { audio: { mimeType: 'audio/pcm', data: pcm(samples) } } })).toEqual({
      error: 'CHUNK_TOO_LONG',
      code: 1009,
      reason: 'realtimeInput.audio lasts 1000 ms; send at most 1000 ms a message (20-100 ms is usual)',
    });
  });

  it('never throws and never gives a reason longer than a close frame holds, whatever arrives', () => {
    const anyMessage = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ setup: fc.anything() }),
      fc.record({ clientContent: fc.anything() }),
      fc.record({ realtimeInput: fc.anything() }),
      fc.record({ toolResponse: fc.anything() }),
    );
    fc.assert(
      fc.property(anyMessage, (message) => {
        const text = typeof message === 'string' ? message : JSON.stringify(message);
        const parsed = parseClientMessage(text, limits);
        if (!parsed.ok) {
          expect(parsed.close.error).not.toBe('INTERNAL');
          expect(new TextEncoder().encode(parsed.close.reason).length).toBeLessThanOrEqual(123);
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const parsed = parseClientMessage(bytes, limits);
        if (!parsed.ok) expect(parsed.close.error).not.toBe('INTERNAL');
      }),
    );
  });
});

describe('fitCloseReason', () => {
  it('leaves a reason of 123 bytes as it is', () => {
    expect(fitCloseReason('x'.repeat(123))).toBe('x'.repeat(123));
  });

  it('cuts a longer one on a character boundary and marks the cut', () => {
    const cut = fitCloseReason('é'.repeat(100));
    expect(new TextEncoder().encode(cut).length).toBeLessThanOrEqual(123);
    expect(cut).toBe(`${'é'.repeat(60)}…`);
  });
});
