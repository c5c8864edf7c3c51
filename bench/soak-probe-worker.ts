// What a soak attack costs everyone else, seen from a thread of its own so that the attack's
// clients cannot hold up its timers: GET /healthz every 50 ms, and one well-behaved echo client
// sending a text message every 50 ms and awaiting each reply. On `stop` it posts ProbeFigures.
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { WebSocket } from 'ws';
import { workerInput } from '../server/ts-worker';

export interface ProbeFigures {
  health: { checks: number; worstMs: number; failures: number };
  echo: {
    sent: number;
    received: number;
    /** Sent and never answered (within a 2 s grace after the attack), or answered wrongly. */
    lost: number;
    /** The longest time from sending a message to its reply. */
    worstReplyMs: number;
    /** The longest time between two replies (from the start to the first one included). */
    longestGapMs: number;
    /** Why the probe's connection ended before the attack did, if it did. */
    interrupted: string | null;
  };
}

const PERIOD_MS = 50;
const HEALTH_TIMEOUT_MS = 5000;
const GRACE_MS = 2000;

const { port } = workerInput<{ port: number }>();
let running = true;
let stopRequested: () => void = () => {};
const stopped = new Promise<void>((resolve) => {
  stopRequested = resolve;
});
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
// A reply still awaited when the attack ends gets this long before it counts as lost.
const graceOver = stopped.then(() => sleep(GRACE_MS));

/** One GET /healthz on a fresh connection, so a server that stops accepting shows too. */
function healthOnce(): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: HEALTH_TIMEOUT_MS },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode === 200));
        res.once('error', () => resolve(false));
      },
    );
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => resolve(false));
    req.end();
  });
}

async function pollHealth(): Promise<ProbeFigures['health']> {
  const figures = { checks: 0, worstMs: 0, failures: 0 };
  while (running) {
    const started = performance.now();
    const ok = await healthOnce();
    const ms = performance.now() - started;
    figures.checks++;
    figures.worstMs = Math.max(figures.worstMs, ms);
    if (!ok) figures.failures++;
    await sleep(PERIOD_MS - ms);
  }
  return figures;
}

async function flowEcho(): Promise<ProbeFigures['echo']> {
  const figures = {
    sent: 0,
    received: 0,
    lost: 0,
    worstReplyMs: 0,
    longestGapMs: 0,
    interrupted: null as string | null,
  };
  const socket = new WebSocket(`ws://127.0.0.1:${port}/echo`, { perMessageDeflate: false });
  let onReply: ((text: string) => void) | null = null;
  let onEnd: (() => void) | null = null;
  socket.on('message', (data: Buffer) => onReply?.(String(data)));
  socket.once('close', (code: number) => {
    if (running) figures.interrupted ??= `closed with ${code}`;
    onEnd?.();
  });
  socket.once('error', (error) => {
    figures.interrupted ??= error.message;
    onEnd?.();
  });
  if (socket.readyState !== WebSocket.OPEN) {
    await new Promise<void>((resolve) => {
      socket.once('open', () => resolve());
      onEnd = resolve;
    });
  }
  parentPort!.postMessage('ready');
  let lastReply = performance.now();
  while (running && socket.readyState === WebSocket.OPEN) {
    const text = `probe ${figures.sent}`;
    const sentAt = performance.now();
    // Waits for the reply however long it takes while the attack lasts, then GRACE_MS more.
    const reply = new Promise<string | null>((resolve) => {
      onReply = resolve;
      onEnd = () => resolve(null);
      void graceOver.then(() => resolve(null));
    });
    socket.send(text);
    figures.sent++;
    const answer = await reply;
    onReply = null;
    onEnd = null;
    const now = performance.now();
    if (answer === null) {
      figures.lost++;
      break;
    }
    if (answer !== `Server received: '${text}'`) figures.lost++;
    else figures.received++;
    figures.worstReplyMs = Math.max(figures.worstReplyMs, now - sentAt);
    figures.longestGapMs = Math.max(figures.longestGapMs, now - lastReply);
    lastReply = now;
    await sleep(PERIOD_MS - (now - sentAt));
  }
  socket.terminate();
  return figures;
}

const health = pollHealth();
const echo = flowEcho();
parentPort!.once('message', () => {
  running = false;
  stopRequested();
  void Promise.all([health, echo]).then(([healthFigures, echoFigures]) => {
    parentPort!.postMessage({ health: healthFigures, echo: echoFigures } satisfies ProbeFigures);
  });
});
