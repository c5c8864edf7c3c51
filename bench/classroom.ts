// `npm run bench:classroom -- [--learners N] [--seconds S]`: a simulated class (bench/classroom-load.ts)
// against one `--classroom` instance, then against three instances sharing a Redis behind nginx
// (scripts/classroom/launch.ts), everything on 127.0.0.1. It prints what was lost or leaked, echo
// round trips, each instance's RSS and how long a progress report takes to reach the board, with
// the three-instance figures as ratios to the one-instance run; it asserts nothing.
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { launchClass, missingPackages, missingPackagesMessage } from '../scripts/classroom/launch';
import { readFlags } from '../server/cli/flags';
import { type LoadFigures, runClassLoad } from './classroom-load';
import { RssSampler, startSingleInstance } from './classroom-processes';

const LIMITS = { learners: 2000, seconds: 600 };
/** Past the run's own seconds, this long for starting, setting up and draining: then it stops. */
const RUN_SLACK_MS = 120_000;
/** Process output kept to explain a run that could not be made. */
const LOG_LINES = 30;

interface RunFigures {
  name: string;
  load: LoadFigures;
  /** Per instance, bytes; null where its process was not found. */
  rssEnd: (number | null)[];
  rssPeak: number[];
  /** Per instance, from its /healthz at the end. */
  health: ({ subscribers: number; queuedBytes: number } | null)[];
  /** A process of the class that exited during the run, and why. */
  died: string | null;
}

function parse(argv: readonly string[]): { learners: number; seconds: number } {
  const options = { learners: 500, seconds: 60 };
  for (const { arg, flag, value } of readFlags(argv)) {
    if (flag !== '--learners' && flag !== '--seconds') throw new Error(`unknown option ${arg}`);
    const key = flag.slice(2) as keyof typeof options;
    const text = value();
    const number = text !== null && /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!(number >= 1 && number <= LIMITS[key]))
      throw new Error(`${flag} wants a number from 1 to ${LIMITS[key]}, got ${text ?? 'nothing'}`);
    options[key] = number;
  }
  return options;
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (bytes: number | null): string => (bytes === null ? '?' : fmt(bytes / (1024 * 1024)));

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

function withDeadline<T>(what: string, promise: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} was still running at its deadline`)),
      deadline - performance.now(),
    );
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function healthOf(port: number): Promise<RunFigures['health'][number]> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
    const body = (await response.json()) as { tap: { subscribers: number; queuedBytes: number } };
    return { subscribers: body.tap.subscribers, queuedBytes: body.tap.queuedBytes };
  } catch {
    return null;
  }
}

/** The load against `base`, sampling the RSS of `instances`. */
async function measure(
  name: string,
  base: string,
  instances: readonly { port: number; pid: number | null }[],
  token: string,
  options: { learners: number; seconds: number },
  deadline: number,
): Promise<RunFigures> {
  const rss = new RssSampler(instances.map((instance) => instance.pid));
  rss.sample();
  let rssEnd: (number | null)[] = [];
  let health: RunFigures['health'] = [];
  const beforeClose = async (): Promise<void> => {
    rssEnd = rss.sample();
    health = await Promise.all(instances.map((instance) => healthOf(instance.port)));
  };
  const load = await withDeadline(
    name,
    // The load stops itself a little early, so that the run as a whole keeps to its deadline.
    runClassLoad({
      base,
      instructorToken: token,
      ...options,
      deadline: deadline - 15_000,
      onSample: () => rss.sample(),
      beforeClose,
    }),
    deadline,
  );
  return { name, load, rssEnd, rssPeak: rss.peak, health, died: null };
}

function printRun(run: RunFigures): void {
  const { load } = run;
  const rtt = load.echo.rttMs;
  const board = load.progress.boardMs;
  const lost = load.echo.sent - load.echo.echoed;
  const rows: [string, string][] = [
    [
      'learners: sessions / taps / echo sockets',
      `${load.sessions} / ${load.taps} / ${load.echoSockets} of ${load.learners}`,
    ],
    [
      'echo messages sent / echoed / **lost**',
      `${fmt(load.echo.sent)} / ${fmt(load.echo.echoed)} / **${fmt(lost)}**`,
    ],
    ['own messages missing from own tap (both directions)', fmt(load.tapLost)],
    ['**learners who saw another session** (events)', `**${load.leakingLearners}** (${load.foreignEvents})`],
    [
      'echo round trip p50 / **p99** / max ms',
      `${fmt(percentile(rtt, 0.5), 1)} / **${fmt(percentile(rtt, 0.99), 1)}** / ${fmt(Math.max(0, ...rtt), 1)}`,
    ],
    [
      'progress reports posted / stored / 429 / failed',
      `${fmt(load.progress.posted)} / ${fmt(load.progress.stored)} / ${load.progress.tooFast} / ${load.progress.failed}`,
    ],
    [
      'report to board p50 / **p99** / max ms (never shown)',
      `${fmt(percentile(board, 0.5))} / **${fmt(percentile(board, 0.99))}** / ${fmt(Math.max(0, ...board))} (${load.progress.unseen})`,
    ],
    ['boards received', fmt(load.boards)],
    [
      '**RSS per instance** MB, end (peak)',
      run.rssEnd.map((end, i) => `i${i + 1} ${mb(end)} (${mb(run.rssPeak[i]!)})`).join(', '),
    ],
    [
      'tap subscribers / queued bytes per instance (/healthz)',
      run.health
        .map((h, i) => `i${i + 1} ${h ? `${h.subscribers} / ${fmt(h.queuedBytes)}` : '?'}`)
        .join(', '),
    ],
    ['client CPU (this process, share of one core)', `${fmt(load.clientCpu * 100)}%`],
    ['traffic seconds', fmt(load.seconds, 1)],
  ];
  console.log(`\n${run.name}`);
  console.log('| figure | value |');
  console.log('| --- | ---: |');
  for (const [figure, value] of rows) console.log(`| ${figure} | ${value} |`);
  const reasons = (what: string, map: Map<string, number>): void => {
    if (map.size === 0) return void console.log(`${what}: none`);
    console.log(`${what}:`);
    for (const [reason, count] of map) console.log(`- ${count} × ${reason}`);
  };
  reasons('refused at setup', load.refused);
  reasons('closed during the run', load.closed);
  if (run.died) console.log(`a process of the class died: ${run.died}`);
  const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  console.log(
    `targets: messages lost 0: ${met(lost === 0)}; cross-session 0: ${met(load.leakingLearners === 0)}; ` +
      `board p99 < 1 s: ${met(percentile(board, 0.99) < 1000 && load.progress.unseen === 0)}`,
  );
}

function compare(one: RunFigures, three: RunFigures): void {
  const ratio = (a: number, b: number): string => `${fmt(a / b, 2)}x`;
  const meanRss = (run: RunFigures): number => {
    const known = run.rssEnd.filter((rss): rss is number => rss !== null);
    return known.reduce((sum, rss) => sum + rss, 0) / known.length;
  };
  const p = (run: RunFigures, q: number, board = false): number =>
    percentile(board ? run.load.progress.boardMs : run.load.echo.rttMs, q);
  console.log(
    `\n3 instances vs 1: echo RTT p50 ${ratio(p(three, 0.5), p(one, 0.5))}, p99 ${ratio(p(three, 0.99), p(one, 0.99))}; ` +
      `RSS per instance ${ratio(meanRss(three), meanRss(one))} (mean at the end); ` +
      `board p99 ${ratio(p(three, 0.99, true), p(one, 0.99, true))}`,
  );
}

let options: { learners: number; seconds: number };
try {
  options = parse(process.argv.slice(2));
} catch (error) {
  process.stderr.write(
    `bench:classroom: ${(error as Error).message}\nUsage: npm run bench:classroom -- [--learners N] [--seconds S]\n`,
  );
  process.exit(2);
}
const token = randomBytes(16).toString('hex');
const output: string[] = [];
const log = (line: string): void => {
  output.push(line);
  if (output.length > LOG_LINES) output.shift();
};
const runMs = options.seconds * 1000 + RUN_SLACK_MS;
const load = loadavg().map((n) => fmt(n, 2));

console.log(
  `wslab classroom benchmark: ${options.learners} learners for ${options.seconds} s, each with a session, a JSON /tap, ` +
    'an /echo socket sending 1 message/s and a progress report every 5 s; one instructor board. 127.0.0.1 only.',
);
console.log(
  `The figures include everything sharing this machine's ${availableParallelism()} cores: this client, the instances, ` +
    `nginx and Redis (load average ${load.join(' ')} at the start).`,
);

async function runOne(): Promise<RunFigures | null> {
  const name = 'A: one instance, --classroom (no Redis, no nginx)';
  const deadline = performance.now() + runMs;
  let instance: Awaited<ReturnType<typeof startSingleInstance>> | null = null;
  try {
    instance = await withDeadline('starting the instance', startSingleInstance(token, log), deadline);
    return await measure(name, instance.url, [instance], token, options, deadline);
  } catch (error) {
    console.log(`\n${name}: could not be made: ${(error as Error).message}\n${output.join('\n')}`);
    return null;
  } finally {
    await instance?.stop();
  }
}

async function runThree(): Promise<RunFigures | null> {
  const name = 'B: three instances, --redis, behind nginx';
  const missing = missingPackages();
  if (missing.length > 0) {
    console.log(`\n${name}: not run. ${missingPackagesMessage(missing)}`);
    return null;
  }
  const deadline = performance.now() + runMs;
  let launch: Awaited<ReturnType<typeof launchClass>> | null = null;
  let died: string | null = null;
  try {
    launch = await withDeadline(
      'starting the class',
      launchClass({ instances: 3, port: 0, instructorToken: token, log }),
      deadline,
    );
    launch.died.then((notice) => {
      died = notice;
    });
    const run = await measure(name, launch.url, launch.instances, token, options, deadline);
    return { ...run, died };
  } catch (error) {
    console.log(`\n${name}: could not be made: ${(error as Error).message}\n${output.join('\n')}`);
    return null;
  } finally {
    await launch?.stop();
  }
}

const one = await runOne();
if (one) printRun(one);
const three = await runThree();
if (three) printRun(three);
if (one && three) compare(one, three);
console.log(
  `(load average ${loadavg()
    .map((n) => fmt(n, 2))
    .join(' ')} at the end)`,
);
