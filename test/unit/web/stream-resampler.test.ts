import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Chunker, floatToInt16, StreamResampler } from '../../../web/audio/stream-resampler';

function sine(frequency: number, rate: number, samples: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(samples);
  for (let i = 0; i < samples; i++) out[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / rate);
  return out;
}

/** Upward zero crossings per second: the dominant frequency of a clean tone. */
function frequencyOf(samples: Int16Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 && samples[i]! >= 0) crossings++;
  return crossings / (samples.length / rate);
}

function pushInPieces(resampler: StreamResampler, input: Float32Array, cuts: number[]): Int16Array {
  const parts: number[] = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < input.length)].sort((a, b) => a - b)) {
    parts.push(...resampler.push(input.subarray(at, cut)));
    at = cut;
  }
  parts.push(...resampler.push(input.subarray(at)));
  return Int16Array.from(parts);
}

describe('floatToInt16', () => {
  it('maps full scale to ±32767 and clips beyond it', () => {
    expect(floatToInt16(0)).toBe(0);
    expect(floatToInt16(1)).toBe(32767);
    expect(floatToInt16(-1)).toBe(-32767);
    expect(floatToInt16(3)).toBe(32767);
    expect(floatToInt16(-3)).toBe(-32767);
    expect(floatToInt16(0.5)).toBe(16384);
  });
});

describe('StreamResampler', () => {
  it.each([
    [48_000, 16_000],
    [44_100, 16_000],
    [16_000, 24_000],
    [16_000, 16_000],
  ])('turns one second at %i Hz into one second at %i Hz, the tone unchanged', (from, to) => {
    const out = new StreamResampler(from, to).push(sine(440, from, from));
    expect(Math.abs(out.length - to)).toBeLessThanOrEqual(2);
    expect(frequencyOf(out, to)).toBeGreaterThan(435);
    expect(frequencyOf(out, to)).toBeLessThan(445);
  });

  it('gives the same samples however the input is split into blocks', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(48_000, 44_100, 22_050, 8_000),
        fc.constantFrom(16_000, 24_000),
        fc.array(fc.integer({ min: 0, max: 4_800 }), { maxLength: 12 }),
        (from, to, cuts) => {
          const input = sine(300, from, 4_800);
          const whole = new StreamResampler(from, to).push(input);
          expect(pushInPieces(new StreamResampler(from, to), input, cuts)).toEqual(whole);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('averages when downsampling, so a tone above the new Nyquist frequency is much quieter', () => {
    // 7.9 kHz is just under 8 kHz, the Nyquist frequency of 16 kHz output; 12 kHz is above it and
    // would fold back to 4 kHz at full strength if samples were just picked.
    const peak = (samples: Int16Array) => samples.reduce((max, s) => Math.max(max, Math.abs(s)), 0);
    const above = new StreamResampler(48_000, 16_000).push(sine(12_000, 48_000, 4_800, 0.9));
    expect(peak(above)).toBeLessThan(0.35 * 32767);
  });

  it('rejects rates that are not positive', () => {
    expect(() => new StreamResampler(0, 16_000)).toThrow(/positive/);
  });
});

describe('Chunker', () => {
  it('hands on fixed-size chunks across pushes and keeps the rest for flush', () => {
    const chunks: Int16Array[] = [];
    const chunker = new Chunker(640, (chunk) => chunks.push(chunk));
    const samples = Int16Array.from({ length: 1500 }, (_, i) => i);
    chunker.push(samples.subarray(0, 100));
    chunker.push(samples.subarray(100, 1300));
    chunker.push(samples.subarray(1300));
    expect(chunks.map((c) => c.length)).toEqual([640, 640]);
    expect(chunks[1]![0]).toBe(640);
    const rest = chunker.flush();
    expect(rest?.length).toBe(220);
    expect(rest?.[0]).toBe(1280);
    expect(chunker.flush()).toBeNull();
  });
});
