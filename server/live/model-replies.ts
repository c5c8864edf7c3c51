// What the stand-in "model" says. No model at all: every answer is a fixed function of the input,
// so a test (or a learner) can predict each byte.
import type { FunctionDeclaration } from '../../core/live/live-messages';
import { type AudioLevel, concatSamples, formatDbfs, tone } from '../../core/live/pcm';

const utf8 = new TextEncoder();

export function byteLength(text: string): number {
  return utf8.encode(text).length;
}

/** The answer to a text turn: the text echoed with its size in UTF-8 bytes. */
export function replyToText(text: string): string {
  return `You said "${text}" (${byteLength(text)} bytes).`;
}

/** The answer once a function's result came back. */
export function replyToToolResult(name: string, response: unknown): string {
  let json = JSON.stringify(response) ?? 'null';
  if (json.length > 200) json = `${json.slice(0, 200)}…`;
  return `${name} returned ${json}.`;
}

export interface HeardAudio {
  samples: number;
  rate: number;
  level: AudioLevel;
}

function seconds(samples: number, rate: number): string {
  return (samples / rate).toFixed(2);
}

/** What the input transcription says about the audio received: duration, samples, level. */
export function describeHeardAudio(heard: HeardAudio): string {
  return (
    `(audio: ${seconds(heard.samples, heard.rate)} s, ${heard.samples} samples at ${heard.rate} Hz, ` +
    `peak ${formatDbfs(heard.level.peak)}, RMS ${formatDbfs(heard.level.rms)})`
  );
}

/** The text answer to audio, when the session answers in text. */
export function replyToAudio(heard: HeardAudio): string {
  return (
    `I heard ${seconds(heard.samples, heard.rate)} s of audio: ${heard.samples} samples at ${heard.rate} Hz, ` +
    `peak ${formatDbfs(heard.level.peak)}, RMS ${formatDbfs(heard.level.rms)}.`
  );
}

/** The output transcription of the audio answer: the input played back at another rate. */
export function describeEchoedAudio(samples: number, rate: number): string {
  return `Here is your ${seconds(samples, rate)} s of audio back at ${rate / 1000} kHz.`;
}

/**
 * Splits a reply into the chunks it is streamed in: two words a chunk, each word keeping the
 * spaces after it, so the chunks joined give back the text exactly.
 */
export function chunkText(text: string, wordsPerChunk = 2): string[] {
  const words = text.split(/(?<=\s)(?=\S)/);
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerChunk)
    chunks.push(words.slice(i, i + wordsPerChunk).join(''));
  return chunks.length ? chunks : [''];
}

/**
 * Splits a transcription into the pieces it is streamed in, a few words a message, as the public
 * service streams its transcriptions; joined, they give back the text exactly.
 */
export function transcriptionPieces(text: string): string[] {
  return chunkText(text, 3);
}

const MAX_SPOKEN_WORDS = 40;

/**
 * "Speech" for a text answer when the session answers in audio: one short tone a word, its pitch
 * set by the word's length, with a gap between words. Recognisably a rhythm of words, and exact.
 */
export function speak(text: string, rate: number): Int16Array {
  const words = text.split(/\s+/).filter(Boolean).slice(0, MAX_SPOKEN_WORDS);
  const gap = new Int16Array(Math.round(rate * 0.04));
  const parts: Int16Array[] = [];
  for (const word of words) {
    parts.push(tone(220 + 40 * (word.length % 12), 120, rate, 0.25), gap);
  }
  return concatSamples(parts);
}

/** The first declared function the text names as a whole word, if any. */
export function mentionedFunction(
  text: string,
  functions: readonly FunctionDeclaration[],
): FunctionDeclaration | undefined {
  let best: { at: number; declaration: FunctionDeclaration } | undefined;
  for (const declaration of functions) {
    const at = wordIndex(text, declaration.name);
    if (at >= 0 && (!best || at < best.at)) best = { at, declaration };
  }
  return best?.declaration;
}

function wordIndex(text: string, word: string): number {
  const escaped = word.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  return new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`).exec(text)?.index ?? -1;
}

/**
 * Arguments for a call the text triggered, filled from the declared parameters: a string gets the
 * words after the function's name, a number the text's size in bytes, a boolean `true`.
 */
export function argumentsFor(declaration: FunctionDeclaration, text: string): Record<string, unknown> {
  const at = wordIndex(text, declaration.name);
  const rest = at < 0 ? '' : text.slice(at + declaration.name.length).trim();
  const args: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(declaration.parameters?.properties ?? {})) {
    const type = property.type?.toUpperCase();
    if (type === 'STRING') args[name] = rest;
    else if (type === 'NUMBER' || type === 'INTEGER') args[name] = byteLength(text);
    else if (type === 'BOOLEAN') args[name] = true;
  }
  return args;
}
