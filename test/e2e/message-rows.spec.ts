// A message sent in several frames (RFC 6455 §5.4) is one row in the frame list that says how many
// frames it took and its size, folded; opened by click or by keys, its frames follow it. A
// single-frame message and a control frame stay one row. The messages come from a real `ws`
// client in the test process, which fragments what it is told to.
import type { Page } from '@playwright/test';
import { WebSocket } from 'ws';
import type { TapEvent, TapMessageEvent } from '../../core/tap/events';
import { expect, type NodeTap, test, unique } from './fixtures';

const PARTS = ['one ', 'two ', 'three ', 'four ', 'five ', 'six'];

// Tall enough that the opened message's seven rows are all drawn (the list draws what is in view).
test.use({ viewport: { width: 1280, height: 1000 } });

async function open(port: number, options: { perMessageDeflate: boolean }): Promise<WebSocket> {
  // The echo server offers permessage-deflate only when asked to (RFC 7692).
  const query = options.perMessageDeflate ? '?deflate=1' : '';
  const socket = new WebSocket(`ws://127.0.0.1:${port}/echo${query}`, options);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

/**
 * Sends six parts as one message in six frames, FIN on the last only, and returns the whole
 * message as the tap reported it. The last part is unique: the tap also replays earlier tests.
 */
async function sendInSixFrames(socket: WebSocket, tap: NodeTap, compress: boolean): Promise<TapMessageEvent> {
  const parts = [...PARTS.slice(0, -1), unique('six')];
  parts.forEach((part, i) => {
    socket.send(part, { fin: i === parts.length - 1, compress });
  });
  const whole = parts.join('');
  return tap.find(
    (event: TapEvent): event is TapMessageEvent =>
      event.type === 'message' && event.dir === 'client' && event.text === whole,
  );
}

const messageRow = (page: Page, conn: string) =>
  page.locator(`[data-testid="message-row"][data-conn="${conn}"][data-dir="client"]`);
const frameRows = (page: Page, conn: string) =>
  page.locator(`[data-testid="frame-row"][data-conn="${conn}"][data-dir="client"]`);

test('a message sent in six frames is one folded row that says "6 frames" and its size, and opens to its frames', async ({
  app,
  server,
  tap,
}) => {
  await expect(app.locator('.tap-state')).toHaveAttribute('data-state', 'live');
  const socket = await open(server.port, { perMessageDeflate: false });
  const message = await sendInSixFrames(socket, tap, false);
  const { conn } = message;
  const whole = message.text!;

  const row = messageRow(app, conn);
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('aria-expanded', 'false');
  await expect(row).toHaveAttribute('data-frames', '6');
  await expect(row.getByTestId('frame-preview')).toContainText(`6 frames · ${message.size} B`);
  await expect(row.getByTestId('frame-preview')).toContainText(JSON.stringify(whole));
  await expect(row.locator('.len')).toHaveText(`${message.size} B`);
  await expect(frameRows(app, conn)).toHaveCount(0);
  // The echo's answer is one frame: a frame row, no message row.
  await expect(
    app.locator(`[data-testid="frame-row"][data-conn="${conn}"][data-dir="server"]`, { hasText: whole }),
  ).toHaveCount(1);
  await expect(
    app.locator(`[data-testid="message-row"][data-conn="${conn}"][data-dir="server"]`),
  ).toHaveCount(0);

  // A click opens it: its six frames follow, the first a text frame, then five continuations.
  await row.click();
  await expect(row).toHaveAttribute('aria-expanded', 'true');
  await expect(frameRows(app, conn)).toHaveCount(6);
  await expect(frameRows(app, conn).first()).toHaveAttribute('data-opcode', 'text');
  await expect(frameRows(app, conn).filter({ hasText: 'continuation' })).toHaveCount(5);
  await expect(frameRows(app, conn).last().locator('.fin')).toHaveText('FIN');
  await expect(frameRows(app, conn).first().locator('.fin')).toHaveText('…');
  await expect(frameRows(app, conn).nth(2).getByTestId('frame-preview')).toContainText('"three "');

  // The keys fold and open it again: the row is selected, and the list has the focus.
  await app.getByTestId('frame-list').focus();
  await app.keyboard.press('Enter');
  await expect(row).toHaveAttribute('aria-expanded', 'false');
  await expect(frameRows(app, conn)).toHaveCount(0);
  await app.keyboard.press(' ');
  await expect(row).toHaveAttribute('aria-expanded', 'true');
  await expect(frameRows(app, conn)).toHaveCount(6);

  // Each of its frames opens in the anatomy; a continuation says where the message goes on.
  await frameRows(app, conn).nth(1).click();
  const detail = app.getByTestId('frame-detail');
  await expect(detail.locator('.anatomy')).toHaveAttribute('data-opcode', 'continuation');
  await expect(detail).toContainText('FIN=0 (more frames follow)');
  socket.close();
});

test('a compressed message in six frames says its size on the wire and what it inflated to', async ({
  app,
  server,
  tap,
}) => {
  await expect(app.locator('.tap-state')).toHaveAttribute('data-state', 'live');
  const socket = await open(server.port, { perMessageDeflate: true });
  const message = await sendInSixFrames(socket, tap, true);
  expect(message.compressed).toBe(true);

  const row = messageRow(app, message.conn);
  await expect(row).toHaveAttribute('data-frames', '6');
  await expect(row.getByTestId('frame-preview')).toContainText(
    `6 frames · ${message.compressedSize} B → ${message.size} B inflated`,
  );
  await expect(row.locator('.rsv')).toHaveText('RSV1');
  socket.close();
});

test('the text filter finds compressed messages by what they inflate to, not their deflated bytes', async ({
  app,
  server,
  tap,
}) => {
  await expect(app.locator('.tap-state')).toHaveAttribute('data-state', 'live');
  const socket = await open(server.port, { perMessageDeflate: true });
  const word = unique('tick');
  for (let i = 0; i < 3; i++) socket.send(`${word} ${i}`, { compress: true });
  const last = await tap.find(
    (event: TapEvent): event is TapMessageEvent =>
      event.type === 'message' && event.dir === 'client' && event.text === `${word} 2`,
  );
  expect(last.compressed).toBe(true);

  await app.getByTestId('filter-text').fill(word);
  // Each message's one frame, and the echo's answer naming it: six rows, every one showing the word.
  const rows = app.locator(`[data-testid="frame-row"][data-conn="${last.conn}"]`);
  await expect(rows).toHaveCount(6);
  await expect(rows.filter({ hasText: word })).toHaveCount(6);
  await expect(rows.filter({ has: app.locator('.rsv', { hasText: 'RSV1' }) })).toHaveCount(6);
  socket.close();
});
