// The audio a Live API message carries, found where the API puts it: a client's
// `realtimeInput.audio` and older `realtimeInput.mediaChunks[]`, and the model's
// `serverContent.modelTurn.parts[].inlineData`. Each is a Blob of base64 16-bit little-endian mono
// PCM with its rate in the MIME type (`audio/pcm;rate=16000`). Pure and browser-safe: the
// inspector imports it to show each blob's duration and play it.

import { isJsonObject } from '../json';
import { base64ByteLength, fromBase64 } from '../wire/bytes';
import { samplesFromBytes } from './pcm';

export interface AudioBlob {
  /** Where the blob sits in the message, e.g. `serverContent.modelTurn.parts[2].inlineData`. */
  path: string;
  mimeType: string;
  /** Samples a second, from the MIME type's `rate=`. */
  rate: number;
  /** The base64 PCM as it was sent. */
  data: string;
  /** Bytes the base64 stands for, worked out from its length. */
  bytes: number;
  durationMs: number;
}

const PCM_RATE = /^audio\/pcm\s*;\s*rate\s*=\s*(\d+)\s*$/i;

function blobAt(value: unknown, path: string): AudioBlob | null {
  if (!isJsonObject(value)) return null;
  const { mimeType, data } = value;
  if (typeof mimeType !== 'string' || typeof data !== 'string') return null;
  // Only PCM with a stated rate can be timed and played; images in mediaChunks are not audio.
  const rate = Number(PCM_RATE.exec(mimeType)?.[1] ?? 0);
  if (rate <= 0) return null;
  const bytes = base64ByteLength(data);
  // 16-bit mono: two bytes a sample.
  const durationMs = Math.round((bytes / 2 / rate) * 1000);
  return { path, mimeType, rate, data, bytes, durationMs };
}

/** Every PCM audio blob in a parsed Live API message, in the order the message holds them. */
export function audioBlobsOf(message: unknown): AudioBlob[] {
  if (!isJsonObject(message)) return [];
  const found: (AudioBlob | null)[] = [];
  const input = message.realtimeInput;
  if (isJsonObject(input)) {
    found.push(blobAt(input.audio, 'realtimeInput.audio'));
    if (Array.isArray(input.mediaChunks)) {
      input.mediaChunks.forEach((chunk: unknown, i) => {
        found.push(blobAt(chunk, `realtimeInput.mediaChunks[${i}]`));
      });
    }
  }
  const content = message.serverContent;
  const turn = isJsonObject(content) ? content.modelTurn : undefined;
  if (isJsonObject(turn) && Array.isArray(turn.parts)) {
    turn.parts.forEach((part: unknown, i) => {
      if (isJsonObject(part))
        found.push(blobAt(part.inlineData, `serverContent.modelTurn.parts[${i}].inlineData`));
    });
  }
  return found.filter((blob) => blob !== null);
}

/**
 * The blob's samples, ready for a player; null when its data is not strict base64 or holds an odd
 * number of bytes (half a 16-bit sample), which the Live API refuses too.
 */
export function samplesOfBlob(blob: AudioBlob): Int16Array | null {
  const bytes = fromBase64(blob.data, 'protobuf');
  if (!bytes || bytes.length % 2 !== 0) return null;
  return samplesFromBytes(bytes);
}

/** `16 kHz`, `22.05 kHz`: how the rate reads beside the duration. */
export function formatRate(rate: number): string {
  return `${Number((rate / 1000).toFixed(2))} kHz`;
}

/** The one-line description the inspector shows: `audio 40 ms · 16 kHz · 1280 B`. */
export function describeAudioBlob(blob: AudioBlob): string {
  return `audio ${blob.durationMs} ms · ${formatRate(blob.rate)} · ${blob.bytes} B`;
}
