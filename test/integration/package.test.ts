// `npx wslab` the way a user gets it: the package packed as npm would publish it, installed in an
// empty folder with its runtime dependencies only, and started from there. The page, the echo
// server, both taps (the JSON one through its compiled decode worker), an export (its compiled
// worker) and /proxy must all work with no TypeScript loader installed.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { RecordKind, readRecords } from '../../core/tap/raw-records';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const MINUTE = 60_000;

let folder = '';
let app = '';
let server: ChildProcess | null = null;
let base = '';

beforeAll(async () => {
  if (!existsSync(path.join(ROOT, 'dist/web/index.html'))) {
    throw new Error('the page is not built: npm install builds it (or npm run build)');
  }
  folder = await mkdtemp(path.join(tmpdir(), 'wslab-package-'));
  // The server as the package ships it; the page was built by npm install.
  await run('npx', ['vite', 'build', '--config', 'vite.server.config.ts', '--logLevel', 'error'], {
    cwd: ROOT,
    timeout: 2 * MINUTE,
  });
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', folder], {
    cwd: ROOT,
    timeout: 2 * MINUTE,
  });
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  app = path.join(folder, 'app');
  await mkdir(app);
  await writeFile(path.join(app, 'package.json'), '{ "name": "trying-wslab", "private": true }\n');
  await run(
    'npm',
    ['install', path.join(folder, filename), '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'],
    { cwd: app, timeout: 4 * MINUTE },
  );
}, 8 * MINUTE);

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGINT');
    await once(server, 'exit');
  }
  if (folder) await rm(folder, { recursive: true, force: true });
});

function started(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += String(chunk);
      const ready = /wslab is ready: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (ready) resolve(ready[1]!);
    });
    child.once('exit', (code) => reject(new Error(`wslab exited (${code}) before it was ready: ${out}`)));
  });
}

/** Each step of the run bounded on its own, so a hang names the step that hung. */
async function step<T>(what: string, promise: Promise<T>, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

function opened(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url);
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function firstMessage(socket: WebSocket): Promise<Buffer> {
  const [data] = (await once(socket, 'message')) as [Buffer];
  return data;
}

describe('the published package', () => {
  it('installs only its runtime dependencies', () => {
    const modules = path.join(app, 'node_modules');
    expect(existsSync(path.join(modules, 'wslab/dist/server/wslab.js'))).toBe(true);
    expect(existsSync(path.join(modules, 'wslab/dist/web/index.html'))).toBe(true);
    expect(existsSync(path.join(modules, 'wslab/lessons'))).toBe(true);
    for (const tool of ['tsx', 'typescript', 'vite', 'vitest', 'esbuild']) {
      expect(existsSync(path.join(modules, tool)), `${tool} installed`).toBe(false);
    }
  });

  it('answers npx wslab --help with its usage', async () => {
    const { stdout } = await run('npx', ['--no-install', 'wslab', '--help'], { cwd: app, timeout: MINUTE });
    expect(stdout).toMatch(/^Usage: npx wslab \[options\]/);
    expect(stdout).toContain('--target');
  });

  it(
    'starts, and serves the page, the echo server, both taps, an export and /proxy',
    async () => {
      // The command npx runs, started directly: Ctrl+C in a terminal reaches it through its process
      // group, SIGINT to npx alone would not.
      server = spawn(process.execPath, [path.join(app, 'node_modules/.bin/wslab'), '--port', '0'], {
        cwd: app,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      base = await step('starting', started(server), 60_000);

      const page = await step('the page', fetch(base));
      expect(page.status).toBe(200);
      expect(await step('the page', page.text())).toContain('<title>wslab');
      const lessons = await step('the lessons', fetch(`${base}api/lessons`));
      expect(lessons.status).toBe(200);

      const wsBase = base.replace(/^http/, 'ws');
      const echo = await step('/echo', opened(`${wsBase}echo`));
      const reply = firstMessage(echo);
      echo.send('from the package');
      expect(String(await step('the echo', reply))).toBe("Server received: 'from the package'");

      // Listening before the socket opens: on a busy machine the HELLO can arrive in the same read
      // as the 101, and `ws` emits it right after `open`, before an awaited listener is attached.
      const raw = new WebSocket(`${wsBase}tap?format=raw`);
      const rawHello = firstMessage(raw);
      await step('/tap?format=raw', once(raw, 'open'));
      const [hello] = [...readRecords(new Uint8Array(await step('the raw HELLO', rawHello)))];
      expect(hello?.kind).toBe(RecordKind.HELLO);
      raw.close();

      // The JSON tap decodes in its worker thread: compiled, it starts without a loader.
      const json = new WebSocket(`${wsBase}tap`);
      const events: { type: string; text?: string }[] = [];
      json.on('message', (data) => events.push(...(JSON.parse(String(data)) as typeof events)));
      await step('/tap', once(json, 'open'));
      const until = Date.now() + 20_000;
      while (
        !events.some((e) => e.type === 'message' && e.text === 'from the package') &&
        Date.now() < until
      ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(events.map((e) => e.text)).toContain('from the package');
      json.close();

      const har = await step('the HAR export', fetch(`${base}api/export.har`), 60_000);
      expect(har.status).toBe(200);
      expect(await step('the HAR export', har.text(), 60_000)).toContain('from the package');

      const upstream = new WebSocketServer({ port: 0, host: '127.0.0.1' });
      await once(upstream, 'listening');
      upstream.on('connection', (socket) =>
        socket.on('message', (data) => socket.send(`upstream got ${data}`)),
      );
      try {
        const target = `ws://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
        const relayed = await step('/proxy', opened(`${wsBase}proxy?target=${encodeURIComponent(target)}`));
        const answer = firstMessage(relayed);
        relayed.send('through the relay');
        expect(String(await step('the relayed answer', answer))).toBe('upstream got through the relay');
        relayed.close();
      } finally {
        upstream.close();
      }
      echo.close();

      server.kill('SIGINT');
      const [code] = (await step('stopping on SIGINT', once(server, 'exit'))) as [number];
      expect(code).toBe(0);
    },
    2 * MINUTE,
  );
});
