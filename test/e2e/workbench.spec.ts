import type { TapEvent, TapOpenEvent } from '../../core/tap/events';
import { expect, seriousViolations, test } from './fixtures';

test('an RSV1 frame built in the workbench gets close 1002, and the inspector shows it on a workbench lane', async ({
  app,
  tap,
}) => {
  await expect(app.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
  // The worker's server may hold other tests' workbench connections: only what comes next counts.
  await expect.poll(() => tap.events.some((e) => e.type === 'live')).toBe(true);
  const since = tap.events.length;
  const tab = app.getByTestId('tab-workbench');
  // The tabs work from the keyboard: arrow right from the snippet tab selects the workbench.
  await app.getByTestId('tab-snippet').focus();
  await app.keyboard.press('ArrowRight');
  await expect(tab).toHaveAttribute('aria-selected', 'true');
  await expect(tab).toBeFocused();
  const bench = app.getByTestId('workbench');
  await expect(bench).toBeVisible();
  await expect(app.locator('.editor-panel')).toBeHidden();

  await bench.getByTestId('wb-key').fill('37fa213d');
  await bench.getByTestId('wb-payload').fill('Hello');
  // The bytes follow the fields live: RFC 6455 §5.7's masked "Hello".
  await expect(bench.getByTestId('wb-bytes')).toHaveAttribute('data-hex', '818537fa213d7f9f4d5158');
  await bench.getByTestId('wb-rsv1').check();
  await expect(bench.getByTestId('wb-bytes')).toHaveAttribute('data-hex', 'c18537fa213d7f9f4d5158');
  await expect(bench.getByTestId('wb-expect')).toContainText('close 1002');

  await bench.getByTestId('wb-send').click();
  const queued = bench.getByTestId('wb-queued');
  await expect(queued).toHaveCount(1);
  await expect(queued).toHaveAttribute('data-verdict', '1002');
  await expect(queued.getByTestId('wb-verdict')).toContainText('close 1002');
  await expect(bench.getByTestId('wb-status')).toHaveAttribute('data-state', 'closed');
  await expect(bench.getByTestId('wb-status')).toContainText('The server closed with 1002');

  // What the server saw, independently of the page: one workbench connection, RSV1 on the wire.
  await expect
    .poll(() => tap.events.slice(since).some((e) => e.type === 'open' && e.kind === 'workbench'))
    .toBe(true);
  const open = tap.events
    .slice(since)
    .find((event: TapEvent): event is TapOpenEvent => event.type === 'open' && event.kind === 'workbench')!;
  await expect
    .poll(() =>
      tap.events.some(
        (e) =>
          e.type === 'frame' &&
          e.conn === open.conn &&
          e.dir === 'client' &&
          e.rsv1 &&
          e.violation !== undefined,
      ),
    )
    .toBe(true);

  // Its lane holds that one client frame.
  await app.locator(`[data-testid="connection"][data-conn="${open.conn}"] .lane-head`).click();
  const row = app.locator('[data-testid="frame-row"][data-lane="workbench"][data-dir="client"]');
  await expect(row).toHaveCount(1);
  await row.click();
  const detail = app.getByTestId('frame-detail');
  await expect(detail).toContainText('RSV1 is set, but no extension');
  await expect(detail).toContainText('workbench');
  await expect(
    app.locator('[data-testid="frame-row"][data-lane="workbench"][data-dir="server"]'),
  ).toContainText('1002');
});

test('a preset script puts the server verdict beside the frame that caused it, legibly at 1280×800', async ({
  app,
}, testInfo) => {
  await app.getByTestId('tab-workbench').click();
  const bench = app.getByTestId('workbench');
  await bench.getByTestId('wb-preset').selectOption('fragmented-close');
  const queued = bench.getByTestId('wb-queued');
  await expect(queued).toHaveCount(2);
  await bench.getByTestId('wb-send').click();
  // The close answers the first frame, the fragmented close, not the one written after it.
  await expect(queued.first()).toHaveAttribute('data-verdict', '1002');
  await expect(queued.nth(1)).not.toHaveAttribute('data-verdict', /./);
  // Sent, the script is still what Send writes: the whole of it again, not its last frame alone.
  await expect(bench.getByTestId('wb-send')).toHaveText('Send the script again (2)');
  await expect(bench.getByTestId('wb-expect')).toContainText('Send writes the script again: 2 frames');
  await expect(bench.getByTestId('wb-expect')).toHaveAttribute('data-close-code', '1002');
  await bench.getByTestId('wb-send').click();
  await expect(queued.first()).toHaveAttribute('data-verdict', '1002');
  await expect(queued.first().locator('.wb-answer-end')).toHaveCount(1);

  // A bad field is named, not sent.
  await bench.getByTestId('wb-key').fill('123');
  await expect(bench.getByTestId('wb-problem')).toContainText('a masking key is 4 bytes');
  await expect(bench.getByTestId('wb-key')).toHaveAttribute('aria-invalid', 'true');

  // Legible: nothing in the pane is wider than the pane.
  const body = bench.locator('.wb-body');
  const { scrollWidth, clientWidth } = await body.evaluate((el) => ({
    scrollWidth: el.scrollWidth,
    clientWidth: el.clientWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
  const box = await bench.boundingBox();
  expect(box!.width).toBeGreaterThan(300);
  expect(box!.height).toBeGreaterThan(200);
  await app.screenshot({ path: testInfo.outputPath('workbench.png') });
});

test('the workbench sends from the keyboard and, with a verdict shown, has no serious or critical axe violations', async ({
  app,
}) => {
  test.setTimeout(90_000);
  await app.getByTestId('tab-workbench').click();
  const bench = app.getByTestId('workbench');
  await bench.getByTestId('wb-preset').selectOption('unmasked');
  await expect(bench.getByTestId('wb-send')).toHaveText('Send script (1)');
  // From the keyboard: Ctrl+Enter anywhere in the pane sends.
  await bench.getByTestId('wb-payload').press('Control+Enter');
  await expect(bench.getByTestId('wb-queued')).toHaveAttribute('data-verdict', '1002');
  expect(await seriousViolations(app, '[data-testid="workbench"]')).toEqual([]);
});
