// `npm run conformance -- ws://127.0.0.1:8765/echo`: checks a WebSocket server against the
// conformance cases and prints the verdicts. Exit 0: no case failed; 1: some did; 2: a usage
// error, or the target could not be reached at all.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderReportHtml } from '../../core/conformance/report-html';
import { formatReportTable } from '../../core/conformance/report-table';
import { selectCases } from '../../core/conformance/suite';
import { ConformanceTargetError, runConformance } from '../conformance/runner';
import { checkConformanceTarget } from '../conformance/target-check';
import { CONFORMANCE_USAGE, parseConformanceArgs } from './conformance-args';

const usageError = (message: string, showUsage = true): never => {
  process.stderr.write(`conformance: ${message}\n${showUsage ? `\n${CONFORMANCE_USAGE}` : ''}`);
  process.exit(2);
};

const parsed = parseConformanceArgs(process.argv.slice(2));
if (!parsed.ok) usageError(parsed.error);
const args = parsed.ok ? parsed.args : usageError('unreadable arguments');
if (args.help) {
  process.stdout.write(CONFORMANCE_USAGE);
  process.exit(0);
}
const cases = selectCases(args.patterns);
if (cases.length === 0)
  usageError(`no case matches ${args.patterns.join(', ')} (--list shows them all)`, false);
if (args.list) {
  process.stdout.write(`${cases.map((c) => `${c.id.padEnd(8)} ${c.title}`).join('\n')}\n`);
  process.exit(0);
}
const url = args.url!;
const allowed = checkConformanceTarget(url, args.allowTargets);
if (!allowed.ok) usageError(allowed.error, false);

let ca: Buffer | undefined;
if (args.caFile) {
  try {
    ca = readFileSync(args.caFile);
  } catch (error) {
    usageError(`cannot read --ca ${args.caFile}: ${(error as Error).message}`, false);
  }
}

const progress = process.stderr.isTTY;
try {
  const report = await runConformance({
    url,
    cases,
    timeoutMs: args.timeoutMs,
    concurrency: args.concurrency,
    insecure: args.insecure,
    ...(ca ? { ca } : {}),
    onProgress: progress
      ? ({ done, total }) => process.stderr.write(`\r${done}/${total} cases${done === total ? '\n' : ''}`)
      : undefined,
  });
  process.stdout.write(formatReportTable(report));
  if (!report.echo) {
    process.stdout.write('Note: the server did not echo a probe text, so every echo case fails.\n');
  }
  const files: [string | undefined, () => string][] = [
    [args.jsonFile, () => `${JSON.stringify(report, null, 2)}\n`],
    [args.htmlFile, () => renderReportHtml(report)],
  ];
  for (const [file, content] of files) {
    if (!file) continue;
    try {
      writeFileSync(file, content());
      process.stdout.write(`Wrote ${file}\n`);
    } catch (error) {
      process.stderr.write(`conformance: cannot write ${file}: ${(error as Error).message}\n`);
      process.exit(2);
    }
  }
  process.exit(report.summary.fail > 0 ? 1 : 0);
} catch (error) {
  if (error instanceof ConformanceTargetError) {
    process.stderr.write(`conformance: cannot check ${url}: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
