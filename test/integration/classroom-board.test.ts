// The instructor's board on a real classroom server: the token guards `/teach` and its socket,
// learners' progress reports are checked and bounded, and the board hears of each one at once.
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { BoardMessage } from '../../core/classroom/board';
import type { RunningServer, ServerOptions } from '../../server/server';
import {
  BoardWatcher,
  learnerCookie as learnerCookieOf,
  postProgress,
  progressReport,
  teachCookie as teachCookieOf,
} from './classroom-client';
import { startTestServer, wsUrl } from './harness';

const TOKEN = 'teach-me-the-protocol-0123456789';

let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer({ classroom: true, instructorToken: TOKEN } as ServerOptions);
});
afterAll(async () => {
  await server.close();
});

const learnerCookie = (): Promise<string> => learnerCookieOf(server.url);
const teachCookie = (): Promise<string> => teachCookieOf(server.url, TOKEN);
const report = progressReport;
const post = (cookie: string | null, body: unknown, contentType?: string): Promise<Response> =>
  postProgress(server.url, cookie, body, contentType);

async function refusal(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const socket = new WebSocket(wsUrl(server, path), { headers });
  socket.on('error', () => {});
  const [, response] = (await once(socket, 'unexpected-response')) as [unknown, IncomingMessage];
  let body = '';
  for await (const chunk of response) body += String(chunk);
  return { status: response.statusCode ?? 0, body };
}

describe('the instructor token', () => {
  it('prints the /teach link with the token in classroom mode', () => {
    expect(server.instructorUrl).toBe(`http://127.0.0.1:${server.port}/teach?token=${TOKEN}`);
  });

  it('answers /teach with 403 and a plain sentence without the token or with a wrong one', async () => {
    for (const query of [
      '',
      '?token=',
      `?token=${TOKEN.slice(0, -1)}x`,
      `?token=${TOKEN}x`,
      '?token=short',
    ]) {
      const response = await fetch(`${server.url}teach${query}`);
      expect(response.status).toBe(403);
      expect(response.headers.get('set-cookie')).toBeNull();
      expect(await response.text()).toMatch(/instructor’s board.*link wslab printed/);
    }
  });

  it('opens /teach with the token and leaves an HttpOnly cookie that opens it again', async () => {
    const response = await fetch(`${server.url}teach?token=${TOKEN}`);
    expect(response.status).toBe(200);
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^wslab_teach=[\w-]+; HttpOnly; SameSite=Strict; Path=\/$/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const again = await fetch(`${server.url}teach`, { headers: { Cookie: cookie.split(';')[0]! } });
    expect(again.status).toBe(200);
  });

  it('keeps the built board page behind the token', async () => {
    const response = await fetch(`${server.url}teach.html`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/teach');
  });

  it('refuses the board socket without the token, from another origin, or with a foreign Host', async () => {
    const none = await refusal('/teach/board');
    expect(none.status).toBe(403);
    expect(none.body).toMatch(/for the instructor/);
    const learner = await refusal('/teach/board', { Cookie: await learnerCookie() });
    expect(learner.status).toBe(403);
    const cookie = await teachCookie();
    const site = await refusal('/teach/board', { Cookie: cookie, Origin: 'http://evil.example' });
    expect(site.status).toBe(403);
    expect(site.body).toMatch(/not Origin http:\/\/evil\.example/);
    const rebinding = await refusal('/teach/board', { Cookie: cookie, Host: 'evil.example' });
    expect(rebinding.status).toBe(403);
    expect(rebinding.body).toMatch(/DNS rebinding/);
  });
});

describe('progress reports', () => {
  it('answers 401 to a report without a learner session', async () => {
    const response = await post(null, report());
    expect(response.status).toBe(401);
  });

  it('refuses a report that is not JSON, malformed, out of bounds or too big', async () => {
    const cookie = await learnerCookie();
    expect((await post(cookie, 'nickname=x', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await post(cookie, '{"nickname":')).status).toBe(400);
    const bad: unknown[] = [
      [],
      report({ nickname: 'x'.repeat(41) }),
      report({ nickname: 'two\nlines' }),
      report({ nickname: 'a\u202eb' }),
      report({ checks: { passed: 3, total: 2 } }),
      report({ checks: { passed: -1, total: 2 } }),
      report({ checks: { passed: 0.5, total: 2 } }),
      { ...report(), lesson: { slug: '../etc', title: 't', step: 1, steps: 2 } },
      { ...report(), lesson: { slug: 'a', title: 't', step: 3, steps: 2 } },
      { ...report(), lesson: { slug: 'a', title: 't', step: 0, steps: 2 } },
      { ...report(), shareTraffic: 'yes' },
    ];
    for (const body of bad) {
      const response = await post(cookie, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBeTruthy();
    }
    const big = await post(cookie, { ...report(), padding: 'x'.repeat(4096) });
    expect(big.status).toBe(413);
    expect(server.progress.rows().some((row) => row.lesson?.slug === 'a')).toBe(false);
  });

  it('answers 429 to a learner who reports faster than the board needs', async () => {
    const cookie = await learnerCookie();
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await post(cookie, report())).status);
    expect(statuses.slice(0, 10)).toEqual(new Array(10).fill(204));
    expect(statuses.slice(10)).toContain(429);
  });

  it('is refused from a page on another site', async () => {
    const response = await fetch(`${server.url}api/progress`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Cookie: await learnerCookie(),
        Origin: 'http://evil.example',
      },
      body: JSON.stringify(report()),
    });
    expect(response.status).toBe(403);
  });

  it('tells the page it is a learner of a class, and which', async () => {
    const cookie = await learnerCookie();
    const info = (await (
      await fetch(`${server.url}api/classroom`, { headers: { Cookie: cookie } })
    ).json()) as {
      classroom: boolean;
      learner: { id: string; number: number };
    };
    expect(info.classroom).toBe(true);
    expect(info.learner.id).toBe(`l${info.learner.number}`);
  });
});

describe('the live board', () => {
  it('sends the board on connect and each learner’s report within a second', async () => {
    const board = await BoardWatcher.open(server.url, await teachCookie());
    await board.waitFor(() => true);
    const ada = await learnerCookie();
    const sent = performance.now();
    expect((await post(ada, report({ nickname: 'Ada', checks: { passed: 1, total: 2 } }))).status).toBe(204);
    const seen = await board.waitFor((b) => b.rows.some((row) => row.nickname === 'Ada'));
    expect(performance.now() - sent).toBeLessThan(1000);
    const row = seen.rows.find((r) => r.nickname === 'Ada')!;
    expect(row).toMatchObject({
      lesson: { slug: '01-first-connection', step: 1, steps: 4 },
      checks: { passed: 1, total: 2 },
      shareTraffic: false,
    });
    expect(row.learner).toMatch(/^l\d+$/);
    expect(seen.now - row.lastActivity).toBeLessThan(1000);

    const moved = performance.now();
    const step2 = report({
      nickname: 'Ada',
      lesson: { slug: '01-first-connection', title: 'Your first connection', step: 2, steps: 4 },
    });
    expect((await post(ada, step2)).status).toBe(204);
    await board.waitFor((b) => b.rows.some((r) => r.nickname === 'Ada' && r.lesson?.step === 2));
    expect(performance.now() - moved).toBeLessThan(1000);
    board.socket.close();
  });

  it('counts each learner’s open WebSockets', async () => {
    const board = await BoardWatcher.open(server.url, await teachCookie());
    const grace = await learnerCookie();
    expect((await post(grace, report({ nickname: 'Grace' }))).status).toBe(204);
    await board.waitFor((b) => b.rows.some((r) => r.nickname === 'Grace' && r.connections === 0));
    const echo = new WebSocket(wsUrl(server, '/echo'), { headers: { Cookie: grace } });
    await once(echo, 'open');
    // The board is sent again every couple of seconds, as connections open and close on their own.
    await board.waitFor((b) => b.rows.some((r) => r.nickname === 'Grace' && r.connections === 1), 5000);
    echo.close();
    await board.waitFor((b) => b.rows.some((r) => r.nickname === 'Grace' && r.connections === 0), 5000);
    board.socket.close();
  });

  it('also opens with the token in its address, for scripts', async () => {
    const socket = new WebSocket(wsUrl(server, `/teach/board?token=${TOKEN}`));
    const [data] = (await once(socket, 'message')) as [Buffer];
    expect((JSON.parse(String(data)) as BoardMessage).type).toBe('board');
    socket.close();
  });
});

describe('watching a learner', () => {
  async function learnerId(cookie: string): Promise<string> {
    const response = await fetch(`${server.url}api/classroom`, { headers: { Cookie: cookie } });
    return ((await response.json()) as { learner: { id: string } }).learner.id;
  }

  type Seen = { type: string; conn?: string }[];
  const opens = (events: Seen) => new Set(events.filter((e) => e.type === 'open').map((e) => e.conn));

  /** The tap's events for `cookie`: once `enough` of them came (or 5 s passed), and 300 ms more. */
  async function tapEvents(cookie: string, query: string, enough: (events: Seen) => boolean): Promise<Seen> {
    const socket = new WebSocket(wsUrl(server, `/tap${query}`), { headers: { Cookie: cookie } });
    const events: Seen = [];
    socket.on('message', (data) => events.push(...(JSON.parse(String(data)) as Seen)));
    await once(socket, 'open');
    const deadline = Date.now() + 5000;
    while (!enough(events) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.close();
    return events;
  }

  async function echoAs(cookie: string): Promise<WebSocket> {
    const socket = new WebSocket(wsUrl(server, '/echo'), { headers: { Cookie: cookie } });
    await once(socket, 'open');
    return socket;
  }

  it('shows the instructor only the learner named, and only while they share their traffic', async () => {
    const instructor = await teachCookie();
    const sharing = await learnerCookie();
    const private_ = await learnerCookie();
    const [sharingId, privateId] = [await learnerId(sharing), await learnerId(private_)];
    expect((await post(sharing, report({ shareTraffic: true }))).status).toBe(204);
    expect((await post(private_, report({ shareTraffic: false }))).status).toBe(204);
    const sockets = [await echoAs(sharing), await echoAs(private_)];
    const everyone = await tapEvents(instructor, '', (events) => opens(events).size >= 2);
    expect(opens(everyone).size).toBeGreaterThanOrEqual(2);

    const watched = await tapEvents(instructor, `?learner=${sharingId}`, (events) => opens(events).size >= 1);
    expect(opens(watched).size).toBe(1);
    expect(opens(everyone).has([...opens(watched)][0])).toBe(true);

    const refused = await refusal(`/tap?learner=${privateId}`, { Cookie: instructor });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatch(/has not ticked "Let the instructor see my traffic"/);

    // Unticking takes it back.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await post(sharing, report({ shareTraffic: false }))).status).toBe(204);
    expect((await refusal(`/tap?learner=${sharingId}`, { Cookie: instructor })).status).toBe(403);
    for (const socket of sockets) socket.close();
  });

  it('ends a Watch already open when the learner unticks sharing', async () => {
    const instructor = await teachCookie();
    const sharing = await learnerCookie();
    const sharingId = await learnerId(sharing);
    expect((await post(sharing, report({ shareTraffic: true }))).status).toBe(204);
    const watch = new WebSocket(wsUrl(server, `/tap?learner=${sharingId}`), {
      headers: { Cookie: instructor },
    });
    await once(watch, 'open');
    await new Promise((resolve) => setTimeout(resolve, 600));
    const closed = once(watch, 'close');
    const unticked = performance.now();
    expect((await post(sharing, report({ shareTraffic: false }))).status).toBe(204);
    await closed;
    expect(performance.now() - unticked).toBeLessThan(1000);
    // A Watch of everyone (no learner named) is not the learner's to end.
    const everyone = new WebSocket(wsUrl(server, '/tap'), { headers: { Cookie: instructor } });
    await once(everyone, 'open');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await post(sharing, report({ shareTraffic: false, nickname: 'again' }))).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(everyone.readyState).toBe(WebSocket.OPEN);
    everyone.close();
  });

  it('gives a learner who names another learner only their own traffic', async () => {
    const sharing = await learnerCookie();
    const sharingId = await learnerId(sharing);
    expect((await post(sharing, report({ shareTraffic: true }))).status).toBe(204);
    const theirs = await echoAs(sharing);
    const nosy = await learnerCookie();
    const events = await tapEvents(nosy, `?learner=${sharingId}`, (seen) =>
      seen.some((e) => e.type === 'hello'),
    );
    expect(events.length).toBeGreaterThan(0);
    expect(opens(events).size).toBe(0);
    theirs.close();
  });
});
