// The inspector reading Live API sessions: a message's JSON as a tree, its audio timed and
// playable, and warnings on messages sent out of order — on the local endpoint and through the
// proxy alike, since the inspector judges a lane by its messages.

import type { Page } from '@playwright/test';
import { LIVE_PATH } from '../../core/routes';
import { expect, type PageErrors, terminalCommand, test } from './fixtures';

const SETUP = {
  setup: {
    model: 'models/gemini-live-2.5-flash-preview',
    generationConfig: { responseModalities: ['TEXT'] },
  },
};
const turn = (text: string) => ({
  clientContent: { turns: [{ role: 'user', parts: [{ text }] }], turnComplete: true },
});

/** Sends a JSON message from the terminal, pasted in one go (a long base64 string would take ages to type). */
async function send(page: Page, message: unknown): Promise<void> {
  await terminalCommand(page, 'clear');
  await page.locator('[data-testid="terminal"] .xterm').click();
  await page.keyboard.insertText(`send ${JSON.stringify(message)}`);
  await page.keyboard.press('Enter');
}

async function connect(page: Page, path: string): Promise<void> {
  await terminalCommand(page, 'clear');
  await terminalCommand(page, `connect ${path}`);
  await expect(page.getByTestId('terminal').locator('.xterm-rows')).toContainText('connected');
}

/** 40 ms of a 440 Hz tone, 16-bit little-endian mono PCM at 16 kHz, as base64. */
function toneBase64(): string {
  const samples = 640;
  const bytes = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    bytes.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / 16000) * 8000), i * 2);
  return bytes.toString('base64');
}

const rows = (page: Page) => page.locator('[data-testid="frame-row"][data-lane="terminal"]');

function expectNoErrors(errors: PageErrors): void {
  expect(errors.messages.filter((m) => !m.includes('WebSocket'))).toEqual([]);
}

test('a serverContent frame shows its JSON as a tree that opens and closes', async ({ app, errors }) => {
  await connect(app, `${LIVE_PATH}?chunkMs=0`);
  await send(app, SETUP);
  await expect(rows(app).filter({ hasText: 'setupComplete' })).toHaveCount(1);
  await send(app, turn('hello tree'));
  await expect(rows(app).filter({ hasText: 'serverContent · turnComplete' })).toHaveCount(1);
  // The first part of the answer. Rows are drawn only while in view, and later frames may have
  // pushed it out: filter the list down to it, as a user would.
  await app.getByLabel('Filter frames by payload text').fill('You said');
  const answer = rows(app).filter({ hasText: 'serverContent · text' });
  await expect(answer).toHaveCount(1);
  await answer.click();

  const detail = app.getByTestId('frame-detail');
  const tree = detail.getByTestId('json-tree');
  await expect(tree).toBeVisible();
  // The raw payload is still there, above the tree: bytes, as the JSON came in a binary frame
  // (as the public service sends it); `{"server` in hex.
  await expect(detail.locator('pre.payload')).toContainText('7b 22 73 65 72 76 65 72');
  // The message and two levels below it start open: serverContent and modelTurn; parts is closed.
  const root = tree.locator('details[data-depth="0"]');
  await expect(root).toHaveAttribute('open', '');
  await expect(root.locator(':scope > summary')).toHaveText('{1 key}');
  await expect(tree.locator('details[data-depth="1"] > summary')).toHaveText('serverContent: {1 key}');
  const modelTurn = tree.locator('details[data-depth="2"]');
  await expect(modelTurn).toHaveAttribute('open', '');
  await expect(modelTurn.locator(':scope > summary')).toHaveText('modelTurn: {1 key}');
  const parts = tree.locator('details[data-depth="3"]');
  await expect(parts).not.toHaveAttribute('open', '');
  await expect(parts.locator(':scope > summary')).toHaveText('parts: [1 item]');
  await expect(tree).not.toContainText('You said');

  // Open with the mouse, down to the text…
  await parts.locator(':scope > summary').click();
  await expect(parts).toHaveAttribute('open', '');
  const part = tree.locator('details[data-depth="4"]');
  await expect(part.locator(':scope > summary')).toHaveText('0: {1 key}');
  await part.locator(':scope > summary').click();
  await expect(part).toContainText('text: "You said');
  await expect(part.getByText('"You said')).toBeVisible();
  // …and close with the keyboard.
  await modelTurn.locator(':scope > summary').focus();
  await app.keyboard.press('Enter');
  await expect(modelTurn).not.toHaveAttribute('open', '');
  await expect(part.getByText('"You said')).toBeHidden();
  await app.keyboard.press('Enter');
  await expect(part.getByText('"You said')).toBeVisible();
  expectNoErrors(errors);
});

test('JSON in binary frames and JSON that is not the Live API get a tree too, without warnings', async ({
  app,
}) => {
  await connect(app, `${LIVE_PATH}?chunkMs=0&binary=1`);
  await send(app, SETUP);
  const complete = rows(app).filter({ hasText: 'setupComplete' });
  await expect(complete).toHaveAttribute('data-opcode', 'binary');
  await complete.click();
  const detail = app.getByTestId('frame-detail');
  await expect(detail.getByTestId('message-json')).toContainText('sent in a binary frame, read as UTF-8');
  await expect(detail.getByTestId('json-tree')).toContainText('setupComplete');

  await connect(app, '/echo');
  await send(app, { order: [1, 2, 3], note: null });
  const echo = rows(app).filter({ hasText: 'order' }).first();
  await echo.click();
  await expect(detail.getByTestId('json-tree')).toContainText('order: [3 items]');
  await expect(detail.getByTestId('json-tree')).toContainText('note: null');
  await expect(detail.getByTestId('sequence-warning')).toHaveCount(0);
  await expect(rows(app).and(app.locator('[data-warning]'))).toHaveCount(0);
});

test('an audio chunk shows its duration and rate, and its Play button plays it', async ({ app, errors }) => {
  await connect(app, `${LIVE_PATH}?chunkMs=0`);
  await send(app, SETUP);
  await expect(rows(app).filter({ hasText: 'setupComplete' })).toHaveCount(1);
  await send(app, { realtimeInput: { audio: { mimeType: 'audio/pcm;rate=16000', data: toneBase64() } } });
  const chunk = rows(app).filter({ hasText: 'realtimeInput · audio 40 ms' });
  await expect(chunk).toHaveCount(1);
  await expect(chunk).not.toHaveAttribute('data-warning');
  await chunk.click();

  const detail = app.getByTestId('frame-detail');
  const blob = detail.getByTestId('audio-blob');
  await expect(blob).toHaveCount(1);
  await expect(blob).toContainText('audio 40 ms · 16 kHz · 1280 B');
  await expect(blob).toContainText('realtimeInput.audio');
  // The 1 708 characters of base64 are cut to their start in the tree.
  await expect(detail.getByTestId('json-tree')).toContainText('… 1 708 chars');

  const play = detail.getByTestId('play-audio');
  await expect(play).toHaveAttribute('data-playing', 'false');
  await play.click();
  await expect(play).toHaveAttribute('data-played', '1');
  // 40 ms is soon over: the button goes back to Play by itself.
  await expect(play).toHaveAttribute('data-playing', 'false');
  await expect(play).toHaveText('▶ Play');
  expectNoErrors(errors);
});

test('clientContent before setup is flagged on its row and at the top of its detail', async ({ app }) => {
  await connect(app, `${LIVE_PATH}?chunkMs=0`);
  await send(app, turn('too soon'));
  const early = rows(app).filter({ hasText: 'clientContent · turnComplete' });
  await expect(early).toHaveAttribute('data-warning', /clientContent sent before setup/);
  await expect(early).toHaveAttribute('data-warning-level', 'error');
  await expect(early.locator('.preview')).toHaveText(/^⚠ clientContent/);
  // The server closes the session for it (1008 SETUP_REQUIRED); the close frame is not flagged.
  const closes = rows(app).and(app.locator('[data-opcode="close"]'));
  await expect(closes.filter({ hasText: '1008 the first message must be setup' }).first()).toBeVisible();
  await expect(closes.and(app.locator('[data-warning]'))).toHaveCount(0);

  await early.click();
  const detail = app.getByTestId('frame-detail');
  const warning = detail.getByTestId('sequence-warning');
  await expect(warning).toContainText('clientContent sent before setup');
  await expect(warning).toContainText('not ready until setupComplete');
  // At the top, before the frame's anatomy.
  await expect(detail.locator(':scope > *').first()).toHaveAttribute('data-testid', 'sequence-warning');
});

test('a toolResponse whose id matches no pending toolCall is flagged, and the right one is not', async ({
  app,
}) => {
  await connect(app, `${LIVE_PATH}?chunkMs=0`);
  const tools = [{ functionDeclarations: [{ name: 'lookup', description: 'Looks a word up' }] }];
  await send(app, { setup: { ...SETUP.setup, tools } });
  await expect(rows(app).filter({ hasText: 'setupComplete' })).toHaveCount(1);
  await send(app, turn('please lookup websockets'));
  await expect(rows(app).filter({ hasText: 'toolCall · lookup' })).toHaveCount(1);

  await send(app, { toolResponse: { functionResponses: [{ id: 'call-7', name: 'lookup', response: {} }] } });
  const wrong = rows(app).filter({ hasText: 'toolResponse · id call-7' });
  await expect(wrong).toHaveAttribute('data-warning', /toolResponse id "call-7" matches no pending toolCall/);
  await expect(wrong).toHaveAttribute('data-warning', /pending: "call-1"/);
  await wrong.click();
  await expect(app.getByTestId('sequence-warning')).toContainText('matches no pending toolCall');
  // The other frames of the session are not flagged.
  await expect(rows(app).and(app.locator('[data-warning]'))).toHaveCount(1);
});

test('a Live API session through the proxy is checked as well: it is judged by its messages', async ({
  app,
  server,
}) => {
  const target = `ws://127.0.0.1:${server.port}${LIVE_PATH}?chunkMs=0`;
  await connect(app, `/proxy?target=${encodeURIComponent(target)}`);
  await send(app, { realtimeInput: { audioStreamEnd: true } });
  const early = rows(app).filter({ hasText: 'realtimeInput · audioStreamEnd' });
  await expect(early).toHaveAttribute('data-warning', /realtimeInput sent before setup/);
});

test('realtimeInput.mediaChunks still works, and its row cautions that it is deprecated', async ({ app }) => {
  await connect(app, `${LIVE_PATH}?chunkMs=0`);
  await send(app, SETUP);
  await expect(rows(app).filter({ hasText: 'setupComplete' })).toHaveCount(1);
  await send(app, {
    realtimeInput: { mediaChunks: [{ mimeType: 'audio/pcm;rate=16000', data: toneBase64() }] },
  });
  const chunk = rows(app).filter({ hasText: 'realtimeInput · audio 40 ms' });
  await expect(chunk).toHaveAttribute('data-warning', /mediaChunks is deprecated/);
  await expect(chunk).toHaveAttribute('data-warning-level', 'caution');
  await chunk.click();
  await expect(app.getByTestId('frame-detail').getByTestId('sequence-warning')).toContainText(
    'send realtimeInput.audio (or video) instead',
  );
  // The session carries on: the stand-in reads the deprecated form as the service does.
  await expect(app.getByTestId('terminal').locator('.xterm-rows')).not.toContainText('disconnected');
});
