import { DEFAULT_CASE_TIMEOUT_MS, MAX_CONCURRENCY } from '../conformance/runner';
import { readFlags } from './flags';

export const CONFORMANCE_USAGE = `Usage: npm run conformance -- ws://HOST:PORT/PATH [options]

Checks a WebSocket server against RFC 6455: each case opens its own connection, sends frames
(valid ones and deliberately broken ones) and judges the server's answer: pass, non-strict
(does what the RFC requires, not what it recommends) or fail.

Options:
  --case PATTERN        run only these cases, e.g. 5.* or 6.17 or 7.1.1 (repeatable, or
                        comma-separated)
  --timeout MS          how long each case may wait for the server (default ${DEFAULT_CASE_TIMEOUT_MS})
  --json FILE           write the whole report as JSON
  --html FILE           write the report as one self-contained HTML file
  --concurrency N       run N cases at once, 1 to ${MAX_CONCURRENCY} (default 1)
  --allow-target H[:P]  allow this non-loopback host (repeatable); loopback is always allowed
  --ca FILE             trust these PEM certificates for a wss:// target
  --insecure            accept any certificate from a wss:// target (self-signed test servers)
  --list                list the cases and exit
  -h, --help            show this help

Exit codes: 0 no case failed, 1 some case failed, 2 a usage error or the target cannot be
reached (nothing listening, no WebSocket endpoint at that path, a TLS failure).
`;

export interface ConformanceArgs {
  url?: string;
  patterns: string[];
  timeoutMs: number;
  jsonFile?: string;
  htmlFile?: string;
  concurrency: number;
  allowTargets: string[];
  caFile?: string;
  insecure: boolean;
  list: boolean;
  help: boolean;
}

export type ParsedConformanceArgs = { ok: true; args: ConformanceArgs } | { ok: false; error: string };

/** Reads the command line; every mistake gets a message naming the flag and what it wants. */
export function parseConformanceArgs(argv: readonly string[]): ParsedConformanceArgs {
  const args: ConformanceArgs = {
    patterns: [],
    timeoutMs: DEFAULT_CASE_TIMEOUT_MS,
    concurrency: 1,
    allowTargets: [],
    insecure: false,
    list: false,
    help: false,
  };
  for (const { arg, flag, value } of readFlags(argv)) {
    const integer = (min: number, max: number): number | null => {
      const text = value();
      const n = text !== null && /^\d+$/.test(text) ? Number(text) : Number.NaN;
      return n >= min && n <= max ? n : null;
    };
    switch (flag) {
      case '-h':
      case '--help':
        args.help = true;
        break;
      case '--list':
        args.list = true;
        break;
      case '--insecure':
        args.insecure = true;
        break;
      case '--case': {
        const text = value();
        if (!text) return { ok: false, error: '--case wants a case id or pattern, such as 5.* or 7.1.1' };
        args.patterns.push(...text.split(',').filter((p) => p.trim() !== ''));
        break;
      }
      case '--timeout': {
        const ms = integer(50, 60_000);
        if (ms === null) return { ok: false, error: '--timeout wants milliseconds from 50 to 60000' };
        args.timeoutMs = ms;
        break;
      }
      case '--concurrency': {
        const n = integer(1, MAX_CONCURRENCY);
        if (n === null)
          return { ok: false, error: `--concurrency wants a number from 1 to ${MAX_CONCURRENCY}` };
        args.concurrency = n;
        break;
      }
      case '--json':
      case '--html':
      case '--ca': {
        const text = value();
        if (!text) return { ok: false, error: `${flag} wants a file name` };
        if (flag === '--json') args.jsonFile = text;
        else if (flag === '--html') args.htmlFile = text;
        else args.caFile = text;
        break;
      }
      case '--allow-target': {
        const text = value();
        if (!text) return { ok: false, error: '--allow-target wants host or host:port' };
        args.allowTargets.push(text);
        break;
      }
      default:
        if (arg.startsWith('-')) return { ok: false, error: `unknown option ${arg}` };
        if (args.url !== undefined)
          return { ok: false, error: `one target URL only; got ${args.url} and ${arg}` };
        if (!/^wss?:\/\//i.test(arg))
          return { ok: false, error: `the target must be a ws:// or wss:// URL, got ${arg}` };
        args.url = arg;
    }
  }
  if (!args.url && !args.help && !args.list) return { ok: false, error: 'which server? Give its ws:// URL' };
  return { ok: true, args };
}
