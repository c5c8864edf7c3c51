// A real Socket.IO app inspected through wslab: a socket.io server started here on loopback is
// wslab's --target, and a socket.io-client in this process connects through /proxy, as a
// developer debugging their own app would. The page must name the events, link an ack to its
// emit both ways, and fold a binary attachment into the event that announced it.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Locator, Page } from '@playwright/test';
import { Server as SocketIoServer } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { test as base, expect } from './fixtures';

interface Upstream {
  url: string;
  close(): Promise<void>;
}

const test = base.extend<object, { upstream: Upstream }>({
  upstream: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from its first parameter.
    async ({}, use) => {
      const http = createServer();
      const server = new SocketIoServer(http);
      server.on('connection', (socket) => {
        socket.on('chat message', (text: string) => socket.emit('chat message', `echo: ${text}`));
        socket.on('add', (a: number, b: number, ack: (sum: number) => void) => ack(a + b));
        socket.on('multiply', (a: number, b: number, ack: (product: number) => void) => ack(a * b));
        socket.on('upload', (meta: { name: string }, bytes: Buffer, ack: (r: object) => void) =>
          ack({ name: meta.name, size: bytes.length }),
        );
      });
      http.listen(0, '127.0.0.1');
      await once(http, 'listening');
      await use({
        url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`,
        close: () => new Promise((resolve) => server.close(() => resolve())),
      });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    { scope: 'worker' },
  ],
  // wslab relays /proxy to the app, as `npm start -- --target ws://127.0.0.1:PORT` would.
  serverOptions: [async ({ upstream }, use) => use({ target: upstream.url }), { scope: 'worker' }],
});

async function connectClient(wslabUrl: string, transports?: string[]): Promise<Socket> {
  const socket = io(wslabUrl, { path: '/proxy/socket.io/', transports, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** The frame row whose protocol label reads exactly `label`. */
function rowLabelled(page: Page, label: string): Locator {
  return page
    .getByTestId('frame-row')
    .filter({ has: page.getByTestId('protocol-label').getByText(label, { exact: true }) });
}

test('a Socket.IO app through /proxy shows its events by name, links each ack to its emit, and folds a binary attachment', async ({
  app,
  server,
  errors,
}, testInfo) => {
  const socket = await connectClient(server.url, ['websocket']);
  try {
    socket.emit('chat message', 'hello');
    expect(await socket.timeout(5000).emitWithAck('add', 2, 3)).toBe(5);
    const reply = await socket
      .timeout(5000)
      .emitWithAck('upload', { name: 'photo.png' }, Buffer.from([1, 2, 3, 4]));
    expect(reply).toEqual({ name: 'photo.png', size: 4 });

    // Every frame of the app's connection is named in its protocol.
    // Every frame of the app's connection is named in its protocol (connect and the chat event
    // go both ways).
    const expected: [string, number][] = [
      ['open · ping every 25000 ms', 1],
      ['connect', 2],
      ['event chat message', 2],
      ['event add #0', 1],
      ['ack #0 add', 1],
      ['binary event upload #1 + 1 attachment', 1],
      ['attachment 1 of 1 of upload', 1],
      ['ack #1 upload', 1],
    ];
    for (const [label, count] of expected) await expect(rowLabelled(app, label), label).toHaveCount(count);
    await expect(rowLabelled(app, 'event chat message').first()).toHaveAttribute('data-dir', 'client');

    // Labels are read whole: none is cut off in its row.
    const labels = app.getByTestId('protocol-label');
    for (const label of await labels.all()) {
      if (!(await label.isVisible())) continue;
      const fits = await label.evaluate((el) => el.scrollWidth <= el.clientWidth && el.clientWidth > 0);
      expect(fits, (await label.textContent()) ?? '').toBe(true);
    }

    // The emit's detail links to its ack; following the link selects the ack, which links back.
    const emit = rowLabelled(app, 'event add #0');
    const ack = rowLabelled(app, 'ack #0 add');
    await emit.click();
    const detail = app.getByTestId('frame-detail');
    await expect(detail.getByTestId('protocol-kind')).toHaveText('event add #0');
    await expect(detail.getByTestId('json-tree').first()).toContainText('args');
    await detail.getByTestId('protocol-link').filter({ hasText: 'ack #0 add' }).click();
    await expect(ack).toHaveAttribute('aria-selected', 'true');
    await expect(emit).toHaveAttribute('aria-selected', 'false');
    await expect(detail.getByTestId('protocol-kind')).toHaveText('ack #0 add');
    await detail.getByTestId('protocol-link').filter({ hasText: 'event add #0' }).click();
    await expect(emit).toHaveAttribute('aria-selected', 'true');

    // The binary event holds its attachment's bytes, and links to the attachment's own frame.
    await rowLabelled(app, 'binary event upload #1 + 1 attachment').click();
    await expect(detail.getByTestId('json-tree').first()).toContainText('01020304');
    await expect(
      detail.getByTestId('protocol-link').filter({ hasText: 'attachment 1 of 1 of upload' }),
    ).toHaveCount(1);
    await app.screenshot({ path: testInfo.outputPath('socket-io.png') });

    // event:upload keeps the event, its attachment and its ack, and nothing else.
    await app.getByTestId('filter-text').fill('event:upload');
    await expect(app.getByTestId('frame-row').getByTestId('protocol-label')).toHaveText([
      'binary event upload #1 + 1 attachment',
      'attachment 1 of 1 of upload',
      'ack #1 upload',
    ]);
    await expect(app.getByTestId('frame-row')).toHaveCount(3);
    await app.getByTestId('filter-text').fill('');
    expect(errors.messages).toEqual([]);
  } finally {
    socket.disconnect();
  }
});

test('a Socket.IO client with its default transports upgrades from long-polling to the WebSocket, whose probe and upgrade are named', async ({
  app,
  server,
  errors,
}, testInfo) => {
  const socket = await connectClient(server.url);
  try {
    // Engine.IO starts on HTTP long-polling (relayed as HTTP exchanges), then upgrades.
    await new Promise<void>((resolve) => {
      if (socket.io.engine.transport.name === 'websocket') resolve();
      else socket.io.engine.once('upgrade', () => resolve());
    });
    expect(await socket.timeout(5000).emitWithAck('multiply', 6, 7)).toBe(42);
    for (const label of ['ping probe', 'pong probe', 'upgrade', 'event multiply #0', 'ack #0 multiply'])
      await expect(rowLabelled(app, label), label).toHaveCount(1);
    // The connect happened over HTTP before the upgrade: the WebSocket's event is not out of order.
    await expect(rowLabelled(app, 'event multiply #0')).not.toHaveAttribute('data-warning', /./);
    await rowLabelled(app, 'ack #0 multiply').click();
    await expect(app.getByTestId('frame-detail').getByTestId('protocol-link')).toHaveText([
      'linked: event multiply #0 →',
    ]);

    // The sequence diagram names the arrows the same way.
    await app.getByRole('tab', { name: 'Sequence' }).click();
    const sequence = app.getByTestId('sequence');
    // This test's own WebSocket is the newest such lane: an earlier test's may still be listed.
    await app
      .locator('[data-testid="connection"]', { hasText: 'transport=websocket' })
      .last()
      .locator('.lane-head')
      .click();
    await sequence.getByRole('listbox').press('End');
    const arrows = sequence.getByTestId('sequence-arrow');
    await expect(arrows.filter({ hasText: 'event multiply #0' })).toHaveCount(1);
    await expect(arrows.filter({ hasText: 'ack #0 multiply' })).toHaveCount(1);
    await app.screenshot({ path: testInfo.outputPath('sequence.png') });
    expect(errors.messages).toEqual([]);
  } finally {
    socket.disconnect();
  }
});

test('in the inspector view, a Socket.IO app’s event names have a column of their own', async ({
  page,
  server,
  errors,
}, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${server.url}?view=inspector`);
  await expect(page.locator('.tap-state')).toHaveText('tap: live');
  const socket = await connectClient(server.url, ['websocket']);
  try {
    socket.emit('chat message', 'a column');
    // Newest first: the server's answer to this emit is the top row.
    const row = rowLabelled(page, 'event chat message').first();
    await expect(row).toHaveAttribute('data-dir', 'server');
    const column = row.locator('.event');
    await expect(column).toBeVisible();
    await expect(column).toHaveText('chat message');
    expect(await column.evaluate((el) => el.scrollWidth <= el.clientWidth && el.clientWidth > 60)).toBe(true);
    // Frames without an event name leave the cell empty: an Engine.IO ping has none.
    await expect(rowLabelled(page, 'connect').first().locator('.event')).toHaveText('');
    await page.screenshot({ path: testInfo.outputPath('socket-io-inspector-view.png') });
    expect(errors.messages).toEqual([]);
  } finally {
    socket.disconnect();
  }
});
