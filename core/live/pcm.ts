// Audio as the Live API carries it: 16-bit signed little-endian mono PCM (base64 in JSON: see
// fromBase64's `protobuf` form in ../wire/bytes).
// Pure functions over typed arrays, no Node APIs, so the page could use them too.

// Until live-session.ts imports toBase64 from ../wire/bytes itself; base64 lives there alone.
/** @deprecated use toBase64 from core/wire/bytes. */

/** Reads 16-bit little-endian samples whatever the machine's byte order. `bytes.length` must be even. */
export function samplesFromBytes(bytes: Uint8Array): Int16Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const samples = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true);
  return samples;
}

export function bytesFromSamples(samples: Int16Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
  return bytes;
}

/**
 * Linear-interpolation resampling: `round(n · to / from)` samples, each read at its own instant
 * of the input. Enough to hear the input played back at another rate; not a studio filter.
 */
export function resample(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return samples.slice();
  const length = Math.round((samples.length * toRate) / fromRate);
  const out = new Int16Array(length);
  const last = samples.length - 1;
  for (let i = 0; i < length; i++) {
    const position = (i * fromRate) / toRate;
    const left = Math.min(Math.floor(position), last);
    const right = Math.min(left + 1, last);
    const fraction = position - left;
    out[i] = Math.round(samples[left]! + (samples[right]! - samples[left]!) * fraction);
  }
  return out;
}

export interface AudioLevel {
  /** Largest absolute sample, 0 to 1 of full scale. */
  peak: number;
  /** Root mean square, 0 to 1 of full scale. */
  rms: number;
}

export function levelOf(samples: Int16Array): AudioLevel {
  let peak = 0;
  let sumSquares = 0;
  for (const sample of samples) {
    const magnitude = Math.abs(sample);
    if (magnitude > peak) peak = magnitude;
    sumSquares += sample * sample;
  }
  const rms = samples.length ? Math.sqrt(sumSquares / samples.length) : 0;
  return { peak: Math.min(peak / 32768, 1), rms: rms / 32768 };
}

/** `-6.0 dBFS`; `-inf dBFS` for digital silence. */
export function formatDbfs(level: number): string {
  return level > 0 ? `${(20 * Math.log10(level)).toFixed(1)} dBFS` : '-inf dBFS';
}

/** A sine tone, `amplitude` of full scale, with 5 ms fades so it does not click. */
export function tone(frequency: number, ms: number, rate: number, amplitude: number): Int16Array {
  const length = Math.round((ms * rate) / 1000);
  const fade = Math.min(Math.round(rate / 200), length >> 1);
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    const envelope = Math.min(1, i / fade || 0, (length - 1 - i) / fade || 0);
    out[i] = Math.round(Math.sin((2 * Math.PI * frequency * i) / rate) * amplitude * envelope * 32767);
  }
  return out;
}

export function concatSamples(parts: readonly Int16Array[]): Int16Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Int16Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
