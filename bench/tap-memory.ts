// What the tap costs in memory when its subscribers stop reading: 20 tap subscribers (raw and
// JSON alternately) complete the handshake and then never read a byte, while 64 MiB of binary
// messages go through the echo server. The journal is bounded by its budget and each subscriber by
// its send limit, so the server's RSS must level off instead of following the traffic. Measured two
// ways: the issue's, where the subscribers join a server that has carried 64 MiB already (history
// and all) and 64 MiB more goes through, counted from the server as the first traffic left it; and
// a stricter one, where they connect to a new server before its first traffic, counted from there
// (so the journal filling up and Node's own growth are in it). The same traffic through a bare `ws`
// server and through wslab with no subscriber are the baselines. Loopback only; every phase is
// bounded in count and time.
// bench/soak.ts starts its servers and stalled clients with the helpers exported here.
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { TapMemoryRequest, TapMemorySample } from './tap-memory-server';

export interface TapMemoryFigures {
  name: string;
  subscribers: number;
  /** Bytes the clients sent; the echo server sends as many back. */
  trafficBytes: number;
  /** The server's RSS with the subscribers connected, before the traffic. */
  beforeRss: number;
  /** After the traffic, once the echo replies are in. */
  afterRss: number;
  /** The highest RSS sampled (every 100 ms) from before the traffic to after it. */
  peakRss: number;
  /** The RSS after a full garbage collection: what the server really holds on to. */
  retainedRss: number;
  /** After that collection: the JavaScript heap in use, and ArrayBuffers (the journal, queued writes). */
  heapUsed: number;
  arrayBuffers: number;
  /** What the journal counts as its memory, and what the subscribers' sockets still hold. */
  journalBytes: number;
  queuedBytes: number;
  seconds: number;
}

/**
 * How much the server's RSS may grow with 20 subscribers that never read, after 64 MiB of traffic:
 * from the server as that traffic left it to its peak, while they join and 64 MiB more goes through.
 */
export const TAP_MEMORY_TARGET_MB = 100;

const SUBSCRIBERS = 20;
const MESSAGE_BYTES = 64 * 1024;
const TRAFFIC_BYTES = 64 * 1024 * 1024;
const CLIENTS = 4;
const PHASE_TIMEOUT_MS = 120_000;

export function withTimeout<T>(what: string, promise: Promise<T>, ms = PHASE_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** wslab's server in a process of its own; `bare`: a plain `ws` echo server instead. */
export function startServerProcess(bare = false): ChildProcess {
  // The server runs TypeScript: its process loads tsx, resolved from here so any cwd works.
  return fork(new URL('./tap-memory-server.ts', import.meta.url), bare ? ['bare'] : [], {
    execArgv: ['--expose-gc', '--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

export async function ask(server: ChildProcess, request: TapMemoryRequest): Promise<TapMemorySample> {
  const reply = once(server, 'message');
  server.send(request);
  const [sample] = await withTimeout(`the server's answer to ${request}`, reply, 10_000);
  return sample as TapMemorySample;
}

/** The port the server process listens on, once it says it is ready. */
export async function serverPort(server: ChildProcess): Promise<number> {
  const [ready] = await withTimeout('starting the server', once(server, 'message'), 30_000);
  return (ready as { port: number }).port;
}

/** Asks the server process to close, and kills it if it has not exited within 5 s. */
export async function stopServerProcess(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = once(server, 'exit');
  if (server.connected) server.send('stop' satisfies TapMemoryRequest);
  let timer: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), 5000);
    }),
  ]);
  clearTimeout(timer);
  if (!stopped) server.kill();
}

/**
 * A client that completes the opening handshake (RFC 6455 §4.1) for `path` on a bare TCP socket
 * and then stops reading: the server's writes pile up in the kernel's buffers, then in its own.
 */
export async function pausedUpgrade(port: number, path: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
      'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const head = await new Promise<string>((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (!text.includes('\r\n\r\n')) return;
      // From here on nothing is read: what the server sends stays in its buffers.
      socket.pause();
      socket.off('data', onData);
      resolve(text);
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
  if (!head.startsWith('HTTP/1.1 101'))
    throw new Error(`${path} refused the upgrade: ${head.split('\r\n')[0]}`);
  return socket;
}

/** A tap subscriber that never reads. */
export function stalledSubscriber(port: number, raw: boolean): Promise<Socket> {
  return pausedUpgrade(port, raw ? '/tap?format=raw' : '/tap');
}

/** `total` bytes of binary messages through the echo server, each awaited before the next. */
export async function echoTraffic(port: number, total: number): Promise<void> {
  const payload = new Uint8Array(MESSAGE_BYTES).map((_, i) => i);
  const perClient = Math.ceil(total / MESSAGE_BYTES / CLIENTS);
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/echo`, { perMessageDeflate: false });
      await once(socket, 'open');
      for (let i = 0; i < perClient; i++) {
        const reply = once(socket, 'message');
        socket.send(payload, { binary: true });
        await reply;
      }
      socket.close();
      await once(socket, 'close');
    }),
  );
}

interface Setup {
  subscribers: number;
  /** A plain `ws` echo server instead of wslab. */
  bare?: boolean;
  /**
   * The subscribers join after a first 64 MiB of traffic has filled the journal, and the growth is
   * counted from there: what they cost, history and all, on a server that has been in use.
   */
  late?: boolean;
}

function setupName({ subscribers, bare, late }: Setup): string {
  if (bare) return 'bare `ws` echo server';
  if (subscribers === 0)
    return late ? 'wslab, no tap subscriber, 64 MiB more after 64 MiB' : 'wslab, no tap subscriber';
  return late
    ? `wslab, ${subscribers} tap subscribers that join after 64 MiB and never read, then 64 MiB more`
    : `wslab, ${subscribers} tap subscribers that never read`;
}

async function measure(setup: Setup): Promise<TapMemoryFigures> {
  const server = startServerProcess(setup.bare);
  const sockets: Socket[] = [];
  try {
    const port = await serverPort(server);
    let before: TapMemorySample | undefined;
    if (setup.late) {
      await withTimeout('the first echo traffic', echoTraffic(port, TRAFFIC_BYTES));
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Growth is counted from the server as the traffic left it: the journal full, the heap grown.
      before = await ask(server, 'reset-peak');
    }
    // Raw and JSON alternately.
    for (let i = 0; i < setup.subscribers; i++) sockets.push(await stalledSubscriber(port, i % 2 === 0));
    // A moment for the subscribers' hellos (and, late, their history) and the server's heap to settle.
    await new Promise((resolve) => setTimeout(resolve, 500));
    before ??= await ask(server, 'reset-peak');
    const started = performance.now();
    await withTimeout('the echo traffic', echoTraffic(port, TRAFFIC_BYTES));
    const seconds = (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await ask(server, 'sample');
    const collected = await ask(server, 'gc');
    return {
      name: setupName(setup),
      subscribers: setup.subscribers,
      trafficBytes: TRAFFIC_BYTES,
      beforeRss: before.rss,
      afterRss: after.rss,
      peakRss: after.peakRss,
      retainedRss: collected.rss,
      heapUsed: collected.heapUsed,
      arrayBuffers: collected.arrayBuffers,
      journalBytes: collected.journalBytes,
      queuedBytes: collected.queuedBytes,
      seconds,
    };
  } finally {
    for (const socket of sockets) socket.destroy();
    await stopServerProcess(server);
  }
}

/**
 * Bare `ws` on the same traffic (what Node itself takes for it), wslab with no subscriber (that
 * plus the journal filling up), then 20 stalled subscribers, raw and JSON alternately.
 */
export async function benchTapMemory(): Promise<TapMemoryFigures[]> {
  return [
    await measure({ subscribers: 0, bare: true }),
    await measure({ subscribers: 0 }),
    await measure({ subscribers: SUBSCRIBERS }),
    await measure({ subscribers: 0, late: true }),
    await measure({ subscribers: SUBSCRIBERS, late: true }),
  ];
}
