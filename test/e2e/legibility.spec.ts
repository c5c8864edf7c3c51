// What the inspector shows can be read in a 1280×800 window without resizing anything: every
// field of a frame row, 40 characters of its payload or Live API label, connection rows that are
// not cut off, a handshake card readable whole, and panes that can be dragged and are remembered.
// These tests measure boxes and text as a person would see them, not only that elements exist.
import type { Locator, Page } from '@playwright/test';
import { WebSocket } from 'ws';
import { LIVE_PATH } from '../../core/routes';
import { expect, terminalCommand, test, unique } from './fixtures';

test.use({ viewport: { width: 1280, height: 800 } });

const LONG_TEXT = `${unique('legible')} carries a payload longer than any row could show in full`;

async function chatRoundTrip(page: Page, text: string): Promise<void> {
  await expect(page.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
  await expect(page.getByTestId('chat-log')).toContainText(`Server: Server received: '${text}'`);
}

/** Is the element's text cut off (wider than its box)? */
const clipped = (cell: Locator) => cell.evaluate((el) => el.scrollWidth > el.clientWidth);

/** How wide `chars` characters are in the element's own font. */
const widthOf = (cell: Locator, chars: number) =>
  cell.evaluate((el, n) => {
    const probe = document.createElement('span');
    probe.textContent = 'x'.repeat(n);
    probe.style.cssText = 'position:absolute;visibility:hidden;white-space:pre';
    el.appendChild(probe);
    const width = probe.getBoundingClientRect().width;
    probe.remove();
    return width;
  }, chars);

async function expectLegibleRow(row: Locator, label?: string): Promise<void> {
  const dir = await row.getAttribute('data-dir');
  for (const field of ['time', 'lane', 'arrow', 'op', 'fin', 'len']) {
    const cell = row.locator(`.${field}`);
    await expect(cell, field).not.toHaveText('');
    expect(await clipped(cell), `${field} is not cut off`).toBe(false);
  }
  await expect(row.locator('.mask')).toHaveText(dir === 'client' ? 'masked' : '');
  const preview = row.getByTestId('frame-preview');
  const box = (await preview.boundingBox())!;
  expect(box.width).toBeGreaterThanOrEqual(240);
  // 40 characters fit in the cell: a longer payload may end in an ellipsis after them.
  const forty = await widthOf(preview, 40);
  expect(await preview.evaluate((el) => el.clientWidth)).toBeGreaterThanOrEqual(forty);
  if (label) {
    await expect(preview).toContainText(label);
    const text = (await preview.textContent()) ?? '';
    const labelEnd = text.indexOf(label) + label.length;
    expect(await widthOf(preview, labelEnd)).toBeLessThanOrEqual(
      await preview.evaluate((el) => el.clientWidth),
    );
  }
}

test('at 1280×800 every frame row shows its fields and at least 40 characters of its payload or label', async ({
  app,
}) => {
  test.setTimeout(60_000);
  await chatRoundTrip(app, LONG_TEXT);
  const sent = app.locator('[data-testid="frame-row"][data-lane="chat"][data-dir="client"]', {
    hasText: LONG_TEXT.slice(0, 30),
  });
  await expectLegibleRow(sent);
  await expect(sent.getByTestId('frame-preview')).toContainText(
    JSON.stringify(LONG_TEXT.slice(0, 39)).slice(0, 40),
  );
  await expectLegibleRow(
    app.locator('[data-testid="frame-row"][data-lane="chat"][data-dir="server"]', {
      hasText: LONG_TEXT.slice(0, 30),
    }),
  );

  await terminalCommand(app, `connect ${LIVE_PATH}?chunkMs=0`);
  await expect(app.getByTestId('terminal').locator('.xterm-rows')).toContainText('connected');
  await terminalCommand(
    app,
    'send {"setup":{"model":"models/gemini-live-2.5-flash-preview","generationConfig":{"responseModalities":["TEXT"]}}}',
  );
  const rows = app.locator('[data-testid="frame-row"][data-lane="terminal"]');
  // The newest rows are in view (the list follows them): their labels are read whole.
  await expectLegibleRow(rows.filter({ hasText: 'setupComplete' }), 'setupComplete');
  await terminalCommand(
    app,
    'send {"clientContent":{"turns":[{"role":"user","parts":[{"text":"hi"}]}],"turnComplete":true}}',
  );
  await expectLegibleRow(
    rows.filter({ hasText: 'serverContent · turnComplete' }),
    'serverContent · turnComplete',
  );
  const shown = app.locator('[data-testid="frame-row"]');
  for (let i = 0; i < (await shown.count()); i++) await expectLegibleRow(shown.nth(i));
});

test('connection rows are not cut off, long paths end in an ellipsis with the whole path in a title', async ({
  app,
}) => {
  test.setTimeout(60_000);
  await chatRoundTrip(app, 'paths');
  // The stand-in takes a key in the query, as the real service does; the page shows it redacted.
  const path = `${LIVE_PATH}?chunkMs=0&key=${'k'.repeat(64)}`;
  await terminalCommand(app, `connect ${path}`);
  // The page shows the key redacted, so the lane is found by its path.
  const lane = app.getByTestId('connection').filter({ has: app.locator(`.path[title^="${LIVE_PATH}?"]`) });
  await expect(lane.last().locator('summary')).toContainText('101 Switching Protocols');
  // Measured in the page in one go: every part of every connection row, and its handshake line.
  const cut = await app.evaluate(() => {
    const problems: string[] = [];
    const pane = document.querySelector('.lanes')!.getBoundingClientRect();
    for (const row of document.querySelectorAll<HTMLElement>('[data-testid="connection"]')) {
      const head = row.querySelector('.lane-head')!.getBoundingClientRect();
      for (const part of row.querySelectorAll<HTMLElement>('.lane-head span')) {
        const box = part.getBoundingClientRect();
        if (box.right > head.right + 1) problems.push(`${part.className} runs off: ${part.textContent}`);
        if (part.className !== 'path' && part.scrollWidth > part.clientWidth)
          problems.push(`${part.className} is cut: ${part.textContent}`);
      }
      const summary = row.querySelector('summary')!;
      if (summary.getBoundingClientRect().right > pane.right + 1 || summary.scrollWidth > summary.clientWidth)
        problems.push(`handshake line runs off: ${summary.textContent}`);
    }
    return problems;
  });
  expect(cut).toEqual([]);
  const long = lane.last().locator('.lane-head .path');
  await expect(long).toHaveAttribute('title', new RegExp(`^${LIVE_PATH.replace(/\./g, '\\.')}\\?`));
  expect(await long.evaluate((el) => getComputedStyle(el).textOverflow)).toBe('ellipsis');
});

test('an opened handshake card is readable whole, from the request to the accept derivation', async ({
  app,
}) => {
  await chatRoundTrip(app, 'card');
  const lane = app.locator('[data-testid="connection"][data-role="chat"]');
  await lane.locator('summary').click();
  const card = lane.locator('.handshake-body');
  await expect(card.locator('.accept')).toContainText('server sent');
  const pane = (await app.locator('.lanes').boundingBox())!;
  const box = (await card.boundingBox())!;
  // The whole card is inside the connections pane: nothing to scroll to reach the 101 or the accept.
  expect(box.y).toBeGreaterThanOrEqual(pane.y - 1);
  expect(box.y + box.height).toBeLessThanOrEqual(pane.y + pane.height + 1);
  await expect(card).toContainText('HTTP/1.1 101 Switching Protocols');
  // Not under the frame list: the list starts below the pane.
  const list = (await app.getByTestId('frame-list').boundingBox())!;
  expect(list.y).toBeGreaterThanOrEqual(pane.y + pane.height);
  // Closed again, the pane gives the room back.
  await lane.locator('summary').click();
  await expect
    .poll(async () => (await app.locator('.lanes').boundingBox())!.height)
    .toBeLessThan(pane.height);
});

test('a short frame list leaves no blank space: the selected frame follows its last row', async ({ app }) => {
  await chatRoundTrip(app, 'short');
  const list = app.getByTestId('frame-list');
  await app.locator('[data-testid="frame-row"][data-dir="server"]', { hasText: 'short' }).click();
  const rows = await app.locator('[data-testid="frame-list"] [role="treeitem"]:not([hidden])').count();
  const listBox = (await list.boundingBox())!;
  const rowHeight = (await app.locator('[data-testid="frame-row"]').first().boundingBox())!.height;
  // At most the two-row minimum beyond what its rows fill.
  expect(listBox.height).toBeLessThanOrEqual(Math.max(rows, 2) * rowHeight + 2);
  const detail = (await app.getByTestId('frame-detail').boundingBox())!;
  expect(detail.y - (listBox.y + listBox.height)).toBeLessThanOrEqual(8);
  expect(detail.height).toBeGreaterThan(200);
});

test('the panes are split by separators that move by pointer and by keys, and are remembered', async ({
  app,
  server,
}) => {
  test.setTimeout(60_000);
  await expect(app.locator('.tap-state')).toHaveAttribute('data-state', 'live');
  // Enough frames to fill the list: the detail pane can then grow into it.
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/echo`);
  await new Promise((resolve) => socket.once('open', resolve));
  for (let i = 0; i < 20; i++) socket.send(`split ${i}`);
  const list = app.getByTestId('frame-list');
  await expect.poll(() => list.evaluate((el) => el.scrollHeight > el.clientHeight + 200)).toBe(true);
  // With nothing selected the pane is one line of hint; a frame taken apart is what it is sized for.
  await list.getByTestId('frame-row').first().click();
  await expect(app.getByTestId('frame-detail').locator('.anatomy')).toBeVisible();
  const splitter = app.getByTestId('splitter-detail');
  await expect(splitter).toHaveAttribute('role', 'separator');
  const detail = app.getByTestId('frame-detail');
  const before = (await detail.boundingBox())!.height;
  await expect(splitter).toHaveAttribute('aria-valuenow', String(Math.round(before)));

  // Down gives the frames more room; the pointer then takes some of it back.
  await splitter.focus();
  await app.keyboard.press('ArrowDown');
  await app.keyboard.press('ArrowDown');
  await expect.poll(async () => (await detail.boundingBox())!.height).toBeLessThanOrEqual(before - 40);
  const keyed = (await detail.boundingBox())!.height;
  await expect(splitter).toHaveAttribute('aria-valuenow', String(Math.round(keyed)));

  const handle = (await splitter.boundingBox())!;
  await app.mouse.move(handle.x + handle.width / 2, handle.y + 3);
  await app.mouse.down();
  await app.mouse.move(handle.x + handle.width / 2, handle.y - 30, { steps: 4 });
  await app.mouse.up();
  await expect.poll(async () => (await detail.boundingBox())!.height).toBeGreaterThanOrEqual(keyed + 25);
  const dragged = (await detail.boundingBox())!.height;

  // The inspector's column is split from the playground the same way.
  const column = app.locator('hr[data-resize="right"]');
  const width = (await app.locator('#col-inspector').boundingBox())!.width;
  await expect(column).toHaveAttribute('aria-valuenow', String(Math.round(width)));
  await column.focus();
  await app.keyboard.press('ArrowLeft');
  await expect
    .poll(async () => (await app.locator('#col-inspector').boundingBox())!.width)
    .toBeGreaterThan(width);
  const wider = (await app.locator('#col-inspector').boundingBox())!.width;

  await app.reload();
  await expect(app.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
  await expect.poll(async () => (await app.locator('#col-inspector').boundingBox())!.width).toBe(wider);
  await expect.poll(() => list.evaluate((el) => el.scrollHeight > el.clientHeight + 200)).toBe(true);
  expect(Math.abs((await detail.boundingBox())!.height - dragged)).toBeLessThanOrEqual(2);
  socket.close();
});
