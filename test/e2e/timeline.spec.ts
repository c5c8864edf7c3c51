// The timeline above the frames: after a few chat round trips it has bars both ways, its text
// alternative names the peak rates, and it narrows to the connection picked in the lanes.
import type { Page } from '@playwright/test';
import { expect, test, unique } from './fixtures';

async function roundTrip(page: Page, text: string): Promise<void> {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
  await expect(page.getByTestId('chat-log')).toContainText(`Server: Server received: '${text}'`);
}

/** Heights of the chart's bars that carry something, per direction. */
function barHeights(page: Page, dir: 'client' | 'server'): Promise<number[]> {
  return page
    .getByTestId('timeline-chart')
    .locator(`rect[data-dir="${dir}"]`)
    .evaluateAll((rects) =>
      rects.map((rect) => rect.getBoundingClientRect().height).filter((height) => height > 0),
    );
}

test('after chat traffic the timeline shows bars both ways and says what the peak was', async ({ app }) => {
  await expect(app.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
  const timeline = app.getByTestId('timeline');
  const chart = app.getByTestId('timeline-chart');
  await expect(chart).toHaveAttribute('aria-label', /no frames yet|peak/);
  for (let i = 0; i < 3; i++) await roundTrip(app, unique(`burst${i}`));

  await expect.poll(async () => (await barHeights(app, 'client')).length).toBeGreaterThan(0);
  await expect.poll(async () => (await barHeights(app, 'server')).length).toBeGreaterThan(0);
  // The busier direction's tallest bar reaches most of its half of the chart.
  const box = (await chart.boundingBox())!;
  expect(box.width).toBeGreaterThan(250);
  const tallest = Math.max(...(await barHeights(app, 'client')), ...(await barHeights(app, 'server')));
  expect(tallest).toBeGreaterThan(box.height * 0.3);

  const label = (await chart.getAttribute('aria-label'))!;
  expect(label).toMatch(
    /^Traffic of all connections over \d+ s: client to server peak [1-9][\d.]* (B|KB)\/s/,
  );
  expect(label).toMatch(/server to client peak [1-9][\d.]* (B|KB)\/s and [1-9][\d.]* frames\/s$/);

  // Frames per second instead of bytes: the scale changes with it.
  const scale = timeline.locator('.tl-scale').first();
  await expect(scale).toContainText('B/s');
  await timeline.getByRole('button', { name: 'frames/s' }).click();
  await expect(timeline.getByRole('button', { name: 'frames/s' })).toHaveAttribute('aria-pressed', 'true');
  await expect(scale).toContainText('frames/s');
  // Legible: the scale and the axis text are not cut.
  for (const text of await timeline.locator('.tl-scale, .tl-x > span, .tl-scope').all()) {
    expect(await text.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  }

  // Picking the chat's lane narrows the timeline to it.
  await app.locator('[data-testid="connection"][data-role="chat"] .lane-head').click();
  await expect(timeline.locator('.tl-scope')).toContainText('chat');
  await expect(chart).toHaveAttribute('aria-label', /^Traffic of chat c\d+ over/);
  await app.screenshot({ path: test.info().outputPath('timeline.png') });
});
