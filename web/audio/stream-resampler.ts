// Turns the microphone's float samples (at the sound card's rate, usually 44.1 or 48 kHz) into
// 16-bit PCM at the rate a protocol asks for (16 kHz for the Live API's input). It works on a
// stream: however the input is split into blocks, the output is the same, because each output
// sample's position is computed from its index, never accumulated.

/** A float sample in [-1, 1] as a 16-bit signed integer, clipped. */
export function floatToInt16(sample: number): number {
  const clipped = Math.max(-1, Math.min(1, sample));
  return Math.round(clipped * 32767);
}

export class StreamResampler {
  /** Input samples not yet used up (the tail the next output samples still need). */
  private pending = new Float32Array(0);
  /** How many input samples before `pending` were dropped. */
  private dropped = 0;
  /** Index of the next output sample. */
  private produced = 0;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    if (!(fromRate > 0 && toRate > 0))
      throw new RangeError(`sample rates must be positive: ${fromRate} → ${toRate}`);
  }

  /** Feeds a block of input; returns the output samples it completes. */
  push(input: Float32Array): Int16Array {
    const buffer = new Float32Array(this.pending.length + input.length);
    buffer.set(this.pending);
    buffer.set(input, this.pending.length);
    const { fromRate, toRate } = this;
    const downsampling = fromRate > toRate;
    const out: number[] = [];
    for (;;) {
      // Where output sample n falls in the input, counted from the start of the stream.
      const start = (this.produced * fromRate) / toRate - this.dropped;
      if (downsampling) {
        // Average the input samples this output sample stands for: a box filter as wide as one
        // output period, which keeps most of what lies above the new Nyquist frequency out.
        const end = ((this.produced + 1) * fromRate) / toRate - this.dropped;
        const from = Math.floor(start);
        const to = Math.floor(end);
        if (to > buffer.length) break;
        let sum = 0;
        for (let i = from; i < to; i++) sum += buffer[i]!;
        out.push(floatToInt16(to > from ? sum / (to - from) : buffer[from]!));
      } else {
        // Upsampling (or the same rate): interpolate between the two neighbours.
        const left = Math.floor(start);
        if (left + 1 >= buffer.length) break;
        const fraction = start - left;
        out.push(floatToInt16(buffer[left]! + (buffer[left + 1]! - buffer[left]!) * fraction));
      }
      this.produced++;
    }
    const keep = Math.max(0, Math.floor((this.produced * fromRate) / toRate - this.dropped));
    this.pending = buffer.slice(Math.min(keep, buffer.length));
    this.dropped += Math.min(keep, buffer.length);
    return Int16Array.from(out);
  }
}

/** Collects samples and hands them on in chunks of a fixed size: 40 ms at 16 kHz is 640 samples. */
export class Chunker {
  private buffer: Int16Array;
  private filled = 0;

  constructor(
    readonly chunkSamples: number,
    private readonly onChunk: (chunk: Int16Array) => void,
  ) {
    this.buffer = new Int16Array(chunkSamples);
  }

  push(samples: Int16Array): void {
    let at = 0;
    while (at < samples.length) {
      const take = Math.min(this.chunkSamples - this.filled, samples.length - at);
      this.buffer.set(samples.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === this.chunkSamples) {
        this.onChunk(this.buffer);
        this.buffer = new Int16Array(this.chunkSamples);
        this.filled = 0;
      }
    }
  }

  /** What is left, shorter than a chunk (at the end of a recording), or null. */
  flush(): Int16Array | null {
    if (this.filled === 0) return null;
    const rest = this.buffer.slice(0, this.filled);
    this.filled = 0;
    return rest;
  }
}
