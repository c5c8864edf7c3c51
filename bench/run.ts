// `npm run bench`: every figure is printed beside its baseline, measured in the same run.
import { existsSync } from 'node:fs';
import { benchDecoder } from './decoder';
import { benchEcho, type EchoFigures } from './echo';
import { benchInflate } from './inflate';
import { median } from './median';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

console.log('wslab benchmark (loopback, one process per server)\n');
console.log(
  'Echo: 4 clients x 16 messages in flight, 64-byte text; latency: one client, one message at a time',
);
const echo = await benchEcho(scale);
const bare = echo[0]!;
console.log(
  "| setup | messages/s | ratio to bare ws | median of the rounds' ratios | p50 ms | p99 ms | p99 added | server µs/message | ratio | other threads µs/message |",
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of echo) {
  console.log(
    `| ${row.name} | ${fmt(row.messagesPerSecond)} | ${fmt(row.messagesPerSecond / bare.messagesPerSecond, 2)}x | ${fmt(median(row.roundRatios), 2)}x (${row.roundRatios.map((r) => fmt(r, 2)).join(' ')}) | ${fmt(row.p50Ms, 3)} | ${fmt(row.p99Ms, 3)} | ${fmt(row.p99Ms - bare.p99Ms, 3)} | ${fmt(row.serverBusyUs, 1)} | ${fmt(row.serverBusyUs / bare.serverBusyUs, 2)}x | ${fmt(row.otherUs, 1)} |`,
  );
}
console.log("server µs/message: the server thread's CPU time per echoed message during the throughput run");
console.log(
  "other threads: the server process's other threads (wslab's tap worker; V8's helpers), load generator and reader excluded",
);
for (const reader of echo.filter((row) => row.readerBusyUs !== undefined)) {
  console.log(
    `${reader.name}: the tap reader thread used ${fmt(reader.readerBusyUs!, 1)} µs of CPU per echoed message (${fmt(reader.tapEvents ?? 0)} events in all)`,
  );
}
console.log(
  "ratio to bare ws: each setup's best round over bare `ws`'s best; median of the rounds' ratios: each round's figure over bare `ws`'s in the same round, seconds apart, which a drift of the machine's speed moves least",
);
const [, quietEcho, rawEcho] = echo as [EchoFigures, EchoFigures, EchoFigures];
const targets: [string, boolean][] = [
  [`no subscriber ≥ 0.90x: ${fmt(median(quietEcho.roundRatios), 2)}x`, median(quietEcho.roundRatios) >= 0.9],
  [
    `one raw subscriber ≥ 0.85x: ${fmt(median(rawEcho.roundRatios), 2)}x`,
    median(rawEcho.roundRatios) >= 0.85,
  ],
  [
    `p99 added < 0.2 ms: ${fmt(quietEcho.p99Ms - bare.p99Ms, 3)} / ${fmt(rawEcho.p99Ms - bare.p99Ms, 3)} ms`,
    Math.max(quietEcho.p99Ms, rawEcho.p99Ms) - bare.p99Ms < 0.2,
  ],
];
console.log(
  `targets (median of the rounds' ratios): ${targets.map(([what, met]) => `${what}, ${met ? 'met' : 'NOT met'}`).join('; ')}`,
);

console.log("\nDecoder: the same byte streams through our FrameDecoder and ws's Receiver");
console.log('| stream | ours MB/s | ws MB/s | ratio |');
console.log('| --- | ---: | ---: | ---: |');
for (const row of await benchDecoder()) {
  console.log(
    `| ${row.name} | ${fmt(row.oursMBps)} | ${fmt(row.wsMBps)} | ${fmt(row.oursMBps / row.wsMBps, 2)}x |`,
  );
}

console.log(
  "\nInflate: the same permessage-deflate messages through core/'s MessageInflater and zlib (CPU time)",
);
console.log('| messages | ours MB/s | zlib MB/s | ratio |');
console.log('| --- | ---: | ---: | ---: |');
for (const row of await benchInflate()) {
  console.log(
    `| ${row.name} | ${fmt(row.oursMBps)} | ${fmt(row.zlibMBps)} | ${fmt(row.oursMBps / row.zlibMBps, 2)}x |`,
  );
}

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const uiBench = new URL('./ui.ts', import.meta.url);
if (existsSync(uiBench) && existsSync(chromium)) {
  const { benchUi } = (await import(uiBench.href)) as { benchUi: () => Promise<Record<string, number>> };
  console.log('\nInspector in Chromium');
  for (const [name, value] of Object.entries(await benchUi())) console.log(`- ${name}: ${fmt(value, 1)}`);
} else {
  console.log('\n(Inspector figures need Chromium: apt-get install -y chromium)');
}

console.log(
  '\nTap memory: 64 MiB of 64 KiB binary messages echoed, the server in its own process (RSS in MB)',
);
// Loaded where it is used, so that this section stands on its own at the end of the run.
const { benchTapMemory, TAP_MEMORY_TARGET_MB } = await import('./tap-memory');
type TapMemoryFigures = Awaited<ReturnType<typeof benchTapMemory>>[number];
const memory = await benchTapMemory();
const mb = (bytes: number): string => fmt(bytes / (1024 * 1024), 1);
console.log(
  '| setup | before | after | peak | growth after | growth at peak | after GC | heap | ArrayBuffers | journal | queued to subscribers | seconds |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of memory) {
  console.log(
    `| ${row.name} | ${mb(row.beforeRss)} | ${mb(row.afterRss)} | ${mb(row.peakRss)} | ${mb(row.afterRss - row.beforeRss)} | ${mb(row.peakRss - row.beforeRss)} | ${mb(row.retainedRss)} | ${mb(row.heapUsed)} | ${mb(row.arrayBuffers)} | ${mb(row.journalBytes)} | ${mb(row.queuedBytes)} | ${fmt(row.seconds, 1)} |`,
  );
}
const peakGrowth = (row: TapMemoryFigures): number => (row.peakRss - row.beforeRss) / (1024 * 1024);
const [bareWs, quiet, stalled, quietLater, late] = memory as [
  TapMemoryFigures,
  TapMemoryFigures,
  TapMemoryFigures,
  TapMemoryFigures,
  TapMemoryFigures,
];
// The issue's measure: subscribers that never read join a server after 64 MiB of traffic (its
// "before" was the server as that traffic left it); 64 MiB more then goes through.
const growth = peakGrowth(late);
console.log(
  `target: growth at peak < ${TAP_MEMORY_TARGET_MB} MB with ${late.subscribers} subscribers that never read, after 64 MiB of traffic: ${fmt(growth, 1)} MB, ${growth < TAP_MEMORY_TARGET_MB ? 'met' : 'NOT met'}` +
    ` (the same server without them grows ${fmt(peakGrowth(quietLater), 1)} MB)`,
);
console.log(
  `stricter, beside the target: the ${stalled.subscribers} connected to a new server before its first traffic grow it ${fmt(peakGrowth(stalled), 1)} MB` +
    ` (bare \`ws\` alone grows ${fmt(peakGrowth(bareWs), 1)} MB on this traffic, and the journal fills to ${mb(stalled.journalBytes)} MB; the subscribers add ${fmt(peakGrowth(stalled) - peakGrowth(quiet), 1)} MB to wslab with none)`,
);
