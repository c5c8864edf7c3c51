// The instructor's board in a real browser: two learners in their own browser contexts, the
// instructor in a third, the board showing where each one is and following them live.
import type { BrowserContext, Page } from '@playwright/test';
import type { Lesson } from '../../core/lessons/lesson-format';
import { expect, seriousViolations, test } from './fixtures';

const TOKEN = 'teach-me-the-protocol-0123456789';
test.use({ serverOptions: { classroom: true, instructorToken: TOKEN } as never });

async function learnerPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await expect(page.getByTestId('nickname')).toBeVisible();
  return page;
}

test('the board shows each learner, their step and checks, follows a learner who moves on, and watches one who shares', async ({
  browser,
  server,
}, testInfo) => {
  // Three browser contexts, two of them full playgrounds, and axe-core: slow on a busy machine.
  test.setTimeout(150_000);
  const lesson = (await (await fetch(`${server.url}api/lessons/what-is-a-websocket`)).json()) as Lesson;
  const steps = lesson.steps.length;
  const contexts = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
  const [adaContext, graceContext, teachContext] = contexts;
  try {
    const board = await teachContext!.newPage();
    const refused = await board.goto(`${server.url}teach`);
    expect(refused?.status()).toBe(403);
    await expect(board.locator('body')).toContainText('instructor’s board');

    await board.goto(`${server.url}teach?token=${TOKEN}`);
    // The token leaves the address bar at once; the cookie keeps the board open.
    await expect(board).toHaveURL(`${server.url}teach`);
    await expect(board.getByTestId('board-status')).toHaveText('live');
    await expect(board.getByTestId('board-empty')).toHaveText(`No learners yet: they open ${server.url}`);

    const ada = await learnerPage(adaContext!, `${server.url}#/lesson/what-is-a-websocket/1`);
    await ada.getByTestId('nickname').fill('Ada');
    const grace = await learnerPage(graceContext!, `${server.url}#/lesson/what-is-a-websocket/2`);
    const graceNumber = (await grace.getByTestId('nickname').getAttribute('placeholder'))!;
    expect(graceNumber).toMatch(/^learner \d+$/);

    const rows = board.getByTestId('board-row');
    await expect(rows).toHaveCount(2);
    const adaRow = rows.filter({ hasText: 'Ada' });
    const graceRow = rows.filter({ hasText: graceNumber });
    await expect(adaRow.getByTestId('board-step')).toHaveText(`1 of ${steps}`);
    await expect(graceRow.getByTestId('board-step')).toHaveText(`2 of ${steps}`);
    await expect(adaRow).toContainText(lesson.title);
    await expect(graceRow).toContainText(`0 of ${lesson.steps[1]!.checks.length}`);
    // Each page's chat is connected: one WebSocket each (the tap's subscriber is not counted).
    await expect(adaRow.locator('td.num')).toHaveText('1');
    await expect(adaRow.locator('td.age')).toHaveText(/^\d+ s ago$/);
    await expect(adaRow.getByTestId('watch')).toHaveCount(0);
    await expect(adaRow).toContainText('not shared');

    // Ada moves on: the board follows within a second or so.
    await ada.getByTestId('step-next').click();
    await expect(adaRow.getByTestId('board-step')).toHaveText(`2 of ${steps}`, { timeout: 3000 });

    // Grace lets the instructor watch; Watch appears on her row only.
    await grace.getByTestId('share-traffic').check();
    await expect(graceRow.getByTestId('watch')).toHaveAttribute('href', /\/\?view=inspector&learner=l\d+$/);
    await expect(adaRow.getByTestId('watch')).toHaveCount(0);

    // Watch opens the inspector on Grace's traffic alone: her chat's connection, not Ada's.
    await grace.getByTestId('chat-input').fill('from grace');
    await grace.getByTestId('chat-input').press('Enter');
    await ada.getByTestId('chat-input').fill('from ada');
    await ada.getByTestId('chat-input').press('Enter');
    const [watch] = await Promise.all([
      teachContext!.waitForEvent('page'),
      graceRow.getByTestId('watch').click(),
    ]);
    await expect(watch.getByTestId('frame-row').filter({ hasText: 'from grace' })).toHaveCount(2);
    await expect(watch.getByTestId('connection')).toHaveCount(1);
    await expect(watch.getByTestId('frame-row').filter({ hasText: 'from ada' })).toHaveCount(0);
    await watch.close();

    // Legible at 1280×800: the table fits the window, its header names its columns.
    const table = board.getByTestId('board-table');
    const fits = await board.getByTestId('board').evaluate((el) => el.scrollWidth <= el.clientWidth);
    expect(fits).toBe(true);
    await expect(table.locator('thead th')).toHaveText([
      'Learner',
      'Lesson',
      'Step',
      'Checks',
      'Connections',
      'Last activity',
      'Traffic',
    ]);
    const cell = await adaRow.locator('th').boundingBox();
    expect(cell!.height).toBeGreaterThanOrEqual(20);
    // The learner's header keeps to one line with the class bar in it.
    const head = await ada.locator('.app-head').evaluate((el) => ({
      height: el.getBoundingClientRect().height,
      fits: el.scrollWidth <= el.clientWidth,
    }));
    expect(head.fits).toBe(true);
    expect(head.height).toBeLessThan(48);
    expect(await seriousViolations(board, 'body')).toEqual([]);
    expect(await seriousViolations(ada, '.app-head')).toEqual([]);
    await board.screenshot({ path: testInfo.outputPath('teach-board.png') });
    await ada.screenshot({ path: testInfo.outputPath('teach-learner.png') });
  } finally {
    await Promise.all(contexts.map((context) => context.close()));
  }
});
