// The public service's time limits and the one knob, timeScale, that shrinks them all.
import { describe, expect, it } from 'vitest';
import { parseLiveOptions } from '../../../server/live/live-options';
import {
  compressionSettings,
  DEFAULT_TRIGGER_TOKENS,
  PUBLIC_LIMITS,
  scaled,
  sessionEndsAt,
} from '../../../server/live/session-limits';

const parse = (query: string) => parseLiveOptions(new URLSearchParams(query));

describe('session limits', () => {
  it('are the public service’s at timeScale 1', () => {
    expect(PUBLIC_LIMITS).toEqual({
      connectionMs: 600_000,
      goAwayMs: 60_000,
      audioSessionMs: 900_000,
      videoSessionMs: 120_000,
      handleLifetimeMs: 7_200_000,
    });
    expect(parse('')).toMatchObject({ value: { timeScale: 1, sessionMs: 600_000, goAwayMs: 60_000 } });
  });

  it('turn minutes into seconds at timeScale=60', () => {
    expect(parse('timeScale=60')).toMatchObject({
      value: { timeScale: 60, sessionMs: 10_000, goAwayMs: 1000 },
    });
    expect(sessionEndsAt({ startedAt: 0, video: false, compressed: false }, 60)).toBe(15_000);
    expect(sessionEndsAt({ startedAt: 0, video: true, compressed: false }, 60)).toBe(2_000);
    expect(scaled(PUBLIC_LIMITS.handleLifetimeMs, 60)).toBe(120_000);
  });

  it('leave sessionMs, goAwayMs and goAwayAfter as given', () => {
    expect(parse('timeScale=60&sessionMs=5000&goAwayMs=1000')).toMatchObject({
      value: { sessionMs: 5000, goAwayMs: 1000 },
    });
    expect(parse('timeScale=10&goAwayAfter=300')).toMatchObject({
      value: { sessionMs: 6300, goAwayMs: 6000 },
    });
  });

  it('never shrink below a millisecond', () => {
    expect(scaled(PUBLIC_LIMITS.goAwayMs, 100_000)).toBe(1);
  });

  it('refuse a timeScale that is not a whole number from 1', () => {
    expect(parse('timeScale=0')).toMatchObject({ ok: false });
    expect(parse('timeScale=1.5')).toMatchObject({ ok: false });
  });

  it('are lifted by compression', () => {
    expect(sessionEndsAt({ startedAt: 0, video: true, compressed: true }, 1)).toBeUndefined();
  });
});

describe('compression settings', () => {
  it('default to 80% of a 128k window, and a target of half the trigger', () => {
    expect(DEFAULT_TRIGGER_TOKENS).toBe(104_857);
    expect(compressionSettings()).toEqual({ triggerTokens: 104_857, targetTokens: 52_428 });
    expect(compressionSettings(1000)).toEqual({ triggerTokens: 1000, targetTokens: 500 });
    expect(compressionSettings(1000, 900)).toEqual({ triggerTokens: 1000, targetTokens: 900 });
  });
});
