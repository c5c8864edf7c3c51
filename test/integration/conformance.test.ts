import { once } from 'node:events';
import { createServer as createHttpsServer } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { ConformanceCase } from '../../core/conformance/case';
import { encodeCase } from '../../core/conformance/case-bytes';
import type { ConformanceReport } from '../../core/conformance/report';
import { CONFORMANCE_CASES, selectCases } from '../../core/conformance/suite';
import { concatBytes, decodeUtf8Strict } from '../../core/wire/bytes';
import { Opcode } from '../../core/wire/opcodes';
import {
  type ConformanceProgress,
  ConformanceTargetError,
  runConformance,
} from '../../server/conformance/runner';
import type { RunningServer } from '../../server/server';
import { type Flaw, type RawEchoServer, startRawEchoServer } from './conformance-servers';
import { selfSignedCertificate, startTestServer, TapRecorder } from './harness';

const notPassing = (report: ConformanceReport): string[] =>
  report.results.filter((r) => r.verdict !== 'pass').map((r) => `${r.id} ${r.verdict}: ${r.reason}`);
const failing = (report: ConformanceReport): string[] =>
  report.results.filter((r) => r.verdict === 'fail').map((r) => r.id);

describe('the conformance check against good servers', () => {
  let wslab: RunningServer;
  let plain: WebSocketServer;
  beforeAll(async () => {
    wslab = await startTestServer();
    plain = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    plain.on('connection', (socket) => {
      socket.on('error', () => {});
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    });
    await once(plain, 'listening');
  });
  afterAll(async () => {
    await wslab.close();
    plain.close();
  });

  it('passes every case on wslab’s echo server, which wraps texts as the article does', async () => {
    const progress: ConformanceProgress[] = [];
    const report = await runConformance({
      url: `ws://127.0.0.1:${wslab.port}/echo`,
      onProgress: (p) => progress.push(p),
    });
    expect(report.echo).toEqual({ prefix: "Server received: '", suffix: "'" });
    expect(notPassing(report)).toEqual([]);
    expect(report.summary).toEqual({
      total: CONFORMANCE_CASES.length,
      pass: CONFORMANCE_CASES.length,
      nonStrict: 0,
      fail: 0,
    });
    expect(progress.map((p) => p.done)).toEqual(CONFORMANCE_CASES.map((_, i) => i + 1));
    expect(progress.every((p) => p.total === CONFORMANCE_CASES.length)).toBe(true);
  }, 60_000);

  it('passes every case on a plain ws echo server, four cases at a time', async () => {
    const { port } = plain.address() as { port: number };
    const report = await runConformance({ url: `ws://127.0.0.1:${port}/`, concurrency: 4 });
    expect(report.echo).toEqual({ prefix: '', suffix: '' });
    expect(notPassing(report)).toEqual([]);
    expect(report.results.map((r) => r.id)).toEqual(CONFORMANCE_CASES.map((c) => c.id));
  }, 60_000);

  it('records what each case sent and received, in hex, with the close and the time taken', async () => {
    const tap = await TapRecorder.open(wslab);
    const report = await runConformance({
      url: `ws://127.0.0.1:${wslab.port}/echo`,
      cases: CONFORMANCE_CASES.filter((c) => c.id === '3.1.1' || c.id === '2.2'),
    });
    const [ping, rsv] = report.results;
    // A pong (8a) of 13 bytes, unmasked, then the close answering the runner's.
    expect(ping!.received.frames[0]!.wire.hex).toBe('8a0d48656c6c6f2c20776f726c6421');
    expect(ping!.received.close).toEqual({ code: 1000, reason: '' });
    expect(rsv!.sent.hex).toMatch(/^c185[0-9a-f]{8}[0-9a-f]{10}$/);
    expect(rsv!.sent.writes).toBe(1);
    expect(rsv!.sent.written).toBe(rsv!.sent.bytes);
    expect(rsv!.received.close?.code).toBe(1002);
    expect(rsv!.received.summary).toBe('1 frame; close 1002 protocol error');
    expect(rsv!.section).toBe('§5.2');
    expect(rsv!.durationMs).toBeGreaterThanOrEqual(0);
    // The address the tap names the case's connection by: its frames can be found there.
    // The latest such connection: the history replays earlier tests' ones, whose port may recur.
    const opens = await tap.waitFor((e) => e.type === 'open' && e.remote === rsv!.client);
    const conn = (opens.at(-1) as { conn: string }).conn;
    await tap.waitFor((e) => e.type === 'frame' && e.conn === conn && e.dir === 'client' && e.rsv1);
    tap.close();
  });
});

// What each broken server gets wrong, found from the cases' bytes rather than from their
// expectations, so the test does not grade the suite with its own answers.
const frameHeaders = (c: ConformanceCase): number[] => encodeCase(c).map((frame) => frame[0]!);
function hasInvalidUtf8Text(c: ConformanceCase): boolean {
  const messages: { text: boolean; parts: Uint8Array[] }[] = [];
  for (const frame of c.frames) {
    if ('raw' in frame) continue;
    const payload =
      typeof frame.payload === 'string'
        ? new TextEncoder().encode(frame.payload)
        : (frame.payload ?? new Uint8Array(0));
    if (frame.opcode === Opcode.CLOSE) break;
    if (frame.opcode === Opcode.TEXT || frame.opcode === Opcode.BINARY) {
      messages.push({ text: frame.opcode === Opcode.TEXT, parts: [payload] });
    } else if (frame.opcode === Opcode.CONTINUATION) messages.at(-1)?.parts.push(payload);
  }
  return messages.some((m) => m.text && decodeUtf8Strict(concatBytes(m.parts)) === null);
}
const EXPECTED_FAILURES: Record<Exclude<Flaw, 'none'>, (c: ConformanceCase) => boolean> = {
  'echoes-invalid-utf8': hasInvalidUtf8Text,
  'ignores-rsv': (c) => frameHeaders(c).some((b0) => (b0 & 0x70) !== 0),
  'answers-reserved-opcode': (c) =>
    frameHeaders(c).some((b0) => [3, 4, 5, 6, 7, 11, 12, 13, 14, 15].includes(b0 & 0x0f)),
};

describe('the conformance check against broken servers', () => {
  const servers = new Map<Flaw, RawEchoServer>();
  beforeAll(async () => {
    for (const flaw of ['none', 'echoes-invalid-utf8', 'ignores-rsv', 'answers-reserved-opcode'] as const) {
      servers.set(flaw, await startRawEchoServer(flaw));
    }
  });
  afterAll(async () => {
    for (const server of servers.values()) await server.close();
  });

  it('passes every case on the hand-written echo server the broken ones are built from', async () => {
    const report = await runConformance({ url: servers.get('none')!.url, concurrency: 4 });
    expect(notPassing(report)).toEqual([]);
  }, 60_000);

  for (const flaw of ['echoes-invalid-utf8', 'ignores-rsv', 'answers-reserved-opcode'] as const) {
    it(`fails exactly the cases a server that ${flaw.replaceAll('-', ' ')} gets wrong`, async () => {
      const report = await runConformance({ url: servers.get(flaw)!.url, concurrency: 4, timeoutMs: 1000 });
      const expected = CONFORMANCE_CASES.filter(EXPECTED_FAILURES[flaw]).map((c) => c.id);
      expect(expected.length).toBeGreaterThanOrEqual(flaw === 'echoes-invalid-utf8' ? 50 : 12);
      expect(failing(report)).toEqual(expected);
      expect(report.summary.nonStrict).toBe(0);
    }, 60_000);
  }
});

describe('the conformance check over TLS', () => {
  let cert: Buffer;
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const pair = selfSignedCertificate(['DNS:localhost', 'IP:127.0.0.1']);
    cert = pair.cert;
    const https = createHttpsServer(pair);
    const wss = new WebSocketServer({ server: https });
    wss.on('connection', (socket) => {
      socket.on('error', () => {});
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    });
    https.listen(0, '127.0.0.1');
    await once(https, 'listening');
    url = `wss://localhost:${(https.address() as { port: number }).port}/`;
    close = () => new Promise((resolve) => https.close(() => resolve()));
  });
  afterAll(async () => {
    await close();
  });

  it('refuses a self-signed server it was not told to trust, naming the TLS failure', async () => {
    const run = runConformance({ url, cases: selectCases(['2.1']) });
    await expect(run).rejects.toThrow(ConformanceTargetError);
    await expect(run).rejects.toThrow(/TLS with localhost:\d+ failed/);
  });

  it('checks a wss:// server trusted with a CA file, or with insecure', async () => {
    const cases = selectCases(['1.1', '5.19', '6.4', '7.1']);
    for (const trust of [{ ca: cert }, { insecure: true }]) {
      const report = await runConformance({ url, cases, ...trust });
      expect(notPassing(report)).toEqual([]);
      expect(report.summary.total).toBe(cases.length);
    }
  }, 30_000);
});
