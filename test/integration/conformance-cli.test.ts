import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConformanceReport } from '../../core/conformance/report';
import type { RunningServer } from '../../server/server';
import { type RawEchoServer, startRawEchoServer } from './conformance-servers';
import { startTestServer } from './harness';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function conformance(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli/conformance.ts', ...args], {
    cwd: root,
    stdio: 'pipe',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  const [code] = await once(child, 'exit');
  return { code, stdout, stderr };
}

/** A loopback port nothing listens on: taken, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

describe('npm run conformance', () => {
  let wslab: RunningServer;
  let broken: RawEchoServer;
  let dir: string;
  beforeAll(async () => {
    wslab = await startTestServer();
    broken = await startRawEchoServer('ignores-rsv');
    dir = mkdtempSync(join(tmpdir(), 'wslab-conformance-'));
  });
  afterAll(async () => {
    await wslab.close();
    await broken.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 when no case fails, prints the table and writes the JSON report', async () => {
    const file = join(dir, 'report.json');
    const run = await conformance([`ws://127.0.0.1:${wslab.port}/echo`, '--case', '7.7.*', '--json', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^7\.7\.1\s+pass\s+\d+ ms {2}A close with the valid code 1000 is answered$/m);
    expect(run.stdout).toContain('16 cases: 16 pass, 0 non-strict, 0 fail');
    const report = JSON.parse(readFileSync(file, 'utf8')) as ConformanceReport;
    expect(report.results.map((r) => r.id)).toEqual(Array.from({ length: 16 }, (_, i) => `7.7.${i + 1}`));
    expect(report.summary.fail).toBe(0);
    expect(report.results[0]!.received.close).toEqual({ code: 1000, reason: '' });
  });

  it('exits 1 when a case fails, with the reason under it and an HTML report', async () => {
    const file = join(dir, 'report.html');
    const run = await conformance([broken.url, '--case', '3.1', '--html', file, '--timeout', '1000']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^3\.1\.1\s+fail/m);
    expect(run.stdout).toContain(
      '↳ Answered with a 5-byte text message "Hello" instead of failing the connection',
    );
    expect(run.stdout).toContain('3 cases: 0 pass, 0 non-strict, 3 fail');
    const html = readFileSync(file, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('id="case-3.1.3"');
  });

  it('exits 2 when nothing listens at the target', async () => {
    const run = await conformance([`ws://127.0.0.1:${await closedPort()}/`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/refused the connection/);
  });

  it('exits 2 when the path answers the upgrade with 404', async () => {
    const run = await conformance([`ws://127.0.0.1:${wslab.port}/no-such-endpoint`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('answered the upgrade with 404 Not Found');
  });

  it('exits 2 on a usage error, and refuses a non-loopback target without --allow-target', async () => {
    const unknown = await conformance(['--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option --frobnicate');
    expect(unknown.stderr).toContain('Usage: npm run conformance');
    // Refused before any connection is attempted.
    const remote = await conformance(['ws://example.invalid/echo']);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain('--allow-target example.invalid:80');
    const none = await conformance([`ws://127.0.0.1:${wslab.port}/echo`, '--case', '9.9']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no case matches 9.9');
  });
});
