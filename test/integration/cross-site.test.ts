// Who may use /api and /proxy: this server's own page and non-browser clients on this machine,
// not a page on another site (a cross-site fetch, a cross-site WebSocket, an opaque-origin frame).
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { TapErrorEvent } from '../../core/tap/events';
import type { RunningServer } from '../../server/server';
import { startTestServer, TapRecorder, wsUrl } from './harness';

let server: RunningServer;
let tap: TapRecorder;
let upstream: WebSocketServer;
let upstreamPort: number;

beforeAll(async () => {
  upstream = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(upstream, 'listening');
  upstreamPort = (upstream.address() as AddressInfo).port;
  server = await startTestServer();
  tap = await TapRecorder.open(server);
});
afterAll(async () => {
  tap.close();
  await server.close();
  await new Promise((resolve) => upstream.close(resolve));
});

const ownOrigin = (): string => `http://127.0.0.1:${server.port}`;

function get(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port: server.port, path, headers }, async (res) => {
      let body = '';
      for await (const chunk of res) body += chunk;
      resolve({ status: res.statusCode ?? 0, body });
    })
      .on('error', reject)
      .end();
  });
}

/** Opens a WebSocket with the given Origin (none when undefined): its status, and the refusal's text. */
async function upgrade(path: string, origin: string | undefined): Promise<{ status: number; body: string }> {
  const socket = new WebSocket(wsUrl(server, path), origin === undefined ? {} : { origin });
  socket.on('error', () => {});
  const outcome = await Promise.race([
    once(socket, 'open').then(() => ({ status: 101, body: '' })),
    once(socket, 'unexpected-response').then(async ([, response]) => {
      let body = '';
      for await (const chunk of response as IncomingMessage) body += chunk;
      return { status: (response as IncomingMessage).statusCode ?? 0, body };
    }),
  ]);
  socket.terminate();
  return outcome;
}

const proxyPath = (): string => `/proxy?target=${encodeURIComponent(`ws://127.0.0.1:${upstreamPort}/`)}`;

describe('/api from a browser', () => {
  it('refuses a page on another site with 403 and the reason, as JSON', async () => {
    const { status, body } = await get('/api/export.har', { Origin: 'http://evil.example' });
    expect(status).toBe(403);
    expect((JSON.parse(body) as { error: string }).error).toMatch(/not Origin http:\/\/evil\.example/);
  });

  it('refuses an opaque-origin frame (Origin: null)', async () => {
    const { status, body } = await get('/api/lessons', { Origin: 'null' });
    expect(status).toBe(403);
    expect((JSON.parse(body) as { error: string }).error).toMatch(/not Origin null/);
  });

  it('refuses a cross-site no-cors fetch, which carries no Origin but says Sec-Fetch-Site', async () => {
    const { status, body } = await get('/api/export.har', { 'Sec-Fetch-Site': 'cross-site' });
    expect(status).toBe(403);
    expect((JSON.parse(body) as { error: string }).error).toMatch(/not a cross-site request/);
    expect((await get('/api/export.har', { 'Sec-Fetch-Site': 'same-site' })).status).toBe(403);
  });

  it('answers the page on this server, a typed URL, and clients that send no Origin', async () => {
    const own = await get('/api/lessons', { Origin: ownOrigin(), 'Sec-Fetch-Site': 'same-origin' });
    expect(own.status).toBe(200);
    expect((await get('/api/lessons', { 'Sec-Fetch-Site': 'none' })).status).toBe(200);
    expect((await get('/api/lessons', {})).status).toBe(200);
  });

  it('still refuses a Host name a rebinding attack would use, as JSON', async () => {
    const { status, body } = await get('/api/lessons', { Host: 'attacker.example' });
    expect(status).toBe(403);
    expect((JSON.parse(body) as { error: string }).error).toMatch(/Host "attacker\.example" is not allowed/);
  });
});

describe('/proxy from a browser', () => {
  it('refuses a page on another site with 403, and the tap shows FORBIDDEN_ORIGIN', async () => {
    const { status, body } = await upgrade(proxyPath(), 'http://evil.example');
    expect(status).toBe(403);
    expect(body).toMatch(/not Origin http:\/\/evil\.example \(RFC 6455 §10\.2\)/);
    const [error] = (await tap.waitFor(
      (e) => e.type === 'error' && e.code === 'FORBIDDEN_ORIGIN' && e.message.includes('evil.example'),
    )) as TapErrorEvent[];
    expect(error!.message).toMatch(/the proxy only accepts pages from this server/);
  });

  it('refuses an opaque-origin frame (Origin: null)', async () => {
    const { status, body } = await upgrade(proxyPath(), 'null');
    expect(status).toBe(403);
    expect(body).toMatch(/not Origin null/);
  });

  it('refuses a Host name a rebinding attack would use', async () => {
    const socket = new WebSocket(wsUrl(server, proxyPath()), { headers: { Host: 'attacker.example' } });
    socket.on('error', () => {});
    const [, response] = (await once(socket, 'unexpected-response')) as [unknown, IncomingMessage];
    expect(response.statusCode).toBe(403);
    socket.terminate();
  });

  it('relays for the page on this server and for clients that send no Origin', async () => {
    expect((await upgrade(proxyPath(), ownOrigin())).status).toBe(101);
    expect((await upgrade(proxyPath(), undefined)).status).toBe(101);
  });
});

describe('--allow-origin: a developer’s own app page may use /proxy, and nothing else', () => {
  const appOrigin = 'http://localhost:3000';
  let allowing: RunningServer;
  beforeAll(async () => {
    allowing = await startTestServer({ allowOrigins: [appOrigin] });
  });
  afterAll(async () => {
    await allowing.close();
  });
  const open = async (path: string, origin: string): Promise<number> => {
    const socket = new WebSocket(wsUrl(allowing, path), { origin });
    socket.on('error', () => {});
    const status = await Promise.race([
      once(socket, 'open').then(() => 101),
      once(socket, 'unexpected-response').then(
        ([, response]) => (response as IncomingMessage).statusCode ?? 0,
      ),
    ]);
    socket.terminate();
    return status;
  };

  it('relays a WebSocket from the allowed origin, and still refuses any other site', async () => {
    expect(await open(proxyPath(), appOrigin)).toBe(101);
    expect(await open(proxyPath(), 'http://localhost:3001')).toBe(403);
  });

  it('keeps the tap for this server’s own pages: an allowed app may not read everyone’s traffic', async () => {
    expect(await open('/tap', appOrigin)).toBe(403);
  });

  it('names the flag in the refusal a page from another origin gets', async () => {
    const { status, body } = await upgrade(proxyPath(), 'http://localhost:5173');
    expect(status).toBe(403);
    expect(body).toContain('start wslab with --allow-origin http://localhost:5173');
  });
});

describe('the snippet sandbox (an opaque origin)', () => {
  it('may still open the echo server, which is no way into anything', async () => {
    expect((await upgrade('/echo', 'null')).status).toBe(101);
    expect((await upgrade('/echo', 'http://evil.example')).status).toBe(101);
  });
});
