import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type {
  TapCloseEvent,
  TapFrameEvent,
  TapHandshakeEvent,
  TapMessageEvent,
  TapOpenEvent,
} from '../../core/tap/events';
import { FrameDecoder } from '../../core/wire/frame-decoder';
import { encodeClose } from '../../core/wire/frame-encoder';
import type { RunningServer, ServerOptions } from '../../server/server';
import {
  clientFrame,
  localPortOf,
  nextMessages,
  RawClient,
  selfSignedCertificate,
  startTestServer,
  TapRecorder,
  wsUrl,
} from './harness';

/** An independent upstream: a plain `ws` server that records what it received and answers. */
interface Upstream {
  port: number;
  server: WebSocketServer;
  requests: IncomingMessage[];
  received: { data: string; isBinary: boolean }[];
  close(): Promise<void>;
}

async function startUpstream(
  options: ConstructorParameters<typeof WebSocketServer>[0] = {},
): Promise<Upstream> {
  const server = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    handleProtocols: (p) => [...p][0] ?? false,
    ...options,
  });
  await once(server, 'listening');
  const upstream: Upstream = {
    port: (server.address() as AddressInfo).port,
    server,
    requests: [],
    received: [],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  server.on('connection', (socket, req) => {
    upstream.requests.push(req);
    socket.on('message', (data: Buffer, isBinary) => {
      upstream.received.push({ data: data.toString(isBinary ? 'hex' : 'utf8'), isBinary });
      if (!isBinary && String(data) === 'close please') socket.close(4002, 'as you wish');
      else socket.send(isBinary ? data : `upstream got ${data}`, { binary: isBinary });
    });
  });
  return upstream;
}

let wslab: RunningServer;
let tap: TapRecorder;
let upstream: Upstream;
const extra: { close(): Promise<void> }[] = [];

async function startWslab(options: ServerOptions = {}): Promise<void> {
  wslab = await startTestServer(options);
  tap = await TapRecorder.open(wslab);
}

beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => {
  await upstream.close();
});
afterEach(async () => {
  tap?.close();
  await wslab?.close();
  for (const item of extra.splice(0)) await item.close();
});

const proxyUrl = (target: string): string => wsUrl(wslab, `/proxy?target=${encodeURIComponent(target)}`);

describe('the proxy relays byte for byte', () => {
  it('rewrites only the path and Host, passes subprotocols and headers, and the tap sees both directions', async () => {
    await startWslab();
    const client = new WebSocket(proxyUrl(`ws://127.0.0.1:${upstream.port}/chat?room=1`), ['chat.v1'], {
      headers: { 'X-Custom': 'kept' },
      perMessageDeflate: false,
    });
    await once(client, 'open');
    expect(client.protocol).toBe('chat.v1');
    const conn = await tap.connOf(localPortOf(client));

    const replies = nextMessages(client, 2);
    client.send('hello');
    client.send(Buffer.from([1, 2, 3]));
    const got = await replies;
    expect(String(got[0]!.data)).toBe('upstream got hello');
    expect(got[1]!.data).toEqual(Buffer.from([1, 2, 3]));

    const request = upstream.requests.at(-1)!;
    expect(request.url).toBe('/chat?room=1');
    expect(request.headers.host).toBe(`127.0.0.1:${upstream.port}`);
    expect(request.headers['x-custom']).toBe('kept');
    expect(upstream.received.slice(-2)).toEqual([
      { data: 'hello', isBinary: false },
      { data: '010203', isBinary: true },
    ]);

    const [open] = (await tap.waitFor((e) => e.type === 'open' && e.conn === conn)) as TapOpenEvent[];
    expect(open!.kind).toBe('proxy');
    const [handshake] = (await tap.waitFor(
      (e) => e.type === 'handshake' && e.conn === conn,
    )) as TapHandshakeEvent[];
    expect(handshake!.response.status).toBe(101);
    expect(handshake!.accept.ok).toBe(true);
    const messages = (await tap.waitFor(
      (e) => e.type === 'message' && e.conn === conn,
      4,
    )) as TapMessageEvent[];
    const seen = messages.map((m) => [m.dir, m.text ?? m.base64]);
    const binary = Buffer.from([1, 2, 3]).toString('base64');
    expect(seen).toHaveLength(4);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['client', 'hello'],
        ['client', binary],
        ['server', 'upstream got hello'],
        ['server', binary],
      ]),
    );
    const frames = tap.of(conn).filter((e): e is TapFrameEvent => e.type === 'frame');
    expect(frames.filter((f) => f.dir === 'client').every((f) => f.masked)).toBe(true);
    expect(frames.filter((f) => f.dir === 'server').every((f) => !f.masked)).toBe(true);
    client.close();
  });

  it('passes permessage-deflate through and the tap inflates what the two ends compressed', async () => {
    const deflating = await startUpstream({ perMessageDeflate: { threshold: 0 } });
    extra.push(deflating);
    await startWslab();
    const client = new WebSocket(proxyUrl(`ws://127.0.0.1:${deflating.port}/`), { perMessageDeflate: true });
    await once(client, 'open');
    const conn = await tap.connOf(localPortOf(client));
    const text = 'compress me please, '.repeat(30);
    const reply = nextMessages(client, 1);
    client.send(text);
    expect(String((await reply)[0]!.data)).toBe(`upstream got ${text}`);
    expect(deflating.received.at(-1)).toEqual({ data: text, isBinary: false });
    const [handshake] = (await tap.waitFor(
      (e) => e.type === 'handshake' && e.conn === conn,
    )) as TapHandshakeEvent[];
    expect(handshake!.deflate).toBeDefined();
    const messages = (await tap.waitFor(
      (e) => e.type === 'message' && e.conn === conn,
      2,
    )) as TapMessageEvent[];
    expect(messages.map((m) => [m.dir, m.compressed, m.text])).toEqual(
      expect.arrayContaining([
        ['client', true, text],
        ['server', true, `upstream got ${text}`],
      ]),
    );
    client.close();
  });

  it('relays /proxy to --target, with the path below /proxy appended', async () => {
    await startWslab({ target: `ws://127.0.0.1:${upstream.port}/base` });
    const client = new WebSocket(wsUrl(wslab, '/proxy/room/7?x=1'));
    await once(client, 'open');
    expect(upstream.requests.at(-1)!.url).toBe('/base/room/7?x=1');
    client.close();
  });

  it('carries a close started by the upstream to the client, and the tap names its initiator', async () => {
    await startWslab();
    const client = new WebSocket(proxyUrl(`ws://127.0.0.1:${upstream.port}/`));
    await once(client, 'open');
    const conn = await tap.connOf(localPortOf(client));
    client.send('close please');
    const [code, reason] = await once(client, 'close');
    expect([code, String(reason)]).toEqual([4002, 'as you wish']);
    const [close] = (await tap.waitFor((e) => e.type === 'close' && e.conn === conn)) as TapCloseEvent[];
    expect(close).toMatchObject({ code: 4002, reason: 'as you wish', initiator: 'server', clean: true });
  });

  it('keeps a half-closed connection open for the upstream to finish its closing handshake', async () => {
    await startWslab();
    const raw = await RawClient.connect(wslab.port);
    raw.write(RawClient.handshake(`/proxy?target=${encodeURIComponent(`ws://127.0.0.1:${upstream.port}/`)}`));
    expect(await raw.readHead()).toMatch(/^HTTP\/1\.1 101/);
    // Send a close frame, then our FIN: from here on the client can only listen.
    raw.write(clientFrame({ opcode: 8, payload: encodeClose(1000, 'bye').subarray(2) }));
    raw.socket.end();
    const rest = await raw.readToEnd();
    const closes = new FrameDecoder({ sender: 'server' })
      .push(rest)
      .flatMap((e) => (e.type === 'frame' && e.frame.close ? [e.frame.close.code] : []));
    expect(closes).toEqual([1000]);
  });

  // A close frame may only be injected between frames, which capture follows for relays.
  it('closes both ends with 1001 when wslab shuts down', async () => {
    await startWslab({});
    const client = new WebSocket(proxyUrl(`ws://127.0.0.1:${upstream.port}/`));
    await once(client, 'open');
    const upstreamClosed = new Promise<number>((resolve) => {
      const socket = [...upstream.server.clients].at(-1)!;
      socket.once('close', (code) => resolve(code));
    });
    const closed = once(client, 'close');
    await wslab.close();
    expect((await closed)[0]).toBe(1001);
    expect(await upstreamClosed).toBe(1001);
  });
});

describe('the proxy refuses faithfully', () => {
  async function refusal(url: string): Promise<{ status: number; body: string }> {
    const client = new WebSocket(url);
    client.on('error', () => {}); // ws reports the refusal as an error too, after the response
    const [, response] = (await once(client, 'unexpected-response')) as [unknown, IncomingMessage];
    let body = '';
    for await (const chunk of response) body += chunk;
    client.terminate();
    return { status: response.statusCode!, body };
  }

  it('answers 502 with the reason when nothing listens at the target', async () => {
    await startWslab();
    const closed = await startUpstream();
    await closed.close();
    const { status, body } = await refusal(proxyUrl(`ws://127.0.0.1:${closed.port}/`));
    expect(status).toBe(502);
    expect(body).toMatch(/refused the connection/);
    await tap.waitFor((e) => e.type === 'error' && e.code === 'UPSTREAM_FAILED');
  });

  it("passes the upstream's own non-101 answer through untouched", async () => {
    const picky = await startUpstream({ verifyClient: () => false });
    extra.push(picky);
    await startWslab();
    const { status } = await refusal(proxyUrl(`ws://127.0.0.1:${picky.port}/`));
    expect(status).toBe(401);
    const [handshake] = (await tap.waitFor(
      (e) => e.type === 'handshake' && e.response.status === 401,
    )) as TapHandshakeEvent[];
    expect(handshake!.accept.ok).toBe(false);
  });

  it('is not an open proxy: a non-loopback target is refused with 403 unless allowed', async () => {
    await startWslab();
    // Never connected to: the check happens before any connection is made.
    const { status, body } = await refusal(proxyUrl('ws://198.51.100.7:9000/'));
    expect(status).toBe(403);
    expect(body).toMatch(/--allow-target 198\.51\.100\.7:9000/);
    await tap.waitFor((e) => e.type === 'error' && e.code === 'FORBIDDEN_TARGET');
    expect((await refusal(proxyUrl('http://127.0.0.1:1/'))).status).toBe(400);
    expect((await refusal(wsUrl(wslab, '/proxy'))).status).toBe(400);
  });
});

/**
 * A TCP service on loopback that is not a WebSocket server: it keeps every byte it receives and,
 * once the request head has arrived, does what the test says (answer, or stay silent).
 */
async function startTcpService(onHead: (socket: Socket) => void): Promise<{
  port: number;
  /** Everything the service received on its first connection, once that connection has closed. */
  received: Promise<Buffer>;
  close(): Promise<void>;
}> {
  const server = createTcpServer();
  let deliver: (bytes: Buffer) => void = () => {};
  const received = new Promise<Buffer>((resolve) => {
    deliver = resolve;
  });
  server.on('connection', (socket) => {
    let bytes = Buffer.alloc(0);
    let answered = false;
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      bytes = Buffer.concat([bytes, chunk]);
      if (!answered && bytes.includes('\r\n\r\n')) {
        answered = true;
        onHead(socket);
      }
    });
    socket.on('close', () => deliver(bytes));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Only the request head: not one byte of what the client sent after it. */
function expectOnlyTheRequestHead(received: Buffer): void {
  const text = received.toString('latin1');
  expect(text).toMatch(/^GET \/ HTTP\/1\.1\r\n/);
  expect(text.indexOf('\r\n\r\n')).toBe(text.length - 4);
}

describe('the proxy relays WebSockets only', () => {
  async function rawProxy(port: number): Promise<RawClient> {
    const raw = await RawClient.connect(wslab.port);
    // The request and bytes for the upstream in one write: they arrive as the upgrade's `head`.
    raw.write(
      Buffer.concat([
        Buffer.from(RawClient.handshake(`/proxy?target=${encodeURIComponent(`ws://127.0.0.1:${port}/`)}`)),
        Buffer.from('EARLY BYTES\r\n'),
      ]),
    );
    return raw;
  }

  it('answers 502 when the target does not speak HTTP, and the client’s bytes never reach it', async () => {
    const service = await startTcpService((socket) => socket.write('SSH-2.0-OpenSSH_9.6\r\n'));
    extra.push(service);
    await startWslab();
    const raw = await rawProxy(service.port);
    expect(await raw.readHead()).toMatch(/^HTTP\/1\.1 502 /);
    raw.write('LATE BYTES\r\n');
    expect(String(await raw.readToEnd())).toMatch(
      /is not a WebSocket server: its answer is not HTTP \("SSH-2\.0/,
    );
    expectOnlyTheRequestHead(await service.received);
    await tap.waitFor(
      (e) => e.type === 'error' && e.code === 'UPSTREAM_FAILED' && e.message.includes('not HTTP'),
    );
  });

  it('answers 502 saying the target closed before answering the upgrade when it just hangs up', async () => {
    const service = await startTcpService((socket) => socket.destroy());
    extra.push(service);
    await startWslab();
    const raw = await rawProxy(service.port);
    expect(await raw.readHead()).toMatch(/^HTTP\/1\.1 502 /);
    expect(String(await raw.readToEnd())).toContain(
      `the target 127.0.0.1:${service.port} closed before answering the upgrade`,
    );
    await tap.waitFor(
      (e) => e.type === 'error' && e.code === 'UPSTREAM_FAILED' && e.message.includes('closed before'),
    );
  });

  it('answers 502 when a 101 carries the wrong Sec-WebSocket-Accept, relaying nothing', async () => {
    const service = await startTcpService((socket) =>
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm90IHRoZSByaWdodCBvbmU=\r\n\r\n',
      ),
    );
    extra.push(service);
    await startWslab();
    const raw = await rawProxy(service.port);
    expect(await raw.readHead()).toMatch(/^HTTP\/1\.1 502 /);
    expect(String(await raw.readToEnd())).toMatch(
      /answered 101 without the right Sec-WebSocket-Accept \(expected s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=, got bm90IHRoZSByaWdodCBvbmU=\)/,
    );
    expectOnlyTheRequestHead(await service.received);
  });

  it('hands the client an upstream’s plain HTTP answer as sent, then ends, relaying nothing', async () => {
    // Keep-alive: the service would wait for another request; the relay ends after the body.
    const answer = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello';
    const service = await startTcpService((socket) => socket.write(answer));
    extra.push(service);
    await startWslab();
    const raw = await rawProxy(service.port);
    const head = await raw.readHead();
    expect(`${head}${await raw.readToEnd()}`).toBe(answer);
    expectOnlyTheRequestHead(await service.received);
  });

  it('shows an upstream’s refusal with its body on the tap, not its body as frames', async () => {
    // What a Socket.IO server answers a request for a transport it does not know.
    const body = '{"code":0,"message":"Transport unknown"}';
    const answer = `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const service = await startTcpService((socket) => socket.write(answer));
    extra.push(service);
    await startWslab();
    const raw = await rawProxy(service.port);
    await raw.readHead();
    await raw.readToEnd();
    const [handshake] = (await tap.waitFor(
      (e) => e.type === 'handshake' && e.response.status === 400,
    )) as TapHandshakeEvent[];
    expect(handshake!.response.body).toEqual({ text: body, truncated: false, size: body.length });
    await tap.waitFor((e) => e.type === 'close' && e.conn === handshake!.conn);
    const ofConnection = tap.events.filter((e) => 'conn' in e && e.conn === handshake!.conn);
    expect(ofConnection.map((e) => e.type)).toEqual(['open', 'handshake', 'close']);
  });

  it('answers 502 when the client sends over 64 KiB before the target has answered', async () => {
    let headSeen: () => void = () => {};
    const seen = new Promise<void>((resolve) => {
      headSeen = resolve;
    });
    const service = await startTcpService(() => headSeen());
    extra.push(service);
    await startWslab();
    const raw = await rawProxy(service.port);
    await seen;
    raw.write(Buffer.alloc(64 * 1024, 0x41));
    expect(await raw.readHead()).toMatch(/^HTTP\/1\.1 502 /);
    expect(String(await raw.readToEnd())).toMatch(
      /the client sent more than 64 KiB before the target accepted/,
    );
    expectOnlyTheRequestHead(await service.received);
  });

  it('holds a frame sent with the request until the 101, then delivers it', async () => {
    await startWslab();
    const raw = await RawClient.connect(wslab.port);
    raw.write(
      Buffer.concat([
        Buffer.from(
          RawClient.handshake(`/proxy?target=${encodeURIComponent(`ws://127.0.0.1:${upstream.port}/`)}`),
        ),
        clientFrame({ opcode: 1, payload: Buffer.from('early') }),
      ]),
    );
    expect(await raw.readHead()).toMatch(/^HTTP\/1\.1 101 /);
    const reply = Buffer.from('upstream got early');
    expect(await raw.readBytes(2 + reply.length)).toEqual(
      Buffer.concat([Buffer.of(0x81, reply.length), reply]),
    );
    raw.destroy();
  });

  it('relays to the IPv4-mapped loopback address [::ffff:127.0.0.1]', async () => {
    await startWslab();
    const client = new WebSocket(proxyUrl(`ws://[::ffff:127.0.0.1]:${upstream.port}/mapped`));
    await once(client, 'open');
    const reply = nextMessages(client, 1);
    client.send('mapped');
    expect(String((await reply)[0]!.data)).toBe('upstream got mapped');
    expect(upstream.requests.at(-1)!.headers.host).toBe(`[::ffff:7f00:1]:${upstream.port}`);
    client.close();
  });
});

describe('wss:// targets', () => {
  let tlsUpstream: { port: number; close(): Promise<void> };
  let cert: Buffer;

  beforeAll(async () => {
    const pair = selfSignedCertificate(['DNS:localhost', 'IP:127.0.0.1']);
    cert = pair.cert;
    const https = createHttpsServer(pair);
    const wss = new WebSocketServer({ server: https });
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`tls got ${data}`)));
    https.listen(0, '127.0.0.1');
    await once(https, 'listening');
    tlsUpstream = {
      port: (https.address() as AddressInfo).port,
      close: () => new Promise((resolve) => https.close(() => resolve())),
    };
  });
  afterAll(async () => {
    await tlsUpstream.close();
  });

  async function roundTrip(options: ServerOptions): Promise<string> {
    await startWslab(options);
    const client = new WebSocket(proxyUrl(`wss://localhost:${tlsUpstream.port}/`));
    await once(client, 'open');
    const conn = await tap.connOf(localPortOf(client));
    const reply = nextMessages(client, 1);
    client.send('secret');
    const text = String((await reply)[0]!.data);
    // The tap shows the plaintext that travelled inside TLS.
    await tap.waitFor(
      (e) => e.type === 'message' && e.conn === conn && e.dir === 'server' && e.text === 'tls got secret',
    );
    client.close();
    return text;
  }

  it('refuses a self-signed upstream by default, naming the TLS failure', async () => {
    await startWslab();
    const client = new WebSocket(proxyUrl(`wss://localhost:${tlsUpstream.port}/`));
    client.on('error', () => {});
    const [, response] = (await once(client, 'unexpected-response')) as [unknown, IncomingMessage];
    expect(response.statusCode).toBe(502);
    let body = '';
    for await (const chunk of response) body += chunk;
    expect(body).toMatch(/TLS with localhost:\d+ failed/);
  });

  it('speaks TLS to the upstream with --insecure and the tap sees the plaintext', async () => {
    expect(await roundTrip({ insecure: true })).toBe('tls got secret');
  });

  it('speaks TLS to the upstream with --ca', async () => {
    expect(await roundTrip({ ca: cert })).toBe('tls got secret');
  });
});
