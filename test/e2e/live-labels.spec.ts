import { LIVE_PATH } from '../../core/routes';
import { expect, terminalCommand, test } from './fixtures';

test('the inspector names Live API messages on the wire: setup, setupComplete, a turn and its parts', async ({
  app,
}) => {
  await terminalCommand(app, 'clear');
  await terminalCommand(app, `connect ${LIVE_PATH}?chunkMs=0`);
  const screen = app.getByTestId('terminal').locator('.xterm-rows');
  await expect(screen).toContainText('connected');
  await terminalCommand(
    app,
    'send {"setup":{"model":"models/gemini-live-2.5-flash-preview","generationConfig":{"responseModalities":["TEXT"]}}}',
  );
  const rows = app.locator('[data-testid="frame-row"][data-lane="terminal"]');
  await expect(rows.filter({ hasText: 'setupComplete' })).toHaveCount(1);
  await expect(rows.filter({ hasText: /^.*→.*setup {2}/ })).toHaveCount(1);
  await terminalCommand(
    app,
    'send {"clientContent":{"turns":[{"role":"user","parts":[{"text":"hi"}]}],"turnComplete":true}}',
  );
  await expect(rows.filter({ hasText: 'clientContent · turnComplete' })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'serverContent · text' }).first()).toBeVisible();
  await expect(rows.filter({ hasText: 'serverContent · turnComplete' })).toHaveCount(1);
});
