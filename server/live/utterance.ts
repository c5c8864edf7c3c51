// The audio of one user turn, collected chunk by chunk until activity ends. It keeps at most a
// minute of samples so a client that never stops talking cannot grow the server's memory; longer
// speech is still counted.
import { INPUT_AUDIO_RATE } from '../../core/live/live-messages';
import { concatSamples } from '../../core/live/pcm';

const MAX_KEPT_SAMPLES = 60 * INPUT_AUDIO_RATE;

export interface HeardSpeech {
  /** The kept samples, trailing silence cut off. */
  samples: Int16Array;
  /** How many samples the speech lasted, kept or not. */
  count: number;
}

export class Utterance {
  private readonly parts: Int16Array[] = [];
  private kept = 0;
  private total = 0;

  append(samples: Int16Array): void {
    this.total += samples.length;
    const room = MAX_KEPT_SAMPLES - this.kept;
    if (room <= 0 || samples.length === 0) return;
    const part = samples.length <= room ? samples.slice() : samples.slice(0, room);
    this.parts.push(part);
    this.kept += part.length;
  }

  /** The speech without its last `trailing` samples (the silence that ended it). */
  finish(trailing: number): HeardSpeech {
    const count = Math.max(0, this.total - trailing);
    return { samples: concatSamples(this.parts).subarray(0, Math.min(this.kept, count)), count };
  }
}
