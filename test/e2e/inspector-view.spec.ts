// The inspector-first view, for a developer watching their own app: `/?view=inspector` (what
// `--inspect` opens) shows no lessons and opens no chat; the frames take the whole width, newest
// first, with the time of day; a frame's payload and JSON come before its folded anatomy; the
// sockets wslab's own pages open are hidden until asked for.
import type { Locator, Page } from '@playwright/test';
import { WebSocket } from 'ws';
import { expect, test } from './fixtures';

async function openClient(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

async function sendAndWait(socket: WebSocket, text: string): Promise<void> {
  const echoed = new Promise<void>((resolve) => socket.once('message', () => resolve()));
  socket.send(text);
  await echoed;
}

const clipped = (cell: Locator) => cell.evaluate((el) => el.scrollWidth > el.clientWidth);

async function openInspectorView(page: Page, base: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${base}?view=inspector`);
  await expect(page.locator('.tap-state')).toHaveText('tap: live');
}

test('the inspector view shows an outside app’s frames full width, newest first, with the time of day, and opens no chat', async ({
  page,
  server,
  tap,
  errors,
}, testInfo) => {
  // The server's history may hold other tests' connections: what this page opens is asked of the
  // server, from the end of that history on.
  await expect.poll(() => tap.events.some((e) => e.type === 'live')).toBe(true);
  const since = tap.events.length;
  const pageOrigin = new URL(server.url).origin;
  await openInspectorView(page, server.url);
  // No lessons, no editor, no chat: and so no connection of the page's own.
  await expect(page.locator('#col-lessons')).toBeHidden();
  await expect(page.getByTestId('editor')).toBeHidden();
  await expect(page.getByTestId('chat-input')).toBeHidden();
  const inspectorBox = (await page.getByTestId('inspector').boundingBox())!;
  expect(inspectorBox.width).toBeGreaterThan(1200);
  await expect(page.getByTestId('view-switch')).toHaveText('Playground');

  const first = await openClient(`${server.url.replace('http', 'ws')}echo`);
  const second = await openClient(`${server.url.replace('http', 'ws')}echo`);
  try {
    await sendAndWait(first, JSON.stringify({ step: 1, note: 'the older message' }));
    await sendAndWait(second, JSON.stringify({ step: 2, note: 'the newest message' }));

    // The newest connection and the newest frame are on top.
    const rows = page.getByTestId('frame-row');
    await expect(rows.filter({ hasText: 'the newest message' })).toHaveCount(2);
    await expect(rows.filter({ hasText: 'the older message' })).toHaveCount(2);
    const newerConn = await rows.filter({ hasText: 'the newest message' }).first().getAttribute('data-conn');
    await expect(page.getByTestId('connection').first()).toHaveAttribute('data-conn', newerConn!);
    await expect(rows.nth(0)).toHaveAttribute('data-dir', 'server');
    await expect(rows.nth(0).getByTestId('frame-preview')).toContainText('the newest message');
    await expect(rows.nth(3).getByTestId('frame-preview')).toContainText('the older message');
    await expect(page.getByTestId('frame-list')).toHaveAttribute('aria-label', 'Frames, newest first');

    // One line a row, the preview wide, and the time of day beside the seconds since the start.
    const row = rows.nth(0);
    const rowBox = (await row.boundingBox())!;
    expect(rowBox.height).toBeLessThan(30);
    const preview = (await row.getByTestId('frame-preview').boundingBox())!;
    expect(preview.width).toBeGreaterThan(500);
    const time = row.locator('.time');
    await expect(time).toHaveText(/^\d\d:\d\d:\d\d\.\d{3} \d+\.\d{3}$/);
    expect(await clipped(time)).toBe(false);

    // Newest first, the keys still move down the screen: ↓ goes to the older frame below.
    await rows.nth(0).click();
    await page.keyboard.press('ArrowDown');
    await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'true');

    // The payload and its JSON come first; how it crossed the wire is folded below.
    await rows.nth(1).click();
    const detail = page.getByTestId('frame-detail');
    await expect(detail.getByTestId('message-json')).toBeVisible();
    await expect(detail.getByTestId('json-tree').first()).toContainText('the newest message');
    const fold = detail.getByTestId('anatomy-fold');
    await expect(fold).not.toHaveAttribute('open');
    await expect(detail.getByTestId('hex-dump')).toBeHidden();
    const jsonTop = (await detail.getByTestId('message-json').boundingBox())!.y;
    expect((await fold.boundingBox())!.y).toBeGreaterThan(jsonTop);
    await fold.locator('summary').click();
    await expect(detail.getByTestId('hex-dump')).toBeVisible();
    // Opened once, it stays open for the next frame.
    await rows.nth(3).click();
    await expect(detail.getByTestId('anatomy-fold')).toHaveAttribute('open');
    await page.screenshot({ path: testInfo.outputPath('inspector-view.png') });
    const ownHandshakes = tap.events
      .slice(since)
      .filter(
        (e) =>
          e.type === 'handshake' &&
          e.request.headers.some(([name, value]) => name.toLowerCase() === 'origin' && value === pageOrigin),
      );
    expect(ownHandshakes).toEqual([]);
    expect(errors.messages).toEqual([]);
  } finally {
    first.close();
    second.close();
  }
});

test('the inspector view hides the sockets wslab’s own pages open until “wslab’s own” is ticked', async ({
  page,
  context,
  server,
  errors,
}) => {
  await openInspectorView(page, server.url);
  const outside = await openClient(`${server.url.replace('http', 'ws')}echo`);
  try {
    await sendAndWait(outside, 'from my app');
    // A playground tab beside it: its chat connects to the echo server.
    const playground = await context.newPage();
    await playground.goto(server.url);
    await expect(playground.getByTestId('connection').filter({ hasText: 'chat' })).toHaveCount(1);
    await playground.getByTestId('chat-input').fill('from the playground');
    await playground.getByTestId('chat-input').press('Enter');
    await expect(playground.getByTestId('frame-row').filter({ hasText: 'from the playground' })).toHaveCount(
      2,
    );

    // Connections of other tests' pages may be in the history too: counted, never listed.
    const own = page.locator('[data-testid="connection"][data-role="page"]');
    await expect(page.getByTestId('lanes-hidden')).toContainText(/\d+ of wslab’s own connections? hidden/);
    await expect(own).toHaveCount(0);
    await expect(page.getByTestId('frame-row').filter({ hasText: 'from the playground' })).toHaveCount(0);
    await expect(page.getByTestId('frame-row').filter({ hasText: 'from my app' })).toHaveCount(2);

    await page.getByTestId('show-own').check();
    // The playground's chat is the newest connection: on top.
    await expect(page.getByTestId('connection').first()).toHaveAttribute('data-role', 'page');
    await expect(page.getByTestId('frame-row').filter({ hasText: 'from the playground' })).toHaveCount(2);
    await expect(page.getByText(/of wslab’s own connections? hidden/)).toHaveCount(0);

    // And the header's link goes back to the playground.
    await page.getByTestId('view-switch').click();
    await expect(page).toHaveURL(/view=playground/);
    await expect(page.locator('#col-lessons')).toBeVisible();
    await playground.close();
    expect(errors.messages).toEqual([]);
  } finally {
    outside.close();
  }
});
