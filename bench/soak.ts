// `npm run soak`: attacks on a real wslab server, each against a fresh server in its own process
// (bench/tap-memory-server.ts, which samples its RSS every 100 ms), while a thread of this process
// polls /healthz and keeps a well-behaved echo client talking (bench/soak-probe-worker.ts). It
// prints one row per attack and says PASS or FAIL against the targets; it asserts nothing.
// Loopback only; every attack is bounded in bytes, connections and time.
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../server/ts-worker';
import { type Attack, type AttackOutcome, MIB, type SoakContext, sleep } from './soak-attack';
import { shortConnections } from './soak-connections';
import { concurrentExports, delayedReplies, manyFragments, stalledTap, unreadReplies } from './soak-floods';
import { crossSite, proxySmuggling } from './soak-guards';
import type { ProbeFigures } from './soak-probe-worker';
import { ask, serverPort, startServerProcess, stopServerProcess, withTimeout } from './tap-memory';

const ALL_ATTACKS: Attack[] = [
  unreadReplies,
  manyFragments,
  delayedReplies,
  stalledTap,
  concurrentExports,
  shortConnections,
  crossSite,
  proxySmuggling,
];
// `npm run soak -- 2 6` runs only those attacks.
const chosen = process.argv.slice(2).map(Number);
const ATTACKS = chosen.length ? ALL_ATTACKS.filter((_, i) => chosen.includes(i + 1)) : ALL_ATTACKS;
const HEALTH_LIMIT_MS = 250;
const REPLY_LIMIT_MS = 1000;
// Past its own limit an attack is abandoned; this much longer lets it clean up first.
const OVERRUN_MS = 30_000;

interface Row {
  attack: Attack;
  peakMb: number;
  growthMb: number;
  /** The server's longest event-loop stall during the attack: its own doing, not the machine's. */
  loopStallMs: number;
  probes: ProbeFigures;
  outcome: AttackOutcome;
  seconds: number;
  /** Why it failed; empty when it passed. */
  failures: string[];
}

function judge(attack: Attack, peakMb: number, probes: ProbeFigures, outcome: AttackOutcome): string[] {
  const failures: string[] = [];
  if (peakMb >= attack.rssLimitMb) failures.push(`RSS ≥ ${attack.rssLimitMb} MB`);
  if (probes.health.worstMs > HEALTH_LIMIT_MS) failures.push(`/healthz > ${HEALTH_LIMIT_MS} ms`);
  if (probes.health.failures > 0) failures.push(`${probes.health.failures} /healthz failed`);
  if (probes.echo.worstReplyMs > REPLY_LIMIT_MS) failures.push(`an echo reply > ${REPLY_LIMIT_MS} ms`);
  if (probes.echo.lost > 0) failures.push(`${probes.echo.lost} echo lost`);
  if (probes.echo.interrupted) failures.push(`echo ${probes.echo.interrupted}`);
  if (outcome.ownTarget && !outcome.ownTarget.met) failures.push(`not: ${outcome.ownTarget.what}`);
  return failures;
}

async function runAttack(attack: Attack): Promise<Row> {
  const server = startServerProcess();
  let probe: Worker | null = null;
  try {
    const port = await serverPort(server);
    probe = startTsWorker(new URL('./soak-probe-worker.ts', import.meta.url), { port });
    await withTimeout('starting the probes', once(probe, 'message'), 30_000);
    // A moment for the server's heap to settle after its start.
    await sleep(300);
    const before = await ask(server, 'reset-peak');
    const started = performance.now();
    const context: SoakContext = {
      port,
      deadline: started + attack.limitMs,
      sample: (what) => ask(server, what),
    };
    let outcome: AttackOutcome;
    try {
      outcome = await withTimeout(attack.name, attack.run(context), attack.limitMs + OVERRUN_MS);
    } catch (error) {
      outcome = {
        note: `did not finish: ${(error as Error).message}`,
        ownTarget: { met: false, what: 'finish' },
      };
    }
    const seconds = (performance.now() - started) / 1000;
    const reported = once(probe, 'message');
    probe.postMessage('stop');
    const [probes] = (await withTimeout('the probes', reported, 15_000)) as [ProbeFigures];
    const after = await ask(server, 'sample');
    const peakMb = after.peakRss / MIB;
    return {
      attack,
      peakMb,
      growthMb: (after.rss - before.rss) / MIB,
      loopStallMs: after.loopDelayMaxMs,
      probes,
      outcome,
      seconds,
      failures: judge(attack, peakMb, probes, outcome),
    };
  } finally {
    await probe?.terminate();
    await stopServerProcess(server);
  }
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

console.log(
  `wslab soak: ${ATTACKS.length} attacks, a fresh server process each (loopback, ${availableParallelism()} cores, Node ${process.version})`,
);
console.log(
  `targets: peak RSS < 400 MB (exports < 700 MB); /healthz every 50 ms within ${HEALTH_LIMIT_MS} ms; ` +
    `an echo every 50 ms, none later than ${REPLY_LIMIT_MS} ms, none lost\n`,
);
const soakStarted = performance.now();
const rows: Row[] = [];
for (const attack of ATTACKS) {
  process.stderr.write(`${attack.name} …\n`);
  rows.push(await runAttack(attack));
}

console.log(
  '| attack | peak RSS MB | RSS growth MB | worst /healthz ms | server loop stall ms | echo: longest gap ms | worst reply ms | replies (lost) | seconds | result |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const row of rows) {
  const { health, echo } = row.probes;
  const result = row.failures.length === 0 ? 'PASS' : `FAIL (${row.failures.join('; ')})`;
  console.log(
    `| ${row.attack.name} | ${fmt(row.peakMb)} | ${fmt(row.growthMb)} | ${fmt(health.worstMs)} | ${fmt(row.loopStallMs)} | ${fmt(echo.longestGapMs)} | ${fmt(echo.worstReplyMs)} | ${fmt(echo.received)}/${fmt(echo.sent)} (${echo.lost}) | ${fmt(row.seconds, 1)} | ${result} |`,
  );
}
console.log(
  "\nRSS growth: from just before the attack to just after it. Server loop stall: the longest its event loop was held up (a GC the soak asks for counts too); the rest of a slow /healthz is the machine's two cores being busy.",
);
console.log('What happened:');
for (const row of rows) console.log(`- ${row.attack.name}: ${row.outcome.note}`);
const failed = rows.filter((row) => row.failures.length > 0).length;
console.log(
  `\n${rows.length - failed} of ${rows.length} attacks passed, in ${fmt((performance.now() - soakStarted) / 1000)} s`,
);
