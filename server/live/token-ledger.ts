// Plausible token counts for `usageMetadata`. There is no tokenizer here, only the public rules of
// thumb: about 4 bytes of English text a token, and 32 tokens a second of audio.
import type { Modality, ModalityTokenCount, UsageMetadata } from '../../core/live/live-messages';
import { byteLength } from './model-replies';

export const AUDIO_TOKENS_PER_SECOND = 32;
const BYTES_PER_TEXT_TOKEN = 4;

export function textTokens(text: string): number {
  return Math.ceil(byteLength(text) / BYTES_PER_TEXT_TOKEN);
}

export function audioTokens(samples: number, rate: number): number {
  return Math.ceil((samples / rate) * AUDIO_TOKENS_PER_SECOND);
}

/**
 * Counts what the model has read this session. A live session is one growing context: each
 * answer's prompt is everything so far (instructions, turns, audio, earlier answers).
 */
export class TokenLedger {
  private readonly context: Record<Modality, number> = { TEXT: 0, AUDIO: 0 };
  /** Audio arrives in small chunks: count its samples and round once, not once a chunk. */
  private heardSamples = 0;
  private heardTokens = 0;

  read(modality: Modality, tokens: number): void {
    this.context[modality] += tokens;
  }

  hear(samples: number, rate: number): void {
    this.heardSamples += samples;
    const tokens = audioTokens(this.heardSamples, rate);
    this.context.AUDIO += tokens - this.heardTokens;
    this.heardTokens = tokens;
  }

  /** The context's tokens by modality, as they stand now. */
  totals(): Record<Modality, number> {
    return { ...this.context };
  }

  /** Adds turns to the context (a resumed session's), or with `-1` takes them out (compression). */
  adjust(tokens: Readonly<Record<Modality, number>>, sign: 1 | -1): void {
    for (const modality of Object.keys(this.context) as Modality[]) {
      this.context[modality] += sign * tokens[modality];
    }
  }

  /** The usage of one answer; the answer then joins the context the next one reads. */
  answer(modality: Modality, tokens: number): UsageMetadata {
    const promptTokensDetails = details(this.context);
    const promptTokenCount = promptTokensDetails.reduce((sum, entry) => sum + entry.tokenCount, 0);
    this.context[modality] += tokens;
    return {
      promptTokenCount,
      responseTokenCount: tokens,
      totalTokenCount: promptTokenCount + tokens,
      promptTokensDetails,
      responseTokensDetails: [{ modality, tokenCount: tokens }],
    };
  }
}

function details(counts: Record<Modality, number>): ModalityTokenCount[] {
  return (Object.keys(counts) as Modality[])
    .filter((modality) => counts[modality] > 0)
    .map((modality) => ({ modality, tokenCount: counts[modality] }));
}
