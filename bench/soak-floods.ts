// Soak attacks that try to make the server hold memory: replies nobody reads, replies cut into
// thousands of frames, replies held back by `delay`, tap subscribers that never read, and exports
// asked for all at once.
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { ECHO_PATH, exportPath } from '../core/routes';
import { type Attack, MIB, mib, unreadFlood, within } from './soak-attack';
import { httpGet } from './soak-http';
import { echoTraffic, stalledSubscriber } from './tap-memory';

const echoUrl = (port: number, query: string): string => `ws://127.0.0.1:${port}${ECHO_PATH}${query}`;

export const unreadReplies: Attack = {
  name: '1. 300 MiB of 1 MiB messages to /echo, replies never read',
  rssLimitMb: 400,
  limitMs: 60_000,
  async run({ port, deadline }) {
    const flood = await unreadFlood(port, ECHO_PATH, 300 * MIB, deadline);
    return {
      note: `the client got ${mib(flood.sentBytes)} MiB out; the server stopped reading it after ${flood.flowingSeconds.toFixed(1)} s (stopped at ${flood.seconds.toFixed(0)} s)`,
    };
  },
};

interface FragmentedFigures {
  /** Replies that came back byte for byte. */
  intact: number;
  closed: { code: number; reason: string } | null;
  seconds: number;
}

/** Opens `query` on /echo, sends `count` binary messages of `size` bytes, awaiting each reply. */
async function fragmentedEchoes(
  port: number,
  query: string,
  size: number,
  count: number,
  deadline: number,
): Promise<FragmentedFigures> {
  const socket = new WebSocket(echoUrl(port, query), { perMessageDeflate: false });
  socket.on('error', () => {});
  const figures: FragmentedFigures = { intact: 0, closed: null, seconds: 0 };
  const ended = new Promise<void>((resolve) => {
    socket.once('close', (code: number, reason: Buffer) => {
      figures.closed = { code, reason: String(reason) };
      resolve();
    });
  });
  const started = performance.now();
  if (!(await within(once(socket, 'open'), deadline - started)) || socket.readyState !== WebSocket.OPEN) {
    socket.terminate();
    return figures;
  }
  const payload = Buffer.alloc(size, 0x62);
  for (let i = 0; i < count && socket.readyState === WebSocket.OPEN; i++) {
    const reply = new Promise<Buffer | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), Math.max(0, deadline - performance.now()));
      socket.once('message', (data: Buffer) => {
        clearTimeout(timer);
        resolve(data);
      });
      void ended.then(() => {
        clearTimeout(timer);
        resolve(null);
      });
    });
    socket.send(payload, { binary: true });
    const answer = await reply;
    if (answer === null) break;
    if (answer.equals(payload)) figures.intact++;
  }
  figures.seconds = (performance.now() - started) / 1000;
  if (socket.readyState === WebSocket.OPEN) {
    socket.close(1000);
    await within(ended, 5000);
  }
  socket.terminate();
  return figures;
}

export const manyFragments: Attack = {
  name: '2. fragment=1 with one 1 MiB message; fragment=256 with 1 MiB x 20',
  rssLimitMb: 400,
  limitMs: 90_000,
  async run({ port, deadline }) {
    const one = await fragmentedEchoes(
      port,
      '?fragment=1',
      MIB,
      1,
      Math.min(deadline, performance.now() + 30_000),
    );
    const many = await fragmentedEchoes(port, '?fragment=256', MIB, 20, deadline);
    const closedOne = one.closed ? `closed ${one.closed.code} "${one.closed.reason}"` : 'not closed';
    const met = one.intact === 0 && one.closed?.code === 1009 && many.intact === 20;
    return {
      note: `fragment=1: ${one.intact} replies, ${closedOne}; fragment=256: ${many.intact}/20 replies intact (4 096 frames each) in ${many.seconds.toFixed(1)} s`,
      ownTarget: { met, what: '1009 for fragment=1; 20 intact replies for fragment=256' },
    };
  },
};

export const delayedReplies: Attack = {
  name: '3. delay=60000 and 150 MiB of 1 MiB messages',
  rssLimitMb: 400,
  limitMs: 30_000,
  async run({ port, deadline }) {
    const flood = await unreadFlood(port, `${ECHO_PATH}?delay=60000`, 150 * MIB, deadline);
    return {
      note: `the client got ${mib(flood.sentBytes)} MiB out; the server stopped reading it after ${flood.flowingSeconds.toFixed(1)} s (stopped at ${flood.seconds.toFixed(0)} s)`,
    };
  },
};

export const stalledTap: Attack = {
  name: '4. 20 /tap subscribers (10 raw, 10 JSON) never read, 64 MiB echoed',
  rssLimitMb: 400,
  limitMs: 90_000,
  async run({ port, deadline, sample }) {
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < 20; i++) sockets.push(await stalledSubscriber(port, i % 2 === 0));
      const started = performance.now();
      const done = await within(echoTraffic(port, 64 * MIB), deadline - started);
      const seconds = (performance.now() - started) / 1000;
      const after = await sample('sample');
      return {
        note: `64 MiB echoed ${done ? 'in' : 'NOT finished in'} ${seconds.toFixed(1)} s; ${mib(after.queuedBytes)} MiB queued to the 20 subscribers, journal ${mib(after.journalBytes)} MiB`,
      };
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  },
};

export const concurrentExports: Attack = {
  name: '5. 6 GET /api/export.har at once after 64 MiB of echo traffic',
  rssLimitMb: 700,
  limitMs: 120_000,
  async run({ port, deadline }) {
    // 64 MiB on the wire (32 sent, 32 echoed) on fresh connections each round, so that the
    // journal ends full of connections whose start it still holds: all of them go in the file.
    for (let round = 0; round < 8 && performance.now() < deadline; round++) {
      await within(echoTraffic(port, 4 * MIB), deadline - performance.now());
    }
    const results = await Promise.all(Array.from({ length: 6 }, () => httpGet(port, exportPath('har'))));
    const statuses = results.map((result) => result.status);
    const file = results.find((result) => result.status === 200);
    const refused = results.filter((result) => result.status === 429);
    const met = statuses.filter((status) => status === 200).length === 1 && refused.length === 5;
    return {
      note: `statuses ${statuses.join(', ')}${file ? `; the 200 sent ${mib(file.bytes)} MiB in ${(file.ms / 1000).toFixed(1)} s` : ''}${refused.length ? `; 429s with Retry-After ${refused[0]!.retryAfter}` : ''}`,
      ownTarget: { met, what: 'one 200, five 429' },
    };
  },
};
