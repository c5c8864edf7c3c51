// The dark theme: the system's choice by default, the header's toggle overrides it and is
// remembered, and the editor and the terminal follow the page.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, test, waitForEditor, waitForTerminal } from './fixtures';

// Each test reloads the page and waits for Monaco and xterm again: slow on a busy machine.
test.describe.configure({ timeout: 60_000 });

/** Relative luminance (WCAG 2.x) of a computed CSS colour such as `rgb(21, 23, 27)`. */
function luminance(colour: string): number {
  const channels = colour
    .match(/[\d.]+/g)!
    .slice(0, 3)
    .map(Number);
  const [r, g, b] = channels.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

async function colours(locator: Locator): Promise<{ background: number; text: number }> {
  const { background, text } = await locator.evaluate((el) => {
    const style = getComputedStyle(el);
    return { background: style.backgroundColor, text: style.color };
  });
  return { background: luminance(background), text: luminance(text) };
}

/** Dark page, light text, and the contrast between them at least 4.5:1 (WCAG 1.4.3). */
async function expectDark(page: Page): Promise<void> {
  for (const selector of ['body', '.app-head', '[data-testid="lesson"]']) {
    const { background, text } = await colours(page.locator(selector).first());
    expect(background, `${selector} background`).toBeLessThan(0.05);
    expect(text, `${selector} text`).toBeGreaterThan(0.5);
    expect((text + 0.05) / (background + 0.05), `${selector} contrast`).toBeGreaterThanOrEqual(4.5);
  }
  await expect(page.locator('[data-testid="editor"] .monaco-editor')).toHaveClass(/\bvs-dark\b/);
  const terminal = await colours(page.locator('[data-testid="terminal"] .xterm-rows'));
  expect(terminal.text, 'terminal text').toBeGreaterThan(0.5);
}

async function expectLight(page: Page): Promise<void> {
  for (const selector of ['body', '.app-head', '[data-testid="lesson"]']) {
    const { background, text } = await colours(page.locator(selector).first());
    expect(background, `${selector} background`).toBeGreaterThan(0.8);
    expect(text, `${selector} text`).toBeLessThan(0.05);
  }
  await expect(page.locator('[data-testid="editor"] .monaco-editor')).not.toHaveClass(/\bvs-dark\b/);
  const terminal = await colours(page.locator('[data-testid="terminal"] .xterm-rows'));
  expect(terminal.text, 'terminal text').toBeLessThan(0.05);
}

test.describe('with the system set to dark', () => {
  test.use({ colorScheme: 'dark' });

  test('the page, the editor and the terminal are dark with light text', async ({ app }) => {
    await waitForEditor(app);
    await waitForTerminal(app);
    await expect(app.getByRole('button', { name: 'Theme: system (dark)' })).toBeVisible();
    await expectDark(app);
  });

  test('the toggle turns the page light at once, and it stays light after a reload', async ({ app }) => {
    await waitForEditor(app);
    await waitForTerminal(app);
    await app.getByTestId('theme-toggle').click();
    await expect(app.getByTestId('theme-toggle')).toHaveText('Theme: light');
    await expectLight(app);
    await app.reload();
    await waitForEditor(app);
    await waitForTerminal(app);
    await expect(app.getByTestId('theme-toggle')).toHaveText('Theme: light');
    await expectLight(app);
  });
});

test('from the keyboard the toggle goes dark, then pins light, then follows the system again', async ({
  app,
}) => {
  await waitForEditor(app);
  await waitForTerminal(app);
  const toggle = app.getByTestId('theme-toggle');
  await expect(toggle).toHaveText('Theme: system (light)');
  await expectLight(app);

  await toggle.focus();
  await app.keyboard.press('Enter');
  await expect(toggle).toHaveText('Theme: dark');
  await expectDark(app);
  await app.reload();
  await waitForEditor(app);
  await waitForTerminal(app);
  await expect(toggle).toHaveText('Theme: dark');
  await expectDark(app);

  await toggle.focus();
  await app.keyboard.press('Space');
  await expect(toggle).toHaveText('Theme: light');
  await expectLight(app);
  await app.keyboard.press('Space');
  await expect(toggle).toHaveText('Theme: system (light)');
  // Back to the system's: a change of the system's setting shows at once, with no reload.
  await app.emulateMedia({ colorScheme: 'dark' });
  await expect(toggle).toHaveText('Theme: system (dark)');
  await expectDark(app);
  await app.reload();
  await waitForEditor(app);
  await waitForTerminal(app);
  await expect(toggle).toHaveText('Theme: system (dark)');
});

test('a picked theme shows before the page script runs, so a reload does not flash the other', async ({
  app,
}) => {
  await app.getByTestId('theme-toggle').click();
  await expect(app.getByTestId('theme-toggle')).toHaveText('Theme: dark');
  // Without its script the page is only its HTML and CSS: what the first paint shows.
  await app.route(/\/(assets\/index-[^/]*\.js|main\.ts)$/, (route) => route.abort());
  await app.reload();
  await expect(app.getByTestId('theme-toggle')).toHaveCount(0);
  const body = await colours(app.locator('body'));
  expect(body.background).toBeLessThan(0.05);
  expect(body.text).toBeGreaterThan(0.5);
});

test("every colour in the page's stylesheets is a theme variable, so the whole page follows", () => {
  const web = join(import.meta.dirname, '../../web');
  const sheets = readdirSync(web, { recursive: true, encoding: 'utf8' }).filter((file) =>
    file.endsWith('.css'),
  );
  expect(sheets.length).toBeGreaterThan(5);
  const colour =
    /#[0-9a-f]{3,8}\b|\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\(|\b(?:white|black|red|green|blue|gr[ae]y|yellow|orange|purple|pink|silver)\b/i;
  const hardCoded: string[] = [];
  for (const sheet of sheets) {
    const css = readFileSync(join(web, sheet), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const [, property, value] of css.matchAll(/([\w-]+)\s*:\s*([^;{}]+);/g)) {
      // The variables themselves: the page's in styles.css, a view's own beside it, with light
      // and dark side by side.
      if (property!.startsWith('--') && (sheet === 'styles.css' || value!.trim().startsWith('light-dark(')))
        continue;
      if (colour.test(value!)) hardCoded.push(`${sheet}: ${property}: ${value!.trim()}`);
    }
  }
  expect(hardCoded).toEqual([]);
});
