import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { parseArgs, parseSize } from '../../server/cli/args';

const root = fileURLToPath(new URL('../..', import.meta.url));

function runCli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'server/cli/main.ts', ...args], {
    cwd: root,
    stdio: 'pipe',
  });
}

async function output(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => {
    stdout += c;
  });
  child.stderr!.on('data', (c) => {
    stderr += c;
  });
  const [code] = await once(child, 'exit');
  return { code, stdout, stderr };
}

function readyUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk;
      const match = /wslab is ready: (http:\/\/\S+)/.exec(seen);
      if (match) {
        // Keep draining stdout, so the child never blocks on a full pipe.
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', () => reject(new Error(`the server exited before its ready line: ${seen}`)));
  });
}

describe('the command line', () => {
  it('prints its URL when ready, answers /healthz, and closes WebSockets with 1001 on SIGTERM', async () => {
    const child = runCli(['--port', '0']);
    const url = await readyUrl(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    const client = new WebSocket(url.replace('http', 'ws'));
    await once(client, 'open');
    const health = (await (await fetch(`${url}healthz`)).json()) as {
      status: string;
      connections: { echo: number };
    };
    expect(health.status).toBe('ok');
    expect(health.connections.echo).toBe(1);

    const closed = once(client, 'close');
    child.kill('SIGTERM');
    const [code, reason] = await closed;
    expect(code).toBe(1001);
    expect(String(reason)).toBe('server shutting down');
    const [exitCode] = await once(child, 'exit');
    expect(exitCode).toBe(0);
  });

  it('opens on the inspector-first view with --inspect, and still serves the playground when asked', async () => {
    const child = runCli(['--port', '0', '--inspect']);
    try {
      const url = await readyUrl(child);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?view=inspector$/);
      const origin = new URL(url).origin;
      const root = await fetch(`${origin}/`, { redirect: 'manual' });
      expect(root.status).toBe(302);
      expect(root.headers.get('location')).toBe('/?view=inspector');
      const playground = await fetch(`${origin}/?view=playground`, { redirect: 'manual' });
      expect(playground.status).not.toBe(302);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('prints usage with --help', async () => {
    const result = await output(runCli(['--help']));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--max-payload SIZE/);
  });

  it('rejects an unknown flag with a message and exit code 2', async () => {
    const result = await output(runCli(['--colour']));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option --colour/);
  });

  it('says so plainly when the port is taken', async () => {
    const first = runCli(['--port', '0']);
    const url = await readyUrl(first);
    const port = new URL(url).port;
    const result = await output(runCli(['--port', port]));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/already in use/);
    first.kill('SIGTERM');
    await once(first, 'exit');
  });
});

describe('flag parsing', () => {
  it('reads sizes in bytes, KiB and MiB', () => {
    expect(parseSize('65536')).toBe(65536);
    expect(parseSize('64KiB')).toBe(65536);
    expect(parseSize('1MiB')).toBe(1024 * 1024);
    expect(parseSize('-3')).toBeNull();
    expect(parseSize('lots')).toBeNull();
  });

  it('defaults to a 1 MiB message limit and takes --flag=value', () => {
    expect(parseArgs([])).toMatchObject({ ok: true, options: { maxPayload: 1024 * 1024 } });
    expect(parseArgs(['--port=9000', '--host', '::1'])).toMatchObject({
      ok: true,
      options: { port: 9000, host: '::1' },
    });
    expect(
      parseArgs(['--allow-origin', 'http://LOCALHOST:3000', '--allow-origin=https://app.test']),
    ).toMatchObject({
      ok: true,
      options: { allowOrigins: ['http://localhost:3000', 'https://app.test'] },
    });
    expect(parseArgs(['--history', '16MiB'])).toMatchObject({
      ok: true,
      options: { historyBytes: 16 * 1024 * 1024 },
    });
  });

  it.each([
    [['--port', '70000'], /--port wants a number/],
    [['--port'], /--port wants a number from 0 to 65535, got nothing/],
    [['--max-payload', 'big'], /--max-payload wants a size/],
    [['--history', '64KiB'], /--history wants a size of at least 1MiB/],
    [['--allow-origin', '*'], /--allow-origin wants an http:\/\/ or https:\/\/ origin/],
    [
      ['--allow-origin', 'http://localhost:3000/app'],
      /--allow-origin wants an http:\/\/ or https:\/\/ origin/,
    ],
  ])('explains %j', (args, message) => {
    const parsed = parseArgs(args);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(message);
  });
});
