// Automatic activity detection, the stand-in for the public service's voice activity detection:
// speech starts at the first sample louder than a level, and ends once the input has stayed at or
// below that level for a silence window. It counts samples, not wall-clock time, so the same audio
// always splits the same way however fast or slow it arrives.

export type SpeechEvent =
  /** Speech starts at sample `at` of the chunk just fed. */
  | { type: 'start'; at: number }
  /**
   * The silence window closed at sample `at` (exclusive) of the chunk just fed; the last
   * `trailing` samples before it, possibly reaching back into earlier chunks, were silence.
   */
  | { type: 'end'; at: number; trailing: number };

export class SpeechDetector {
  private speaking = false;
  private quiet = 0;
  private readonly silenceSamples: number;

  /**
   * @param silenceSamples how many quiet samples in a row end speech (the silence window)
   * @param level a sample whose magnitude is above this is speech (0 to 32767)
   */
  constructor(
    silenceSamples: number,
    private readonly level: number,
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
        if (loud) {
          this.speaking = true;
          this.quiet = 0;
          events.push({ type: 'start', at: i });
        }
      } else if (loud) {
        this.quiet = 0;
      } else if (++this.quiet >= this.silenceSamples) {
        events.push({ type: 'end', at: i + 1, trailing: this.quiet });
        this.speaking = false;
        this.quiet = 0;
      }
    }
    return events;
  }

  /** Ends speech now (the client said the stream ended); returns the trailing quiet samples. */
  flush(): number | null {
    if (!this.speaking) return null;
    const trailing = this.quiet;
    this.speaking = false;
    this.quiet = 0;
    return trailing;
  }
}
