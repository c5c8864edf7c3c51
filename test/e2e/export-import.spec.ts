// Taking a session away and bringing it back: the page's download buttons give the server's HAR
// and pcapng exports, and a HAR opened in the page is browsed offline as a recording.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { importHar } from '../../core/har/har-import';
import { expect, test, unique } from './fixtures';

async function chatRoundTrip(app: Page, text: string): Promise<void> {
  await expect(app.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
  await app.getByTestId('chat-input').fill(text);
  await app.getByTestId('chat-input').press('Enter');
  await expect(app.getByTestId('chat-log')).toContainText(`Server: Server received: '${text}'`);
}

async function download(app: Page, testId: string): Promise<{ path: string; name: string }> {
  const [file] = await Promise.all([app.waitForEvent('download'), app.getByTestId(testId).click()]);
  return { path: (await file.path())!, name: file.suggestedFilename() };
}

interface HarEntry {
  request: { url: string };
  response: { status: number };
  _webSocketMessages?: { type: string; opcode: number; data: string }[];
}

test('the session downloads as HAR holding the conversation, and as pcapng', async ({ app }) => {
  const text = unique('keep');
  await chatRoundTrip(app, text);

  const har = await download(app, 'export-har');
  expect(har.name).toMatch(/\.har$/);
  const document = JSON.parse(readFileSync(har.path, 'utf8')) as { log: { entries: HarEntry[] } };
  const entry = document.log.entries.find((e) => e._webSocketMessages?.some((m) => m.data === text));
  expect(entry, 'an entry with the chat message').toBeDefined();
  expect(entry!.request.url).toMatch(/\/echo$/);
  expect(entry!.response.status).toBe(101);
  expect(entry!._webSocketMessages).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ type: 'send', opcode: 1, data: text }),
      expect.objectContaining({ type: 'receive', opcode: 1, data: `Server received: '${text}'` }),
    ]),
  );
  expect(importHar(readFileSync(har.path, 'utf8')).ok).toBe(true);

  const pcapng = await download(app, 'export-pcapng');
  expect(pcapng.name).toMatch(/\.pcapng$/);
  // A pcapng file starts with a Section Header Block: block type 0x0A0D0D0A.
  expect(readFileSync(pcapng.path).subarray(0, 4)).toEqual(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]));

  // One lane's own export, from its handshake card.
  const lane = app.locator('[data-testid="connection"][data-role="chat"]').last();
  const conn = (await lane.getAttribute('data-conn'))!;
  await lane.getByTestId('handshake').locator('summary').click();
  await expect(lane.getByTestId('export-conn-har')).toHaveAttribute(
    'href',
    new RegExp(`/api/export\\.har\\?conn=${conn}$`),
  );
  const one = await download(app, 'export-conn-har');
  const only = JSON.parse(readFileSync(one.path, 'utf8')) as { log: { entries: HarEntry[] } };
  expect(only.log.entries).toHaveLength(1);
});

test('a HAR opened in the page shows the same frames as a recording, a broken file says why, and Back to live returns', async ({
  app,
}) => {
  const text = unique('replay');
  await chatRoundTrip(app, text);
  const har = await download(app, 'export-har');

  await app.getByTestId('import-har').setInputFiles({
    name: 'session.har',
    mimeType: 'application/json',
    buffer: readFileSync(har.path),
  });
  const banner = app.getByTestId('recording-banner');
  await expect(banner).toContainText('Recording: session.har');
  await expect(banner).toContainText('Offline');
  await expect(app.getByTestId('inspector')).toHaveCount(1);
  await expect(app.getByTestId('inspector').locator('h2')).toHaveText('Inspector: recording');
  await expect(app.getByTestId('export-har')).toHaveCount(0);

  // The same frames, taken apart the same way.
  const lane = app.locator('[data-testid="connection"][data-label="echo"]', {
    has: app.locator('.lane-head .path', { hasText: /^\/echo$/ }),
  });
  await expect(lane.first()).toBeVisible();
  const sent = app.locator('[data-testid="frame-row"][data-dir="client"]', { hasText: text });
  await expect(sent).toHaveCount(1);
  await expect(sent).toHaveAttribute('data-masked', 'true');
  await expect(
    app.locator('[data-testid="frame-row"][data-dir="server"]', { hasText: `Server received: '${text}'` }),
  ).toHaveCount(1);
  await sent.click();
  await expect(app.getByTestId('frame-detail')).toContainText('opcode=0x1 text');
  await expect(app.getByTestId('frame-detail')).toContainText('MASK=1');

  // A file that is JSON but not HAR: the parser's own words, and the recording stays.
  await app.getByTestId('import-har').setInputFiles({
    name: 'notes.har',
    mimeType: 'application/json',
    buffer: Buffer.from('{"log": {"version": "1.2"}}'),
  });
  await expect(app.getByTestId('import-error')).toContainText('notes.har');
  await expect(app.getByTestId('import-error')).toContainText('"log" has no "entries" list');
  await app.getByTestId('import-har').setInputFiles({
    name: 'half.har',
    mimeType: 'application/json',
    buffer: Buffer.from('{"log": {"entries": [ '),
  });
  await expect(app.getByTestId('import-error')).toContainText('This file is not JSON');
  await expect(banner).toContainText('Recording: session.har');

  await app.getByTestId('back-to-live').click();
  await expect(app.getByTestId('recording-banner')).toHaveCount(0);
  await expect(app.getByTestId('import-error')).toBeHidden();
  await expect(app.getByTestId('inspector').locator('h2')).toHaveText('Inspector');
  await expect(app.getByTestId('export-har')).toBeVisible();
  // Live again: a new message shows up.
  const after = unique('live-again');
  await chatRoundTrip(app, after);
  await expect(
    app.locator('[data-testid="frame-row"][data-lane="chat"][data-dir="client"]', { hasText: after }),
  ).toHaveCount(1);
});
