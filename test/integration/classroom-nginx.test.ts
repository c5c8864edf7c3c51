// One classroom as a school runs it: three instances sharing a real Redis behind a real nginx
// with deploy/nginx.conf, started by the same code as `npm run classroom:local`. Everything goes
// through nginx, as learners' browsers would: each learner's page, tap, snippet sockets (which
// carry a run capability, not the cookie), the instructor's board and Watch.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type ClassLaunch, launchClass, missingPackages } from '../../scripts/classroom/launch';
import {
  BoardWatcher,
  learnerCookie,
  learnerIdOf,
  postProgress,
  progressReport,
  teachCookie,
} from './classroom-client';

const missing = missingPackages();
if (missing.length > 0)
  console.warn(
    `${missing.join(' and ')} not installed: the nginx classroom test is skipped (apt-get install -y nginx redis-server)`,
  );

const LEARNERS = 6;
const TOKEN = 'a-class-behind-nginx-0123456789';

interface Learner {
  id: string;
  cookie: string;
  capability: string;
  /** Every text the learner's tap (JSON, through nginx) showed in a frame. */
  seen: string[];
  tap: WebSocket;
}

const ws = (launch: ClassLaunch, path: string): string =>
  `${launch.url.replace(/^http/, 'ws')}${path.slice(1)}`;

/** Does this text name the learner (`page of l2`, or the echo server's answer quoting it)? */
const mentions = (text: string, id: string): boolean => new RegExp(`of ${id}(?![0-9])`).test(text);

/** Sends `text` and resolves with the echo server's answer. */
async function echo(socket: WebSocket, text: string): Promise<string> {
  socket.send(text);
  const [data] = (await once(socket, 'message')) as [Buffer];
  return String(data);
}

function textsOf(data: Buffer): string[] {
  const events = JSON.parse(String(data)) as { type: string; text?: string }[];
  return events.flatMap((e) => (e.type === 'message' && typeof e.text === 'string' ? [e.text] : []));
}

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** How many instances have a connection of this kind open (each instance's /healthz, past nginx). */
async function spread(launch: ClassLaunch, kind: 'tap' | 'echo' = 'tap'): Promise<number> {
  let busy = 0;
  for (const instance of launch.instances) {
    const health = (await (await fetch(`${instance.url}healthz`)).json()) as {
      connections: Record<string, number>;
    };
    if ((health.connections[kind] ?? 0) > 0) busy++;
  }
  return busy;
}

describe.skipIf(missing.length > 0)('three instances behind nginx with Redis', () => {
  let launch: ClassLaunch;
  const output: string[] = [];
  const learners: Learner[] = [];
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    launch = await launchClass({
      instances: 3,
      port: 0,
      instructorToken: TOKEN,
      log: (line) => output.push(line),
    });
    // Learners until there are LEARNERS of them on at least two instances: where nginx sends each
    // one is a hash, so a few more may be needed (40 on one instance would mean routing is broken).
    while (learners.length < LEARNERS || ((await spread(launch)) < 2 && learners.length < 40)) {
      const cookie = await learnerCookie(launch.url);
      const tap = new WebSocket(ws(launch, '/tap'), { headers: { Cookie: cookie } });
      sockets.push(tap);
      const learner: Learner = { id: learnerIdOf(cookie), cookie, capability: '', seen: [], tap };
      tap.on('message', (data: Buffer) => learner.seen.push(...textsOf(data)));
      await once(tap, 'open');
      const answer = await fetch(`${launch.url}api/run-capability`, {
        method: 'POST',
        headers: { Cookie: cookie },
      });
      expect(answer.status).toBe(200);
      learner.capability = ((await answer.json()) as { capability: string }).capability;
      learners.push(learner);
    }
  }, 180_000);
  afterAll(async () => {
    for (const socket of sockets) socket.terminate();
    await launch?.stop();
  }, 30_000);

  it('keeps every learner’s page, tap and snippet sockets on one instance, and each sees only their own', async () => {
    for (const learner of learners) {
      const page = new WebSocket(ws(launch, '/echo'), { headers: { Cookie: learner.cookie } });
      // A snippet's socket: the sandbox's opaque origin, no cookie, the run capability in the URL.
      const snippet = new WebSocket(ws(launch, `/echo?wslab_run=${learner.capability}`), {
        headers: { Origin: 'null' },
      });
      sockets.push(page, snippet);
      await Promise.all([once(page, 'open'), once(snippet, 'open')]);
      expect(await echo(page, `page of ${learner.id}`)).toContain(`page of ${learner.id}`);
      expect(await echo(snippet, `snippet of ${learner.id}`)).toContain(`snippet of ${learner.id}`);
    }
    for (const learner of learners) {
      // Both directions of both sockets: nothing lost, wherever the socket came in.
      await until(
        () => learner.seen.filter((text) => mentions(text, learner.id)).length >= 4,
        `${learner.id}'s tap shows their page's and their snippet's messages`,
      );
      const others = learner.seen.filter((text) => !mentions(text, learner.id));
      expect(others, `${learner.id} saw another learner's frames`).toEqual([]);
    }
    // The class really is spread over the instances.
    expect(await spread(launch, 'echo')).toBeGreaterThanOrEqual(2);
  });

  it('refuses a run capability brought by another learner’s page', async () => {
    const [ada, grace] = learners;
    const stolen = new WebSocket(ws(launch, `/echo?wslab_run=${ada!.capability}`), {
      headers: { Cookie: grace!.cookie },
    });
    const [, response] = (await once(stolen, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(response.statusCode).toBe(403);
  });

  it('shows the whole class on the board, whichever instance it reaches', async () => {
    const board = await BoardWatcher.open(launch.url, await teachCookie(launch.url, TOKEN));
    const sent = performance.now();
    for (const learner of learners) {
      const report = progressReport({ nickname: `N ${learner.id}`, shareTraffic: learner === learners[0] });
      expect((await postProgress(launch.url, learner.cookie, report)).status).toBe(204);
    }
    await board.waitFor((m) => learners.every((l) => m.rows.some((r) => r.nickname === `N ${l.id}`)));
    expect(performance.now() - sent).toBeLessThan(1000 + LEARNERS * 100);
    board.close();
  });

  it('lets the instructor watch a learner who shares, on that learner’s instance', async () => {
    const watched = learners[0]!;
    const teach = await teachCookie(launch.url, TOKEN);
    const tap = new WebSocket(ws(launch, `/tap?learner=${watched.id}`), { headers: { Cookie: teach } });
    sockets.push(tap);
    const seen: string[] = [];
    tap.on('message', (data: Buffer) => seen.push(...textsOf(data)));
    await once(tap, 'open');
    await until(() => seen.includes(`snippet of ${watched.id}`), `the Watch shows ${watched.id}'s history`);
    expect(seen.every((text) => mentions(text, watched.id))).toBe(true);
    // A learner who has not ticked the box is not watched.
    const other = new WebSocket(ws(launch, `/tap?learner=${learners[1]!.id}`), {
      headers: { Cookie: teach },
    });
    const [, response] = (await once(other, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(response.statusCode).toBe(403);
  });

  it('exports a learner’s own connections only, through nginx', async () => {
    const [ada] = learners;
    const har = await fetch(`${launch.url}api/export.har`, { headers: { Cookie: ada!.cookie } });
    expect(har.status).toBe(200);
    const text = await har.text();
    expect(text).toContain(`snippet of ${ada!.id}`);
    for (const other of learners.slice(1)) expect(mentions(text, other.id)).toBe(false);
  });
});
