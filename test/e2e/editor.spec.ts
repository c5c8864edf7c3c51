import { expect, setSnippet, test } from './fixtures';

test("the editor completes the browser's WebSocket API and the sandbox globals", async ({ app }) => {
  await setSnippet(app, 'const socket = new WebSocket(ECHO_URL);\n');
  await app.keyboard.press('ControlOrMeta+End');
  await app.keyboard.type('socket.buffer');
  const suggestions = app.locator('[data-testid="editor"] .suggest-widget');
  // Monaco's TypeScript worker starts on the first completion: seconds on a busy machine.
  await expect(suggestions).toBeVisible({ timeout: 30_000 });
  await expect(suggestions).toContainText('bufferedAmount');
  await app.keyboard.press('Escape');
  await app.keyboard.press('Enter');
  await app.keyboard.type('ECHO_');
  await expect(suggestions).toContainText('ECHO_URL');
});
