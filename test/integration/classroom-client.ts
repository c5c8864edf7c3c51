// A learner and an instructor as a classroom server (or nginx in front of several) sees them:
// sessions from the page's answer, the instructor's cookie from `/teach`, and the board's socket.
// `base` is the server's `http://host:port/`.
import { once } from 'node:events';
import { WebSocket } from 'ws';
import type { BoardMessage, ProgressReport } from '../../core/classroom/board';

/** A new learner: `GET /` without a cookie, and the `Cookie` header their page then sends. */
export async function learnerCookie(base: string): Promise<string> {
  const response = await fetch(base);
  await response.arrayBuffer();
  const match = /wslab_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '');
  if (!match) throw new Error(`GET / set no session cookie (status ${response.status})`);
  return `wslab_session=${match[1]}`;
}

/** The learner id a session cookie names (`l7`). */
export function learnerIdOf(cookie: string): string {
  const match = /wslab_session=(l\d+)\./.exec(cookie);
  if (!match) throw new Error(`not a session cookie: ${cookie}`);
  return match[1]!;
}

/** The instructor's cookie, as opening the printed `/teach?token=…` link leaves it. */
export async function teachCookie(base: string, token: string): Promise<string> {
  const response = await fetch(`${base}teach?token=${token}`);
  await response.arrayBuffer();
  const match = /wslab_teach=([^;]+)/.exec(response.headers.get('set-cookie') ?? '');
  if (response.status !== 200 || !match) throw new Error(`/teach answered ${response.status} and no cookie`);
  return `wslab_teach=${match[1]}`;
}

export function progressReport(overrides: Partial<ProgressReport> = {}): ProgressReport {
  return {
    nickname: '',
    lesson: { slug: '01-first-connection', title: 'Your first connection', step: 1, steps: 4 },
    checks: { passed: 0, total: 2 },
    shareTraffic: false,
    ...overrides,
  };
}

export function postProgress(
  base: string,
  cookie: string | null,
  body: unknown,
  contentType = 'application/json',
): Promise<Response> {
  return fetch(`${base}api/progress`, {
    method: 'POST',
    headers: { 'Content-Type': contentType, ...(cookie ? { Cookie: cookie } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A board socket that keeps every board it is sent and can wait for one that matches. */
export class BoardWatcher {
  readonly boards: BoardMessage[] = [];
  private waiters: (() => void)[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.boards.push(JSON.parse(String(data)) as BoardMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(base: string, cookie: string): Promise<BoardWatcher> {
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}teach/board`, {
      headers: { Cookie: cookie },
    });
    const watcher = new BoardWatcher(socket);
    await once(socket, 'open');
    return watcher;
  }

  get latest(): BoardMessage | undefined {
    return this.boards.at(-1);
  }

  async waitFor(match: (board: BoardMessage) => boolean, timeoutMs = 3000): Promise<BoardMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.boards.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no such board in ${this.boards.length} received`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}
