// The chat connected through wslab's /proxy relay to independent `ws` servers started here, one
// plain and one with permessage-deflate: what the upstream received, what the tap reported and
// what the inspector shows must agree.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import { WebSocketServer } from 'ws';
import type { TapEvent, TapFrameEvent, TapHandshakeEvent, TapMessageEvent } from '../../core/tap/events';
import { expect, test, unique } from './fixtures';

interface Upstream {
  url: string;
  received: string[];
  close(): Promise<void>;
}

async function startUpstream(options: { deflate?: boolean } = {}): Promise<Upstream> {
  const server = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    // threshold 0: compress every message, however small.
    ...(options.deflate ? { perMessageDeflate: { threshold: 0 } } : {}),
  });
  await once(server, 'listening');
  const received: string[] = [];
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      received.push(String(data));
      socket.send(`upstream got ${data}`);
    });
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/room`,
    received,
    close: () =>
      new Promise((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

async function connectThrough(app: Page, target: string): Promise<void> {
  await expect(app.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
  await app.getByTestId('proxy-target').fill(target);
  await app.getByTestId('proxy-target').press('Enter');
}

async function chatRoundTrip(app: Page, text: string): Promise<void> {
  await expect(app.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
  await expect(app.getByTestId('chat-status')).toContainText('through wslab');
  await app.getByTestId('chat-input').fill(text);
  await app.getByTestId('chat-input').press('Enter');
  await expect(app.getByTestId('chat-log')).toContainText(`Server: upstream got ${text}`);
}

test('the chat connects through wslab to another server, and the proxy lane shows what the upstream received', async ({
  app,
  tap,
}) => {
  const upstream = await startUpstream();
  try {
    await connectThrough(app, upstream.url);
    const texts = [unique('first'), unique('second')];
    for (const text of texts) await chatRoundTrip(app, text);
    expect(upstream.received).toEqual(texts);

    const lane = app.locator('[data-testid="connection"][data-label="proxy"]');
    await expect(lane).toHaveCount(1);
    await expect(lane.locator('.lane-head .path')).toContainText('/proxy?target=');
    await expect(lane.getByTestId('handshake').locator('summary')).toContainText('101 Switching Protocols');

    // The proxy lane's client frames are exactly what the upstream received, in order.
    const conn = (await lane.getAttribute('data-conn'))!;
    const clientRows = app.locator(
      `[data-testid="frame-row"][data-lane="proxy"][data-dir="client"][data-opcode="text"]`,
    );
    await expect(clientRows).toHaveCount(texts.length);
    for (const [i, text] of texts.entries()) await expect(clientRows.nth(i)).toContainText(text);
    await expect(
      app.locator(`[data-testid="frame-row"][data-lane="proxy"][data-dir="server"]`, {
        hasText: `upstream got ${texts[1]}`,
      }),
    ).toHaveCount(1);
    const tapped = tap.events.filter(
      (e: TapEvent): e is TapFrameEvent =>
        e.type === 'frame' && e.conn === conn && e.dir === 'client' && e.opcodeName === 'text',
    );
    expect(tapped.map((e) => e.payload.text)).toEqual(upstream.received);

    // The target is remembered for the next visit.
    await app.reload();
    await expect(app.getByTestId('proxy-target')).toHaveValue(upstream.url);
    await expect(app.getByTestId('chat-status')).toContainText('through wslab');
  } finally {
    await upstream.close();
  }
});

test('a compressed connection through wslab shows the deflate parameters, RSV1, both sizes and the ratio', async ({
  app,
  tap,
}) => {
  const upstream = await startUpstream({ deflate: true });
  try {
    await connectThrough(app, upstream.url);
    const text = `${unique('squeeze')} ${'compress me, '.repeat(40)}`;
    await chatRoundTrip(app, text);
    expect(upstream.received).toEqual([text]);

    const lane = app.locator('[data-testid="connection"][data-label="proxy"]');
    await expect(lane.getByTestId('lane-deflate')).toBeVisible();
    await lane.getByTestId('handshake').locator('summary').click();
    await expect(lane.getByTestId('deflate-params')).toContainText('permessage-deflate');
    await expect(lane.getByTestId('deflate-params')).toContainText('window 15 bits');

    const conn = (await lane.getAttribute('data-conn'))!;
    const message = await tap.find(
      (e: TapEvent): e is TapMessageEvent =>
        e.type === 'message' && e.conn === conn && e.dir === 'client' && e.compressed,
    );
    expect(message.text).toBe(text);
    expect(message.compressedSize).toBeLessThan(message.size);
    const handshake = await tap.find(
      (e: TapEvent): e is TapHandshakeEvent => e.type === 'handshake' && e.conn === conn,
    );
    expect(handshake.deflate).toBeDefined();

    const row = app.locator('[data-testid="frame-row"][data-lane="proxy"][data-dir="client"]').first();
    await expect(row).toHaveAttribute('data-rsv1', 'true');
    await expect(row.locator('.rsv')).toHaveText('RSV1');
    // The frame's length is the compressed size: what crossed the wire.
    await expect(row.locator('.len')).toHaveText(`${message.compressedSize} B`);
    await row.click();
    const detail = app.getByTestId('frame-detail');
    await expect(detail.locator('.anatomy')).toHaveAttribute('data-rsv1', 'true');
    await expect(detail).toContainText('RSV1-3=100');
    const compression = detail.getByTestId('compression');
    await expect(compression).toHaveAttribute('data-compressed-size', String(message.compressedSize));
    await expect(compression).toHaveAttribute('data-size', String(message.size));
    const ratio = ((message.compressedSize! / message.size) * 100).toFixed(1);
    await expect(compression.getByTestId('compression-ratio')).toContainText(
      `${message.compressedSize} B on the wire → ${message.size} B inflated`,
    );
    await expect(compression.getByTestId('compression-ratio')).toContainText(`${ratio} %`);
    await expect(compression.getByTestId('inflated-payload')).toHaveText(text);
  } finally {
    await upstream.close();
  }
});

test('a target wslab may not relay to gets a helpful message, and the inspector shows the 403 reason', async ({
  app,
}) => {
  // A documentation address (RFC 5737), never connected to: the check comes first.
  await connectThrough(app, 'ws://198.51.100.7:9/');
  const refusal = app.getByTestId('chat-refusal');
  await expect(refusal).toContainText('wslab could not connect you to ws://198.51.100.7:9/');
  await expect(refusal).toContainText('the proxy lane in the inspector');
  await expect(refusal).toContainText('403: wslab relays only to loopback addresses');
  await expect(app.getByTestId('chat-status')).toHaveAttribute('data-refused', 'true');

  const lane = app.locator('[data-testid="connection"][data-label="proxy"]');
  await expect(lane.getByTestId('handshake').locator('summary')).toContainText('403 Forbidden');
  await expect(lane.locator('.lane-error')).toContainText('FORBIDDEN_TARGET');
  await lane.getByTestId('handshake').locator('summary').click();
  await expect(lane.getByTestId('handshake-refused')).toContainText(
    'wslab relays only to loopback addresses unless started with --allow-target 198.51.100.7:9',
  );

  // Emptying the field goes back to the echo server.
  await app.getByTestId('proxy-target').fill('');
  await app.getByTestId('chat-connect').click();
  await expect(app.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
  await expect(app.getByTestId('chat-status')).toContainText('/echo');
});

test("an upstream's refusal shows its status and body in the handshake card, and no frames", async ({
  app,
}) => {
  // What a Socket.IO server answers a request for a transport it does not know: JSON whose first
  // byte, were it read as a frame, would set RSV1-3.
  const body = '{"code":0,"message":"Transport unknown"}';
  const server = createServer();
  server.on('upgrade', (_req, socket) => {
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const port = (server.address() as AddressInfo).port;
    await connectThrough(app, `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=nope`);
    const lane = app.locator('[data-testid="connection"][data-label="proxy"]').last();
    const summary = lane.getByTestId('handshake').locator('summary');
    await expect(summary).toContainText('400 Bad Request');
    await summary.click();
    const shown = lane.getByTestId('handshake-body');
    await expect(shown).toContainText(`Body, ${body.length} B`);
    await expect(shown.locator('pre')).toHaveText(body);
    // Legible: the body is not clipped sideways.
    const clipped = await shown.locator('pre').evaluate((el) => el.scrollWidth > el.clientWidth + 1);
    expect(clipped).toBe(false);
    await expect(lane.locator('.lane-error', { hasText: 'RSV' })).toHaveCount(0);
    await expect(app.locator('[data-testid="frame-row"][data-lane="proxy"]')).toHaveCount(0);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
