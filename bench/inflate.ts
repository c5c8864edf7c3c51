// Inflate throughput of core/'s MessageInflater against node:zlib's inflateRawSync (what the
// server's tap used), on the same permessage-deflate messages. Run alone with
// `npx tsx bench/inflate.ts`; `bench/run.ts` prints it with the other figures. Times are the
// process's CPU time, not the clock's: on a machine whose cores are shared, waiting for a core
// would otherwise count as work, and unevenly between the two sides.
import { constants, inflateRawSync } from 'node:zlib';
import { MessageInflater } from '../core/wire/inflate';
import { send } from '../test/unit/wire/zlib-inflater';
import { median } from './median';

export interface InflateBenchRow {
  name: string;
  /** Inflated megabytes per second. */
  oursMBps: number;
  zlibMBps: number;
}

interface Workload {
  name: string;
  messages: Uint8Array[];
  /** Compressed as a permessage-deflate sender does: sync flush, tail removed. */
  compressed: Uint8Array[];
  contextTakeover: boolean;
}

const KIB = 1024;

// A fixed pseudo-random generator so that every run inflates the same bytes.
function generator(seed: number): () => number {
  let state = (seed * 0x9e3779b9 + 1) >>> 0;
  // xorshift32: its bytes do not compress, where a linear congruential generator's repeat.
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state & 0xff;
  };
}

function jsonText(size: number): Uint8Array {
  const next = generator(7);
  let text = '';
  for (let i = 0; text.length < size; i++) {
    text += `{"id":${i},"user":"user-${next() % 97}","score":${next() * 13},"active":${next() % 2 === 0}}\n`;
  }
  return new TextEncoder().encode(text.slice(0, size));
}

function randomBytes(size: number): Uint8Array {
  const next = generator(11);
  return Uint8Array.from({ length: size }, next);
}

async function workloads(): Promise<Workload[]> {
  const json = jsonText(64 * KIB);
  const random = randomBytes(64 * KIB);
  const chat = Array.from({ length: 2000 }, (_, i) =>
    new TextEncoder().encode(`{"type":"chat","from":"user-${i % 7}","text":"message number ${i}"}`),
  );
  const make = async (name: string, messages: Uint8Array[], contextTakeover: boolean): Promise<Workload> => ({
    name,
    messages,
    compressed: await send(messages, { contextTakeover }),
    contextTakeover,
  });
  return [
    await make('50 x 64 KiB JSON text', Array(50).fill(json), false),
    await make('50 x 64 KiB random bytes', Array(50).fill(random), false),
    await make('50 x 64 KiB zeros', Array(50).fill(new Uint8Array(64 * KIB)), false),
    await make('2 000 short chat messages, context takeover', chat, true),
  ];
}

/** CPU milliseconds since `start`, a process.cpuUsage() reading. */
function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function runOurs(workload: Workload): number {
  const inflater = new MessageInflater(15, !workload.contextTakeover, 0);
  const start = process.cpuUsage();
  for (const message of workload.compressed) {
    const result = inflater.inflate(message);
    if (!result.ok) throw new Error(`ours failed: ${result.message}`);
  }
  return cpuMsSince(start);
}

// The server's way: each message with the tail put back and the previous output as dictionary.
function runZlib(workload: Workload): number {
  const tail = Buffer.from([0x00, 0x00, 0xff, 0xff]);
  let window = Buffer.alloc(0);
  const start = process.cpuUsage();
  for (const message of workload.compressed) {
    const data = inflateRawSync(Buffer.concat([message, tail]), {
      finishFlush: constants.Z_SYNC_FLUSH,
      ...(window.length > 0 ? { dictionary: window } : {}),
    });
    if (workload.contextTakeover) {
      const joined = Buffer.concat([window, data]);
      window = joined.subarray(Math.max(0, joined.length - 32 * KIB));
    }
  }
  return cpuMsSince(start);
}

export async function benchInflate(repetitions = 9): Promise<InflateBenchRow[]> {
  const rows: InflateBenchRow[] = [];
  for (const workload of await workloads()) {
    const ours: number[] = [];
    const theirs: number[] = [];
    // Two untimed rounds warm up the JIT; alternating lets drift hit both sides alike.
    for (let round = -2; round < repetitions; round++) {
      const a = runOurs(workload);
      const b = runZlib(workload);
      if (round >= 0) {
        ours.push(a);
        theirs.push(b);
      }
    }
    const megabytes = workload.messages.reduce((sum, message) => sum + message.length, 0) / 1e6;
    rows.push({
      name: workload.name,
      oursMBps: megabytes / (median(ours) / 1000),
      zlibMBps: megabytes / (median(theirs) / 1000),
    });
  }
  return rows;
}

if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  const fmt = (n: number, digits = 0) =>
    n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  console.log("Inflate: the same permessage-deflate messages through core/'s MessageInflater and zlib");
  console.log('| messages | ours MB/s | zlib MB/s | ours/zlib |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of await benchInflate()) {
    console.log(
      `| ${row.name} | ${fmt(row.oursMBps)} | ${fmt(row.zlibMBps)} | ${fmt(row.oursMBps / row.zlibMBps, 2)}x |`,
    );
  }
}
