import { expect, test, waitForEditor, waitForTerminal } from './fixtures';

test('the page loads with no console errors', async ({ app, errors }) => {
  await expect(app.getByTestId('lesson')).toContainText('Step 1 of');
  await expect(app.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
  await expect(app.locator('.tap-state')).toHaveAttribute('data-state', 'live');
  // The heavy parts arrive after the first view; wait for them so their errors count too.
  await waitForEditor(app);
  await waitForTerminal(app);
  await expect(app.getByTestId('terminal').locator('.xterm-rows')).toContainText('wslab terminal');
  for (const id of [
    'step-next',
    'step-prev',
    'chat-input',
    'chat-send',
    'chat-connect',
    'run',
    'stop',
    'reset',
    'solution',
    'filter-text',
    'inspector',
  ]) {
    await expect(app.getByTestId(id), id).toHaveCount(1);
  }
  expect(errors.messages).toEqual([]);
});

test('every control has an accessible name', async ({ app }) => {
  await waitForEditor(app);
  await app.getByTestId('chat-input').fill('named');
  await app.getByTestId('chat-input').press('Enter');
  await expect(app.locator('[data-testid="frame-row"]').first()).toBeVisible();
  const unnamed = await app.evaluate(() => {
    const controls = document.querySelectorAll<HTMLElement>(
      'button, input, select, textarea, a[href], [role="option"], [role="separator"], hr[tabindex], summary',
    );
    const nameOf = (el: HTMLElement): string => {
      const labelledBy = el.getAttribute('aria-labelledby');
      const fromLabels =
        'labels' in el
          ? [...((el as HTMLInputElement).labels ?? [])].map((l) => l.textContent).join(' ')
          : '';
      return (
        el.getAttribute('aria-label') ??
        (labelledBy ? document.getElementById(labelledBy)?.textContent : null) ??
        (fromLabels || el.textContent || el.getAttribute('title') || el.getAttribute('placeholder') || '')
      ).trim();
    };
    return [...controls]
      .filter((el) => !el.closest('.monaco-editor, .xterm') && !el.hidden && el.offsetParent !== null)
      .filter((el) => nameOf(el) === '')
      .map((el) => el.outerHTML.slice(0, 120));
  });
  expect(unnamed).toEqual([]);
});

test('reloading a deep link returns to the same step', async ({ app, server }) => {
  await app.goto(`${server.url}#/lesson/what-is-a-websocket/2`);
  const title = app.locator('.step-title');
  await expect(title).toContainText('Step 2 of');
  await app.getByTestId('step-next').click();
  await expect(title).toContainText('Step 3 of');
  await expect(app).toHaveURL(/#\/lesson\/what-is-a-websocket\/3$/);
  await app.reload();
  await expect(title).toContainText('Step 3 of');
  await app.getByTestId('step-prev').click();
  await expect(app).toHaveURL(/#\/lesson\/what-is-a-websocket\/2$/);
});
