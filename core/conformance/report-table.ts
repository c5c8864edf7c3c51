// The report as plain text for a terminal: one line a case (id, verdict, time, title), the reason
// under each case that did not pass, and the summary last, where the eye lands.
import type { CaseResult, ConformanceReport } from './report';
import { summaryLine } from './report';

// Control characters a server put in a reason must not move a terminal's cursor.
function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function formatCaseLine(result: CaseResult, idWidth = 8): string {
  const line = `${result.id.padEnd(idWidth)} ${result.verdict.padEnd(10)} ${`${result.durationMs} ms`.padStart(8)}  ${printable(result.title)}`;
  return result.verdict === 'pass'
    ? line
    : `${line}\n${' '.repeat(idWidth + 1)}↳ ${printable(result.reason)}`;
}

export function formatReportTable(report: ConformanceReport): string {
  const idWidth = Math.max(2, ...report.results.map((r) => r.id.length));
  const header = `${'id'.padEnd(idWidth)} ${'verdict'.padEnd(10)} ${'time'.padStart(8)}  title`;
  const lines = report.results.map((result) => formatCaseLine(result, idWidth));
  const seconds = (report.durationMs / 1000).toFixed(1);
  return [header, ...lines, '', `${summaryLine(report.summary)} (${seconds} s)`, ''].join('\n');
}
