import { describe, expect, it } from 'vitest';
import { audioBlobsOf, describeAudioBlob, formatRate, samplesOfBlob } from '../../../core/live/audio-blobs';
import { bytesFromSamples, tone } from '../../../core/live/pcm';
import { toBase64 } from '../../../core/wire/bytes';

const pcm = (samples: Int16Array): string => toBase64(bytesFromSamples(samples));
const silence = (ms: number, rate: number): string => pcm(new Int16Array((rate * ms) / 1000));

describe('audio blobs in Live API messages', () => {
  it('finds realtimeInput.audio with its duration, rate and size', () => {
    const data = silence(40, 16000);
    const [blob, ...rest] = audioBlobsOf({
      realtimeInput: { audio: { mimeType: 'audio/pcm;rate=16000', data } },
    });
    expect(rest).toEqual([]);
    expect(blob).toEqual({
      path: 'realtimeInput.audio',
      mimeType: 'audio/pcm;rate=16000',
      rate: 16000,
      data,
      bytes: 1280,
      durationMs: 40,
    });
    expect(describeAudioBlob(blob!)).toBe('audio 40 ms · 16 kHz · 1280 B');
  });

  it('finds the older mediaChunks, skipping images', () => {
    const blobs = audioBlobsOf({
      realtimeInput: {
        mediaChunks: [
          { mimeType: 'audio/pcm;rate=8000', data: silence(100, 8000) },
          { mimeType: 'image/jpeg', data: '/9j/4AAQ' },
          { mimeType: 'audio/pcm; rate=48000', data: silence(20, 48000) },
        ],
      },
    });
    expect(blobs.map((b) => [b.path, b.rate, b.durationMs, b.bytes])).toEqual([
      ['realtimeInput.mediaChunks[0]', 8000, 100, 1600],
      ['realtimeInput.mediaChunks[2]', 48000, 20, 1920],
    ]);
  });

  it('finds the model’s audio parts among its text parts, in order', () => {
    const blobs = audioBlobsOf({
      serverContent: {
        modelTurn: {
          parts: [
            { text: 'hello' },
            { inlineData: { mimeType: 'audio/pcm;rate=24000', data: silence(100, 24000) } },
            { inlineData: { mimeType: 'audio/pcm;rate=24000', data: silence(60, 24000) } },
          ],
        },
      },
      usageMetadata: { totalTokenCount: 3 },
    });
    expect(blobs.map((b) => [b.path, b.durationMs, describeAudioBlob(b)])).toEqual([
      ['serverContent.modelTurn.parts[1].inlineData', 100, 'audio 100 ms · 24 kHz · 4800 B'],
      ['serverContent.modelTurn.parts[2].inlineData', 60, 'audio 60 ms · 24 kHz · 2880 B'],
    ]);
  });

  it('counts the bytes of unpadded and padded base64 alike', () => {
    const odd = toBase64(new Uint8Array(1282));
    expect(odd.endsWith('=')).toBe(true);
    const [padded] = audioBlobsOf({
      realtimeInput: { audio: { mimeType: 'audio/pcm;rate=16000', data: odd } },
    });
    expect(padded!.bytes).toBe(1282);
    const [bare] = audioBlobsOf({
      realtimeInput: { audio: { mimeType: 'audio/pcm;rate=16000', data: odd.replace(/=+$/, '') } },
    });
    expect(bare!.bytes).toBe(1282);
  });

  it('leaves out what cannot be timed: no rate, not PCM, no data', () => {
    expect(
      audioBlobsOf({
        realtimeInput: {
          audio: { mimeType: 'audio/pcm', data: 'AAAA' },
          mediaChunks: [
            { mimeType: 'audio/wav;rate=16000', data: 'AAAA' },
            { mimeType: 'audio/pcm;rate=16000' },
            7,
          ],
        },
      }),
    ).toEqual([]);
    for (const junk of [
      null,
      'x',
      [],
      {},
      { serverContent: { modelTurn: { parts: 'no' } } },
      { realtimeInput: 1 },
    ])
      expect(audioBlobsOf(junk)).toEqual([]);
  });

  it('decodes a blob to the samples that were sent', () => {
    const samples = tone(440, 40, 16000, 0.5);
    const [blob] = audioBlobsOf({
      realtimeInput: { audio: { mimeType: 'audio/pcm;rate=16000', data: pcm(samples) } },
    });
    expect(samplesOfBlob(blob!)).toEqual(samples);
  });

  it('refuses to decode bad base64 or half a sample', () => {
    const blob = audioBlobsOf({
      realtimeInput: { audio: { mimeType: 'audio/pcm;rate=16000', data: 'AAAA' } },
    })[0]!;
    expect(samplesOfBlob({ ...blob, data: 'AA!A' })).toBeNull();
    expect(samplesOfBlob({ ...blob, data: toBase64(new Uint8Array(3)) })).toBeNull();
  });

  it('writes rates in kHz without trailing zeros', () => {
    expect([16000, 24000, 22050, 44100, 8000].map(formatRate)).toEqual([
      '16 kHz',
      '24 kHz',
      '22.05 kHz',
      '44.1 kHz',
      '8 kHz',
    ]);
  });
});
