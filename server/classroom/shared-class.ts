// Several instances as one classroom (`--redis URL`). nginx keeps each learner on one instance
// (deploy/nginx.conf), so a learner's traffic, tap and exports never leave it; what the class
// shares through Redis is small: learner numbers, sessions (a learner's first page may come from
// another instance than the one their cookie then pins them to), the instructor token, and each
// instance's rows of the board, published on change and every few seconds.
//
// One Redis database is one class: another class on the same server uses another database
// (`redis://host:6379/2`).
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import type { BoardRow } from '../../core/classroom/board';
import type { SessionStore } from './sessions';

const KEY = {
  learnerNumber: 'wslab:learner-number',
  session: (key: string) => `wslab:session:${key}`,
  token: 'wslab:instructor-token',
  board: (instance: string) => `wslab:board:${instance}`,
  boards: 'wslab:board:*',
} as const;
const BOARD_CHANNEL = 'wslab:board';

/** How often an instance says it is alive (its board rows, connection counts changing on their own). */
export const HEARTBEAT_MS = 2000;
/** An instance silent for this long has stopped: its rows leave the board. */
export const INSTANCE_TTL_MS = 5 * HEARTBEAT_MS;
/** The instructor token outlives the last instance by this much, so a restarted class can pick a new one. */
const TOKEN_TTL_MS = 60_000;

/** One instance's rows of the board, with `lastActivity` in wall-clock ms (instances' clocks differ in origin). */
export interface BoardSnapshot {
  instance: string;
  /** Wall-clock ms when it was published. */
  at: number;
  rows: BoardRow[];
}

export interface SharedClass {
  /** This instance's name in the class (random, per start). */
  readonly instance: string;
  readonly url: string;
  readonly sessions: SessionStore;
  /**
   * The token every instance of the class uses: the one already agreed, else `proposed`. An
   * explicit `--instructor-token` that differs from the class's is refused (`explicit`).
   */
  agreeToken(proposed: string, explicit: boolean): Promise<string>;
  publishBoard(snapshot: BoardSnapshot): void;
  /** Every instance's latest snapshot now (this one's too), for a board opened mid-class. */
  boards(): Promise<BoardSnapshot[]>;
  /** Called with every snapshot another instance publishes. */
  onBoard(listener: (snapshot: BoardSnapshot) => void): () => void;
  close(): Promise<void>;
}

/** Why the class's Redis could not be joined, in words, as start-up prints it. */
export class SharedClassError extends Error {}

/** Joins the class whose Redis is at `url`; fails (SharedClassError) if Redis does not answer. */
export async function joinClass(url: string): Promise<SharedClass> {
  let joined = false;
  const options = {
    url,
    // Once joined, a lost Redis is waited for; before, it is a start-up error the user must see.
    socket: {
      connectTimeout: 3000,
      reconnectStrategy: (retries: number, cause: Error) =>
        joined ? Math.min(100 * 2 ** retries, 2000) : new SharedClassError(unreachable(url, cause)),
    },
    // A command while Redis is away fails at once instead of holding a learner's request.
    disableOfflineQueue: true,
  };
  const commands = createClient(options);
  const subscriber = createClient(options);
  const problems = new Set<string>();
  for (const client of [commands, subscriber]) {
    // Said once per kind of problem, not once per reconnect attempt.
    client.on('error', (error: Error) => {
      if (!joined || problems.has(error.message)) return;
      problems.add(error.message);
      process.stderr.write(`wslab: the class's Redis (${url}): ${error.message}; retrying\n`);
    });
    client.on('ready', () => problems.clear());
  }
  try {
    await commands.connect();
    await subscriber.connect();
  } catch (error) {
    await Promise.allSettled([commands.destroy(), subscriber.destroy()]);
    throw error instanceof SharedClassError ? error : new SharedClassError(unreachable(url, error as Error));
  }
  joined = true;

  const instance = randomBytes(6).toString('hex');
  const listeners = new Set<(snapshot: BoardSnapshot) => void>();
  await subscriber.subscribe(BOARD_CHANNEL, (message) => {
    const snapshot = parseSnapshot(message);
    if (!snapshot || snapshot.instance === instance) return;
    for (const listener of listeners) listener(snapshot);
  });

  let token: string | null = null;
  // The agreed token is kept alive while any instance runs.
  const heartbeat = setInterval(() => {
    if (token !== null) commands.set(KEY.token, token, { PX: TOKEN_TTL_MS }).catch(() => {});
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    instance,
    url,
    sessions: {
      nextNumber: () => commands.incr(KEY.learnerNumber),
      save: async (key, number, ttlMs) => {
        await commands.set(KEY.session(key), String(number), { PX: Math.max(1, Math.round(ttlMs)) });
      },
      load: async (key) => {
        const value = await commands.get(KEY.session(key));
        return value !== null && /^[1-9][0-9]{0,8}$/.test(value) ? Number(value) : null;
      },
    },
    async agreeToken(proposed, explicit) {
      await commands.set(KEY.token, proposed, { NX: true, PX: TOKEN_TTL_MS });
      const agreed = (await commands.get(KEY.token)) ?? proposed;
      if (explicit && agreed !== proposed)
        throw new SharedClassError(
          `the class on ${url} already has another instructor token: start every instance with the same --instructor-token, or with none to share the first one's`,
        );
      token = agreed;
      return agreed;
    },
    publishBoard(snapshot) {
      const message = JSON.stringify(snapshot);
      commands.set(KEY.board(snapshot.instance), message, { PX: INSTANCE_TTL_MS }).catch(() => {});
      commands.publish(BOARD_CHANNEL, message).catch(() => {});
    },
    async boards() {
      const keys: string[] = [];
      for await (const batch of commands.scanIterator({ MATCH: KEY.boards, COUNT: 100 })) keys.push(...batch);
      if (keys.length === 0) return [];
      const values = await commands.mGet(keys);
      return values.flatMap((value) => {
        const snapshot = value === null ? null : parseSnapshot(value);
        return snapshot ? [snapshot] : [];
      });
    },
    onBoard(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      clearInterval(heartbeat);
      listeners.clear();
      await commands.del(KEY.board(instance)).catch(() => {});
      await Promise.allSettled([subscriber.close(), commands.close()]);
    },
  };
}

function unreachable(url: string, cause: Error): string {
  const reason = cause.message || cause.name;
  return `cannot reach the class's Redis at ${url} (${reason}): start redis-server, or check --redis`;
}

/** A snapshot as another instance published it; anything else is ignored. */
function parseSnapshot(text: string): BoardSnapshot | null {
  try {
    const value = JSON.parse(text) as Partial<BoardSnapshot>;
    if (typeof value.instance !== 'string' || typeof value.at !== 'number' || !Array.isArray(value.rows))
      return null;
    return value as BoardSnapshot;
  } catch {
    return null;
  }
}
