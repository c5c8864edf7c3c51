import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { TapEvent, TapOpenEvent } from '../../core/tap/events';
import { expect, seriousViolations, test } from './fixtures';

test('Check a server runs the whole suite against the echo server, shows the report and points the inspector at a case’s connection', async ({
  app,
  tap,
}, testInfo) => {
  test.setTimeout(90_000);
  await app.getByTestId('tab-workbench').click();
  const panel = app.getByTestId('check-panel');
  await expect(panel.getByTestId('check-target')).toHaveValue(/^ws:\/\/127\.0\.0\.1:\d+\/echo$/);
  await panel.getByTestId('check-server').click();

  // The progress bar moves: seen part way, then full.
  const text = panel.getByTestId('check-progress-text');
  await expect(text).toHaveText(/^\d+ of \d+ cases$/);
  const total = Number((await panel.getByTestId('check-progress').getAttribute('max')) ?? 0);
  expect(total).toBeGreaterThan(100);
  await expect(text).toHaveText(`${total} of ${total} cases`, { timeout: 60_000 });

  const report = app.getByTestId('check-report');
  await expect(report).toBeVisible();
  await expect(report.getByTestId('check-summary')).toHaveText(`${total} passed, 0 non-strict, 0 failed`);
  await expect(panel.getByTestId('check-status')).toContainText(`Done: ${total} passed`);
  const rows = report.getByTestId('check-case');
  await expect(rows).toHaveCount(total);
  // Grouped by section, each verdict a word beside its colour.
  await expect(report.getByTestId('check-group')).toHaveCount(7);
  const first = rows.first();
  await expect(first.locator('.check-verdict')).toHaveText('✓ pass');
  await expect(first).toContainText('§');
  await expect(first).toContainText(' ms');

  // Legible at 1280×800: the dialog is large, and no row is wider than the table's box.
  const box = await report.boundingBox();
  expect(box!.width).toBeGreaterThan(900);
  expect(box!.height).toBeGreaterThan(500);
  const wrap = report.locator('.check-table-wrap');
  const { scrollWidth, clientWidth } = await wrap.evaluate((el) => ({
    scrollWidth: el.scrollWidth,
    clientWidth: el.clientWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
  await app.screenshot({ path: testInfo.outputPath('conformance-report.png') });

  expect(await seriousViolations(app, '[data-testid="check-report"]')).toEqual([]);

  // The filter: no case failed, so the failed view says so in words.
  await report.getByTestId('check-filter').selectOption('fail');
  await expect(report).toContainText('No case failed.');
  await report.getByTestId('check-filter').selectOption('all');

  // Download the report: the command line's self-contained HTML, with every case in it.
  const downloading = app.waitForEvent('download');
  await report.getByTestId('check-download').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^wslab-conformance-127\.0\.0\.1-\d+\.html$/);
  const html = readFileSync((await download.path())!, 'utf8');
  expect(html).toContain('WebSocket conformance report');
  expect(html).toContain(`${total} cases: ${total} pass, 0 non-strict, 0 fail`);
  expect(html.match(/<details class="case"/g)).toHaveLength(total);

  // A case's link: the inspector then lists that case's connection only.
  const row = report.locator('[data-testid="check-case"][data-case="7.1.1"]');
  const link = row.getByTestId('check-show-frames');
  const conn = (await link.getAttribute('data-conn')) ?? '';
  await expect(link).toHaveText(`Show ${conn}`);
  expect(conn).toMatch(/^c\d+$/);
  await link.click();
  await expect(report).toBeHidden();
  const frames = app
    .getByTestId('frame-list')
    .locator('[data-testid="frame-row"], [data-testid="message-row"]');
  await expect(frames.first()).toBeVisible();
  await expect
    .poll(
      async () =>
        new Set(await frames.evaluateAll((list) => list.map((r) => (r as HTMLElement).dataset.conn))),
    )
    .toEqual(new Set([conn]));
  // What the server saw: that connection, once, as kind workbench.
  const open = await tap.find(
    (event: TapEvent): event is TapOpenEvent => event.type === 'open' && event.conn === conn,
  );
  expect(open.kind).toBe('workbench');
  expect(tap.events.filter((e) => e.type === 'open' && e.remote === open.remote)).toHaveLength(1);
  await app.screenshot({ path: testInfo.outputPath('inspector-filtered.png') });

  // The report opens again from the pane, by keyboard.
  await panel.getByTestId('check-open-report').focus();
  await app.keyboard.press('Enter');
  await expect(report).toBeVisible();

  // The first case's connection is some 200 connections old, far past the lanes listed, but the
  // lane the frames are filtered to is listed with them.
  const early = report
    .locator('[data-testid="check-case"][data-case="1.1.1"]')
    .getByTestId('check-show-frames');
  const earlyConn = (await early.getAttribute('data-conn')) ?? '';
  await early.click();
  await expect(report).toBeHidden();
  const lane = app.locator(`[data-testid="connection"][data-conn="${earlyConn}"]`);
  await expect(lane).toBeVisible();
  await expect(lane).toHaveAttribute('data-selected', 'true');
});

test('a check can be cancelled, and a refused or unreachable target is said in plain words', async ({
  app,
}, testInfo) => {
  test.setTimeout(60_000);
  await app.getByTestId('tab-workbench').click();
  const panel = app.getByTestId('check-panel');

  // Outside this machine: refused before any connection.
  await panel.getByTestId('check-target').fill('ws://192.0.2.10:9001/');
  await panel.getByTestId('check-server').click();
  await expect(panel.getByTestId('check-status')).toContainText('That server is refused');
  await expect(panel.getByTestId('check-status')).toContainText('--allow-target 192.0.2.10:9001');
  await expect(panel.getByTestId('check-server')).toBeEnabled();

  // Nothing listens on port 9 of this machine (discard).
  await panel.getByTestId('check-target').fill('ws://127.0.0.1:9/');
  await panel.getByTestId('check-target').press('Enter');
  await expect(panel.getByTestId('check-status')).toContainText('Nothing was checked');
  await expect(panel.getByTestId('check-status')).toContainText('refused the connection');

  await panel.getByTestId('check-target').fill('');
  await panel.getByTestId('check-cases').fill('99');
  await panel.getByTestId('check-server').click();
  await expect(panel.getByTestId('check-status')).toContainText('No case has that number');

  // A server that never echoes: every echo case waits out its time, so Cancel comes part way.
  const mute = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  mute.on('connection', (socket) => socket.on('error', () => {}));
  await once(mute, 'listening');
  await panel.getByTestId('check-target').fill(`ws://127.0.0.1:${(mute.address() as AddressInfo).port}/`);
  await panel.getByTestId('check-cases').fill('');
  await panel.getByTestId('check-server').click();
  await expect(panel.getByTestId('check-progress-text')).toHaveText(/^[1-9]\d* of \d+ cases$/);
  await panel.getByTestId('check-cancel').click();
  const report = app.getByTestId('check-report');
  await expect(report).toBeVisible();
  await expect(report.getByTestId('check-meta')).toContainText('cancelled before the end');
  await expect(panel.getByTestId('check-status')).toContainText('Cancelled after');
  await app.screenshot({ path: testInfo.outputPath('conformance-cancelled.png') });
  for (const client of mute.clients) client.terminate();
  await new Promise((resolve) => mute.close(resolve));
});
