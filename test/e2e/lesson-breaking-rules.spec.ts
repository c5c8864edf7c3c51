// Lesson 14 in the page, beyond the walk to green (lessons-walk.spec.ts): a step waits for the
// answer to its own frame, so a close with the same code after another broken frame leaves it
// undone; and every step reads at 1280×800 without sideways scrolling.
import { expect } from './fixtures';
import { fetchLesson, LessonWalker, test } from './lesson-walk';

const SLUG = 'breaking-the-rules';

/**
 * Waits until the page's inspector has seen `count` workbench connections end: the tap has
 * delivered their last events to the page, so the checks have counted everything they will.
 */
async function workbenchClosed(app: import('@playwright/test').Page, count: number): Promise<void> {
  const lanes = app.locator('[data-testid="connection"][data-label="workbench"][data-state="closed"]');
  await expect.poll(() => lanes.count(), { message: `${count} closed workbench lanes` }).toBe(count);
}

test('a step stays undone when the server fails the connection for another rule, and turns green for its own', async ({
  lessonPage: app,
  lessonServer: server,
}) => {
  const lesson = await fetchLesson(server.url, SLUG);
  const walker = new LessonWalker(app, server.url, lesson);
  const unmasked = lesson.steps[0]!;
  await walker.open(unmasked);
  // RSV1 and a reserved opcode also get close 1002, on workbench connections: not the answer to
  // an unmasked frame.
  await walker.sendPreset('rsv1');
  await walker.sendPreset('reserved-opcode');
  await workbenchClosed(app, 2);
  expect(await walker.checkStates()).toEqual(['pending', 'pending']);
  await expect(app.locator('.checks')).toHaveAttribute('data-state', 'pending');
  await walker.sendPreset('unmasked');
  await walker.expectStepDone(unmasked);

  // Broken UTF-8 calls for 1007 (RFC 6455 §8.1): an unmasked frame's 1002 does not do.
  const utf8 = lesson.steps[5]!;
  await walker.open(utf8);
  await walker.sendPreset('unmasked');
  await walker.sendPreset('close-1005');
  await workbenchClosed(app, 5);
  expect(await walker.checkStates()).toEqual(['pending', 'pending']);
  await walker.sendPreset('utf8-split');
  await walker.expectStepDone(utf8);
});

test('every step of lesson 14 fits its column at 1280×800, code blocks included', async ({
  lessonPage: app,
  lessonServer: server,
}) => {
  const lesson = await fetchLesson(server.url, SLUG);
  const walker = new LessonWalker(app, server.url, lesson);
  for (const step of lesson.steps) {
    await walker.open(step);
    const body = app.locator('.lesson-body');
    const { scrollWidth, clientWidth } = await body.evaluate((el) => ({
      scrollWidth: el.scrollWidth,
      clientWidth: el.clientWidth,
    }));
    expect(scrollWidth, `step ${step.number}`).toBeLessThanOrEqual(clientWidth);
    // No code block needs sideways scrolling to be read.
    await expect(body.locator('pre[data-scrolls]'), `step ${step.number}`).toHaveCount(0);
    const box = await app.locator('.checks').boundingBox();
    expect(box!.height, `step ${step.number}: the checks are legible`).toBeGreaterThan(40);
  }
});
