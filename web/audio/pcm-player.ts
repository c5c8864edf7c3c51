// Plays 16-bit mono PCM in the page: the Live API's 24 kHz answers that a snippet hands over, and
// audio frames picked in the inspector. One AudioContext for the page, created or resumed from a
// user gesture (Run, a play button) because browsers keep audio silent until the user acts.

export interface PlayerState {
  /** Something is playing or queued. */
  playing: boolean;
  /** Queued audio still to play, in ms. */
  queuedMs: number;
}

export class PcmPlayer {
  private context: AudioContext | null = null;
  private readonly sources = new Set<AudioBufferSourceNode>();
  /** When, on the context's clock, the last queued buffer ends. */
  private endsAt = 0;
  private readonly listeners = new Set<(state: PlayerState) => void>();

  /** Creates or resumes the context; call it while handling a click or key press. */
  unlock(): AudioContext | null {
    if (typeof AudioContext === 'undefined') return null;
    this.context ??= new AudioContext();
    if (this.context.state === 'suspended') void this.context.resume().catch(() => {});
    return this.context;
  }

  /** Queues samples after whatever is queued, as a stream of answer chunks needs; returns their ms. */
  enqueue(samples: Int16Array, rate: number): number {
    const context = this.unlock();
    const ms = (samples.length / rate) * 1000;
    if (!context || samples.length === 0) return ms;
    const buffer = context.createBuffer(1, samples.length, rate);
    const channel = buffer.getChannelData(0);
    for (let i = 0; i < samples.length; i++) channel[i] = samples[i]! / 32768;
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination);
    const startAt = Math.max(context.currentTime + 0.02, this.endsAt);
    source.start(startAt);
    this.endsAt = startAt + buffer.duration;
    this.sources.add(source);
    source.onended = () => {
      this.sources.delete(source);
      this.notify();
    };
    this.notify();
    return ms;
  }

  /** Stops what is playing and drops the queue, then plays these samples. */
  playNow(samples: Int16Array, rate: number): number {
    this.stop();
    return this.enqueue(samples, rate);
  }

  /** Stops at once and forgets the queue: what a voice client does when the user barges in. */
  stop(): void {
    for (const source of this.sources) {
      source.onended = null;
      try {
        source.stop();
      } catch {
        // Never started: nothing to stop.
      }
    }
    this.sources.clear();
    this.endsAt = 0;
    this.notify();
  }

  get state(): PlayerState {
    const now = this.context?.currentTime ?? 0;
    return {
      playing: this.sources.size > 0,
      queuedMs: Math.max(0, Math.round((this.endsAt - now) * 1000)),
    };
  }

  /** Calls `listener` whenever playback starts, ends or is stopped; returns the unsubscribe. */
  subscribe(listener: (state: PlayerState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    const state = this.state;
    for (const listener of this.listeners) listener(state);
  }
}

/** The page's one player: the snippet's answers and the inspector's play buttons share a speaker. */
export const pagePlayer = new PcmPlayer();
