// The JSON messages of the Live API (BidiGenerateContent) as they cross the wire, camelCase as the
// public API documents them. Each WebSocket message holds exactly one message kind at its top
// level; a server message may carry `usageMetadata` beside its kind. Only the fields this endpoint
// reads or writes are typed here; the public API has more.

export type Modality = 'TEXT' | 'AUDIO';

export interface Blob {
  /** `audio/pcm;rate=16000` in, `audio/pcm;rate=24000` out, `image/jpeg` for video frames. */
  mimeType: string;
  /** base64 of the bytes. */
  data: string;
}

export interface Part {
  text?: string;
  inlineData?: Blob;
}

export interface Content {
  role?: 'user' | 'model';
  parts: Part[];
}

export interface FunctionDeclaration {
  name: string;
  description?: string;
  /** An OpenAPI-style schema; only `properties` and their `type` are read here. */
  parameters?: { type?: string; properties?: Record<string, { type?: string }>; required?: string[] };
}

// Client → server.

export interface LiveSetup {
  /** `models/NAME` */
  model: string;
  /** Every GenerationConfig field is accepted; these are the ones the Live guide describes. */
  generationConfig?: {
    responseModalities?: Modality[];
    speechConfig?: { voiceConfig?: { prebuiltVoiceConfig?: { voiceName?: string } }; languageCode?: string };
    mediaResolution?: 'MEDIA_RESOLUTION_LOW' | 'MEDIA_RESOLUTION_MEDIUM' | 'MEDIA_RESOLUTION_HIGH';
    thinkingConfig?: { includeThoughts?: boolean; thinkingBudget?: number; thinkingLevel?: string };
    enableAffectiveDialog?: boolean;
    temperature?: number;
    maxOutputTokens?: number;
  };
  systemInstruction?: Content | string;
  tools?: { functionDeclarations?: FunctionDeclaration[] }[];
  realtimeInputConfig?: {
    automaticActivityDetection?: {
      disabled?: boolean;
      startOfSpeechSensitivity?: 'START_SENSITIVITY_HIGH' | 'START_SENSITIVITY_LOW';
      endOfSpeechSensitivity?: 'END_SENSITIVITY_HIGH' | 'END_SENSITIVITY_LOW';
      prefixPaddingMs?: number;
      silenceDurationMs?: number;
    };
    /** `NO_INTERRUPTION`: the user's speech does not cut the model's answer short. */
    activityHandling?: 'START_OF_ACTIVITY_INTERRUPTS' | 'NO_INTERRUPTION';
    turnCoverage?: 'TURN_INCLUDES_ONLY_ACTIVITY' | 'TURN_INCLUDES_ALL_INPUT';
  };
  proactivity?: { proactiveAudio?: boolean };
  /** Present (even `{}`): send `inputTranscription` of the audio received. */
  inputAudioTranscription?: Record<string, never>;
  /** Present (even `{}`): send `outputTranscription` of the audio produced. */
  outputAudioTranscription?: Record<string, never>;
  /** Present (even `{}`): send `sessionResumptionUpdate`s; with a `handle`, continue that session. */
  sessionResumption?: { handle?: string; transparent?: boolean };
  /** Drop the oldest turns past `triggerTokens`; lifts the session's time limit. int64s: strings in JSON. */
  contextWindowCompression?: {
    triggerTokens?: string | number;
    slidingWindow?: { targetTokens?: string | number };
  };
}

export interface LiveClientContent {
  turns?: Content[];
  /** Only a `true` here makes the model answer; until then turns just add to the context. */
  turnComplete?: boolean;
}

export interface LiveRealtimeInput {
  audio?: Blob;
  /** The older form of `audio`: a list of blobs. */
  mediaChunks?: Blob[];
  video?: Blob;
  text?: string;
  activityStart?: Record<string, never>;
  activityEnd?: Record<string, never>;
  audioStreamEnd?: boolean;
}

export interface LiveToolResponse {
  functionResponses: { id: string; name?: string; response?: Record<string, unknown> }[];
}

export type LiveClientMessage =
  | { setup: LiveSetup }
  | { clientContent: LiveClientContent }
  | { realtimeInput: LiveRealtimeInput }
  | { toolResponse: LiveToolResponse };

// Server → client.

export interface Transcription {
  /** One piece of the transcription: the pieces of a turn, joined, are the whole text. */
  text: string;
  /** On the last piece of a turn's transcription (the SDKs' `Transcription.finished`). */
  finished?: boolean;
}

export interface ServerContent {
  modelTurn?: { parts: Part[] };
  /** The model finished generating; playback of what was sent may still be going on. */
  generationComplete?: boolean;
  /** The turn is over: the client may speak. */
  turnComplete?: boolean;
  /** A new client turn cut this one short: stop playing what was received. */
  interrupted?: boolean;
  inputTranscription?: Transcription;
  outputTranscription?: Transcription;
}

export interface FunctionCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

export interface ModalityTokenCount {
  modality: Modality;
  tokenCount: number;
}

export interface UsageMetadata {
  /** Tokens of everything the model has read this session: instructions, turns, audio, its own answers. */
  promptTokenCount: number;
  responseTokenCount: number;
  totalTokenCount: number;
  promptTokensDetails: ModalityTokenCount[];
  responseTokensDetails: ModalityTokenCount[];
}

/** Protobuf's JSON: false and empty fields are left out, an int64 is a string. */
export interface SessionResumptionUpdate {
  /** The handle of the state as it is now; absent when it cannot be resumed from here. */
  newHandle?: string;
  resumable?: boolean;
  /** Only with `sessionResumption.transparent`: the last client message the state includes. */
  lastConsumedClientMessageIndex?: string;
}

export interface LiveServerMessage {
  setupComplete?: Record<string, never>;
  serverContent?: ServerContent;
  toolCall?: { functionCalls: FunctionCall[] };
  toolCallCancellation?: { ids: string[] };
  goAway?: { timeLeft: string };
  sessionResumptionUpdate?: SessionResumptionUpdate;
  usageMetadata?: UsageMetadata;
}

/**
 * The kinds a client message may hold: the four the public reference lists, in its order, then
 * `contextUpdate`, which Google's SDKs send (`session.sendContextUpdate`, marked experimental
 * there) to replace the system instruction or the tools for the turns that follow.
 */
export const CLIENT_MESSAGE_KINDS = [
  'setup',
  'clientContent',
  'realtimeInput',
  'toolResponse',
  'contextUpdate',
] as const;

/** The kinds a server message may hold (`usageMetadata` may also ride beside another). */
export const SERVER_MESSAGE_KINDS = [
  'setupComplete',
  'serverContent',
  'toolCall',
  'toolCallCancellation',
  'usageMetadata',
  'goAway',
  'sessionResumptionUpdate',
] as const;

/** Every field that names a Live API message, either way: what the inspector recognises. */
export const LIVE_MESSAGE_KINDS: ReadonlySet<string> = new Set([
  ...CLIENT_MESSAGE_KINDS,
  ...SERVER_MESSAGE_KINDS,
]);

export type ClientMessageKind = (typeof CLIENT_MESSAGE_KINDS)[number];

/**
 * A `google.protobuf.Duration` in its JSON form: seconds with an `s`, fractions only when needed
 * (`10s`, `1.5s`, `0.250s` is written `0.25s`).
 */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms)) / 1000;
  return `${Number(seconds.toFixed(3))}s`;
}

export const INPUT_AUDIO_RATE = 16_000;
export const OUTPUT_AUDIO_RATE = 24_000;
export const OUTPUT_AUDIO_MIME = `audio/pcm;rate=${OUTPUT_AUDIO_RATE}`;
