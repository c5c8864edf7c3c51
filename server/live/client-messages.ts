// Reads one client message: JSON text (or UTF-8 JSON in a binary frame) in, a checked and
// normalised `ClientMessage` out, or the close that a bad message earns. Pure: no state, no I/O,
// and it never throws, whatever the bytes.

import { isJsonObject, type JsonObject } from '../../core/json';
import {
  CLIENT_MESSAGE_KINDS,
  type ClientMessageKind,
  type FunctionDeclaration,
  INPUT_AUDIO_RATE,
  type Modality,
} from '../../core/live/live-messages';
import { checkFieldNames, protoName } from '../../core/live/message-fields';
import { resample, samplesFromBytes } from '../../core/live/pcm';
import { fromBase64 } from '../../core/wire/bytes';
import { type LiveClose, type LiveErrorName, liveClose } from './live-errors';
import { type CompressionSettings, compressionSettings } from './session-limits';
import type { ResumptionSettings } from './session-resumption';

export interface SessionSetup {
  model: string;
  modality: Modality;
  /** The system instruction's text, counted in the context. */
  systemText: string;
  functions: FunctionDeclaration[];
  /** `realtimeInputConfig.automaticActivityDetection.disabled`: the client marks activity itself. */
  manualActivity: boolean;
  /** `automaticActivityDetection.silenceDurationMs`: quiet that ends speech; unset, the query's `silenceMs`. */
  silenceMs?: number;
  /** `automaticActivityDetection.prefixPaddingMs`: how long speech must last before it counts. */
  prefixPaddingMs?: number;
  /** `automaticActivityDetection.startOfSpeechSensitivity`: HIGH hears quieter speech, LOW needs louder. */
  startSensitivity?: 'START_SENSITIVITY_HIGH' | 'START_SENSITIVITY_LOW';
  /** `automaticActivityDetection.endOfSpeechSensitivity`: HIGH ends speech after a shorter quiet, LOW a longer. */
  endSensitivity?: 'END_SENSITIVITY_HIGH' | 'END_SENSITIVITY_LOW';
  /** `realtimeInputConfig.turnCoverage` TURN_INCLUDES_ALL_INPUT: a turn holds the quiet before the speech too. */
  allInput?: boolean;
  /** `realtimeInputConfig.activityHandling`: false for NO_INTERRUPTION, the user's speech never cuts an answer. */
  bargeIn: boolean;
  inputTranscription: boolean;
  outputTranscription: boolean;
  /** `sessionResumption`: send resumption updates, and continue the session a handle names. */
  resumption?: ResumptionSettings;
  /** `contextWindowCompression`: drop the oldest turns, and no session time limit. */
  compression?: CompressionSettings;
}

export interface Turn {
  role: 'user' | 'model';
  text: string;
}

export interface AudioChunk {
  /** Mono samples at 16 kHz, whatever rate the client sent (the service resamples too). */
  samples: Int16Array;
  /** The rate the client declared. */
  rate: number;
}

export interface RealtimeInput {
  activityStart: boolean;
  audio: AudioChunk[];
  /** Video frames (or image `mediaChunks`) received; checked, then ignored. */
  frames: number;
  text?: string;
  activityEnd: boolean;
  audioStreamEnd: boolean;
}

export interface FunctionResponse {
  id: string;
  name?: string;
  response: unknown;
}

export type ClientMessage =
  | { kind: 'setup'; setup: SessionSetup }
  | { kind: 'clientContent'; turns: Turn[]; turnComplete: boolean }
  | { kind: 'realtimeInput'; input: RealtimeInput }
  | { kind: 'toolResponse'; responses: FunctionResponse[] }
  | { kind: 'contextUpdate'; update: ContextUpdate };

/** What a `contextUpdate` replaces for the turns after it; an absent field stays as it was. */
export interface ContextUpdate {
  systemText?: string;
  functions?: FunctionDeclaration[];
}

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; close: LiveClose };

export interface ParseLimits {
  /** Longest audio chunk accepted in one message, in ms. */
  maxChunkMs: number;
}

/** Thrown inside this module only, caught by `parseClientMessage`. */
class Invalid {
  constructor(
    readonly error: LiveErrorName,
    readonly reason: string,
  ) {}
}

function invalid(error: LiveErrorName, reason: string): never {
  throw new Invalid(error, reason);
}

const KIND_LIST = CLIENT_MESSAGE_KINDS.join(', ');

export function parseClientMessage(data: string | Uint8Array, limits: ParseLimits): ParsedClientMessage {
  try {
    return { ok: true, message: read(data, limits) };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, close: liveClose(error.error, error.reason) };
    return { ok: false, close: liveClose('INTERNAL', `could not read the message: ${String(error)}`) };
  }
}

function read(data: string | Uint8Array, limits: ParseLimits): ClientMessage {
  let text: string;
  if (typeof data === 'string') {
    text = data;
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(data);
    } catch {
      invalid('MALFORMED_JSON', 'binary message is not UTF-8 text, so not JSON');
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    invalid('MALFORMED_JSON', `message is not valid JSON (${(error as Error).message})`);
  }
  if (!isJsonObject(json))
    invalid('UNKNOWN_MESSAGE', `a message must be a JSON object holding one of ${KIND_LIST}`);
  // Protobuf JSON, as the public service reads it: every name known, camelCase or snake_case.
  const named = checkFieldNames(json);
  if (!named.ok) invalid(named.path === '' ? 'UNKNOWN_MESSAGE' : 'UNKNOWN_FIELD', named.reason);
  const message = named.message;
  const keys = Object.keys(message);
  if (keys.length !== 1) {
    invalid(
      'UNKNOWN_MESSAGE',
      keys.length === 0
        ? `empty message; expected one of ${KIND_LIST}`
        : `a message holds exactly one kind, got ${keys.join(' and ')}`,
    );
  }
  const kind = keys[0] as ClientMessageKind;
  const body = message[kind];
  switch (kind) {
    case 'setup':
      return { kind, setup: readSetup(body) };
    case 'clientContent':
      return { kind, ...readClientContent(body) };
    case 'realtimeInput':
      return { kind, input: readRealtimeInput(body, limits) };
    case 'toolResponse':
      return { kind, responses: readToolResponse(body) };
    case 'contextUpdate':
      return { kind, update: readContextUpdate(body) };
  }
}

function readSetup(value: unknown): SessionSetup {
  const setup = expectObject(value, 'setup');
  const model = setup.model;
  // Whether the service has that model is for the session to say (1008); here, only the type.
  if (typeof model !== 'string' || model === '') {
    invalid(
      'INVALID_FIELD',
      `setup.model must name a model as "models/NAME", got ${model === undefined ? 'nothing' : JSON.stringify(model)}`,
    );
  }
  const config = optionalObject(setup.generationConfig, 'setup.generationConfig');
  const modality = readModality(config?.responseModalities);
  readEnum(
    config?.mediaResolution,
    'setup.generationConfig.mediaResolution',
    'MediaResolution',
    MEDIA_RESOLUTION,
  );
  const proactivity = optionalObject(setup.proactivity, 'setup.proactivity');
  readBoolean(proactivity?.proactiveAudio, 'setup.proactivity.proactiveAudio');
  const functions = readTools(setup.tools, 'setup.tools') ?? [];
  const realtime = optionalObject(setup.realtimeInputConfig, 'setup.realtimeInputConfig');
  const detection = optionalObject(
    realtime?.automaticActivityDetection,
    'setup.realtimeInputConfig.automaticActivityDetection',
  );
  const disabled = detection?.disabled;
  if (disabled !== undefined && typeof disabled !== 'boolean') {
    invalid(
      'INVALID_FIELD',
      'setup.realtimeInputConfig.automaticActivityDetection.disabled must be true or false',
    );
  }
  const detectionPath = 'setup.realtimeInputConfig.automaticActivityDetection';
  const activity: Pick<
    SessionSetup,
    'silenceMs' | 'prefixPaddingMs' | 'startSensitivity' | 'endSensitivity' | 'bargeIn' | 'allInput'
  > = {
    bargeIn:
      readEnum(
        realtime?.activityHandling,
        'setup.realtimeInputConfig.activityHandling',
        'ActivityHandling',
        ACTIVITY_HANDLING,
      ) !== 'NO_INTERRUPTION',
  };
  const silenceMs = readInt32(detection?.silenceDurationMs, `${detectionPath}.silenceDurationMs`);
  if (silenceMs !== undefined && silenceMs > 0) activity.silenceMs = silenceMs;
  const prefixPaddingMs = readInt32(detection?.prefixPaddingMs, `${detectionPath}.prefixPaddingMs`);
  if (prefixPaddingMs !== undefined && prefixPaddingMs > 0) activity.prefixPaddingMs = prefixPaddingMs;
  const start = readEnum(
    detection?.startOfSpeechSensitivity,
    `${detectionPath}.startOfSpeechSensitivity`,
    'StartSensitivity',
    START_SENSITIVITY,
  );
  if (start) activity.startSensitivity = start;
  const end = readEnum(
    detection?.endOfSpeechSensitivity,
    `${detectionPath}.endOfSpeechSensitivity`,
    'EndSensitivity',
    END_SENSITIVITY,
  );
  if (end) activity.endSensitivity = end;
  const coverage = readEnum(
    realtime?.turnCoverage,
    'setup.realtimeInputConfig.turnCoverage',
    'TurnCoverage',
    TURN_COVERAGE,
  );
  if (coverage === 'TURN_INCLUDES_ALL_INPUT') activity.allInput = true;
  return {
    model,
    modality,
    systemText: readSystemInstruction(setup.systemInstruction),
    functions,
    manualActivity: disabled === true,
    ...activity,
    inputTranscription:
      optionalObject(setup.inputAudioTranscription, 'setup.inputAudioTranscription') !== undefined,
    outputTranscription:
      optionalObject(setup.outputAudioTranscription, 'setup.outputAudioTranscription') !== undefined,
    ...readSessionResumption(setup.sessionResumption),
    ...readCompression(setup.contextWindowCompression),
  };
}

function readSessionResumption(value: unknown): { resumption?: ResumptionSettings } {
  const config = optionalObject(value, 'setup.sessionResumption');
  if (!config) return {};
  const { handle, transparent } = config;
  if (handle !== undefined && handle !== null && typeof handle !== 'string')
    invalid('INVALID_FIELD', 'setup.sessionResumption.handle must be a string');
  if (transparent !== undefined && transparent !== null && typeof transparent !== 'boolean')
    invalid('INVALID_FIELD', 'setup.sessionResumption.transparent must be true or false');
  // An empty handle is what a client without one often sends: a new session, as with none.
  const resumption: ResumptionSettings = { transparent: transparent === true };
  if (typeof handle === 'string' && handle !== '') resumption.handle = handle;
  return { resumption };
}

function readCompression(value: unknown): { compression?: CompressionSettings } {
  const config = optionalObject(value, 'setup.contextWindowCompression');
  if (!config) return {};
  const path = 'setup.contextWindowCompression';
  const trigger = readTokenCount(config.triggerTokens, `${path}.triggerTokens`);
  const window = optionalObject(config.slidingWindow, `${path}.slidingWindow`);
  const target = readTokenCount(window?.targetTokens, `${path}.slidingWindow.targetTokens`);
  return { compression: compressionSettings(trigger, target) };
}

/** An int64: protobuf's JSON writes it as a string of digits, and reads a number too. */
function readTokenCount(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const count = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0)
    invalid('INVALID_FIELD', `${path} must be a whole number of tokens, got ${JSON.stringify(value)}`);
  return count;
}

// The reference's enums, each with its UNSPECIFIED value first: protobuf JSON takes an enum by
// name or by number, and UNSPECIFIED means the service's default.
const MEDIA_RESOLUTION = [
  'MEDIA_RESOLUTION_UNSPECIFIED',
  'MEDIA_RESOLUTION_LOW',
  'MEDIA_RESOLUTION_MEDIUM',
  'MEDIA_RESOLUTION_HIGH',
] as const;
const START_SENSITIVITY = [
  'START_SENSITIVITY_UNSPECIFIED',
  'START_SENSITIVITY_HIGH',
  'START_SENSITIVITY_LOW',
] as const;
const END_SENSITIVITY = [
  'END_SENSITIVITY_UNSPECIFIED',
  'END_SENSITIVITY_HIGH',
  'END_SENSITIVITY_LOW',
] as const;
const ACTIVITY_HANDLING = [
  'ACTIVITY_HANDLING_UNSPECIFIED',
  'START_OF_ACTIVITY_INTERRUPTS',
  'NO_INTERRUPTION',
] as const;
const TURN_COVERAGE = [
  'TURN_COVERAGE_UNSPECIFIED',
  'TURN_INCLUDES_ONLY_ACTIVITY',
  'TURN_INCLUDES_ALL_INPUT',
  'TURN_INCLUDES_AUDIO_ACTIVITY_AND_ALL_VIDEO',
] as const;

/** `setup.realtimeInputConfig` → `setup.realtime_input_config`: the path as the service names it. */
function protoPath(path: string): string {
  return path.split('.').map(protoName).join('.');
}

/**
 * An enum value, by name or number; undefined when unset or UNSPECIFIED. A value the enum does
 * not have is refused in protobuf JSON's words: `Invalid value at 'PATH' (TYPE), "VALUE"`.
 */
function readEnum<T extends string>(
  value: unknown,
  path: string,
  type: string,
  values: readonly T[],
): Exclude<T, `${string}_UNSPECIFIED`> | undefined {
  if (value === undefined || value === null) return undefined;
  const name =
    typeof value === 'number'
      ? values[value]
      : typeof value === 'string' && (values as readonly string[]).includes(value)
        ? (value as T)
        : undefined;
  if (name === undefined)
    invalid('INVALID_FIELD', `Invalid value at '${protoPath(path)}' (${type}), ${JSON.stringify(value)}`);
  return name.endsWith('_UNSPECIFIED') ? undefined : (name as Exclude<T, `${string}_UNSPECIFIED`>);
}

/** An int32, as a number or (protobuf JSON allows it) a string of digits. */
function readInt32(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || Math.abs(number) > 2 ** 31 - 1)
    invalid('INVALID_FIELD', `Invalid value at '${protoPath(path)}' (TYPE_INT32), ${JSON.stringify(value)}`);
  return number;
}

function readBoolean(value: unknown, path: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean')
    invalid('INVALID_FIELD', `Invalid value at '${protoPath(path)}' (TYPE_BOOL), ${JSON.stringify(value)}`);
  return value;
}

function readModality(value: unknown): Modality {
  const path = 'setup.generationConfig.responseModalities';
  const list = optionalArray(value, path);
  // Unset, the public service answers with audio, as its native-audio models do.
  if (!list || list.length === 0) return 'AUDIO';
  if (list.length > 1)
    invalid('INVALID_FIELD', `${path} takes one modality, TEXT or AUDIO, got ${list.length}`);
  const modality = typeof list[0] === 'string' ? list[0].toUpperCase() : list[0];
  if (modality !== 'TEXT' && modality !== 'AUDIO') {
    invalid('INVALID_FIELD', `${path} must be ["TEXT"] or ["AUDIO"], got ${JSON.stringify(list[0])}`);
  }
  return modality;
}

function readSystemInstruction(value: unknown, path = 'setup.systemInstruction'): string {
  if (value === undefined || value === null) return '';
  // The reference shows a string; the SDKs send a Content. Both are read.
  if (typeof value === 'string') return value;
  return readContent(value, path).text;
}

/** The functions `tools` declares; undefined when there is no `tools` at all. */
function readTools(value: unknown, path: string): FunctionDeclaration[] | undefined {
  const tools = optionalArray(value, path);
  if (tools === undefined) return undefined;
  const functions: FunctionDeclaration[] = [];
  tools.forEach((tool, t) => {
    const at = `${path}[${t}]`;
    const declarations = optionalArray(
      expectObject(tool, at).functionDeclarations,
      `${at}.functionDeclarations`,
    );
    declarations?.forEach((declaration, d) => {
      functions.push(readFunctionDeclaration(declaration, `${at}.functionDeclarations[${d}]`));
    });
  });
  return functions;
}

function readContextUpdate(value: unknown): ContextUpdate {
  const update = expectObject(value, 'contextUpdate');
  const result: ContextUpdate = {};
  if (update.systemInstruction !== undefined && update.systemInstruction !== null) {
    result.systemText = readSystemInstruction(update.systemInstruction, 'contextUpdate.systemInstruction');
  }
  const functions = readTools(update.tools, 'contextUpdate.tools');
  if (functions !== undefined) result.functions = functions;
  return result;
}

const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

function readFunctionDeclaration(value: unknown, path: string): FunctionDeclaration {
  const declaration = expectObject(value, path);
  const { name, description, parameters } = declaration;
  if (typeof name !== 'string' || !FUNCTION_NAME.test(name)) {
    invalid(
      'INVALID_FIELD',
      `${path}.name must be letters, digits, _ . : - (at most 64), got ${JSON.stringify(name)}`,
    );
  }
  if (description !== undefined && typeof description !== 'string') {
    invalid('INVALID_FIELD', `${path}.description must be a string`);
  }
  const schema = optionalObject(parameters, `${path}.parameters`);
  const properties = optionalObject(schema?.properties, `${path}.parameters.properties`);
  const result: FunctionDeclaration = { name };
  if (description !== undefined) result.description = description;
  if (properties) {
    const typed: Record<string, { type?: string }> = {};
    for (const [key, property] of Object.entries(properties)) {
      const type = isJsonObject(property) && typeof property.type === 'string' ? property.type : undefined;
      typed[key] = type === undefined ? {} : { type };
    }
    result.parameters = { type: 'OBJECT', properties: typed };
  }
  return result;
}

function readClientContent(value: unknown): { turns: Turn[]; turnComplete: boolean } {
  const content = expectObject(value, 'clientContent');
  const turns = optionalArray(content.turns, 'clientContent.turns') ?? [];
  const turnComplete = content.turnComplete ?? false;
  if (typeof turnComplete !== 'boolean')
    invalid('INVALID_FIELD', 'clientContent.turnComplete must be true or false');
  return { turns: turns.map((turn, i) => readContent(turn, `clientContent.turns[${i}]`)), turnComplete };
}

/** A Content: its role and the text of its parts (other parts are checked and skipped). */
function readContent(value: unknown, path: string): Turn {
  const content = expectObject(value, path);
  const role = content.role ?? 'user';
  if (role !== 'user' && role !== 'model') {
    invalid('INVALID_FIELD', `${path}.role must be "user" or "model", got ${JSON.stringify(role)}`);
  }
  const parts = optionalArray(content.parts, `${path}.parts`) ?? [];
  let text = '';
  parts.forEach((part, i) => {
    const checked = expectObject(part, `${path}.parts[${i}]`);
    if (checked.text !== undefined) {
      if (typeof checked.text !== 'string')
        invalid('INVALID_FIELD', `${path}.parts[${i}].text must be a string`);
      text += checked.text;
    }
  });
  return { role, text };
}

function readRealtimeInput(value: unknown, limits: ParseLimits): RealtimeInput {
  const input = expectObject(value, 'realtimeInput');
  const result: RealtimeInput = {
    activityStart: readSignal(input.activityStart, 'realtimeInput.activityStart'),
    audio: [],
    frames: 0,
    activityEnd: readSignal(input.activityEnd, 'realtimeInput.activityEnd'),
    audioStreamEnd: false,
  };
  if (input.audio !== undefined) result.audio.push(readAudio(input.audio, 'realtimeInput.audio', limits));
  optionalArray(input.mediaChunks, 'realtimeInput.mediaChunks')?.forEach((chunk, i) => {
    const path = `realtimeInput.mediaChunks[${i}]`;
    const mimeType = expectObject(chunk, path).mimeType;
    if (typeof mimeType === 'string' && /^(image|video)\//i.test(mimeType)) {
      readFrame(chunk, path);
      result.frames++;
    } else {
      result.audio.push(readAudio(chunk, path, limits));
    }
  });
  if (input.video !== undefined) {
    readFrame(input.video, 'realtimeInput.video');
    result.frames++;
  }
  if (input.text !== undefined) {
    if (typeof input.text !== 'string') invalid('INVALID_FIELD', 'realtimeInput.text must be a string');
    result.text = input.text;
  }
  if (input.audioStreamEnd !== undefined) {
    if (typeof input.audioStreamEnd !== 'boolean') {
      invalid('INVALID_FIELD', 'realtimeInput.audioStreamEnd must be true or false');
    }
    result.audioStreamEnd = input.audioStreamEnd;
  }
  const carries =
    result.activityStart ||
    result.activityEnd ||
    result.audioStreamEnd ||
    result.audio.length > 0 ||
    result.frames > 0 ||
    result.text !== undefined;
  if (!carries && input.mediaChunks === undefined && input.audioStreamEnd === undefined) {
    invalid(
      'INVALID_FIELD',
      'realtimeInput needs audio, video, text, activityStart, activityEnd or audioStreamEnd',
    );
  }
  return result;
}

/** `activityStart: {}` as documented; `true` is read the same way, `false` as absent. */
function readSignal(value: unknown, path: string): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (value === true || isJsonObject(value)) return true;
  return invalid('INVALID_FIELD', `${path} must be an object, {}`);
}

const PCM_MIME = /^audio\/pcm\s*(?:;\s*rate\s*=\s*(\d+)\s*)?$/i;

function readAudio(value: unknown, path: string, limits: ParseLimits): AudioChunk {
  const blob = expectObject(value, path);
  const mimeType = blob.mimeType;
  const match = typeof mimeType === 'string' ? PCM_MIME.exec(mimeType) : null;
  if (!match) {
    invalid(
      'INVALID_AUDIO',
      `${path}.mimeType must be "audio/pcm;rate=16000", got ${JSON.stringify(mimeType)}`,
    );
  }
  const rate = match[1] === undefined ? INPUT_AUDIO_RATE : Number(match[1]);
  if (!(rate >= 8000 && rate <= 48_000))
    invalid('INVALID_AUDIO', `${path}: rate ${rate} is outside 8000-48000 Hz`);
  if (typeof blob.data !== 'string') invalid('INVALID_AUDIO', `${path}.data must be a base64 string`);
  const bytes = fromBase64(blob.data, 'protobuf');
  if (!bytes) invalid('INVALID_AUDIO', `${path}.data is not valid base64`);
  if (bytes.length % 2 !== 0) {
    invalid('INVALID_AUDIO', `${path} holds ${bytes.length} bytes; 16-bit PCM needs an even count`);
  }
  const ms = ((bytes.length / 2) * 1000) / rate;
  if (ms > limits.maxChunkMs) {
    invalid(
      'CHUNK_TOO_LONG',
      `${path} lasts ${Math.round(ms)} ms; send at most ${limits.maxChunkMs} ms a message (20-100 ms is usual)`,
    );
  }
  const samples = samplesFromBytes(bytes);
  return { samples: resample(samples, rate, INPUT_AUDIO_RATE), rate };
}

function readFrame(value: unknown, path: string): void {
  const blob = expectObject(value, path);
  if (typeof blob.mimeType !== 'string' || !/^(image|video)\//i.test(blob.mimeType)) {
    invalid('INVALID_FIELD', `${path}.mimeType must be an image type such as image/jpeg`);
  }
  if (typeof blob.data !== 'string' || !fromBase64(blob.data, 'protobuf')) {
    invalid('INVALID_FIELD', `${path}.data is not valid base64`);
  }
}

function readToolResponse(value: unknown): FunctionResponse[] {
  const response = expectObject(value, 'toolResponse');
  const list = optionalArray(response.functionResponses, 'toolResponse.functionResponses');
  if (!list || list.length === 0) {
    invalid('INVALID_FIELD', 'toolResponse.functionResponses must list at least one response');
  }
  return list.map((item, i) => {
    const path = `toolResponse.functionResponses[${i}]`;
    const entry = expectObject(item, path);
    if (typeof entry.id !== 'string' || entry.id === '') {
      invalid('INVALID_FIELD', `${path}.id is required: it names the toolCall answered`);
    }
    if (entry.name !== undefined && typeof entry.name !== 'string') {
      invalid('INVALID_FIELD', `${path}.name must be a string`);
    }
    const result: FunctionResponse = { id: entry.id, response: entry.response ?? {} };
    if (entry.name !== undefined) result.name = entry.name;
    return result;
  });
}

function expectObject(value: unknown, path: string): JsonObject {
  if (!isJsonObject(value)) invalid('INVALID_FIELD', `${path} must be an object`);
  return value;
}

function optionalObject(value: unknown, path: string): JsonObject | undefined {
  return value === undefined || value === null ? undefined : expectObject(value, path);
}

function optionalArray(value: unknown, path: string): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) invalid('INVALID_FIELD', `${path} must be an array`);
  return value;
}
