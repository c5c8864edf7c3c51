// Reading the query parameters that choose a service's behaviour (echo, live). Every malformed
// value is an error that names the parameter and what it wants; nothing is silently ignored.

import type { Result } from '../core/result';

export interface IntegerRule {
  min: number;
  max: number;
  /** What the number means, for the error message. */
  meaning: string;
}

export function parseIntegerParam(name: string, value: string, rule: IntegerRule): Result<number> {
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (number >= rule.min && number <= rule.max) return { ok: true, value: number };
  return {
    ok: false,
    error: `${name} must be a whole number from ${rule.min} to ${rule.max} (${rule.meaning}), got "${value}"`,
  };
}

/** `1`, `true` or a bare `name` turn a flag on; `0` or `false` turn it off. */
export function parseFlagParam(name: string, value: string): Result<boolean> {
  if (value === '' || value === '1' || value === 'true') return { ok: true, value: true };
  if (value === '0' || value === 'false') return { ok: true, value: false };
  return { ok: false, error: `${name} must be 1 or 0, got "${value}"` };
}
