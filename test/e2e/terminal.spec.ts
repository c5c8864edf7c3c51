import { expect, terminalCommand, test } from './fixtures';

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
