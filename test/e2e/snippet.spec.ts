import type { TapEvent, TapFrameEvent } from '../../core/tap/events';
import { expect, setSnippet, test, unique, waitForTerminal } from './fixtures';

test('editing the snippet and pressing Ctrl+Enter puts the edited message on the wire and its output in the terminal', async ({
  app,
  tap,
}) => {
  const text = unique('edited');
  await setSnippet(
    app,
    [
      'const socket = new WebSocket(ECHO_URL);',
      `socket.onopen = () => socket.send('${text}');`,
      'socket.onmessage = (event) => {',
      "  console.log('got', event.data);",
      "  socket.close(1000, 'done');",
      '};',
    ].join('\n'),
  );
  await waitForTerminal(app);
  await app.keyboard.press('ControlOrMeta+Enter');

  const sent = await tap.find(
    (event: TapEvent): event is TapFrameEvent =>
      event.type === 'frame' && event.dir === 'client' && event.payload.text === text,
  );
  expect(sent.masked).toBe(true);
  await expect(app.getByTestId('terminal').locator('.xterm-rows')).toContainText(
    `got Server received: '${text}'`,
  );
  const row = app.locator('[data-testid="frame-row"][data-dir="client"]', { hasText: text });
  await expect(row).toHaveAttribute('data-lane', /^run \d+$/);
  // The snippet's socket came from the sandbox, whose origin is opaque.
  const lane = app.locator(`[data-testid="connection"][data-conn="${sent.conn}"]`);
  await expect(lane).toHaveAttribute('data-role', 'run');
  await expect(lane).toHaveAttribute('data-state', 'closed');
});

test('an endless-loop snippet is stopped and the page stays responsive', async ({ app }) => {
  const marker = unique('looping');
  await setSnippet(
    app,
    [
      'const socket = new WebSocket(ECHO_URL);',
      'socket.onopen = () => {',
      `  console.log('${marker}');`,
      '  while (true) {}',
      '};',
    ].join('\n'),
  );
  await waitForTerminal(app);
  await app.getByTestId('run').click();
  await expect(app.getByTestId('terminal').locator('.xterm-rows')).toContainText(marker);
  await expect(app.getByTestId('stop')).toBeEnabled();

  // The loop runs in the sandbox's worker: the page still answers, and so does the chat.
  const text = unique('still-here');
  await app.getByTestId('chat-input').fill(text);
  await app.getByTestId('chat-input').press('Enter');
  await expect(app.getByTestId('chat-log')).toContainText(`Server: Server received: '${text}'`);
  expect(await app.evaluate(() => 6 * 7)).toBe(42);

  const lane = app.locator('[data-testid="connection"][data-role="run"]').last();
  await expect(lane).toHaveAttribute('data-state', 'open');
  await app.getByTestId('stop').click();
  await expect(app.getByTestId('terminal').locator('.xterm-rows')).toContainText('killed');
  await expect(app.getByTestId('stop')).toBeDisabled();
  // Killing the worker closed its socket: the server saw the connection end.
  await expect(lane).toHaveAttribute('data-state', 'closed');
  await expect(app.locator('iframe.sandbox-frame')).toHaveCount(0);
});

test('a snippet that runs past the run limit is stopped with a clear message', async ({ app, server }) => {
  await app.goto(`${server.url}?runLimit=1500`);
  await setSnippet(app, "console.log('spinning');\nwhile (true) {}");
  await waitForTerminal(app);
  await app.getByTestId('run').click();
  const screen = app.getByTestId('terminal').locator('.xterm-rows');
  await expect(screen).toContainText('spinning');
  await expect(screen).toContainText('stopped after 1.5 s, the run limit');
  await expect(app.getByTestId('stop')).toBeDisabled();
});

test("a snippet's uncaught error reaches the terminal with its line in the snippet", async ({ app }) => {
  await setSnippet(app, ["console.warn('careful');", '', "throw new Error('boom');"].join('\n'));
  await waitForTerminal(app);
  await app.getByTestId('run').click();
  const screen = app.getByTestId('terminal').locator('.xterm-rows');
  await expect(screen).toContainText('careful');
  await expect(screen).toContainText('Uncaught Error: boom');
  await expect(screen).toContainText('at snippet.js:3:');
});

test('a snippet cannot reach the page, its storage or the network beyond WebSocket', async ({ app }) => {
  await app.evaluate(() => localStorage.setItem('wslab:secret', 'page-only'));
  await setSnippet(
    app,
    [
      'const seen = {',
      '  document: typeof document,',
      '  localStorage: typeof localStorage,',
      '  indexedDB: typeof indexedDB,',
      '  fetch: typeof fetch,',
      '  XMLHttpRequest: typeof XMLHttpRequest,',
      '  origin: self.origin,',
      '  webSocket: typeof WebSocket,',
      '  subtle: typeof crypto.subtle,',
      '};',
      "console.log('sandbox ' + JSON.stringify(seen));",
    ].join('\n'),
  );
  await waitForTerminal(app);
  await app.getByTestId('run').click();
  await expect(app.getByTestId('terminal').locator('.xterm-rows')).toContainText(
    'sandbox {"document":"undefined","localStorage":"undefined","indexedDB":"undefined","fetch":"undefined",' +
      '"XMLHttpRequest":"undefined","origin":"null","webSocket":"function","subtle":"object"}',
  );
  await expect(app.locator('iframe.sandbox-frame')).toHaveCount(0);
});
