// Classroom mode in a real browser: two learners in their own browser contexts (two sessions)
// each see, in their own inspector, their own chat connection and their own snippet run, and
// nothing of the other's — the snippet's socket reaching its learner's tap through the run
// capability, since its opaque-origin sandbox sends no cookie.
import { expectOwnFramesOnly, twoLearnersTalk } from './classroom-learners';
import { expect, test } from './fixtures';

test.use({ serverOptions: { classroom: true } });

test("each learner's inspector shows their own chat and snippet run, and none of the other's", async ({
  browser,
  server,
}, testInfo) => {
  // Two full playgrounds at once on a busy machine.
  test.setTimeout(120_000);
  const contexts = [await browser.newContext(), await browser.newContext()];
  try {
    const [ada, grace] = await twoLearnersTalk(contexts, server.url);
    for (const [own, other] of [
      [ada, grace],
      [grace, ada],
    ] as const) {
      await expectOwnFramesOnly(own, other);
      const { page, said, ran } = own;
      const frames = page.getByTestId('frame-row');
      // Each lane is named for what opened it: the page counts its history by its own records only.
      await expect(frames.filter({ hasText: said }).first()).toHaveAttribute('data-lane', 'chat');
      await expect(frames.filter({ hasText: ran }).first()).toHaveAttribute('data-lane', /^run \d+$/);
      // Two connections, the chat's and the run's: the other learner's never reached this page's tap.
      const conns = new Set(
        await frames.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-conn'))),
      );
      expect(conns.size).toBe(2);
      // The snippet's socket carried its run capability, and nothing a learner reads shows it.
      await expect(page.locator('body')).not.toContainText('wslab_run');
      const inspector = page.getByTestId('inspector');
      const overflow = await inspector.evaluate((el) => el.scrollWidth - el.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
    }
    await ada.page.screenshot({ path: testInfo.outputPath('ada.png') });
    await grace.page.screenshot({ path: testInfo.outputPath('grace.png') });
  } finally {
    for (const context of contexts) await context.close();
  }
});
