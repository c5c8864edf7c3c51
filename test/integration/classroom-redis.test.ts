// Two classroom servers sharing one real Redis (`--redis`), as the instances behind nginx do:
// learner numbers and sessions are the class's, the instructor token is agreed, and the board on
// either instance shows the learners of both. nginx itself is in classroom-nginx.test.ts.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ClassroomInfo } from '../../core/classroom/board';
import type { RunningServer } from '../../server/server';
import {
  BoardWatcher,
  learnerCookie,
  learnerIdOf,
  postProgress,
  progressReport,
  teachCookie,
} from './classroom-client';
import { startTestServer, wsUrl } from './harness';
import { redisInstalled, startTestRedis, type TestRedis } from './redis-server';

const TOKEN = 'one-class-two-instances-0123';
const installed = redisInstalled();
if (!installed)
  console.warn(
    'redis-server is not installed: the --redis tests are skipped (apt-get install -y redis-server)',
  );

describe.skipIf(!installed)('two instances of one class through Redis', () => {
  let redis: TestRedis;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    redis = await startTestRedis();
    a = await startTestServer({ classroom: true, redis: redis.url, instructorToken: TOKEN });
    // No token of its own: it takes the class's.
    b = await startTestServer({ classroom: true, redis: redis.url });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  async function infoOf(server: RunningServer, cookie: string): Promise<ClassroomInfo> {
    const response = await fetch(`${server.url}api/classroom`, { headers: { Cookie: cookie } });
    return (await response.json()) as ClassroomInfo;
  }

  it('agrees on the instructor token, and refuses an instance that brings another one', async () => {
    expect(b.instructorToken).toBe(TOKEN);
    await expect(
      startTestServer({ classroom: true, redis: redis.url, instructorToken: 'another-token-0123456789' }),
    ).rejects.toThrow(/already has another instructor token/);
  });

  it('names each instance of the class on /healthz', async () => {
    const healths = [];
    for (const server of [a, b])
      healths.push(
        (await (await fetch(`${server.url}healthz`)).json()) as {
          class?: { instance: string; redis: string };
        },
      );
    expect(healths.map((h) => h.class?.redis)).toEqual([redis.url, redis.url]);
    expect(healths[0]!.class!.instance).toMatch(/^[0-9a-f]{12}$/);
    expect(healths[0]!.class!.instance).not.toBe(healths[1]!.class!.instance);
  });

  it('numbers learners once for the class, whichever instance answers their first page', async () => {
    const ids = [];
    for (const server of [a, b, a, b]) ids.push(learnerIdOf(await learnerCookie(server.url)));
    expect(new Set(ids).size).toBe(4);
  });

  it('knows a session on every instance, wherever it started, and only a session the class gave', async () => {
    const cookie = await learnerCookie(a.url);
    const onA = await infoOf(a, cookie);
    const onB = await infoOf(b, cookie);
    expect(onA.learner?.id).toBe(learnerIdOf(cookie));
    expect(onB.learner).toEqual(onA.learner);
    // A connection opened on B with it is that learner's: their tap on B (which shows a learner
    // only their own) shows it.
    const tap = new WebSocket(wsUrl(b, '/tap'), { headers: { Cookie: cookie } });
    const opened = new Promise<void>((resolve) => {
      tap.on('message', (data) => {
        const events = JSON.parse(String(data)) as { type: string; path?: string }[];
        const open = events.find((e) => e.type === 'open' && e.path === '/echo');
        if (open) resolve();
      });
    });
    await once(tap, 'open');
    const echo = new WebSocket(wsUrl(b, '/echo'), { headers: { Cookie: cookie } });
    await once(echo, 'open');
    await opened;
    echo.close();
    tap.close();
    // The learner id in front of the secret is not enough, nor another learner's id on a real secret.
    const forged = cookie.replace(/\.[^.]+$/, `.${'A'.repeat(22)}`);
    expect((await infoOf(b, forged)).learner).toBeNull();
    const renumbered = cookie.replace(/=l\d+\./, '=l999999.');
    expect((await infoOf(b, renumbered)).learner).toBeNull();
  });

  it('shows every instance’s learners on the board of either, within a second of their report', async () => {
    const board = await BoardWatcher.open(b.url, await teachCookie(b.url, TOKEN));
    const ada = await learnerCookie(a.url);
    const grace = await learnerCookie(b.url);
    const sent = performance.now();
    expect((await postProgress(a.url, ada, progressReport({ nickname: 'Ada' }))).status).toBe(204);
    expect((await postProgress(b.url, grace, progressReport({ nickname: 'Grace' }))).status).toBe(204);
    const seen = await board.waitFor((message) => {
      const names = message.rows.map((row) => row.nickname);
      return names.includes('Ada') && names.includes('Grace');
    });
    expect(performance.now() - sent).toBeLessThan(1000);
    const row = seen.rows.find((r) => r.nickname === 'Ada')!;
    expect(row.learner).toBe(learnerIdOf(ada));
    // Ada reported to A a moment ago: in B's clock too.
    expect(Math.abs(seen.now - row.lastActivity)).toBeLessThan(1000);
    // Her open connections are counted where they are.
    const echo = new WebSocket(wsUrl(a, '/echo'), { headers: { Cookie: ada } });
    await once(echo, 'open');
    await board.waitFor((m) => m.rows.some((r) => r.nickname === 'Ada' && r.connections === 1), 6000);
    echo.close();
    board.close();
  });

  it('takes a stopped instance’s learners off the board at once', async () => {
    const c = await startTestServer({ classroom: true, redis: redis.url });
    const board = await BoardWatcher.open(a.url, await teachCookie(a.url, TOKEN));
    const linus = await learnerCookie(c.url);
    expect((await postProgress(c.url, linus, progressReport({ nickname: 'Linus' }))).status).toBe(204);
    await board.waitFor((m) => m.rows.some((r) => r.nickname === 'Linus'));
    await c.close();
    const after = board.boards.length;
    await board.waitFor(
      (m) => board.boards.indexOf(m) >= after && !m.rows.some((r) => r.nickname === 'Linus'),
    );
    board.close();
  });
});

describe.skipIf(!installed)('an instance whose Redis goes away', () => {
  it('goes on with the learners it knows, and answers a new one 503 until Redis is back', async () => {
    const redis = await startTestRedis();
    const server = await startTestServer({ classroom: true, redis: redis.url });
    try {
      const known = await learnerCookie(server.url);
      await redis.stop();
      const newcomer = await fetch(server.url);
      expect(newcomer.status).toBe(503);
      expect(newcomer.headers.get('retry-after')).toBe('5');
      expect(await newcomer.text()).toMatch(/shared store \(Redis\) is out of reach/);
      const info = (await (
        await fetch(`${server.url}api/classroom`, { headers: { Cookie: known } })
      ).json()) as ClassroomInfo;
      expect(info.learner?.id).toBe(learnerIdOf(known));
      const echo = new WebSocket(wsUrl(server, '/echo'), { headers: { Cookie: known } });
      await once(echo, 'open');
      echo.close();
    } finally {
      await server.close();
    }
  });
});

describe('--redis', () => {
  it('says plainly when the class’s Redis does not answer', async () => {
    await expect(startTestServer({ classroom: true, redis: 'redis://127.0.0.1:1' })).rejects.toThrow(
      /cannot reach the class's Redis at redis:\/\/127\.0\.0\.1:1 .*start redis-server/,
    );
  });

  it('needs classroom mode', async () => {
    await expect(startTestServer({ redis: 'redis://127.0.0.1:1' })).rejects.toThrow(/needs classroom mode/);
  });
});
