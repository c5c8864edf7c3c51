// A class as a school runs it, in a real browser: three instances sharing Redis behind nginx
// (deploy/nginx.conf, started as `npm run classroom:local` starts it). Two learners' pages, their
// snippets' sockets (which carry a run capability, not the cookie) and the instructor's board and
// Watch all go through nginx; each learner sees only their own, the board sees everyone.
import { type ClassLaunch, launchClass, missingPackages } from '../../scripts/classroom/launch';
import { expectOwnFramesOnly, twoLearnersTalk } from './classroom-learners';
import { expect, test } from './fixtures';

const TOKEN = 'a-class-in-the-browser-0123456789';
const missing = missingPackages();

test.describe('a class behind nginx', () => {
  test.skip(
    missing.length > 0,
    `${missing.join(' and ')} not installed (apt-get install -y nginx redis-server)`,
  );
  let launch: ClassLaunch;
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    launch = await launchClass({ instances: 3, port: 0, instructorToken: TOKEN, log: () => {} });
  });
  test.afterAll(async () => {
    await launch?.stop();
  });

  test('each learner sees their own chat and snippet, and the board and Watch reach every instance', async ({
    browser,
  }, testInfo) => {
    test.setTimeout(150_000);
    const contexts = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
    const teachContext = contexts[2];
    try {
      const [ada, grace] = await twoLearnersTalk(contexts, launch.url);
      await expectOwnFramesOnly(ada, grace);
      await expectOwnFramesOnly(grace, ada);

      await ada.page.getByTestId('nickname').fill('Ada');
      await ada.page.getByTestId('share-traffic').check();
      const board = await teachContext!.newPage();
      await board.setViewportSize({ width: 1280, height: 800 });
      await board.goto(`${launch.url}teach?token=${TOKEN}`);
      await expect(board.getByTestId('board-status')).toHaveText('live');
      const rows = board.getByTestId('board-row');
      await expect(rows).toHaveCount(2);
      const adaRow = rows.filter({ hasText: 'Ada' });
      await expect(adaRow.locator('td.num')).toHaveText('1');
      const [watch] = await Promise.all([
        teachContext!.waitForEvent('page'),
        adaRow.getByTestId('watch').click(),
      ]);
      await expect(watch.getByTestId('frame-row').filter({ hasText: ada.said })).toHaveCount(2);
      await expect(watch.getByTestId('frame-row').filter({ hasText: ada.ran })).toHaveCount(2);
      await expect(watch.getByTestId('frame-row').filter({ hasText: grace.said })).toHaveCount(0);
      await board.screenshot({ path: testInfo.outputPath('board-behind-nginx.png') });
      await watch.close();
    } finally {
      await Promise.all(contexts.map((context) => context.close()));
    }
  });
});
