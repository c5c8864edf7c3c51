import { describe, expect, it } from 'vitest';
import { detectorFor } from '../../../server/live/activity-detection';
import { LIVE_MODELS, unknownModelReason } from '../../../server/live/live-models';

const defaults = { silenceMs: 100, silenceLevel: 500 };
// 16 samples a millisecond at 16 kHz.
const loud = (ms: number, level = 4000): Int16Array => new Int16Array(ms * 16).fill(level);
const quiet = (ms: number): Int16Array => new Int16Array(ms * 16);

/** How many ms of quiet after 10 ms of speech end it. */
function silenceWindowMs(setup: Parameters<typeof detectorFor>[0]): number {
  const detector = detectorFor(setup, defaults);
  detector.feed(loud(10));
  const [end] = detector.feed(quiet(1000));
  return end!.at / 16;
}

describe('detectorFor', () => {
  it('ends speech after the query silence, or setup silenceDurationMs when given', () => {
    expect(silenceWindowMs({})).toBe(100);
    expect(silenceWindowMs({ silenceMs: 300 })).toBe(300);
  });

  it('halves or doubles the silence window for a high or low end-of-speech sensitivity', () => {
    expect(silenceWindowMs({ endSensitivity: 'END_SENSITIVITY_HIGH' })).toBe(50);
    expect(silenceWindowMs({ endSensitivity: 'END_SENSITIVITY_LOW' })).toBe(200);
    expect(silenceWindowMs({ endSensitivity: 'END_SENSITIVITY_LOW', silenceMs: 80 })).toBe(80);
  });

  it('hears quieter speech with a high start-of-speech sensitivity, and needs louder with a low one', () => {
    const hears = (setup: Parameters<typeof detectorFor>[0], level: number): boolean =>
      detectorFor(setup, defaults).feed(loud(5, level)).length > 0;
    expect(hears({}, 400)).toBe(false);
    expect(hears({ startSensitivity: 'START_SENSITIVITY_HIGH' }, 400)).toBe(true);
    expect(hears({}, 800)).toBe(true);
    expect(hears({ startSensitivity: 'START_SENSITIVITY_LOW' }, 800)).toBe(false);
  });
});

describe('unknownModelReason', () => {
  it('knows the documented Live models, with or without models/', () => {
    for (const model of LIVE_MODELS) {
      expect(unknownModelReason(model, 'v1beta')).toBeUndefined();
      expect(unknownModelReason(`models/${model}`, 'v1beta')).toBeUndefined();
    }
  });

  it('refuses any other in the service words, with the API version of the path', () => {
    expect(unknownModelReason('gemini-pro', 'v1alpha')).toBe(
      'models/gemini-pro is not found for API version v1alpha, or is not supported for bidiGenerateContent. ' +
        'Call ListModels to see the list of available models and their supported methods.',
    );
  });
});
