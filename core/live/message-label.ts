// One-line labels for Live API messages, for the inspector's frame rows: `setup`,
// `realtimeInput · audio 40 ms`, `serverContent · turnComplete`. Pure and browser-safe: the page
// imports it. Never throws; anything that is not a Live API message gets null.

import { isJsonObject, type JsonObject } from '../json';
import { base64ByteLength } from '../wire/bytes';
import { LIVE_MESSAGE_KINDS } from './live-messages';

/** Milliseconds of 16-bit mono PCM in a base64 string, from the rate in its MIME type. */
export function pcmDurationMs(base64: unknown, mimeType: unknown): number | null {
  if (typeof base64 !== 'string' || typeof mimeType !== 'string') return null;
  const rate = /rate=(\d+)/.exec(mimeType);
  if (!mimeType.startsWith('audio/pcm') || !rate) return null;
  const bytes = base64ByteLength(base64);
  return Math.round((bytes / 2 / Number(rate[1])) * 1000);
}

function audio(blob: unknown): string | null {
  if (!isJsonObject(blob)) return null;
  const ms = pcmDurationMs(blob.data, blob.mimeType);
  return ms === null ? null : `audio ${ms} ms`;
}

function parts(modelTurn: unknown): string[] {
  if (!isJsonObject(modelTurn) || !Array.isArray(modelTurn.parts)) return [];
  return modelTurn.parts.flatMap((part: unknown) => {
    if (!isJsonObject(part)) return [];
    if (typeof part.text === 'string') return ['text'];
    const sound = audio(part.inlineData);
    return sound ? [sound] : [];
  });
}

function label(message: JsonObject): string | null {
  const [kind] = Object.keys(message);
  if (kind === undefined) return null;
  const body = message[kind];
  const details: string[] = [];
  switch (kind) {
    case 'setup':
    case 'setupComplete':
    case 'toolCallCancellation':
    case 'usageMetadata':
      break;
    case 'sessionResumptionUpdate':
      // Protobuf's JSON leaves a false `resumable` out: `{}` is the "not resumable" update.
      details.push(isJsonObject(body) && body.resumable === true ? 'resumable' : 'not resumable');
      if (isJsonObject(body) && typeof body.lastConsumedClientMessageIndex === 'string')
        details.push(`index ${body.lastConsumedClientMessageIndex}`);
      break;
    case 'clientContent':
      if (isJsonObject(body) && body.turnComplete === true) details.push('turnComplete');
      break;
    case 'realtimeInput':
      if (!isJsonObject(body)) break;
      if (body.audio) details.push(audio(body.audio) ?? 'audio');
      if (Array.isArray(body.mediaChunks))
        details.push(...body.mediaChunks.map((chunk) => audio(chunk) ?? 'media'));
      for (const key of ['text', 'activityStart', 'activityEnd', 'audioStreamEnd'])
        if (key in body) details.push(key);
      break;
    case 'serverContent':
      if (!isJsonObject(body)) break;
      details.push(...parts(body.modelTurn));
      for (const key of [
        'inputTranscription',
        'outputTranscription',
        'interrupted',
        'generationComplete',
        'turnComplete',
      ]) {
        if (body[key] !== undefined && body[key] !== false) details.push(key);
      }
      break;
    case 'toolCall':
      if (isJsonObject(body) && Array.isArray(body.functionCalls)) {
        details.push(
          ...body.functionCalls.map((call: unknown) => (isJsonObject(call) ? String(call.name) : '?')),
        );
      }
      break;
    case 'toolResponse':
      if (isJsonObject(body) && Array.isArray(body.functionResponses)) {
        details.push(
          ...body.functionResponses.map((r: unknown) => (isJsonObject(r) ? `id ${String(r.id)}` : '?')),
        );
      }
      break;
    case 'goAway':
      if (isJsonObject(body) && typeof body.timeLeft === 'string') details.push(`timeLeft ${body.timeLeft}`);
      break;
    default:
      return null;
  }
  // A server message can carry usageMetadata beside its main field.
  return [kind, ...details].join(' · ');
}

/** The label of a Live API message already parsed from JSON, or null for anything else. */
export function liveMessageLabelOf(value: unknown): string | null {
  return isJsonObject(value) ? label(value) : null;
}

/**
 * The label of JSON text that does not parse (cut short by the tap's payload cap, or not JSON):
 * its first key when that is a known kind, else null.
 */
export function cutShortLiveLabel(text: string): string | null {
  const first = /^\{\s*"(\w+)"/.exec(text);
  return first && LIVE_MESSAGE_KINDS.has(first[1]!) ? `${first[1]} (cut short)` : null;
}

/** The label of a Live API message given as JSON text, or null for anything else. */
export function liveMessageLabel(text: string | undefined): string | null {
  if (text === undefined || text.length === 0 || text[0] !== '{') return null;
  try {
    return liveMessageLabelOf(JSON.parse(text));
  } catch {
    return cutShortLiveLabel(text);
  }
}
