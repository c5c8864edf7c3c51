// Every conformance case, in id order, and the one way of choosing some of them.
import type { ConformanceCase } from './case';
import { opcodeCases, reservedBitCases } from './cases-bits';
import { closingCases } from './cases-closing';
import { fragmentationCases } from './cases-fragmentation';
import { framingCases, pingPongCases } from './cases-framing';
import { utf8Cases } from './cases-utf8';

export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  ...framingCases,
  ...pingPongCases,
  ...reservedBitCases,
  ...opcodeCases,
  ...fragmentationCases,
  ...utf8Cases,
  ...closingCases,
];

/**
 * Does `id` match `pattern`? `*` stands for any run of characters; a pattern without one matches
 * the id itself and the ids under it, so `5` and `5.*` both pick group 5, and `6.17` its seven cases.
 */
export function caseMatches(id: string, pattern: string): boolean {
  const trimmed = pattern.trim();
  if (!trimmed.includes('*')) return id === trimmed || id.startsWith(`${trimmed}.`);
  const source = trimmed
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(id);
}

/** The cases any of the patterns pick, in suite order; all of them for no pattern. */
export function selectCases(
  patterns: readonly string[],
  cases: readonly ConformanceCase[] = CONFORMANCE_CASES,
): ConformanceCase[] {
  if (patterns.length === 0) return [...cases];
  return cases.filter((c) => patterns.some((pattern) => caseMatches(c.id, pattern)));
}
