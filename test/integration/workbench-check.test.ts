import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { selectCases } from '../../core/conformance/suite';
import type { TapOpenEvent } from '../../core/tap/events';
import type { RunningServer } from '../../server/server';
import { serveWithTap, startPlainEcho, type TapRecorder } from './harness';
import { Control } from './workbench-control';

let server: RunningServer;
let tap: TapRecorder;
serveWithTap({}, (s, t) => {
  server = s;
  tap = t;
});

const ALL_CASES = selectCases([]).length;

describe('a conformance check from the page', () => {
  it('runs the cases a pattern picks against this server’s echo, with progress for each and the report', async () => {
    const picked = selectCases(['1.1']);
    const control = await Control.open(server);
    control.ask({ type: 'check', cases: ['1.1'] });
    expect(await control.next('checking')).toEqual({
      type: 'checking',
      target: `ws://127.0.0.1:${server.port}/echo`,
      total: picked.length,
    });
    const { report, cancelled } = await control.next('report');
    expect(cancelled).toBe(false);
    expect(report.results.map((r) => r.id)).toEqual(picked.map((c) => c.id));
    expect(report.summary).toEqual({ total: picked.length, pass: picked.length, nonStrict: 0, fail: 0 });
    const progress = control.all('progress');
    expect(progress.map((p) => p.done)).toEqual(picked.map((_, i) => i + 1));
    expect(progress.every((p) => p.total === picked.length)).toBe(true);
    expect(new Set(progress.map((p) => p.result.id))).toEqual(new Set(picked.map((c) => c.id)));
    control.close();
  });

  it('puts every case’s connection on the tap exactly once, as workbench, named in its result', async () => {
    const control = await Control.open(server);
    control.ask({ type: 'check', cases: ['2'] });
    const { report } = await control.next('report');
    control.close();
    for (const result of report.results) {
      expect(result.conn).toMatch(/^c\d+$/);
      const [open] = (await tap.waitFor(
        (e) => e.type === 'open' && e.conn === result.conn,
      )) as TapOpenEvent[];
      expect(open).toMatchObject({ kind: 'workbench', path: '/echo', remote: result.client });
      // The echo server's end of the same TCP connection is not journaled a second time.
      await tap.waitFor((e) => e.type === 'close' && e.conn === result.conn);
      expect(tap.twinsOf(result.conn!)).toEqual([]);
    }
  });

  it('stops at a cancel and reports the cases that ran', async () => {
    const control = await Control.open(server);
    control.ask({ type: 'check' });
    expect((await control.next('checking')).total).toBe(ALL_CASES);
    await control.next('progress');
    control.ask({ type: 'cancel' });
    const { report, cancelled } = await control.next('report');
    expect(cancelled).toBe(true);
    expect(report.results.length).toBeGreaterThan(0);
    expect(report.results.length).toBeLessThan(ALL_CASES);
    expect(report.summary.total).toBe(report.results.length);
    control.ask({ type: 'cancel' });
    expect(await control.next('error')).toMatchObject({ code: 'NOT_CHECKING' });
    control.close();
  });

  it('runs one check per control socket and two over the server, and says so past that', async () => {
    const [a, b, c] = [await Control.open(server), await Control.open(server), await Control.open(server)];
    a.ask({ type: 'check' });
    await a.next('checking');
    a.ask({ type: 'check' });
    expect(await a.next('error')).toMatchObject({
      code: 'CHECK_RUNNING',
      message: expect.stringMatching(/running already/),
    });
    b.ask({ type: 'check' });
    await b.next('checking');
    c.ask({ type: 'check' });
    expect(await c.next('error')).toMatchObject({
      code: 'TOO_MANY_CHECKS',
      message: expect.stringMatching(/2 checks at once/),
    });
    a.ask({ type: 'cancel' });
    b.ask({ type: 'cancel' });
    await a.next('report');
    await b.next('report');
    c.ask({ type: 'check', cases: ['1.1.1'] });
    expect((await c.next('report')).report.summary.pass).toBe(1);
    for (const control of [a, b, c]) control.close();
  });

  it('stops the run of a control socket that closes', async () => {
    // A server that never echoes: each echo case waits out its 2 s, so the run is long.
    const mute = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    let connections = 0;
    mute.on('connection', (socket) => {
      connections++;
      socket.on('error', () => {});
    });
    await once(mute, 'listening');
    const control = await Control.open(server);
    control.ask({ type: 'check', target: `ws://127.0.0.1:${(mute.address() as AddressInfo).port}/` });
    await control.next('progress');
    control.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const atClose = connections;
    // Past every case under way at the close: a run still going would have started others.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(connections).toBe(atClose);
    for (const client of mute.clients) client.terminate();
    await new Promise((resolve) => mute.close(resolve));
  }, 20_000);

  it('refuses a target that is not on this machine, and an unknown case pattern, before connecting', async () => {
    const control = await Control.open(server);
    control.ask({ type: 'check', target: 'ws://192.0.2.10:9001/' });
    expect(await control.next('error')).toMatchObject({
      code: 'FORBIDDEN_TARGET',
      message: expect.stringMatching(/--allow-target 192\.0\.2\.10:9001/),
    });
    control.replies.length = 0;
    control.ask({ type: 'check', cases: ['99'] });
    expect(await control.next('error')).toMatchObject({ code: 'NO_CASES' });
    control.replies.length = 0;
    control.ask({ type: 'check', cases: 'not a list' });
    expect(await control.next('error')).toMatchObject({ code: 'NO_CASES' });
    control.replies.length = 0;
    control.ask({ type: 'check', cases: [5] });
    expect(await control.next('error')).toMatchObject({ code: 'BAD_REQUEST' });
    control.close();
  });

  it('says in words that nothing listens at the target', async () => {
    const idle = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(idle, 'listening');
    const port = (idle.address() as AddressInfo).port;
    await new Promise((resolve) => idle.close(resolve));
    const control = await Control.open(server);
    control.ask({ type: 'check', target: `ws://127.0.0.1:${port}/` });
    expect(await control.next('error')).toMatchObject({
      code: 'CHECK_FAILED',
      message: expect.stringMatching(/refused the connection/),
    });
    control.close();
  });
});

describe('a conformance check of another server', () => {
  let other: { port: number; close(): Promise<void> };
  let port: number;
  beforeAll(async () => {
    // A plain ws echo server: no tapped endpoint of wslab sees its connections.
    other = await startPlainEcho();
    port = other.port;
  });
  afterAll(() => other.close());

  it('journals each case’s connection once, as workbench, from the client’s side', async () => {
    const control = await Control.open(server);
    control.ask({ type: 'check', target: `ws://127.0.0.1:${port}/plain`, cases: ['5.1', '7.1'] });
    const { report } = await control.next('report');
    control.close();
    expect(report.target).toBe(`ws://127.0.0.1:${port}/plain`);
    expect(report.summary.fail).toBe(0);
    expect(report.results.length).toBe(selectCases(['5.1', '7.1']).length);
    for (const result of report.results) {
      const [open] = (await tap.waitFor(
        (e) => e.type === 'open' && e.conn === result.conn,
      )) as TapOpenEvent[];
      expect(open).toMatchObject({ kind: 'workbench', path: '/plain', remote: result.client });
      await tap.waitFor((e) => e.type === 'close' && e.conn === result.conn);
      expect(tap.twinsOf(result.conn!)).toEqual([]);
      // Both directions are there: the case's frames as written and the server's answer.
      const dirs = new Set(tap.of(result.conn!).flatMap((e) => (e.type === 'frame' ? [e.dir] : [])));
      expect(dirs).toEqual(new Set(['client', 'server']));
    }
  });
});
