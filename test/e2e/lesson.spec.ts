import type { Lesson } from '../../core/lessons/lesson-format';
import { expect, setSnippet, test, waitForEditor } from './fixtures';

test("a lesson step's checks turn green when the tap shows what they wait for", async ({ app, server }) => {
  const lesson = (await (await fetch(`${server.url}api/lessons/what-is-a-websocket`)).json()) as Lesson;
  const expected = lesson.steps[1]!.checks.length;
  expect(expected).toBeGreaterThan(0);
  await app.goto(`${server.url}#/lesson/what-is-a-websocket/2`);
  const checks = app.getByTestId('step-check');
  await expect(checks).toHaveCount(expected);
  for (const check of await checks.all()) await expect(check).toHaveAttribute('data-state', 'pending');

  await waitForEditor(app);
  await app.getByTestId('solution').click();
  await app.getByTestId('run').click();
  for (const check of await checks.all()) await expect(check).toHaveAttribute('data-state', 'done');
  await expect(app.locator('.checks')).toContainText('Step done');
  // Progress is kept: the table of contents marks the step.
  await expect(app.locator('.toc-list li.done')).toContainText([lesson.steps[1]!.title]);
});

test('edits are kept per lesson until Reset', async ({ app, server }) => {
  const firstLine = async (slug: string): Promise<string> => {
    const lesson = (await (await fetch(`${server.url}api/lessons/${slug}`)).json()) as Lesson;
    return lesson.snippet!.split('\n')[0]!.replace(/^\/\/\s*/, '');
  };
  const one = await firstLine('what-is-a-websocket');
  const two = await firstLine('the-echo-server');
  await app.goto(`${server.url}#/lesson/the-echo-server/1`);
  await setSnippet(app, '// my own edit');
  await expect(app.locator('[data-testid="editor"] .view-lines')).toContainText('// my own edit');
  await app.goto(`${server.url}#/lesson/what-is-a-websocket/1`);
  await expect(app.locator('[data-testid="editor"] .view-lines')).toContainText(one);
  await app.goto(`${server.url}#/lesson/the-echo-server/1`);
  await app.reload();
  await waitForEditor(app);
  await expect(app.locator('[data-testid="editor"] .view-lines')).toContainText('// my own edit');
  await app.getByTestId('reset').click();
  await expect(app.locator('[data-testid="editor"] .view-lines')).toContainText(two);
  await app.reload();
  await waitForEditor(app);
  await expect(app.locator('[data-testid="editor"] .view-lines')).toContainText(two);
});

test('the contents open a lesson and then get out of the way, by click or by Escape', async ({ app }) => {
  const contents = app.locator('.toc');
  await contents.locator('summary').click();
  await expect(contents).toHaveAttribute('open', '');
  await contents.getByRole('link', { name: /^8\. Closing$/ }).click();
  await expect(app.locator('.step-title')).toContainText('Step 1 of');
  await expect(app).toHaveURL(/#\/lesson\/closing(\/1)?$/);
  await expect(contents).not.toHaveAttribute('open', '');
  // From the keyboard: open it, Escape closes it and leaves the focus on its summary.
  await contents.locator('summary').focus();
  await app.keyboard.press('Enter');
  await expect(contents).toHaveAttribute('open', '');
  await app.keyboard.press('Escape');
  await expect(contents).not.toHaveAttribute('open', '');
  await expect(contents.locator('summary')).toBeFocused();
});
