// Automatic activity detection, the stand-in for the public service's voice activity detection:
// speech starts at the first sample louder than a level (once it has lasted a prefix, when one is
// asked for), and ends once the input has stayed at or below that level for a silence window. It
// counts samples, not wall-clock time, so the same audio always splits the same way however fast
// or slow it arrives.

import { concatSamples } from '../../core/live/pcm';

export type SpeechEvent =
  /**
   * Speech starts at sample `at` of the chunk just fed; when it began in earlier chunks (it had
   * to last the prefix first), `at` is 0 and `held` holds its samples from those chunks.
   */
  | { type: 'start'; at: number; held?: Int16Array }
  /**
   * The silence window closed at sample `at` (exclusive) of the chunk just fed; the last
   * `trailing` samples before it, possibly reaching back into earlier chunks, were silence.
   */
  | { type: 'end'; at: number; trailing: number };

/** Speech heard but not yet long enough to count: since where, how long, and the chunks it spans. */
interface Candidate {
  /** Where it began in the chunk being fed; 0 once it reaches back into earlier chunks. */
  at: number;
  length: number;
  quiet: number;
  held: Int16Array[];
}

export class SpeechDetector {
  private speaking = false;
  private quiet = 0;
  private readonly silenceSamples: number;
  private candidate: Candidate | null = null;

  /**
   * @param silenceSamples how many quiet samples in a row end speech (the silence window)
   * @param level a sample whose magnitude is above this is speech (0 to 32767)
   * @param prefixSamples how long speech must last before its start counts (`prefixPaddingMs`)
   */
  constructor(
    silenceSamples: number,
    private readonly level: number,
    private readonly prefixSamples = 0,
  ) {
    this.silenceSamples = Math.max(1, Math.round(silenceSamples));
  }

  get inSpeech(): boolean {
    return this.speaking;
  }

  /** Quiet samples since the last loud one, while in speech. */
  get trailingQuiet(): number {
    return this.speaking ? this.quiet : 0;
  }

  feed(samples: Int16Array): SpeechEvent[] {
    const events: SpeechEvent[] = [];
    for (let i = 0; i < samples.length; i++) {
      const loud = Math.abs(samples[i]!) > this.level;
      if (!this.speaking) {
        if (this.candidate === null) {
          if (!loud) continue;
          this.candidate = { at: i, length: 0, quiet: 0, held: [] };
        }
        const candidate = this.candidate;
        candidate.length++;
        if (loud) candidate.quiet = 0;
        else if (++candidate.quiet >= this.silenceSamples) {
          // Quiet again before it lasted the prefix: a click, not speech.
          this.candidate = null;
          continue;
        }
        // Counted to a loud sample: quiet after a click does not make it speech.
        if (loud && candidate.length >= this.prefixSamples) {
          this.speaking = true;
          this.quiet = candidate.quiet;
          this.candidate = null;
          const start: SpeechEvent = { type: 'start', at: candidate.at };
          if (candidate.held.length) start.held = concatSamples(candidate.held);
          events.push(start);
        }
      } else if (loud) {
        this.quiet = 0;
      } else if (++this.quiet >= this.silenceSamples) {
        events.push({ type: 'end', at: i + 1, trailing: this.quiet });
        this.speaking = false;
        this.quiet = 0;
      }
    }
    if (this.candidate) {
      this.candidate.held.push(samples.slice(this.candidate.at));
      this.candidate.at = 0;
    }
    return events;
  }

  /** Ends speech now (the client said the stream ended); returns the trailing quiet samples. */
  flush(): number | null {
    this.candidate = null;
    if (!this.speaking) return null;
    const trailing = this.quiet;
    this.speaking = false;
    this.quiet = 0;
    return trailing;
  }
}
