// axe-core on the real page in its main states, and the keyboard path through its controls.
import type { Page } from '@playwright/test';
import { WebSocket } from 'ws';
import {
  expect,
  seriousViolations,
  setSnippet,
  test,
  unique,
  waitForEditor,
  waitForTerminal,
} from './fixtures';

// axe-core takes seconds a run on a busy two-core machine, and some tests run it twice.
test.describe.configure({ timeout: 90_000 });

async function expectNoSeriousViolations(page: Page, state: string): Promise<void> {
  const found = await seriousViolations(page);
  expect(found.length, `axe-core found serious or critical violations, ${state}:\n${found.join('\n')}`).toBe(
    0,
  );
}

async function heavyPartsLoaded(page: Page): Promise<void> {
  await waitForEditor(page);
  await waitForTerminal(page);
}

/** Sends one chat message, waits for the echo and opens the client frame's anatomy. */
async function chatRoundTripWithFrameOpen(page: Page): Promise<void> {
  const text = unique('axe');
  await expect(page.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
  await expect(page.getByTestId('chat-log')).toContainText(`Server: Server received: '${text}'`);
  await page.locator('[data-testid="frame-row"][data-dir="client"]', { hasText: text }).click();
  await expect(page.getByTestId('frame-detail').locator('.anatomy')).toBeVisible();
}

/**
 * Switches the inspector to its sequence diagram; skips the test, saying why, only while the page
 * has no such view.
 */
async function openSequence(page: Page): Promise<void> {
  const tab = page.getByRole('tab', { name: 'Sequence' });
  test.skip((await tab.count()) === 0, 'the inspector has no "Sequence" view yet (data-testid="sequence")');
  await tab.click();
  await expect(page.getByTestId('sequence')).toBeVisible();
}

test('a lesson open, and its contents, have no serious or critical axe violations', async ({
  app,
  server,
}) => {
  await app.goto(`${server.url}#/lesson/what-is-a-websocket/2`);
  await expect(app.getByTestId('step-check').first()).toBeVisible();
  await heavyPartsLoaded(app);
  await expectNoSeriousViolations(app, 'with a lesson open');
  await app.locator('.toc summary').click();
  await expect(app.locator('.toc-list')).toBeVisible();
  await expectNoSeriousViolations(app, 'with the contents open');
});

test('the chat after a round trip, with a frame open, has no serious or critical axe violations', async ({
  app,
}) => {
  await heavyPartsLoaded(app);
  await chatRoundTripWithFrameOpen(app);
  await expectNoSeriousViolations(app, 'after a chat round trip with a frame open');
});

test('the inspector-first view, with an outside client’s frame open and its anatomy unfolded, has no serious or critical axe violations', async ({
  page,
  server,
}) => {
  await page.goto(`${server.url}?view=inspector`);
  await expect(page.locator('.tap-state')).toHaveText('tap: live');
  const text = unique('axe-inspector');
  const client = new WebSocket(`${server.url.replace('http', 'ws')}echo`);
  await new Promise((resolve) => client.once('open', resolve));
  client.send(JSON.stringify({ text }));
  try {
    await page.locator('[data-testid="frame-row"][data-dir="client"]', { hasText: text }).click();
    await expect(page.getByTestId('message-json')).toBeVisible();
    await expectNoSeriousViolations(page, 'in the inspector-first view with a frame open');
    await page.getByTestId('anatomy-fold').locator('summary').click();
    await expect(page.getByTestId('hex-dump')).toBeVisible();
    await expectNoSeriousViolations(page, 'with the anatomy unfolded');
  } finally {
    client.close();
  }
});

test('the sequence diagram of a chat round trip has no serious or critical axe violations', async ({
  app,
}) => {
  await heavyPartsLoaded(app);
  await chatRoundTripWithFrameOpen(app);
  await openSequence(app);
  await expect(app.getByTestId('sequence').locator('[data-testid="sequence-arrow"]').first()).toBeVisible();
  await expectNoSeriousViolations(app, 'with the sequence diagram shown');
});

test.describe('in the dark theme', () => {
  test.use({ colorScheme: 'dark' });

  test('the chat, a frame open and the sequence diagram have no serious or critical axe violations', async ({
    app,
  }) => {
    await heavyPartsLoaded(app);
    await expect(app.getByTestId('theme-toggle')).toHaveText('Theme: system (dark)');
    await chatRoundTripWithFrameOpen(app);
    await expectNoSeriousViolations(app, 'in the dark theme after a chat round trip with a frame open');
    await openSequence(app);
    await expectNoSeriousViolations(app, 'in the dark theme with the sequence diagram shown');
  });
});

/** What the focus is on, named as the test names controls, and whether a focus ring shows around it. */
async function focused(page: Page): Promise<{ key: string; ring: boolean }> {
  return page.evaluate(() => {
    const active = document.activeElement as HTMLElement | null;
    if (!active || active === document.body) return { key: 'body', ring: false };
    const holder = active.closest<HTMLElement>('[data-testid="editor"], [data-testid="terminal"]');
    const key =
      holder?.dataset.testid ??
      active.dataset.testid ??
      `${active.tagName.toLowerCase()}.${active.classList[0] ?? ''}`;
    // The ring is on the control, or (Monaco, xterm, a label around a hidden file input) on the
    // nearest box around it that a person can see.
    let ring = false;
    for (let el: HTMLElement | null = active; el && !ring; el = el.parentElement) {
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      ring =
        style.outlineStyle !== 'none' &&
        Number.parseFloat(style.outlineWidth) >= 1 &&
        // A splitter is a 6 px bar; a hidden text field is a pixel or none.
        box.width >= 4 &&
        box.height >= 4 &&
        style.opacity !== '0';
    }
    return { key, ring };
  });
}

test('Tab reaches every main control in reading order, each with a visible focus ring', async ({
  app,
  server,
}) => {
  await app.goto(`${server.url}#/lesson/what-is-a-websocket/2`);
  await heavyPartsLoaded(app);
  const text = unique('keys');
  await expect(app.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
  await app.getByTestId('chat-input').fill(text);
  await app.getByTestId('chat-input').press('Enter');
  await expect(app.getByTestId('chat-log')).toContainText(`Server received: '${text}'`);
  await app.locator('body').click({ position: { x: 2, y: 2 } });

  const seen: string[] = [];
  const unringed: string[] = [];
  // Once round the page: it has fewer than 80 stops.
  for (let step = 0; step < 80; step++) {
    const { key } = await focused(app);
    // The editor's way out: Escape, then Tab (Tab alone indents).
    if (key === 'editor') await app.keyboard.press('Escape');
    await app.keyboard.press('Tab');
    const now = await focused(app);
    if (now.key === 'body' || (seen.length > 0 && now.key === seen[0])) break;
    if (!seen.includes(now.key)) seen.push(now.key);
    if (!now.ring) unringed.push(now.key);
  }

  const controls = [
    'theme-toggle',
    'step-prev',
    'step-next',
    'chat-input',
    'chat-send',
    'run',
    'reset',
    'solution',
    'editor',
    'terminal',
    'filter-text',
    'button.pause',
    'button.lane-head',
    'frame-list',
    'frame-detail',
  ];
  const reached = controls.filter((control) => seen.includes(control));
  expect(reached, `the Tab order was: ${seen.join(', ')}`).toEqual(controls);
  expect(
    reached.map((control) => seen.indexOf(control)),
    `reading order, the Tab order was: ${seen.join(', ')}`,
  ).toEqual(reached.map((control) => seen.indexOf(control)).sort((a, b) => a - b));
  expect(unringed, 'stops with no visible focus ring').toEqual([]);

  // Operable as well as reachable: from the list, the keys pick a frame and open its anatomy.
  await app.getByTestId('frame-list').focus();
  await app.keyboard.press('End');
  await expect(app.locator('[data-testid="frame-row"][aria-selected="true"]')).toContainText(
    `Server received: '${text}'`,
  );
  await expect(app.getByTestId('frame-detail').locator('.anatomy')).toBeVisible();
});

test('in the editor Tab indents, Escape then Tab moves on, and the terminal lets Tab through', async ({
  app,
}) => {
  await heavyPartsLoaded(app);
  await setSnippet(app, 'x');
  const lines = app.locator('[data-testid="editor"] .view-lines');
  await app.keyboard.press('Home');
  await app.keyboard.press('Tab');
  await expect.poll(async () => ((await lines.textContent()) ?? '').replace(/\u00a0/g, ' ')).toBe('  x');
  await expect(app.locator('[data-testid="editor"] .monaco-editor')).toContainClass('focused');

  await app.keyboard.press('Escape');
  await app.keyboard.press('Tab');
  await expect(app.locator('[data-testid="terminal"] textarea')).toBeFocused();
  await app.keyboard.press('Tab');
  await expect(app.locator('[data-testid="terminal"] textarea')).not.toBeFocused();
  expect((await focused(app)).key).not.toBe('body');
  // The way out did not leave Tab moving the focus for good: back in the editor, it indents.
  await app.locator('[data-testid="editor"] .view-lines').click();
  await app.keyboard.press('Home');
  await app.keyboard.press('Tab');
  await expect.poll(async () => ((await lines.textContent()) ?? '').replace(/\u00a0/g, ' ')).toBe('    x');
});
