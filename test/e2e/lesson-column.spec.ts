// The lesson column as a learner reads it at 1280×800: titles rendered, progress that stays,
// code blocks that show all of themselves, and code put in the editor without losing an edit.
import type { Lesson } from '../../core/lessons/lesson-format';
import { expect, setSnippet, test, waitForEditor } from './fixtures';

const editorText = (page: import('@playwright/test').Page) =>
  page
    .locator('[data-testid="editor"] .view-lines')
    .textContent()
    .then((text) => (text ?? '').replace(/\u00a0/g, ' '));

test('step titles render their Markdown, in the step heading and in the contents', async ({
  app,
  server,
}) => {
  const lesson = (await (await fetch(`${server.url}api/lessons/live-api`)).json()) as Lesson;
  const step = lesson.steps.findIndex((s) => s.title.includes('`')) + 1;
  expect(step).toBeGreaterThan(0);
  await app.goto(`${server.url}#/lesson/live-api/${step}`);
  const title = app.locator('.step-title');
  await expect(title).toContainText(`Step ${step} of ${lesson.steps.length}:`);
  await expect(title.locator('code')).toHaveCount(1);
  await expect(title).not.toContainText('`');
  await app.locator('.toc summary').click();
  const contents = app.locator('.toc-list');
  await expect(contents.locator('a code').first()).toBeVisible();
  expect(await contents.textContent()).not.toContain('`');
});

test('a step finished earlier shows its checks done when it is opened again, as the contents do', async ({
  app,
  server,
}) => {
  await app.goto(`${server.url}#/lesson/what-is-a-websocket/2`);
  await waitForEditor(app);
  await app.getByTestId('solution').click();
  await app.getByTestId('run').click();
  await expect(app.locator('.checks')).toHaveAttribute('data-state', 'done');
  await app.getByTestId('step-next').click();
  await expect(app.locator('.step-title')).toContainText('Step 3 of');
  await app.getByTestId('step-prev').click();
  await expect(app.locator('.step-title')).toContainText('Step 2 of');
  const checks = app.getByTestId('step-check');
  expect(await checks.count()).toBeGreaterThan(0);
  for (const check of await checks.all()) await expect(check).toHaveAttribute('data-state', 'done');
  await expect(app.locator('.checks')).toContainText('Step done ✓');
  // And after a reload, with nothing run since: the chat connecting on load (a handshake one
  // check counts) is the page's doing, not a try, so the step stays done.
  await app.reload();
  await expect(app.locator('.step-title')).toContainText('Step 2 of');
  await expect(app.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
  // The inspector and the checks take the same batch: once the card shows the 101, so have they.
  const chatLane = app.locator('[data-testid="connection"][data-role="chat"]');
  await expect(chatLane.getByTestId('handshake').locator('summary')).toContainText('101 Switching Protocols');
  await expect(app.locator('.checks')).toHaveAttribute('data-state', 'done');
  for (const check of await checks.all()) await expect(check).toHaveAttribute('data-state', 'done');
  // A run is a try: the checks count it live, and a run that sends nothing ticks no message.
  await waitForEditor(app);
  await setSnippet(app, "console.log('nothing sent');");
  await app.getByTestId('run').click();
  await expect(app.getByTestId('terminal')).toContainText('nothing sent');
  await expect(app.locator('.checks h4')).toHaveText('This step is done when the tap shows:');
  await expect(checks.nth(1)).toHaveAttribute('data-state', 'pending');
});

test('a code block wider than the column scrolls sideways, reachable by keyboard; one that fits (a wider column) is no tab stop', async ({
  app,
  server,
}) => {
  await app.goto(`${server.url}#/lesson/what-is-a-websocket/4`);
  const wide = app.locator('.prose pre').first();
  await expect(wide).toBeVisible();
  const box = await wide.evaluate((pre) => ({
    scroll: pre.scrollWidth,
    client: pre.clientWidth,
    overflow: getComputedStyle(pre).overflowX,
  }));
  expect(box.scroll).toBeGreaterThan(box.client);
  expect(box.overflow).toBe('auto');
  // Scrollbars may be overlays, hidden until hovered: the page says there is more.
  await expect(app.locator('.prose .scroll-hint').first()).toBeVisible();
  await expect(app.locator('.prose .scroll-hint').first()).toContainText('scroll sideways');
  await expect(wide).toHaveAttribute('tabindex', '0');
  await expect(wide).toHaveAttribute('aria-label', /scroll sideways/);
  await wide.focus();
  await app.keyboard.press('ArrowRight');
  await expect.poll(() => wide.evaluate((pre) => pre.scrollLeft)).toBeGreaterThan(0);

  // Widened from the keyboard, the column fits the one-line block: no longer a stop, no hint.
  await app.goto(`${server.url}#/lesson/a-browser-client/1`);
  const oneLine = app.locator('.prose pre').first();
  await expect(oneLine).toBeVisible();
  const separator = app.locator('[data-resize="left"]');
  for (let i = 0; i < 8 && (await oneLine.getAttribute('tabindex')) !== null; i++) {
    await separator.focus();
    await app.keyboard.press('ArrowRight');
    await app.waitForTimeout(100);
  }
  expect(await oneLine.evaluate((pre) => pre.scrollWidth <= pre.clientWidth)).toBe(true);
  await expect(oneLine).not.toHaveAttribute('tabindex', /.*/);
  await expect(app.locator('.prose .scroll-hint')).toHaveCount(0);
});

test('"Put in editor" covers no code, and asks before it replaces code the learner changed', async ({
  app,
  server,
}) => {
  await app.goto(`${server.url}#/lesson/a-browser-client/1`);
  const block = app.locator('.prose .code-block').first();
  const button = block.getByRole('button', { name: 'Put in editor' });
  const code = block.locator('pre');
  const [buttonBox, codeBox] = [await button.boundingBox(), await code.boundingBox()];
  expect(buttonBox!.y + buttonBox!.height).toBeLessThanOrEqual(codeBox!.y);
  const lesson = (await (await fetch(`${server.url}api/lessons/a-browser-client`)).json()) as Lesson;
  const blockCode = (await code.textContent())!;

  // Untouched snippet: no question.
  await waitForEditor(app);
  await button.click();
  await expect(app.getByTestId('replace-dialog')).toHaveCount(0);
  await expect.poll(() => editorText(app)).toContain(blockCode);

  // An edit: asked, and Escape keeps it.
  await setSnippet(app, '// my own work');
  await button.click();
  const dialog = app.getByRole('dialog', { name: 'Replace your code?' });
  await expect(dialog).toBeVisible();
  await app.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect.poll(() => editorText(app)).toContain('// my own work');
  await expect(button).toBeFocused();

  // From the keyboard: Enter on the button, then the replace button.
  await app.keyboard.press('Enter');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Keep my code' })).toBeFocused();
  await app.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Replace my code' })).toBeFocused();
  await app.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  await expect.poll(() => editorText(app)).toContain(blockCode);
  expect(lesson.snippet).not.toContain('// my own work');
});

test('"Show solution" asks too before it replaces code the learner changed', async ({ app, server }) => {
  await app.goto(`${server.url}#/lesson/a-browser-client/1`);
  const lesson = (await (await fetch(`${server.url}api/lessons/a-browser-client`)).json()) as Lesson;
  await waitForEditor(app);
  await setSnippet(app, '// my own work');
  const solution = app.getByTestId('solution');
  await solution.click();
  const dialog = app.getByRole('dialog', { name: 'Replace your code?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Keep my code' }).click();
  await expect(dialog).toHaveCount(0);
  await expect.poll(() => editorText(app)).toContain('// my own work');

  await solution.click();
  await dialog.getByRole('button', { name: 'Replace my code' }).click();
  // The editor draws only the lines in view, without their line breaks: its first line will do.
  await expect.poll(() => editorText(app)).toContain(lesson.solution!.split('\n')[0]!);
  expect(await editorText(app)).not.toContain('// my own work');
});
