// A simulated class against one classroom address (an instance, or nginx in front of several):
// learners who each hold a session, a JSON `/tap` of their own and an `/echo` socket sending a
// message a second, and who report progress every few seconds; and the instructor's board. It
// counts what was lost or leaked and times echoes and board updates; it asserts nothing.
// Loopback only; every phase is bounded by the run's deadline.
import { WebSocket } from 'ws';
import type { BoardMessage } from '../core/classroom/board';
import type { TapEvent } from '../core/tap/events';
import {
  BoardWatcher,
  learnerCookie,
  learnerIdOf,
  postProgress,
  progressReport,
  teachCookie,
} from '../test/integration/classroom-client';

export interface LoadOptions {
  /** `http://127.0.0.1:<port>/`: where learners and the instructor go. */
  base: string;
  instructorToken: string;
  learners: number;
  seconds: number;
  /** performance.now() past which every phase gives up. */
  deadline: number;
  /** Called every SAMPLE_MS while the class runs (RSS sampling). */
  onSample?: () => void;
  /** Called once the run has drained, before its sockets close (the instances' /healthz). */
  beforeClose?: () => Promise<void>;
}

export interface LoadFigures {
  learners: number;
  sessions: number;
  taps: number;
  echoSockets: number;
  /** Why a session, tap or echo socket could not be had, or closed before the end: count by reason. */
  refused: Map<string, number>;
  closed: Map<string, number>;
  echo: { sent: number; echoed: number; rttMs: number[] };
  /** Own messages (either direction) missing from the learner's own tap, for learners with a tap. */
  tapLost: number;
  /** Learners whose tap showed any connection or text not theirs, and how many such events. */
  leakingLearners: number;
  foreignEvents: number;
  progress: {
    posted: number;
    stored: number;
    tooFast: number;
    failed: number;
    boardMs: number[];
    unseen: number;
  };
  boards: number;
  /** Seconds the run's traffic lasted (less than asked when the deadline cut it short). */
  seconds: number;
  /** This process's CPU over the run, as a share of one core. */
  clientCpu: number;
}

const BATCH = 25;
const CONNECT_TIMEOUT_MS = 15_000;
const ECHO_EVERY_MS = 1000;
const PROGRESS_EVERY_MS = 5000;
const SAMPLE_MS = 5000;
const DRAIN_MS = 10_000;
const FETCH_TIMEOUT_MS = 10_000;

interface Learner {
  index: number;
  id: string;
  cookie: string;
  tap: WebSocket | null;
  echo: WebSocket | null;
  /** Text ids sent, and those the tap has shown in each direction. */
  sent: Set<string>;
  tapClient: Set<string>;
  tapServer: Set<string>;
  /** The connections the tap showed: one echo socket is all a learner has. */
  tapConns: Set<string>;
  foreign: number;
  counter: number;
  reports: number;
}

const countInto = (map: Map<string, number>, key: string): void => {
  map.set(key, (map.get(key) ?? 0) + 1);
};

/** `l7 #12`: what a learner sends, found in it or in the echo server's reply (`Server received: '…'`). */
const messageIdIn = (text: string): string | null => /\bl\d+ #\d+\b/.exec(text)?.[0] ?? null;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Opens a socket; resolves null when it opened, else why not. */
async function opened(socket: WebSocket): Promise<string | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.terminate();
      resolve(`no answer in ${CONNECT_TIMEOUT_MS / 1000} s`);
    }, CONNECT_TIMEOUT_MS);
    const done = (why: string | null): void => {
      clearTimeout(timer);
      resolve(why);
    };
    socket.once('open', () => done(null));
    // With this listener `ws` leaves the refused request open: its reason is read, then it goes.
    socket.once('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => {
        req.destroy();
        done(`HTTP ${res.statusCode}: ${body.trim().slice(0, 100)}`);
      });
      res.on('error', () => done(`HTTP ${res.statusCode}`));
    });
    socket.once('error', (error) => done(error.message));
  });
}

export async function runClassLoad(options: LoadOptions): Promise<LoadFigures> {
  const wsBase = options.base.replace(/^http/, 'ws');
  const refused = new Map<string, number>();
  const closed = new Map<string, number>();
  const learners: Learner[] = [];
  const pendingEcho = new Map<string, number>();
  const rttMs: number[] = [];
  let echoSent = 0;
  let echoed = 0;
  const progress = { posted: 0, stored: 0, tooFast: 0, failed: 0, boardMs: [] as number[], unseen: 0 };
  // Per learner, the report counters sent and not yet on the board, with when they were sent.
  const pendingBoard = new Map<string, { counter: number; sentAt: number }[]>();
  const timers: NodeJS.Timeout[] = [];
  let running = false;
  let board: BoardWatcher | null = null;
  let boards = 0;

  const noteClose = (what: string) => (code: number, reason: Buffer) => {
    if (running) countInto(closed, `${what} closed ${code}${reason.length ? ` ${String(reason)}` : ''}`);
  };

  const watchTap = (learner: Learner, data: Buffer): void => {
    for (const event of JSON.parse(String(data)) as TapEvent[]) {
      if (!('conn' in event)) continue;
      learner.tapConns.add(event.conn);
      const text =
        event.type === 'message' ? event.text : event.type === 'frame' ? event.payload.text : undefined;
      if (text === undefined || text === '' || (event.type === 'frame' && event.opcodeName !== 'text'))
        continue;
      // The learner's own text, or the echo server's reply quoting it; anything else is a leak.
      const id = messageIdIn(text);
      if (id === null || !id.startsWith(`${learner.id} #`)) {
        learner.foreign++;
        continue;
      }
      if (event.type === 'message') (event.dir === 'client' ? learner.tapClient : learner.tapServer).add(id);
    }
  };

  const setUp = async (index: number): Promise<void> => {
    let cookie: string;
    try {
      cookie = await learnerCookie(options.base);
    } catch (error) {
      countInto(refused, `session: ${(error as Error).message}`);
      return;
    }
    const learner: Learner = {
      index,
      id: learnerIdOf(cookie),
      cookie,
      tap: null,
      echo: null,
      sent: new Set(),
      tapClient: new Set(),
      tapServer: new Set(),
      tapConns: new Set(),
      foreign: 0,
      counter: 0,
      reports: 0,
    };
    learners.push(learner);
    // The tap first, so the echo socket's whole life is on it.
    const tap = new WebSocket(`${wsBase}tap`, { headers: { Cookie: cookie } });
    tap.on('message', (data: Buffer) => watchTap(learner, data));
    tap.on('error', () => {});
    const tapProblem = await opened(tap);
    if (tapProblem) countInto(refused, `tap: ${tapProblem}`);
    else {
      learner.tap = tap;
      tap.on('close', noteClose('tap'));
    }
    const echo = new WebSocket(`${wsBase}echo`, { headers: { Cookie: cookie } });
    echo.on('message', (data: Buffer) => {
      const text = messageIdIn(String(data));
      if (text === null) return;
      const sentAt = pendingEcho.get(text);
      if (sentAt === undefined) return;
      pendingEcho.delete(text);
      rttMs.push(performance.now() - sentAt);
      echoed++;
    });
    echo.on('error', () => {});
    const echoProblem = await opened(echo);
    if (echoProblem) countInto(refused, `echo: ${echoProblem}`);
    else {
      learner.echo = echo;
      echo.on('close', noteClose('echo'));
    }
  };

  const sendEcho = (learner: Learner): void => {
    if (!running || learner.echo?.readyState !== WebSocket.OPEN) return;
    const text = `${learner.id} #${++learner.counter}`;
    pendingEcho.set(text, performance.now());
    learner.sent.add(text);
    echoSent++;
    learner.echo.send(text);
  };

  const report = async (learner: Learner): Promise<void> => {
    if (!running) return;
    const counter = ++learner.reports;
    const body = progressReport({
      nickname: `${learner.id} r${counter}`,
      lesson: {
        slug: '01-first-connection',
        title: 'Your first connection',
        step: (counter % 4) + 1,
        steps: 4,
      },
    });
    const sentAt = performance.now();
    progress.posted++;
    try {
      const response = await Promise.race([
        postProgress(options.base, learner.cookie, body),
        sleep(FETCH_TIMEOUT_MS).then(() => null),
      ]);
      if (response === null) return void progress.failed++;
      await response.arrayBuffer();
      if (response.status === 204) {
        progress.stored++;
        const pending = pendingBoard.get(learner.id) ?? [];
        pending.push({ counter, sentAt });
        pendingBoard.set(learner.id, pending);
      } else if (response.status === 429) progress.tooFast++;
      else progress.failed++;
    } catch {
      progress.failed++;
    }
  };

  const onBoard = (message: BoardMessage): void => {
    boards++;
    const at = performance.now();
    for (const row of message.rows) {
      const pending = pendingBoard.get(row.learner);
      if (!pending) continue;
      const shown = Number(/ r(\d+)$/.exec(row.nickname)?.[1] ?? 0);
      while (pending.length > 0 && pending[0]!.counter <= shown)
        progress.boardMs.push(at - pending.shift()!.sentAt);
      if (pending.length === 0) pendingBoard.delete(row.learner);
    }
  };

  let cpuBefore = process.cpuUsage();
  let started = performance.now();
  try {
    board = await BoardWatcher.open(options.base, await teachCookie(options.base, options.instructorToken));
    // BoardWatcher keeps every board; only the latest matters here, and 500 rows ten times a second add up.
    const watcher = board;
    watcher.socket.on('message', () => {
      const latest = watcher.latest;
      watcher.boards.length = 0;
      if (latest) onBoard(latest);
    });
    watcher.socket.on('close', noteClose('board'));

    for (let first = 0; first < options.learners && performance.now() < options.deadline; first += BATCH) {
      const batch = [];
      for (let i = first; i < Math.min(first + BATCH, options.learners); i++) batch.push(setUp(i));
      await Promise.all(batch);
    }

    running = true;
    started = performance.now();
    cpuBefore = process.cpuUsage();
    const count = learners.length;
    for (const learner of learners) {
      // Staggered over the period, so the class does not send in one burst.
      const echoPhase = (learner.index / options.learners) * ECHO_EVERY_MS;
      const progressPhase = (learner.index / options.learners) * PROGRESS_EVERY_MS;
      timers.push(
        setTimeout(() => {
          sendEcho(learner);
          timers.push(setInterval(() => sendEcho(learner), ECHO_EVERY_MS));
        }, echoPhase),
        setTimeout(() => {
          void report(learner);
          timers.push(setInterval(() => void report(learner), PROGRESS_EVERY_MS));
        }, progressPhase),
      );
    }
    const end = Math.min(started + options.seconds * 1000, options.deadline);
    while (performance.now() < end) {
      await sleep(Math.min(SAMPLE_MS, end - performance.now()));
      options.onSample?.();
    }
    running = false;
    for (const timer of timers) clearTimeout(timer);
    const seconds = (performance.now() - started) / 1000;

    // Drain: the last echoes, board updates and tap events, for a few seconds at most.
    const drainEnd = Math.min(performance.now() + DRAIN_MS, options.deadline);
    const tapBehind = (): boolean =>
      learners.some(
        (l) => l.tap !== null && (l.tapClient.size < l.sent.size || l.tapServer.size < l.sent.size),
      );
    while (performance.now() < drainEnd && (pendingEcho.size > 0 || pendingBoard.size > 0 || tapBehind()))
      await sleep(100);

    let tapLost = 0;
    let leakingLearners = 0;
    let foreignEvents = 0;
    for (const learner of learners) {
      if (learner.tap !== null)
        for (const text of learner.sent) {
          if (!learner.tapClient.has(text)) tapLost++;
          if (!learner.tapServer.has(text)) tapLost++;
        }
      const extraConns = Math.max(0, learner.tapConns.size - 1);
      if (learner.foreign + extraConns > 0) leakingLearners++;
      foreignEvents += learner.foreign + extraConns;
    }
    for (const pending of pendingBoard.values()) progress.unseen += pending.length;
    await options.beforeClose?.();
    const cpu = process.cpuUsage(cpuBefore);
    return {
      learners: options.learners,
      sessions: count,
      taps: learners.filter((l) => l.tap !== null).length,
      echoSockets: learners.filter((l) => l.echo !== null).length,
      refused,
      closed,
      echo: { sent: echoSent, echoed, rttMs },
      tapLost,
      leakingLearners,
      foreignEvents,
      progress,
      boards,
      seconds,
      clientCpu: (cpu.user + cpu.system) / 1000 / (performance.now() - started),
    };
  } finally {
    running = false;
    for (const timer of timers) clearTimeout(timer);
    board?.socket.terminate();
    for (const learner of learners) {
      learner.tap?.terminate();
      learner.echo?.terminate();
    }
    // Let the terminations reach the servers before they are stopped.
    await sleep(500);
  }
}
