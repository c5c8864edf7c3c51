// Echo throughput and round-trip latency on loopback: a bare `ws` server, wslab with no tap
// subscriber, with one raw subscriber (`/tap?format=raw`, what the page uses) and with one JSON
// subscriber (`/tap`, what scripts use), each reading everything. Bounded: each phase runs for a
// fixed number of messages and stops by itself.
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { WebSocket } from 'ws';
import { startTsWorker } from '../server/ts-worker';
import { threadCpuMs } from './thread-cpu';

export interface EchoFigures {
  name: string;
  messagesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  tapEvents?: number;
  /** The server thread's CPU time per echoed message, in µs (bench/thread-cpu.ts). */
  serverBusyUs: number;
  /** The tap reader thread's CPU time per echoed message, in µs, when there is one. */
  readerBusyUs?: number;
  /**
   * The rest of the process's CPU time per echoed message, in µs: for wslab mostly the tap's
   * worker thread; for all, V8's helper threads (GC), which set the noise level.
   */
  otherUs: number;
  /**
   * Each round's throughput over bare `ws`'s in the same round, which ran seconds before: the
   * median of these is the figure a drift of the machine's speed moves least.
   */
  roundRatios: number[];
}

function startWorker(file: string, data: Record<string, unknown>): Worker {
  return startTsWorker(new URL(file, import.meta.url), data);
}

async function firstMessage<T>(worker: Worker): Promise<T> {
  const [message] = await once(worker, 'message');
  return message as T;
}

/** A worker thread's CPU time so far, in ms (server-worker.ts and tap-reader-worker.ts answer). */
async function busyMs(worker: Worker): Promise<number> {
  worker.postMessage('busy');
  return (await firstMessage<{ busyMs: number }>(worker)).busyMs;
}

async function throughput(port: number, clients: number, window: number, perClient: number): Promise<number> {
  const payload = 'x'.repeat(64);
  const sockets = await Promise.all(
    Array.from({ length: clients }, async () => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/echo`, { perMessageDeflate: false });
      await once(socket, 'open');
      return socket;
    }),
  );
  const started = performance.now();
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          let sent = 0;
          let received = 0;
          socket.on('message', () => {
            received++;
            if (sent < perClient) {
              socket.send(payload);
              sent++;
            }
            if (received === perClient) resolve();
          });
          for (; sent < Math.min(window, perClient); sent++) socket.send(payload);
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const socket of sockets) socket.close();
  return (clients * perClient) / seconds;
}

async function latency(port: number, rounds: number): Promise<{ p50: number; p99: number }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/echo`, { perMessageDeflate: false });
  await once(socket, 'open');
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const reply = once(socket, 'message');
    socket.send(`ping ${i}`);
    await reply;
    samples.push(performance.now() - started);
  }
  socket.close();
  // The first rounds warm up the JIT on both sides; leave them out.
  const steady = samples.slice(Math.floor(rounds / 10)).sort((a, b) => a - b);
  const at = (q: number): number => steady[Math.min(steady.length - 1, Math.floor(q * steady.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

type ServerKind = 'bare' | 'wslab';
type Reader = 'none' | 'raw' | 'json';

/** One run's figures: everything but the ratios, which need the round's bare `ws` run. */
type RunFigures = Omit<EchoFigures, 'roundRatios'>;

async function measure(kind: ServerKind, readerKind: Reader, scale: number): Promise<RunFigures> {
  const server = startWorker('./server-worker.ts', { kind });
  const { port } = await firstMessage<{ port: number }>(server);
  let reader: Worker | null = null;
  if (readerKind !== 'none') {
    reader = startWorker('./tap-reader-worker.ts', { port, format: readerKind });
    await firstMessage(reader);
  }
  await throughput(port, 4, 16, Math.round(2000 * scale)); // warm-up
  const messages = 4 * Math.round(20_000 * scale);
  const busyBefore = await busyMs(server);
  const readerBefore = reader ? await busyMs(reader) : 0;
  const processBefore = process.cpuUsage();
  const mainBefore = threadCpuMs() ?? 0;
  const rate = await throughput(port, 4, 16, messages / 4);
  server.postMessage('drain');
  await firstMessage(server);
  const serverMs = (await busyMs(server)) - busyBefore;
  const readerMs = reader ? (await busyMs(reader)) - readerBefore : 0;
  const processUsage = process.cpuUsage(processBefore);
  const processMs = (processUsage.user + processUsage.system) / 1000;
  const mainMs = (threadCpuMs() ?? 0) - mainBefore;
  const perMessage = (ms: number): number => (ms * 1000) / messages;
  const serverBusyUs = perMessage(serverMs);
  const readerBusyUs = reader ? perMessage(readerMs) : undefined;
  const otherUs = perMessage(Math.max(0, processMs - mainMs - serverMs - readerMs));
  const { p50, p99 } = await latency(port, Math.round(3000 * scale));
  let tapEvents: number | undefined;
  if (reader) {
    reader.postMessage('stop');
    tapEvents = (await firstMessage<{ events: number }>(reader)).events;
    await reader.terminate();
  }
  server.postMessage('stop');
  await once(server, 'exit');
  const readers: Record<Reader, string> = {
    none: 'no tap subscriber',
    raw: 'one raw tap subscriber reading everything',
    json: 'one JSON tap subscriber reading every event',
  };
  const name = kind === 'bare' ? 'bare ws echo server' : `wslab, ${readers[readerKind]}`;
  return {
    name,
    messagesPerSecond: rate,
    p50Ms: p50,
    p99Ms: p99,
    serverBusyUs,
    otherUs,
    ...(readerBusyUs !== undefined ? { readerBusyUs } : {}),
    ...(tapEvents !== undefined ? { tapEvents } : {}),
  };
}

/**
 * Runs every setup once per round, five rounds, and keeps each one's best figures and each
 * round's ratio to bare `ws`. Round-robin rather than each setup's runs back to back: on a shared
 * 2-core machine the speed drifts over a minute, and a drift must not fall on one setup and spare
 * its baseline.
 */
export async function benchEcho(scale = 1, rounds = 5): Promise<EchoFigures[]> {
  const setups: [ServerKind, Reader][] = [
    ['bare', 'none'],
    ['wslab', 'none'],
    ['wslab', 'raw'],
    ['wslab', 'json'],
  ];
  const best: (RunFigures | undefined)[] = setups.map(() => undefined);
  const ratios: number[][] = setups.map(() => []);
  for (let round = 0; round < rounds; round++) {
    let bareRate = 0;
    for (const [i, [kind, reader]] of setups.entries()) {
      const run = await measure(kind, reader, scale);
      if (i === 0) bareRate = run.messagesPerSecond;
      ratios[i]!.push(run.messagesPerSecond / bareRate);
      const kept = best[i];
      best[i] = kept === undefined ? run : better(kept, run);
    }
  }
  return best.map((figures, i) => ({ ...figures!, roundRatios: ratios[i]! }));
}

function better(a: RunFigures, b: RunFigures): RunFigures {
  return {
    ...a,
    messagesPerSecond: Math.max(a.messagesPerSecond, b.messagesPerSecond),
    p50Ms: Math.min(a.p50Ms, b.p50Ms),
    p99Ms: Math.min(a.p99Ms, b.p99Ms),
    serverBusyUs: Math.min(a.serverBusyUs, b.serverBusyUs),
    otherUs: Math.min(a.otherUs, b.otherUs),
    ...(a.readerBusyUs !== undefined && b.readerBusyUs !== undefined
      ? { readerBusyUs: Math.min(a.readerBusyUs, b.readerBusyUs) }
      : {}),
  };
}
