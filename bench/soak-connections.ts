// Soak attack: 30 000 short echo connections, one message each, then what the server keeps for
// each of them once their records have left the journal. The journal is filled with traffic
// before and after, so both measurements hold a full journal and the difference is what the
// connections left behind.
import { WebSocket } from 'ws';
import { ECHO_PATH } from '../core/routes';
import { type Attack, MIB, mib } from './soak-attack';
import { echoTraffic } from './tap-memory';

const CONNECTIONS = 30_000;
const BATCH = 200;
/** More than the journal's 64 MiB budget, in each direction: every older record leaves. */
const EVICTING_TRAFFIC = 80 * MIB;
const CONNECTION_TIMEOUT_MS = 10_000;
export const KEPT_PER_CONNECTION_TARGET_KB = 3;

/** Opens /echo, sends one message, waits for its reply, closes (RFC 6455 §7.1.2) and waits for the close. */
function shortConnection(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${ECHO_PATH}`, { perMessageDeflate: false });
    let answered = false;
    const timer = setTimeout(() => socket.terminate(), CONNECTION_TIMEOUT_MS);
    socket.once('open', () => socket.send('hi'));
    socket.once('message', () => {
      answered = true;
      socket.close(1000);
    });
    socket.on('error', () => {});
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(answered);
    });
  });
}

export const shortConnections: Attack = {
  name: '6. 30 000 short connections (one message, then close), 200 at a time',
  rssLimitMb: 400,
  limitMs: 150_000,
  async run({ port, deadline, sample }) {
    await echoTraffic(port, EVICTING_TRAFFIC);
    const before = await sample('gc');
    const started = performance.now();
    let done = 0;
    let answered = 0;
    while (done < CONNECTIONS && performance.now() < deadline) {
      const batch = Math.min(BATCH, CONNECTIONS - done);
      const results = await Promise.all(Array.from({ length: batch }, () => shortConnection(port)));
      done += batch;
      answered += results.filter(Boolean).length;
    }
    const seconds = (performance.now() - started) / 1000;
    const inHistory = await sample('gc');
    await echoTraffic(port, EVICTING_TRAFFIC);
    const after = await sample('gc');
    const keptKb = (after.rss - before.rss) / done / 1024;
    // The JavaScript heap says how much of that is objects still reachable, and how much pages
    // the allocators keep after a collection.
    const heapKb = (after.heapUsed - before.heapUsed) / done / 1024;
    return {
      note:
        `${answered}/${done} answered in ${seconds.toFixed(1)} s (${Math.round(done / seconds)}/s); RSS after GC, journal full: ` +
        `${mib(before.rss)} MiB before, ${mib(inHistory.rss)} with them in the history, ${mib(after.rss)} once evicted: ` +
        `${keptKb.toFixed(2)} KB kept per closed connection (JS heap in use: ${heapKb.toFixed(2)} KB)`,
      ownTarget: {
        met: done === CONNECTIONS && answered === done && keptKb < KEPT_PER_CONNECTION_TARGET_KB,
        what: `all answered; < ${KEPT_PER_CONNECTION_TARGET_KB} KB kept per closed connection`,
      },
    };
  },
};
