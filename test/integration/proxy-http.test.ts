// `/proxy` with a real Socket.IO app: the client's default transports (HTTP long-polling, then
// the upgrade to WebSocket) go through wslab, and the tap shows every HTTP exchange beside the
// WebSocket.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Server as SocketIoServer } from 'socket.io';
import { io, type Socket as SocketIoClient } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { Har } from '../../core/har/har-format';
import type { TapHandshakeEvent, TapOpenEvent } from '../../core/tap/events';
import { MAX_HTTP_EXCHANGES, MAX_HTTP_REQUEST_BYTES } from '../../server/proxy/http-relay';
import type { RunningServer, ServerOptions } from '../../server/server';
import { selfSignedCertificate, startTestServer, TapRecorder } from './harness';

interface ChatApp {
  port: number;
  close(): Promise<void>;
}

/** A Socket.IO server as an app would run one: an `echo` event answered through its ack. */
async function startChatApp(): Promise<ChatApp> {
  const http: HttpServer = createServer();
  const server = new SocketIoServer(http);
  server.on('connection', (socket) => {
    socket.on('echo', (text: string, ack: (reply: string) => void) => ack(`app got ${text}`));
    socket.on('shout', (text: string) => socket.emit('heard', text.toUpperCase()));
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    port: (http.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

let app: ChatApp;
let wslab: RunningServer;
let tap: TapRecorder;
const clients: SocketIoClient[] = [];

beforeAll(async () => {
  app = await startChatApp();
});
afterAll(async () => {
  await app.close();
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  tap?.close();
  await wslab?.close();
});

async function startWslab(options: ServerOptions = {}): Promise<string> {
  wslab = await startTestServer(options);
  tap = await TapRecorder.open(wslab);
  return `http://127.0.0.1:${wslab.port}`;
}

function connect(url: string, options: Parameters<typeof io>[1]): SocketIoClient {
  const client = io(url, { reconnection: false, ...options });
  clients.push(client);
  return client;
}

/** Connects, gets an ack, and waits until the client has upgraded to WebSocket. */
async function chat(client: SocketIoClient): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('connect_error', reject);
  });
  const reply = await client.timeout(5000).emitWithAck('echo', 'hello');
  expect(reply).toBe('app got hello');
  if (client.io.engine.transport.name !== 'websocket') {
    await new Promise<void>((resolve) => client.io.engine.once('upgrade', () => resolve()));
  }
  expect(client.io.engine.transport.name).toBe('websocket');
  const heard = new Promise<string>((resolve) => client.once('heard', resolve));
  client.emit('shout', 'over websocket');
  expect(await heard).toBe('OVER WEBSOCKET');
}

const handshakes = (kind: TapOpenEvent['kind']): TapHandshakeEvent[] => {
  const conns = new Set(
    tap.events.filter((e): e is TapOpenEvent => e.type === 'open' && e.kind === kind).map((e) => e.conn),
  );
  return tap.events.filter((e): e is TapHandshakeEvent => e.type === 'handshake' && conns.has(e.conn));
};

describe('Socket.IO through /proxy, with its default transports', () => {
  it('connects by long-polling, gets its ack, upgrades to WebSocket, and the tap shows every HTTP exchange', async () => {
    const base = await startWslab({ target: `ws://127.0.0.1:${app.port}` });
    await chat(connect(base, { path: '/proxy/socket.io/' }));

    await tap.waitFor((e) => e.type === 'handshake' && e.request.body?.text === '40');
    await tap.waitFor((e) => e.type === 'handshake' && e.response.status === 101);
    const polls = handshakes('http');
    // Engine.IO's open packet answers the first poll: `0{"sid":…}`.
    const first = polls.find((e) => e.response.body?.text?.startsWith('0{"sid"'));
    expect(first?.request.method).toBe('GET');
    expect(first?.request.path).toMatch(/^\/proxy\/socket\.io\/\?EIO=4&transport=polling/);
    expect(first?.response.status).toBe(200);
    // Socket.IO's CONNECT packet (`40`) goes up in a POST, and its body is shown.
    const post = polls.find((e) => e.request.method === 'POST' && e.request.body?.text === '40');
    expect(post?.response.status).toBe(200);
    expect(post?.response.body?.text).toBe('ok');
    // The WebSocket the client upgraded to, relayed as any other.
    await tap.waitFor((e) => e.type === 'handshake' && e.response.status === 101);
    const [socket] = handshakes('proxy');
    expect(socket?.request.path).toMatch(/transport=websocket&sid=/);
    const open = tap.events.find((e): e is TapOpenEvent => e.type === 'open' && e.conn === first?.conn);
    expect(open?.upstream).toEqual({
      target: expect.stringMatching(new RegExp(`^ws://127\\.0\\.0\\.1:${app.port}/socket\\.io/\\?EIO=4`)),
      requestLine: expect.stringMatching(/^GET \/socket\.io\/\?EIO=4&transport=polling\S* HTTP\/1\.1$/),
      host: `127.0.0.1:${app.port}`,
      tls: 'none',
    });
    // No exchange was decoded as frames.
    const httpConns = new Set(polls.map((e) => e.conn));
    expect(tap.events.some((e) => e.type === 'frame' && httpConns.has(e.conn))).toBe(false);
    expect(tap.events.some((e) => e.type === 'error' && httpConns.has(e.conn))).toBe(false);

    // The HAR export has each exchange as the HTTP request it was, bodies included.
    const har = (await (await fetch(`${base}/api/export.har`)).json()) as Har;
    const connectEntry = har.log.entries.find((e) => e.request.postData?.text === '40');
    expect(connectEntry?._resourceType).toBe('xhr');
    expect(connectEntry?.request.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/proxy\/socket\.io\/\?EIO=4/);
    expect(connectEntry?.response.content).toMatchObject({ size: 2, text: 'ok' });
  });

  it('works with ?target= passed in the client’s query option, which rides along on every request', async () => {
    const base = await startWslab();
    await chat(connect(base, { path: '/proxy/socket.io/', query: { target: `ws://127.0.0.1:${app.port}` } }));
    await tap.waitFor((e) => e.type === 'handshake' && e.response.status === 101);
    const [socket] = handshakes('proxy');
    const open = tap.events.find((e): e is TapOpenEvent => e.type === 'open' && e.conn === socket?.conn);
    expect(open?.upstream?.requestLine).toMatch(
      /^GET \/socket\.io\/\?EIO=4&transport=websocket&sid=\S+ HTTP\/1\.1$/,
    );
  });

  it('works with ?target= in the URL given to io()', async () => {
    const base = await startWslab();
    const target = encodeURIComponent(`ws://127.0.0.1:${app.port}`);
    await chat(connect(`${base}/?target=${target}`, { path: '/proxy/socket.io/' }));
  });
});

function countConnections(server: HttpServer): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

describe('the HTTP relay’s limits and refusals', () => {
  const get = (base: string, path: string, init: RequestInit = {}) => fetch(`${base}${path}`, init);

  it('answers 400 with no target, naming both ways to give one', async () => {
    const base = await startWslab();
    const response = await get(base, '/proxy/socket.io/?EIO=4&transport=polling');
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/no target: connect to \/proxy\?target=/);
    await tap.waitFor((e) => e.type === 'error' && e.code === 'BAD_TARGET');
  });

  it('refuses a non-loopback target with 403 unless allowed', async () => {
    const base = await startWslab();
    const response = await get(base, `/proxy?target=${encodeURIComponent('ws://192.0.2.1:80/')}`);
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/--allow-target 192\.0\.2\.1:80/);
  });

  it('refuses a page from another site, with or without an Origin', async () => {
    const base = await startWslab({ target: `ws://127.0.0.1:${app.port}` });
    const withOrigin = await get(base, '/proxy/socket.io/?EIO=4&transport=polling', {
      headers: { Origin: 'http://evil.example' },
    });
    expect(withOrigin.status).toBe(403);
    const crossSite = await get(base, '/proxy/socket.io/?EIO=4&transport=polling', {
      headers: { 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.text()).toMatch(/not a cross-site request/);
    await tap.waitFor((e) => e.type === 'error' && e.code === 'FORBIDDEN_ORIGIN', 2);
  });

  it('answers 413 to a request body over the limit', async () => {
    const base = await startWslab({ target: `ws://127.0.0.1:${app.port}` });
    const response = await get(base, '/proxy/socket.io/?EIO=4&transport=polling', {
      method: 'POST',
      body: Buffer.alloc(MAX_HTTP_REQUEST_BYTES + 1, 0x61),
    });
    expect(response.status).toBe(413);
  });

  it('answers 502 with the reason when nothing listens at the target', async () => {
    const gone = createServer();
    gone.listen(0, '127.0.0.1');
    await once(gone, 'listening');
    const port = (gone.address() as AddressInfo).port;
    await new Promise((resolve) => gone.close(resolve));
    const base = await startWslab({ target: `ws://127.0.0.1:${port}` });
    const response = await get(base, '/proxy/socket.io/?EIO=4&transport=polling');
    expect(response.status).toBe(502);
    expect(await response.text()).toMatch(/refused the connection/);
  });

  it('answers 503 past the number of exchanges it relays at once, saying when to retry', async () => {
    const silent = createServer(() => {});
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const base = await startWslab({ target: `ws://127.0.0.1:${(silent.address() as AddressInfo).port}` });
      const stop = new AbortController();
      const held = Array.from({ length: MAX_HTTP_EXCHANGES }, () =>
        get(base, '/proxy/held', { signal: stop.signal }).catch(() => null),
      );
      await expect.poll(() => countConnections(silent), { timeout: 10_000 }).toBe(MAX_HTTP_EXCHANGES);
      const response = await get(base, '/proxy/one-more');
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      stop.abort();
      await Promise.all(held);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('answers 503 when the bodies held for all exchanges would pass the shared budget, and frees it after', async () => {
    // The target takes each request's body and answers only when told: the bodies stay held.
    const waiting: ServerResponse[] = [];
    const holding = createServer((req, res) => {
      req.resume();
      req.on('end', () => waiting.push(res));
    });
    holding.listen(0, '127.0.0.1');
    await once(holding, 'listening');
    try {
      const base = await startWslab({
        target: `ws://127.0.0.1:${(holding.address() as AddressInfo).port}`,
        proxyHeldBytes: 1024 * 1024,
      });
      const post = () => get(base, '/proxy/upload', { method: 'POST', body: Buffer.alloc(600 * 1024, 0x62) });
      const first = post();
      await expect.poll(() => waiting.length, { timeout: 10_000 }).toBe(1);
      const second = await post();
      expect(second.status).toBe(503);
      expect(second.headers.get('retry-after')).toBe('1');
      expect(await second.text()).toMatch(/holding 1 MiB of other requests' and answers' bodies/);
      waiting.shift()!.end('done');
      expect((await first).status).toBe(200);
      // Given back once the first exchange ended: the same request goes through now.
      const third = post();
      await expect.poll(() => waiting.length, { timeout: 10_000 }).toBe(1);
      waiting.shift()!.end('done');
      expect((await third).status).toBe(200);
    } finally {
      for (const res of waiting) res.end();
      holding.closeAllConnections();
      await new Promise((resolve) => holding.close(resolve));
    }
  });

  it('answers 503 when an answer would pass the shared budget while another is held', async () => {
    // Two answers of 700 KiB each, held after their first 600 KiB: together past the 1 MiB budget
    // whatever order the relay reads them in, and neither can end and give its share back.
    const halves: ServerResponse[] = [];
    const big = createServer((_req, res) => {
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(700 * 1024),
      });
      res.write(Buffer.alloc(600 * 1024, 0x63));
      halves.push(res);
    });
    big.listen(0, '127.0.0.1');
    await once(big, 'listening');
    try {
      const base = await startWslab({
        target: `ws://127.0.0.1:${(big.address() as AddressInfo).port}`,
        proxyHeldBytes: 1024 * 1024,
      });
      const answers = [get(base, '/proxy/a'), get(base, '/proxy/b')];
      const first = await Promise.race(answers);
      expect(first.status).toBe(503);
      // The other one is still held; finished now, it goes through whole.
      for (const res of halves) if (!res.destroyed) res.end(Buffer.alloc(100 * 1024, 0x63));
      const statuses = (await Promise.all(answers)).map((answer) => answer.status).sort();
      expect(statuses).toEqual([200, 503]);
    } finally {
      big.closeAllConnections();
      await new Promise((resolve) => big.close(resolve));
    }
  });

  it('keeps a HEAD answer’s Content-Length, which describes a body it does not carry', async () => {
    const head = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': '100', 'Content-Type': 'text/plain' });
      res.end();
    });
    head.listen(0, '127.0.0.1');
    await once(head, 'listening');
    try {
      const base = await startWslab({ target: `ws://127.0.0.1:${(head.address() as AddressInfo).port}` });
      const response = await get(base, '/proxy/file', { method: 'HEAD' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-length')).toBe('100');
    } finally {
      await new Promise((resolve) => head.close(resolve));
    }
  });

  it('passes the target’s own error answer through, shown on the tap as HTTP', async () => {
    const base = await startWslab({ target: `ws://127.0.0.1:${app.port}` });
    const response = await get(base, '/proxy/socket.io/?EIO=4&transport=carrier-pigeon');
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).toMatch(/Transport unknown/);
    const [handshake] = (await tap.waitFor(
      (e) => e.type === 'handshake' && e.response.status === 400,
    )) as TapHandshakeEvent[];
    expect(handshake?.response.body?.text).toBe(body);
  });
});

describe('?target= and what the upstream saw', () => {
  it('forwards the path below /proxy and the client’s other parameters to a ?target=', async () => {
    const upstream = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(upstream, 'listening');
    const port = (upstream.address() as AddressInfo).port;
    const seen = once(upstream, 'connection') as Promise<[WebSocket, IncomingMessage]>;
    try {
      await startWslab();
      const target = encodeURIComponent(`ws://127.0.0.1:${port}/base?room=1`);
      const client = new WebSocket(`ws://127.0.0.1:${wslab.port}/proxy/chat/7?target=${target}&x=2`);
      await once(client, 'open');
      const [, request] = await seen;
      expect(request.url).toBe('/base/chat/7?room=1&x=2');
      const [open] = (await tap.waitFor((e) => e.type === 'open' && e.kind === 'proxy')) as TapOpenEvent[];
      expect(open?.upstream).toEqual({
        target: `ws://127.0.0.1:${port}/base/chat/7?room=1&x=2`,
        requestLine: 'GET /base/chat/7?room=1&x=2 HTTP/1.1',
        host: `127.0.0.1:${port}`,
        tls: 'none',
      });
      client.close();
    } finally {
      await new Promise((resolve) => upstream.close(resolve));
    }
  });
});

describe('a wss:// target whose certificate names another host', () => {
  let cert: Buffer;
  let port: number;
  let https: ReturnType<typeof createHttpsServer>;

  beforeAll(async () => {
    const pair = selfSignedCertificate(['DNS:chat.example']);
    cert = pair.cert;
    https = createHttpsServer(pair, (_req, res) => res.end('plain HTTP inside TLS'));
    const wss = new WebSocketServer({ server: https });
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`tls got ${data}`)));
    https.listen(0, '127.0.0.1');
    await once(https, 'listening');
    port = (https.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => https.close(resolve));
  });

  it('says the name does not match and which names the certificate has, not to trust it with --ca', async () => {
    await startWslab({ ca: cert });
    const target = encodeURIComponent(`wss://127.0.0.1:${port}/`);
    const client = new WebSocket(`ws://127.0.0.1:${wslab.port}/proxy?target=${target}`);
    client.on('error', () => {});
    const [, response] = (await once(client, 'unexpected-response')) as [unknown, IncomingMessage];
    expect(response.statusCode).toBe(502);
    let body = '';
    for await (const chunk of response) body += chunk;
    expect(body).toMatch(/the certificate is for chat\.example, not 127\.0\.0\.1 \(hostname mismatch\)/);
    expect(body).toMatch(/--insecure/);
    expect(body).not.toMatch(/--ca/);
  });

  it('relays plain HTTP over TLS too, with the same hostname message and --insecure', async () => {
    await startWslab({ ca: cert });
    const target = encodeURIComponent(`wss://127.0.0.1:${port}/`);
    const refused = await fetch(`http://127.0.0.1:${wslab.port}/proxy/poll?target=${target}`);
    expect(refused.status).toBe(502);
    expect(await refused.text()).toMatch(/the certificate is for chat\.example, not 127\.0\.0\.1/);
    tap.close();
    await wslab.close();

    await startWslab({ insecure: true });
    const relayed = await fetch(`http://127.0.0.1:${wslab.port}/proxy/poll?target=${target}`);
    expect(relayed.status).toBe(200);
    expect(await relayed.text()).toBe('plain HTTP inside TLS');
    const [open] = (await tap.waitFor((e) => e.type === 'open' && e.kind === 'http')) as TapOpenEvent[];
    expect(open?.upstream).toMatchObject({ requestLine: 'GET /poll HTTP/1.1', tls: 'insecure' });
  });

  it('shows the TLS state on the connection: not verified with --insecure', async () => {
    await startWslab({ insecure: true });
    const target = encodeURIComponent(`wss://127.0.0.1:${port}/`);
    const client = new WebSocket(`ws://127.0.0.1:${wslab.port}/proxy?target=${target}`);
    await once(client, 'open');
    const [open] = (await tap.waitFor((e) => e.type === 'open' && e.kind === 'proxy')) as TapOpenEvent[];
    expect(open?.upstream?.tls).toBe('insecure');
    expect(open?.upstream?.tlsError).toMatch(/self.signed|SELF_SIGNED/i);
    client.close();
  });
});

describe('the start-up lines for --target', () => {
  it('prints a Socket.IO line that connects, as printed, and a WebSocket line', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'server/cli/main.ts', '--port', '0', '--target', `ws://127.0.0.1:${app.port}`],
      { cwd: root, stdio: 'pipe' },
    );
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk) => {
          out += chunk;
          if (out.includes('Press Ctrl+C')) resolve();
        });
        child.once('exit', () => reject(new Error(`exited before ready: ${out}`)));
      });
      const ws = /WebSocket {4}new WebSocket\('(ws:\/\/[^']+)'\)/.exec(out);
      expect(ws?.[1]).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/proxy$/);
      const line = /Socket\.IO {4}io\('([^']+)', \{ path: '([^']+)' \}\)/.exec(out);
      expect(line?.[2]).toBe('/proxy/socket.io/');
      const client = connect(line![1]!, { path: line![2]! });
      const connected = new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('connect_error', reject);
      });
      await connected;
      expect(await client.timeout(5000).emitWithAck('echo', 'as printed')).toBe('app got as printed');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
