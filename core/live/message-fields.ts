// The field names of the Live API's client messages, as the public reference lists them
// (ai.google.dev/api/live: BidiGenerateContentClientMessage and the messages it holds), and the
// check the public service makes first: it reads each message as protobuf JSON, which refuses a
// field the message does not define and accepts a field by its JSON name (`generationConfig`) or
// its proto name (`generation_config`). Pure: JSON in, the same JSON with camelCase names out, or
// the service's reason for refusing it.
//
// Where the stand-in reads no further (tools, parts, schemas, what the SDKs add for other
// back ends), the subtree is `ANY`: accepted as it is, never refused for a name it may hold.

import { isJsonObject, type JsonObject } from '../json';

const ANY = 'any' as const;
type FieldSchema = typeof ANY | { [field: string]: FieldSchema } | readonly [FieldSchema];

/** A repeated field: a list of `item`. */
const listOf = (item: FieldSchema): readonly [FieldSchema] => [item];

const BLOB: FieldSchema = { mimeType: ANY, data: ANY };

/** In an object with this field, a name the schema does not list passes as it is. */
const OPEN = '*';

// A Tool: the stand-in reads `functionDeclarations`; the others (googleSearch, codeExecution,
// urlContext, …) grow with the service, so they pass unchecked rather than be wrongly refused.
const TOOL: FieldSchema = {
  [OPEN]: ANY,
  functionDeclarations: [
    {
      name: ANY,
      description: ANY,
      behavior: ANY,
      parameters: ANY,
      parametersJsonSchema: ANY,
      response: ANY,
      responseJsonSchema: ANY,
    },
  ],
};
const CONTENT: FieldSchema = { role: ANY, parts: listOf(ANY) };

const GENERATION_CONFIG: FieldSchema = {
  // GenerationConfig as generateContent has it; the Live API documents a subset as supported
  // but the message type, and so the names accepted, is the same.
  stopSequences: ANY,
  responseMimeType: ANY,
  responseSchema: ANY,
  responseJsonSchema: ANY,
  responseModalities: ANY,
  candidateCount: ANY,
  maxOutputTokens: ANY,
  temperature: ANY,
  topP: ANY,
  topK: ANY,
  seed: ANY,
  presencePenalty: ANY,
  frequencyPenalty: ANY,
  responseLogprobs: ANY,
  logprobs: ANY,
  enableEnhancedCivicAnswers: ANY,
  speechConfig: { voiceConfig: ANY, languageCode: ANY, multiSpeakerVoiceConfig: ANY },
  thinkingConfig: { includeThoughts: ANY, thinkingBudget: ANY, thinkingLevel: ANY },
  imageConfig: ANY,
  mediaResolution: ANY,
  // Where @google/genai puts LiveConnectConfig.enableAffectiveDialog and translationConfig for
  // the Gemini API (its liveConnectConfigToMldev).
  enableAffectiveDialog: ANY,
  translationConfig: ANY,
};

const SETUP: FieldSchema = {
  model: ANY,
  generationConfig: GENERATION_CONFIG,
  systemInstruction: ANY,
  tools: listOf(TOOL),
  realtimeInputConfig: {
    automaticActivityDetection: {
      disabled: ANY,
      startOfSpeechSensitivity: ANY,
      endOfSpeechSensitivity: ANY,
      prefixPaddingMs: ANY,
      silenceDurationMs: ANY,
    },
    activityHandling: ANY,
    turnCoverage: ANY,
  },
  sessionResumption: ANY,
  contextWindowCompression: ANY,
  inputAudioTranscription: ANY,
  outputAudioTranscription: ANY,
  proactivity: { proactiveAudio: ANY },
  historyConfig: { initialHistoryInClientContent: ANY },
};

const CLIENT_MESSAGE: FieldSchema = {
  setup: SETUP,
  // As @google/genai writes it (liveClientContextUpdateToMldev): only the fields it updates.
  contextUpdate: { systemInstruction: CONTENT, tools: listOf(TOOL) },
  clientContent: { turns: listOf(CONTENT), turnComplete: ANY },
  realtimeInput: {
    mediaChunks: listOf(BLOB),
    audio: BLOB,
    video: BLOB,
    text: ANY,
    activityStart: {},
    activityEnd: {},
    audioStreamEnd: ANY,
  },
  toolResponse: {
    functionResponses: listOf({
      id: ANY,
      name: ANY,
      response: ANY,
      willContinue: ANY,
      scheduling: ANY,
      parts: ANY,
    }),
  },
};

/** The message with camelCase names, or the reason it is refused and where (`''`: the top level). */
export type FieldNames = { ok: true; message: JsonObject } | { ok: false; reason: string; path: string };

/** The proto name of a JSON name: `generationConfig` → `generation_config`. */
export function protoName(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** The JSON name of a proto name: `generation_config` → `generationConfig`. */
export function jsonName(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

class UnknownName {
  constructor(
    readonly reason: string,
    readonly path: string,
  ) {}
}

/**
 * Checks every field name a client message holds against the reference, and gives the message
 * back with every name in its JSON (camelCase) form. An unknown name is refused with the public
 * service's wording: `Invalid JSON payload received. Unknown name "foo" at 'setup': Cannot find
 * field.` — the protobuf JSON parser's message, as users of Google's APIs report it word for
 * word (e.g. github.com/sourcegraph/cody issue 4566, github.com/zed-industries/zed issue 44875),
 * the path in proto names with list indices.
 */
export function checkFieldNames(message: JsonObject): FieldNames {
  try {
    return { ok: true, message: normalise(message, CLIENT_MESSAGE, '') as JsonObject };
  } catch (error) {
    if (error instanceof UnknownName) return { ok: false, reason: error.reason, path: error.path };
    throw error;
  }
}

function normalise(value: unknown, schema: FieldSchema, path: string): unknown {
  if (schema === ANY) return value;
  if (Array.isArray(schema)) {
    // A mistyped value is left for the reader, whose reason names the type it wants.
    if (!Array.isArray(value)) return value;
    return value.map((item, i) => normalise(item, schema[0]!, `${path}[${i}]`));
  }
  if (!isJsonObject(value)) return value;
  const fields = schema as { [field: string]: FieldSchema };
  const result: JsonObject = {};
  for (const [name, field] of Object.entries(value)) {
    const json = jsonName(name);
    if (!Object.hasOwn(fields, json)) {
      if (Object.hasOwn(fields, OPEN)) {
        result[name] = field as JsonObject[string];
        continue;
      }
      const at = path === '' ? '' : ` at '${path}'`;
      throw new UnknownName(
        `Invalid JSON payload received. Unknown name "${name}"${at}: Cannot find field.`,
        path,
      );
    }
    const inner = path === '' ? protoName(json) : `${path}.${protoName(json)}`;
    result[json] = normalise(field, fields[json]!, inner) as JsonObject[string];
  }
  return result;
}
