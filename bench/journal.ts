// What the tap journal's append costs against the least any capture could do: copying each chunk
// into one preallocated buffer. Socket-sized 64-byte chunks from eight interleaved connections, as
// a pipelined echo of short texts produces. The journal's figure includes what the baseline does
// not pay for: the record header, the per-connection counts, the walk over each evicted segment
// (the journal is small enough that it evicts throughout) and first touches of fresh segments,
// which are never reused. Run alone with `npx tsx bench/journal.ts`; on a busy machine, compare
// ratios, not rates.
import { pathToFileURL } from 'node:url';
import { Journal } from '../server/tap/journal';
import { median } from './median';

export interface JournalBenchResult {
  chunkBytes: number;
  /** Appends per second, median of the runs. */
  journalPerSecond: number;
  copyPerSecond: number;
}

export interface JournalBenchOptions {
  chunkBytes?: number;
  /** Appends per timed run. */
  appends?: number;
  runs?: number;
}

function timeJournal(chunk: Uint8Array, appends: number): number {
  const journal = new Journal({ budgetBytes: 8 * 1024 * 1024, segmentBytes: 1024 * 1024 });
  const conns = Array.from({ length: 8 }, () =>
    journal.open({
      kind: 'echo',
      path: '/',
      remote: '127.0.0.1:50000',
      local: '127.0.0.1:8765',
      maxPayload: 1 << 20,
      payloadCap: 65536,
    }),
  );
  const started = performance.now();
  for (let i = 0; i < appends; i++) journal.append(conns[i & 7]!, (i & 1) === 0, started, chunk);
  return appends / ((performance.now() - started) / 1000);
}

function timeCopy(chunk: Buffer, appends: number): number {
  const target = Buffer.allocUnsafeSlow(8 * 1024 * 1024);
  let at = 0;
  const started = performance.now();
  for (let i = 0; i < appends; i++) {
    if (at + chunk.length > target.length) at = 0;
    chunk.copy(target, at);
    at += chunk.length;
  }
  return appends / ((performance.now() - started) / 1000);
}

export function benchJournal(options: JournalBenchOptions = {}): JournalBenchResult {
  const chunkBytes = options.chunkBytes ?? 64;
  const appends = options.appends ?? 2_000_000;
  const runs = options.runs ?? 7;
  const chunk = Buffer.alloc(chunkBytes, 0x61);
  const journal: number[] = [];
  const copy: number[] = [];
  // Alternate so drift in the machine's speed touches both alike; the first round warms the JIT.
  for (let run = 0; run <= runs; run++) {
    const j = timeJournal(chunk, appends);
    const c = timeCopy(chunk, appends);
    if (run > 0) {
      journal.push(j);
      copy.push(c);
    }
  }
  return { chunkBytes, journalPerSecond: median(journal), copyPerSecond: median(copy) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = benchJournal();
  const millions = (n: number) => (n / 1e6).toFixed(1);
  console.log(`Journal: appends of ${result.chunkBytes}-byte chunks per second (median)`);
  console.log('| journal | Buffer.copy into one buffer | journal/copy |');
  console.log('| ---: | ---: | ---: |');
  console.log(
    `| ${millions(result.journalPerSecond)} M/s | ${millions(result.copyPerSecond)} M/s | ${(
      result.journalPerSecond / result.copyPerSecond
    ).toFixed(2)}× |`,
  );
}
