import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { TapErrorEvent, TapFrameEvent, TapOpenEvent } from '../../core/tap/events';
import { toHex } from '../../core/wire/bytes';
import type { WorkbenchReply } from '../../core/workbench/control-protocol';
import { presetById } from '../../core/workbench/presets';
import { buildScript } from '../../core/workbench/script';
import type { RunningServer } from '../../server/server';
import { Journal } from '../../server/tap/journal';
import { Workbench } from '../../server/workbench/workbench';
import { serveWithTap, startPlainEcho, type TapRecorder, wsUrl } from './harness';
import { Control, type Reply } from './workbench-control';

let server: RunningServer;
let tap: TapRecorder;
serveWithTap({}, (s, t) => {
  server = s;
  tap = t;
});

/** Opens a raw connection to the echo server, sends a preset's script, and waits for the close. */
async function sendPreset(
  id: string,
): Promise<{ control: Control; opened: Reply<'opened'>; closed: Reply<'closed'> }> {
  const preset = presetById(id)!;
  const built = buildScript(preset.drafts);
  if (!built.ok) throw new Error(built.error.message);
  const control = await Control.open(server);
  control.ask({ type: 'open' });
  const opened = await control.next('opened');
  control.ask({ type: 'send', hex: toHex(built.value.bytes), writes: built.value.writes });
  const closed = await control.next('closed');
  control.close();
  return { control, opened, closed };
}

describe('the workbench raw sender', () => {
  it('sends an unmasked frame to the echo server and reports its close 1002', async () => {
    const { control, opened, closed } = await sendPreset('unmasked');
    expect(opened.status).toBe('HTTP/1.1 101 Switching Protocols');
    expect(closed).toMatchObject({ code: 1002, dropped: false, by: 'target' });
    const close = control.framesReceived().find((f) => f.opcodeName === 'close');
    expect(close).toMatchObject({ masked: false, close: { code: 1002 } });
    expect(closed.summary).toMatch(/closed with 1002/);
  });

  it('gets close 1002 for RSV1 without an extension', async () => {
    const { closed } = await sendPreset('rsv1');
    expect(closed.code).toBe(1002);
  });

  it('gets close 1002 for a 126-byte ping', async () => {
    const { closed } = await sendPreset('long-ping');
    expect(closed.code).toBe(1002);
  });

  it('gets close 1007 for invalid UTF-8 split across two fragments', async () => {
    const { closed } = await sendPreset('utf8-split');
    expect(closed.code).toBe(1007);
  });

  it('gets close 1002 for a close frame carrying 1005', async () => {
    const { closed } = await sendPreset('close-1005');
    expect(closed.code).toBe(1002);
  });

  it('sends a ping between fragments and gets the pong, then the echo of the whole message', async () => {
    const preset = presetById('ping-inside-fragments')!;
    const built = buildScript(preset.drafts);
    if (!built.ok) throw new Error(built.error.message);
    const control = await Control.open(server);
    control.ask({ type: 'open' });
    await control.next('opened');
    control.ask({
      type: 'send',
      base64: Buffer.from(built.value.bytes).toString('base64'),
      writes: built.value.writes,
    });
    expect(await control.next('sent')).toMatchObject({ bytes: built.value.bytes.length, writes: 3 });
    const [pong, text] = await control.frames(2);
    expect(pong).toMatchObject({ opcodeName: 'pong', payloadHex: toHex(Buffer.from('mid')) });
    expect(text).toMatchObject({
      opcodeName: 'text',
      payloadHex: toHex(Buffer.from("Server received: 'Hello'")),
    });
    control.ask({ type: 'close' });
    expect(await control.next('closed')).toMatchObject({ dropped: true, by: 'workbench' });
    control.close();
  });

  it('writes a frame one byte at a time and the echo server still reads it', async () => {
    const built = buildScript(presetById('one-byte-writes')!.drafts);
    if (!built.ok) throw new Error(built.error.message);
    const control = await Control.open(server);
    control.ask({ type: 'open' });
    await control.next('opened');
    control.ask({ type: 'send', hex: toHex(built.value.bytes), writes: built.value.writes, pauseMs: 2 });
    expect(await control.next('sent')).toMatchObject({ writes: built.value.bytes.length });
    const received = await control.next('received');
    expect(received.frames[0]?.description).toBe(`← text 24 B "Server received: 'Hello'"`);
    expect(received.sentBytes).toBe(built.value.bytes.length);
    control.close();
  });

  it('reports a connection the server drops without a close frame', async () => {
    const control = await Control.open(server);
    control.ask({ type: 'open', target: `${wsUrl(server, '/echo')}?dropAfter=0` });
    await control.next('opened');
    expect(await control.next('closed')).toMatchObject({
      dropped: true,
      code: null,
      by: 'target',
      summary: 'the server dropped the connection without a close frame',
    });
    control.close();
  });

  it('shows the tap one workbench connection, with the offending frame and its violation, and no echo twin', async () => {
    const { opened } = await sendPreset('rsv1');
    const conn = opened.conn;
    const [open] = (await tap.waitFor((e) => e.type === 'open' && e.conn === conn)) as TapOpenEvent[];
    expect(open).toMatchObject({ kind: 'workbench', path: '/echo' });
    await tap.waitFor((e) => e.type === 'close' && e.conn === conn);
    const events = tap.of(conn);
    const offending = events.find((e): e is TapFrameEvent => e.type === 'frame' && e.dir === 'client');
    expect(offending).toMatchObject({
      rsv1: true,
      masked: true,
      violation: { code: 'UNEXPECTED_RSV_1', closeCode: 1002 },
    });
    const answer = events.find((e): e is TapFrameEvent => e.type === 'frame' && e.dir === 'server');
    expect(answer).toMatchObject({ opcodeName: 'close', closeCode: 1002 });
    expect(events.some((e): e is TapErrorEvent => e.type === 'error' && e.closeCode === 1002)).toBe(true);
    // The echo server's side of the same TCP connection is not journaled a second time.
    expect(tap.twinsOf(conn)).toEqual([]);
  });

  it('journals a connection this server refuses once: as workbench, with the refusal, not again as rejected', async () => {
    const control = await Control.open(server);
    control.ask({ type: 'open', target: wsUrl(server, '/nowhere') });
    expect(await control.next('error')).toMatchObject({
      code: 'HANDSHAKE_FAILED',
      message: 'the server answered the upgrade with 404 Not Found',
    });
    control.close();
    const [open] = (await tap.waitFor(
      (e) => e.type === 'open' && e.kind === 'workbench' && e.path === '/nowhere',
    )) as TapOpenEvent[];
    const [handshake] = await tap.waitFor((e) => e.type === 'handshake' && e.conn === open!.conn);
    expect(handshake).toMatchObject({ response: { status: 404 } });
    // A later connection to the same path, from a plain client, is journaled as rejected: had the
    // workbench's been journaled twice, its twin would be in the tap before this one.
    const probe = new WebSocket(wsUrl(server, '/nowhere'));
    probe.on('error', () => {});
    await once(probe, 'unexpected-response');
    probe.terminate();
    const rejected = await tap.waitFor(
      (e) => e.type === 'open' && e.kind === 'rejected' && e.path === '/nowhere',
    );
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as TapOpenEvent).remote).not.toBe(open!.remote);
  });

  it('exports the workbench connection in the HAR and the pcapng like any other', async () => {
    const { opened } = await sendPreset('long-ping');
    await tap.waitFor((e) => e.type === 'close' && e.conn === opened.conn);
    const harResponse = await fetch(`http://127.0.0.1:${server.port}/api/export.har?conn=${opened.conn}`);
    expect(harResponse.status).toBe(200);
    const har = (await harResponse.json()) as {
      log: { entries: { request: { url: string }; response: { status: number } }[] };
    };
    expect(har.log.entries.map((e) => [e.request.url, e.response.status])).toEqual([
      [`ws://127.0.0.1:${server.port}/echo`, 101],
    ]);
    const pcap = await fetch(`http://127.0.0.1:${server.port}/api/export.pcapng?conn=${opened.conn}`);
    expect(pcap.status).toBe(200);
    expect((await pcap.arrayBuffer()).byteLength).toBeGreaterThan(126);
  });

  it('answers a message that is not one with an error and keeps the control socket open', async () => {
    const control = await Control.open(server);
    control.socket.send('not json');
    expect(await control.next('error')).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/JSON/),
    });
    control.ask({ type: 'send', hex: 'zz' });
    expect(await control.next('error', 1)).toMatchObject({ message: expect.stringMatching(/not valid hex/) });
    control.ask({ type: 'send', hex: '8100' });
    expect(await control.next('error', 2)).toMatchObject({ code: 'NOT_OPEN' });
    control.ask({ type: 'send', base64: 'A'.repeat(1_500_000) });
    expect(await control.next('error', 3)).toMatchObject({ code: 'TOO_BIG' });
    control.ask({ type: 'open' });
    await control.next('opened');
    control.ask({ type: 'open' });
    expect(await control.next('error', 4)).toMatchObject({ code: 'ALREADY_OPEN' });
    expect(control.socket.readyState).toBe(WebSocket.OPEN);
    control.close();
  });

  it('refuses a target that is not on this machine, before connecting anywhere', async () => {
    const control = await Control.open(server);
    control.ask({ type: 'open', target: 'ws://192.0.2.1:80/' });
    expect(await control.next('error')).toMatchObject({
      code: 'FORBIDDEN_TARGET',
      message: expect.stringMatching(
        /only to loopback addresses unless wslab is started with --allow-target 192\.0\.2\.1:80/,
      ),
    });
    control.ask({ type: 'open', target: 'http://127.0.0.1/' });
    expect(await control.next('error', 1)).toMatchObject({ code: 'BAD_TARGET' });
    control.close();
  });

  it('says so when nothing listens at the target', async () => {
    const idle = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(idle, 'listening');
    const port = (idle.address() as AddressInfo).port;
    await new Promise((resolve) => idle.close(resolve));
    const control = await Control.open(server);
    control.ask({ type: 'open', target: `ws://127.0.0.1:${port}/` });
    expect(await control.next('error')).toMatchObject({
      code: 'HANDSHAKE_FAILED',
      message: expect.stringMatching(/ECONNREFUSED/),
    });
    control.close();
  });

  it('refuses a control socket opened by a page on another site with 403', async () => {
    const socket = new WebSocket(wsUrl(server, '/workbench'), { origin: 'http://evil.example' });
    socket.on('error', () => {});
    const [, response] = (await once(socket, 'unexpected-response')) as [unknown, IncomingMessage];
    expect(response.statusCode).toBe(403);
    socket.terminate();
  });
});

describe('the workbench against another server', () => {
  let other: { port: number; close(): Promise<void> };
  let port: number;
  beforeAll(async () => {
    // A plain ws echo server: the workbench journals its connection, as no tapped endpoint does.
    other = await startPlainEcho();
    port = other.port;
  });
  afterAll(() => other.close());

  it('journals the connection as workbench and decodes what the target answers', async () => {
    const built = buildScript(presetById('reserved-opcode')!.drafts);
    if (!built.ok) throw new Error(built.error.message);
    const control = await Control.open(server);
    control.ask({ type: 'open', target: `ws://127.0.0.1:${port}/any` });
    const opened = await control.next('opened');
    expect(opened.target).toBe(`ws://127.0.0.1:${port}/any`);
    control.ask({ type: 'send', hex: toHex(built.value.bytes) });
    expect(await control.next('closed')).toMatchObject({ code: 1002 });
    const [open] = (await tap.waitFor((e) => e.type === 'open' && e.conn === opened.conn)) as TapOpenEvent[];
    expect(open).toMatchObject({ kind: 'workbench', path: '/any' });
    control.close();
  });
});

describe('the workbench limits', () => {
  let target: WebSocketServer;
  let controls: WebSocketServer;
  let controlPort: number;
  beforeAll(async () => {
    target = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    target.on('connection', (socket) => socket.on('error', () => {}));
    await once(target, 'listening');
    const targetUrl = `ws://127.0.0.1:${(target.address() as AddressInfo).port}`;
    // One raw connection over all control sockets, idle after 200 ms: the limits told, not hit silently.
    const workbench = new Workbench({
      journal: new Journal({ budgetBytes: 1024 * 1024 }),
      payloadCap: 1024,
      maxPayload: 1024,
      settings: { allowTargets: [], insecure: false },
      maxConnections: 1,
      idleMs: 200,
    });
    controls = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    controls.on('connection', (socket) => workbench.serve(socket, targetUrl));
    await once(controls, 'listening');
    controlPort = (controls.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const client of [...target.clients, ...controls.clients]) client.terminate();
    await new Promise((resolve) => target.close(resolve));
    await new Promise((resolve) => controls.close(resolve));
  });

  async function control(): Promise<WebSocket & { replies: WorkbenchReply[] }> {
    const socket = new WebSocket(`ws://127.0.0.1:${controlPort}`) as WebSocket & {
      replies: WorkbenchReply[];
    };
    socket.replies = [];
    socket.on('message', (data) => socket.replies.push(JSON.parse(String(data)) as WorkbenchReply));
    await once(socket, 'open');
    return socket;
  }

  async function until(
    socket: { replies: WorkbenchReply[] },
    type: WorkbenchReply['type'],
  ): Promise<WorkbenchReply> {
    for (let i = 0; i < 100; i++) {
      const found = socket.replies.find((r) => r.type === type);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no ${type} reply: ${JSON.stringify(socket.replies)}`);
  }

  it('refuses a connection over the cap and closes an idle one, saying why', async () => {
    const first = await control();
    first.send(JSON.stringify({ type: 'open' }));
    await until(first, 'opened');
    const second = await control();
    second.send(JSON.stringify({ type: 'open' }));
    expect(await until(second, 'error')).toMatchObject({ code: 'TOO_MANY_CONNECTIONS' });
    expect(await until(first, 'error')).toMatchObject({
      code: 'IDLE',
      message: expect.stringMatching(/0\.2 s/),
    });
    expect(await until(first, 'closed')).toMatchObject({ by: 'workbench', dropped: true });
    second.send(JSON.stringify({ type: 'open' }));
    await until(second, 'opened');
    first.close();
    second.close();
  });
});
