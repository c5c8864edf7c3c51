// `--record <file>`: the server writes the session when it stops, as HAR or pcapng by the name.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { importHar } from '../../core/har/har-import';
import type { ConnectionEvent } from '../../core/tap/events';
import { parseArgs } from '../../server/cli/args';
import { readBlocks, readPackets, readSegment, reassemble } from '../unit/export/pcap-reader';

const root = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wslab-record-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runCli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'server/cli/main.ts', ...args], {
    cwd: root,
    stdio: 'pipe',
  });
}

/** Collects output from now on; `done` resolves with it and the exit code. */
function collect(child: ChildProcess): {
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
} {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => {
    stdout += c;
  });
  child.stderr!.on('data', (c) => {
    stderr += c;
  });
  return { done: once(child, 'exit').then(([code]) => ({ code: code as number | null, stdout, stderr })) };
}

function readyUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk;
      const match = /wslab is ready: (http:\/\/\S+)/.exec(seen);
      if (match) resolve(match[1]!);
    });
    child.once('exit', () => reject(new Error(`the server exited before its ready line: ${seen}`)));
  });
}

/** Starts wslab with --record, has one conversation, stops it with SIGTERM; returns the file's bytes. */
async function recordSession(file: string): Promise<{ stdout: string; port: number }> {
  const child = runCli(['--port', '0', '--record', file]);
  const output = collect(child);
  const url = await readyUrl(child);
  const client = new WebSocket(`${url.replace('http', 'ws')}echo`);
  await once(client, 'open');
  const reply = once(client, 'message');
  client.send('remember me');
  expect(String((await reply)[0])).toBe("Server received: 'remember me'");
  client.send(Buffer.from([1, 2, 3]));
  await once(client, 'message');
  // Still open when the server stops: the recording ends with the server's 1001.
  const closed = once(client, 'close');
  child.kill('SIGTERM');
  expect((await closed)[0]).toBe(1001);
  const { code, stdout, stderr } = await output.done;
  expect(code, stderr).toBe(0);
  return { stdout, port: Number(new URL(url).port) };
}

describe('--record', () => {
  it('writes the session as HAR when the server stops, if the name ends in .har', async () => {
    const file = join(dir, 'session.har');
    const { stdout } = await recordSession(file);
    expect(stdout).toContain(`Wrote 1 recorded connection to ${file}`);
    const result = importHar(await readFile(file, 'utf8'));
    if (!result.ok) throw new Error(result.error);
    expect(result.source).toBe('wslab');
    const [connection] = result.connections;
    const events = connection!.events;
    const of = (type: string) => events.filter((e: ConnectionEvent) => e.type === type);
    expect(of('message').map((m) => m.type === 'message' && [m.dir, m.text ?? m.base64])).toEqual([
      ['client', 'remember me'],
      ['server', "Server received: 'remember me'"],
      ['client', 'AQID'],
      ['server', 'AQID'],
    ]);
    expect(events.at(-1)).toMatchObject({
      type: 'close',
      code: 1001,
      reason: 'server shutting down',
      initiator: 'server',
      clean: true,
    });
  });

  it('writes a pcapng capture instead if the name ends in .pcapng', async () => {
    const file = join(dir, 'session.pcapng');
    const { port } = await recordSession(file);
    const bytes = new Uint8Array(await readFile(file));
    const [section] = readBlocks(bytes);
    expect(section!.type).toBe(0x0a0d0d0a);
    const application = section!.options(16).find(([code]) => code === 4)?.[1];
    expect(new TextDecoder().decode(application)).toMatch(/^wslab \d+\.\d+\.\d+/);
    const segments = readPackets(bytes).map((p) => readSegment(p.data));
    const clientPort = segments.find((s) => s.flags.syn && !s.flags.ack)!.srcPort;
    expect(segments[0]!.dstPort).toBe(port);
    const streams = reassemble(segments, clientPort);
    expect(Buffer.from(streams.client).toString('latin1')).toMatch(/^GET \/echo HTTP\/1\.1\r\n/);
    const server = Buffer.from(streams.server).toString('latin1');
    expect(server).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    // Server frames are not masked: the reply is readable in the stream as sent.
    expect(server).toContain("Server received: 'remember me'");
    expect(segments.filter((s) => s.flags.fin)).toHaveLength(2);
  });

  it('says so in --help', async () => {
    const child = runCli(['--help']);
    const { code, stdout } = await collect(child).done;
    expect(code).toBe(0);
    expect(stdout).toMatch(/--record FILE[\s\S]*\.har[\s\S]*\.pcapng/);
  });

  it('refuses a name that is neither .har nor .pcapng, before starting', async () => {
    const { code, stderr } = await collect(runCli(['--port', '0', '--record', join(dir, 'session.txt')]))
      .done;
    expect(code).toBe(2);
    expect(stderr).toMatch(/--record wants a file name ending in \.har or \.pcapng, got .*session\.txt/);
  });

  it('refuses a folder it cannot write to at start, not after the session', async () => {
    const { code, stderr } = await collect(runCli(['--port', '0', '--record', join(dir, 'missing', 'a.har')]))
      .done;
    expect(code).toBe(2);
    expect(stderr).toMatch(/--record cannot write .*a\.har/);
  });

  it('parses as a file name beside the server options', () => {
    expect(parseArgs(['--record', 'out.pcapng', '--port', '0'])).toMatchObject({
      ok: true,
      recordFile: 'out.pcapng',
      options: { port: 0 },
    });
    expect(parseArgs(['--record=s.HAR'])).toMatchObject({ ok: true, recordFile: 's.HAR' });
    expect(parseArgs(['--record'])).toEqual({
      ok: false,
      error: '--record wants a file name ending in .har or .pcapng, got nothing',
    });
  });
});
