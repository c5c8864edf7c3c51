// Socket.IO with its default transports through /proxy, as the page shows it: each long-poll is
// an HTTP exchange on one compact line (method, sizes, status), and its card holds the request's
// body and what the upstream got (rewritten request line, Host, TLS).
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as SocketIoServer } from 'socket.io';
import { io } from 'socket.io-client';
import { HTTP_LANES_PER_PATH } from '../../web/inspector/lanes-view';
import { test as base, expect } from './fixtures';

const test = base.extend<object, { upstreamPort: number }>({
  upstreamPort: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from its first parameter.
    async ({}, use) => {
      const http = createServer();
      const server = new SocketIoServer(http);
      server.on('connection', (socket) => {
        socket.on('echo', (text: string, ack: (reply: string) => void) => ack(`app got ${text}`));
      });
      http.listen(0, '127.0.0.1');
      await once(http, 'listening');
      await use((http.address() as AddressInfo).port);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    { scope: 'worker' },
  ],
  serverOptions: [
    async ({ upstreamPort }, use) => use({ target: `ws://127.0.0.1:${upstreamPort}` }),
    { scope: 'worker' },
  ],
});

test('Socket.IO’s long-polling shows as compact HTTP exchanges whose cards show the body and the upstream', async ({
  app,
  server,
  upstreamPort,
  errors,
}) => {
  const client = io(`http://127.0.0.1:${server.port}`, { path: '/proxy/socket.io/', reconnection: false });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('connect_error', reject);
    });
    expect(await client.timeout(5000).emitWithAck('echo', 'hello')).toBe('app got hello');

    const exchanges = app.locator('[data-testid="connection"][data-label="http"]');
    await expect(exchanges.first()).toBeVisible();
    expect(await exchanges.count()).toBeGreaterThanOrEqual(3);
    // Socket.IO's CONNECT packet goes up in a POST of 2 bytes, answered `ok`.
    const connect = exchanges.filter({ hasText: 'POST 2 B → 200 OK, 2 B' }).first();
    await expect(connect).toBeVisible();
    await expect(connect.locator('.state')).toHaveText('HTTP 200');
    // One line: the summary does not wrap, however long the URL.
    const summary = connect.getByTestId('http-exchange-summary');
    const box = await summary.boundingBox();
    expect(box!.height).toBeLessThan(24);

    await connect.locator('summary').click();
    await expect(connect.getByTestId('request-body')).toContainText('40');
    const upstream = connect.getByTestId('handshake-upstream');
    await expect(upstream).toContainText(/POST \/socket\.io\/\?EIO=4&transport=polling\S* HTTP\/1\.1/);
    await expect(upstream).toContainText(`127.0.0.1:${upstreamPort}`);
    await expect(upstream).toContainText('none (plain TCP)');
    const lanes = app.locator('.lanes');
    expect(await lanes.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
    expect(await upstream.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
    await connect.screenshot({ path: test.info().outputPath('proxy-http-card.png') });
    expect(errors.messages).toEqual([]);
  } finally {
    client.disconnect();
  }
});

test('a client that keeps long-polling lists only its newest exchanges, and the WebSockets stay listed', async ({
  app,
  server,
  errors,
}) => {
  const client = io(`http://127.0.0.1:${server.port}`, {
    path: '/proxy/socket.io/',
    transports: ['polling'],
    reconnection: false,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('connect_error', reject);
    });
    for (let i = 0; i < 8; i++) {
      expect(await client.timeout(5000).emitWithAck('echo', `poll ${i}`)).toBe(`app got poll ${i}`);
    }
    const note = app.locator('.lanes-hidden');
    await expect(note).toContainText(/older HTTP exchanges? not listed/);
    await expect(app.locator('[data-testid="connection"][data-label="http"]')).toHaveCount(
      HTTP_LANES_PER_PATH,
    );
    // The page's own chat WebSocket, older than every exchange, is still listed.
    await expect(
      app.locator('[data-testid="connection"]').filter({ hasText: '/echo' }).first(),
    ).toBeVisible();
    await app.locator('.lanes').screenshot({ path: test.info().outputPath('proxy-http-lanes.png') });
    expect(errors.messages).toEqual([]);
  } finally {
    client.disconnect();
  }
});
