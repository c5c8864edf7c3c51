import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bytesFromSamples,
  formatDbfs,
  levelOf,
  resample,
  samplesFromBytes,
  tone,
} from '../../../core/live/pcm';

describe('16-bit PCM', () => {
  it('reads samples little-endian and writes them back', () => {
    const bytes = Uint8Array.of(0x01, 0x00, 0xff, 0x7f, 0x00, 0x80, 0xff, 0xff);
    const samples = samplesFromBytes(bytes);
    expect([...samples]).toEqual([1, 32767, -32768, -1]);
    expect(bytesFromSamples(samples)).toEqual(bytes);
  });

  it('reads samples from a view that starts at an odd offset of its buffer', () => {
    const buffer = Uint8Array.of(0xaa, 0x02, 0x00, 0xfe, 0xff);
    expect([...samplesFromBytes(buffer.subarray(1))]).toEqual([2, -2]);
  });

  it('resamples 16 kHz to 24 kHz into three samples for every two, exact where the instants meet', () => {
    const input = Int16Array.from({ length: 160 }, (_, i) => i * 100);
    const output = resample(input, 16_000, 24_000);
    expect(output).toHaveLength(240);
    for (let i = 0; i < 240; i += 3) expect(output[i]).toBe(input[(i * 2) / 3]);
    expect(output[1]).toBe(67); // a third of the way from 0 to 100, rounded
  });

  it('resamples to any length without reading past the input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 100 }),
        fc.constantFrom(8000, 16_000, 22_050, 24_000, 48_000),
        fc.constantFrom(8000, 16_000, 24_000, 44_100),
        (values, from, to) => {
          const output = resample(Int16Array.from(values), from, to);
          expect(output).toHaveLength(Math.round((values.length * to) / from));
          for (const sample of output) expect(Number.isInteger(sample)).toBe(true);
        },
      ),
    );
  });

  it('measures peak and RMS against full scale, and names digital silence', () => {
    const square = Int16Array.from({ length: 100 }, (_, i) => (i % 2 ? -16384 : 16384));
    expect(levelOf(square)).toEqual({ peak: 0.5, rms: 0.5 });
    expect(formatDbfs(0.5)).toBe('-6.0 dBFS');
    expect(levelOf(new Int16Array(10))).toEqual({ peak: 0, rms: 0 });
    expect(formatDbfs(0)).toBe('-inf dBFS');
    expect(levelOf(new Int16Array(0))).toEqual({ peak: 0, rms: 0 });
  });

  it('makes a tone of the asked length that fades in and out', () => {
    const samples = tone(440, 100, 24_000, 0.5);
    expect(samples).toHaveLength(2400);
    expect(samples[0]).toBe(0);
    expect(levelOf(samples).peak).toBeCloseTo(0.5, 2);
  });
});
