// A developer's own browser app, served from its own origin, inspected through /proxy: the app's
// page (served by the app's Socket.IO server on another loopback port, so another origin) loads
// the Socket.IO client from it and connects through wslab with its default transports. Started
// with `--allow-origin` for that page, wslab relays both the long-polling requests (CORS, answered
// by the app itself, as when the page calls it directly) and the WebSocket; a page from any other
// origin is refused, and told which flag would let it in.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import { Server as SocketIoServer } from 'socket.io';
import type { TapHandshakeEvent, TapOpenEvent } from '../../core/tap/events';
import { test as base, expect } from './fixtures';

interface App {
  origin: string;
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>my app</title>
<script src="/socket.io/socket.io.js"></script>
<p id="state">loading</p>
<script>
  window.connectThrough = (wslab) => new Promise((resolve) => {
    const socket = io(wslab, { path: '/proxy/socket.io/', reconnection: false });
    socket.on('connect_error', (error) => resolve({ error: String(error.message) }));
    setTimeout(() => resolve({ error: 'no answer in 15 s', transport: socket.io.engine?.transport?.name }), 15000);
    socket.on('connect', () => {
      // Engine.IO upgrades from polling to WebSocket once open, maybe before Socket.IO's connect.
      const ask = () =>
        socket.timeout(5000).emit('echo', 'from my page', (error, reply) =>
          resolve({ reply, transport: socket.io.engine.transport.name, error: error && String(error) }));
      if (socket.io.engine.transport.name === 'websocket') ask();
      else socket.io.engine.once('upgrade', ask);
    });
  });
</script>`;

const test = base.extend<object, { myApp: App }>({
  myApp: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from its first parameter.
    async ({}, use) => {
      const http = createServer((req, res) => {
        if (req.url === '/') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
      });
      http.listen(0, '127.0.0.1');
      await once(http, 'listening');
      const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      // The app lets its own page call it from the page's origin, as any app whose page and API
      // live on different ports does.
      const io = new SocketIoServer(http, { cors: { origin } });
      io.on('connection', (socket) => {
        socket.on('echo', (text: string, ack: (reply: string) => void) => ack(`app got ${text}`));
      });
      await use({ origin });
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
    { scope: 'worker' },
  ],
  serverOptions: [
    async ({ myApp }, use) =>
      use({ target: `ws://${new URL(myApp.origin).host}`, allowOrigins: [myApp.origin] }),
    { scope: 'worker' },
  ],
});

async function connectFromAppPage(page: Page, appOrigin: string, wslab: string) {
  await page.goto(appOrigin);
  return page.evaluate(
    (url) => (window as unknown as { connectThrough(u: string): Promise<unknown> }).connectThrough(url),
    wslab,
  );
}

test('a page from the allowed origin reaches its app through /proxy with Socket.IO’s default transports', async ({
  page,
  myApp,
  server,
  tap,
}) => {
  const outcome = await connectFromAppPage(page, myApp.origin, server.url);
  expect(outcome).toEqual({ reply: 'app got from my page', transport: 'websocket', error: null });
  // wslab saw it all: the polling exchanges and the WebSocket, with the page's Origin.
  await tap.find(
    (e): e is TapOpenEvent => e.type === 'open' && e.kind === 'http' && e.query?.transport === 'polling',
  );
  await tap.find(
    (e): e is TapHandshakeEvent =>
      e.type === 'handshake' &&
      e.response.status === 101 &&
      e.request.headers.some(([name, value]) => name.toLowerCase() === 'origin' && value === myApp.origin),
  );
});

test('the same page from an origin not allowed (localhost is not 127.0.0.1) is refused with 403 naming the flag', async ({
  page,
  myApp,
  server,
}) => {
  const other = myApp.origin.replace('127.0.0.1', 'localhost');
  const outcome = (await connectFromAppPage(page, other, server.url)) as { error?: string };
  expect(outcome.error).toBeTruthy();
  const refusal = await fetch(`${server.url}proxy/socket.io/?EIO=4&transport=polling`, {
    headers: { Origin: other },
  });
  expect(refusal.status).toBe(403);
  expect(await refusal.text()).toContain(`start wslab with --allow-origin ${other}`);
});
