import type { Page } from '@playwright/test';
import { expect, runSnippet, terminalCommand, test } from './fixtures';

test('a terminal "close 4000 bye" shows a close frame with code 4000', async ({ app }) => {
  // A clear screen first: the terminal's rows show only what is in view.
  await terminalCommand(app, 'clear');
  await terminalCommand(app, 'connect');
  const screen = app.getByTestId('terminal').locator('.xterm-rows');
  await expect(screen).toContainText('connected');
  await terminalCommand(app, 'send hi there');
  await expect(screen).toContainText("< Server received: 'hi there'");
  await terminalCommand(app, 'close 4000 bye');

  const row = app.locator(
    '[data-testid="frame-row"][data-lane="terminal"][data-dir="client"][data-opcode="close"]',
  );
  await expect(row).toContainText('4000 bye');
  await expect(screen).toContainText('→ close 4000 private "bye"');
  await expect(screen).toContainText('disconnected: 4000 private "bye", wasClean true');
  await row.click();
  await expect(app.getByTestId('close-info')).toContainText('close code 4000: private');
});

/** The terminal's rows as text, top to bottom, without the empty ones. */
async function terminalLines(page: Page): Promise<string[]> {
  const rows = await page
    .getByTestId('terminal')
    .locator('.xterm-rows > div')
    .evaluateAll((divs) => divs.map((div) => (div.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()));
  return rows.filter((row) => row.trim() !== '');
}

test('a typed command is echoed once, under a single prompt', async ({ app }) => {
  await terminalCommand(app, 'clear');
  await terminalCommand(app, 'connect');
  const screen = app.getByTestId('terminal').locator('.xterm-rows');
  await expect(screen).toContainText('connected (press Ctrl+C');
  await terminalCommand(app, 'send once');
  await expect(screen).toContainText("< Server received: 'once'");
  const lines = await terminalLines(app);
  expect(lines.filter((line) => line.endsWith('connect'))).toEqual(['> connect']);
  expect(lines.filter((line) => line.endsWith('send once'))).toEqual(['> send once']);
  expect(lines.filter((line) => line.startsWith('> >'))).toEqual([]);
});

test('a fragmented binary echo is logged as bytes in every frame, a fragmented text as text', async ({
  app,
}) => {
  await terminalCommand(app, 'clear');
  await terminalCommand(app, 'connect /echo?fragment=2');
  const screen = app.getByTestId('terminal').locator('.xterm-rows');
  await expect(screen).toContainText('connected (press Ctrl+C');
  await terminalCommand(app, 'binary 00 00 00 00 00 01');
  await expect(screen).toContainText('← continuation 2 B 00 01');
  const lines = await terminalLines(app);
  expect(lines.filter((line) => line.includes('← binary 2 B 00 00 (not FIN)'))).toHaveLength(1);
  expect(lines.filter((line) => line.includes('← continuation 2 B 00 00 (not FIN)'))).toHaveLength(1);
  expect(lines.join('\n')).not.toContain('\\u0000');
  // The rows show only what is in view: a clear screen for the text's eleven frames.
  await terminalCommand(app, 'clear');
  await terminalCommand(app, 'send xy');
  await expect(screen).toContainText('← continuation 2 B "xy" (not FIN)');
  await expect(screen).toContainText('← continuation 1 B "\'"');
});

test('snippet output and its frames are logged in the order they happened, paused inspector or not', async ({
  app,
}) => {
  await terminalCommand(app, 'clear');
  // Pausing the inspector's list holds its rows back, not the terminal's log.
  const pause = app.locator('.inspector button.pause');
  await pause.click();
  await expect(pause).toHaveAttribute('aria-pressed', 'true');
  const screen = await runSnippet(app, [
    'const socket = new WebSocket(ECHO_URL);',
    "socket.onopen = () => { console.log('A sending'); socket.send('order-check'); };",
    'socket.onmessage = (event) => {',
    "  console.log('B got', event.data);",
    "  socket.close(1000, 'done');",
    '};',
    "socket.onclose = () => console.log('C closed');",
  ]);
  await expect(screen).toContainText('C closed');
  const lines = await terminalLines(app);
  const at = (part: string): number => lines.findIndex((line) => line.includes(part));
  const order = [
    'A sending',
    '→ text 11 B "order-check"',
    '← text',
    'B got',
    '→ close 1000',
    '← close 1000',
    'C closed',
  ].map(at);
  expect(order, lines.join('\n')).not.toContain(-1);
  expect(order, lines.join('\n')).toEqual([...order].sort((a, b) => a - b));
  // Resuming releases the held rows to the inspector; the terminal logged them already.
  await pause.click();
  await expect(app.locator('[data-testid="frame-row"]', { hasText: 'order-check' })).toHaveCount(2);
  expect((await terminalLines(app)).join('\n')).not.toContain('more frames not logged');
});
