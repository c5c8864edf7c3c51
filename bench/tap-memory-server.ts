// The server of bench/tap-memory.ts and bench/soak.ts, in a process of its own so that its resident set is the
// server's alone. It samples its RSS every 100 ms and keeps the peak; the parent asks over IPC.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import { startServer } from '../server/server';

export type TapMemoryRequest = 'sample' | 'gc' | 'reset-peak' | 'stop';

export interface TapMemorySample {
  rss: number;
  peakRss: number;
  /** Of the RSS: the JavaScript heap in use, and the memory of ArrayBuffers and Buffers. */
  heapUsed: number;
  arrayBuffers: number;
  journalBytes: number;
  /** Bytes sent to tap subscribers that their sockets have not written yet. */
  queuedBytes: number;
  /** The longest the server's event loop was held up since the peak was last reset, in ms. */
  loopDelayMaxMs: number;
}

const SAMPLE_MS = 100;

// `bare`: a plain `ws` echo server on the same traffic, so the memory Node and `ws` take for it
// (socket reads, messages waiting for the collector) is measured, not guessed.
const server =
  process.argv[2] === 'bare' ? await bareEchoServer() : await startServer({ port: 0, host: '127.0.0.1' });
let peakRss = process.memoryUsage().rss;
// Whether a slow answer is the server's own doing (a long task on its loop) or a busy machine.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, SAMPLE_MS);

interface MeasuredServer {
  port: number;
  hub: { journal: { memoryBytes: number }; queuedBytes: number };
  close(): Promise<void>;
}

async function bareEchoServer(): Promise<MeasuredServer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await once(wss, 'listening');
  wss.on('connection', (socket) => socket.on('message', (data, binary) => socket.send(data, { binary })));
  return {
    port: (wss.address() as AddressInfo).port,
    hub: { journal: { memoryBytes: 0 }, queuedBytes: 0 },
    close: () => new Promise((resolve) => wss.close(() => resolve())),
  };
}

function sample(): TapMemorySample {
  const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
  peakRss = Math.max(peakRss, rss);
  return {
    rss,
    peakRss,
    heapUsed,
    arrayBuffers,
    journalBytes: server.hub.journal.memoryBytes,
    queuedBytes: server.hub.queuedBytes,
    loopDelayMaxMs: loopDelay.max / 1e6,
  };
}

process.on('message', (message: TapMemoryRequest) => {
  if (message === 'sample') process.send!(sample());
  else if (message === 'gc') {
    // Only with --expose-gc: what is still held once the garbage is collected.
    (globalThis as { gc?: () => void }).gc?.();
    process.send!(sample());
  } else if (message === 'reset-peak') {
    peakRss = process.memoryUsage().rss;
    loopDelay.reset();
    process.send!(sample());
  } else {
    clearInterval(sampler);
    loopDelay.disable();
    void server.close().then(() => process.exit(0));
  }
});
process.send!({ port: server.port });
