// The sequence diagram: a terminal connection's opening handshake, its text frames both ways, the
// server's pings and the browser's pongs, and its closing handshake drawn as arrows between the
// client and wslab; through /proxy, a third lifeline for the upstream. Clicking an arrow, or
// Enter on it, opens the frame's anatomy as clicking its row does.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Locator, Page } from '@playwright/test';
import { WebSocket, WebSocketServer } from 'ws';
import { LIVE_PATH } from '../../core/routes';
import { expect, terminalCommand, test, unique } from './fixtures';

const arrows = (page: Page) => page.getByTestId('sequence').locator('[data-testid="sequence-arrow"]');

/**
 * Walks the diagram's list with the keyboard from its top until `target` is drawn: only the
 * arrows in view exist, and how many fit depends on the panes around it.
 */
async function reach(sequence: Locator, target: Locator): Promise<void> {
  const list = sequence.getByRole('listbox');
  await list.press('Home');
  for (let step = 0; step < 80 && (await target.count()) === 0; step++) await list.press('ArrowDown');
  await expect(target.first()).toBeVisible();
  // Wholly in view before anyone clicks it: scrolling to click a half-shown arrow redraws the
  // rows, and the row element under the pointer may by then hold the next arrow.
  await target.first().evaluate((row) => row.scrollIntoView({ block: 'center' }));
  await expect(target.first()).toBeInViewport({ ratio: 1 });
}

async function expectWhole(row: Locator): Promise<void> {
  expect(await row.locator('.seq-label').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
}

/** The arrow's line: solid or dashed, and its colour. */
function lineStyle(row: Locator): Promise<{ dash: string; colour: string }> {
  return row.locator('.seq-line').evaluate((line) => {
    const css = getComputedStyle(line);
    return { dash: css.borderTopStyle, colour: css.borderTopColor };
  });
}

async function openSequence(page: Page): Promise<Locator> {
  await page.getByRole('tab', { name: 'Sequence' }).click();
  const sequence = page.getByTestId('sequence');
  await expect(sequence).toBeVisible();
  return sequence;
}

/** Two boxes share no pixel. */
function apart(a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean {
  return a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
}

test('a terminal session is drawn as a sequence: handshake, text both ways, pings, the closing handshake', async ({
  app,
  errors,
}) => {
  // A second of pings and many steps: more than the default on a busy machine.
  test.setTimeout(60_000);
  const text = unique('seq');
  await terminalCommand(app, 'connect /echo?ping=1000');
  await expect(app.getByTestId('terminal').locator('.xterm-rows')).toContainText('connected');
  await terminalCommand(app, `send ${text}`);
  // A ping from the server and the browser's pong, then the closing handshake.
  await expect(
    app.locator('[data-testid="frame-row"][data-lane="terminal"][data-opcode="pong"]').first(),
  ).toBeAttached();
  await terminalCommand(app, 'close 1000 bye');
  await expect(app.locator('[data-testid="connection"][data-role="terminal"]')).toContainText('closed 1000');

  const sequence = await openSequence(app);
  // Only the terminal's connection: pick its lane, as the frame list is filtered.
  await app.locator('[data-testid="connection"][data-role="terminal"] .lane-head').click();
  await expect(sequence.getByTestId('sequence-scope')).toContainText('terminal');
  await expect(sequence).toHaveAttribute('data-lifelines', '2');
  // It follows the newest arrow; Home goes back to the start.
  await sequence.getByRole('listbox').press('Home');

  const request = sequence.getByTestId('sequence-request');
  await expect(request).toContainText('GET /echo?ping=1000 HTTP/1.1 · opening handshake');
  await expect(request).toHaveAttribute('data-sender', 'client');
  const response = sequence.getByTestId('sequence-response');
  await expect(response).toContainText('101 Switching Protocols');
  await expect(response).toContainText('accept ✓');
  // The labels of the handshake and of short frames are whole.
  await expectWhole(request);
  await expectWhole(response);

  const sent = arrows(app).filter({ hasText: text }).and(app.locator('[data-dir="client"]'));
  await reach(sequence, sent);
  await expect(sent).toHaveCount(1);
  await expect(sent).toHaveAttribute('data-style', 'data');
  await expect(sent).toContainText(`text ${text.length} B`);
  await expectWhole(sent);
  const data = await lineStyle(sent);
  const echoed = arrows(app).filter({ hasText: `Server received: '${text}'` });
  await reach(sequence, echoed);
  await expect(echoed).toHaveAttribute('data-dir', 'server');

  const ping = arrows(app).and(app.locator('[data-opcode="ping"]')).first();
  await reach(sequence, ping);
  await expect(ping).toHaveAttribute('data-style', 'control');
  await expect(ping).toHaveAttribute('data-dir', 'server');
  // Control frames are drawn dashed, in another colour than the data frames.
  const control = await lineStyle(ping);
  expect(control.dash).toBe('dashed');
  expect(data.dash).toBe('solid');
  expect(control.colour).not.toBe(data.colour);
  const pong = arrows(app).and(app.locator('[data-opcode="pong"]')).first();
  await reach(sequence, pong);
  await expect(pong).toHaveAttribute('data-dir', 'client');

  // Readable at 1280×800: no two labels overlap.
  const boxes = await sequence
    .locator('[data-testid^="sequence-"] .seq-label > span')
    .evaluateAll((spans) => spans.map((span) => span.getBoundingClientRect().toJSON()));
  expect(boxes.length).toBeGreaterThanOrEqual(4);
  for (let i = 1; i < boxes.length; i++) expect(apart(boxes[i - 1], boxes[i])).toBe(true);
  await app.screenshot({ path: test.info().outputPath('sequence.png') });

  // Clicking an arrow opens its frame, exactly as clicking its row.
  await reach(sequence, sent);
  await sent.click();
  const detail = app.getByTestId('frame-detail');
  await expect(detail.locator('.anatomy')).toHaveAttribute('data-opcode', 'text');
  await expect(detail).toContainText('MASK=1');
  await expect(sent).toHaveAttribute('aria-selected', 'true');
  // The keyboard: the arrows' list, Home to the handshake, down to the first frame, Enter.
  const list = sequence.getByRole('listbox');
  await list.focus();
  await app.keyboard.press('Home');
  await app.keyboard.press('ArrowDown');
  await app.keyboard.press('ArrowDown');
  await expect(list).toHaveAttribute('aria-activedescendant', /.+/);
  const active = sequence.locator('.seq-row.active');
  await expect(active).toHaveAttribute('data-testid', 'sequence-arrow');
  const id = await active.getAttribute('data-id');
  await app.keyboard.press('Enter');
  await expect(detail).toHaveAttribute('data-frame-id', id!);

  // End: the closing handshake, both close frames, then the end of the TCP connection.
  await app.keyboard.press('End');
  const closes = arrows(app).and(app.locator('[data-opcode="close"]'));
  await expect(closes).toHaveCount(2);
  await expect(closes.first()).toHaveAttribute('data-dir', 'client');
  await expect(closes.first()).toContainText('1000 normal "bye"');
  await expect(closes.last()).toHaveAttribute('data-dir', 'server');
  await expect(sequence.getByTestId('sequence-end')).toContainText(
    'TCP closed · 1000 normal "bye" · client closed, clean',
  );

  await app.screenshot({ path: test.info().outputPath('sequence-end.png') });
  // The frame list shows the same frame selected.
  await app.getByRole('tab', { name: 'Frames' }).click();
  await expect(app.locator('[data-testid="frame-row"][aria-selected="true"]')).toHaveAttribute(
    'data-id',
    id!,
  );
  expect(errors.messages.filter((m) => !m.includes('WebSocket'))).toEqual([]);
});

test('the view switch is a tab list the keyboard operates', async ({ app }) => {
  const frames = app.getByRole('tab', { name: 'Frames' });
  await expect(frames).toHaveAttribute('aria-selected', 'true');
  await frames.focus();
  await app.keyboard.press('ArrowRight');
  const sequence = app.getByRole('tab', { name: 'Sequence' });
  await expect(sequence).toHaveAttribute('aria-selected', 'true');
  await expect(sequence).toBeFocused();
  await expect(app.getByTestId('sequence')).toBeVisible();
  await expect(app.getByTestId('frame-list')).toBeHidden();
  await app.keyboard.press('ArrowLeft');
  await expect(frames).toHaveAttribute('aria-selected', 'true');
  await expect(app.getByTestId('frame-list')).toBeVisible();
});

test('through /proxy the diagram has three lifelines: client, wslab and the upstream', async ({ app }) => {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  server.on('connection', (socket) => socket.on('message', (data) => socket.send(`upstream got ${data}`)));
  const port = (server.address() as AddressInfo).port;
  try {
    await expect(app.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
    await app.getByTestId('proxy-target').fill(`ws://127.0.0.1:${port}/room`);
    await app.getByTestId('proxy-target').press('Enter');
    await expect(app.getByTestId('chat-status')).toContainText('through wslab');
    const text = unique('relayed');
    await app.getByTestId('chat-input').fill(text);
    await app.getByTestId('chat-input').press('Enter');
    await expect(app.getByTestId('chat-log')).toContainText(`Server: upstream got ${text}`);

    const sequence = await openSequence(app);
    await app.locator('[data-testid="connection"][data-label="proxy"] .lane-head').click();
    await expect(sequence).toHaveAttribute('data-lifelines', '3');
    await expect(sequence.locator('.seq-head')).toHaveText(['client', 'wslab', `127.0.0.1:${port}`]);
    const request = sequence.getByTestId('sequence-request');
    await expect(request).toContainText('GET /proxy?target=');
    // Relayed: each arrow runs from one end to the other through wslab.
    const sent = arrows(app).filter({ hasText: text }).and(app.locator('[data-dir="client"]'));
    const answer = arrows(app).filter({ hasText: `upstream got ${text}` });
    await expect(answer).toHaveAttribute('data-dir', 'server');
    for (const row of [request, sent, answer]) {
      await reach(sequence, row);
      await expect(row.locator('.seq-via')).toHaveCount(1);
      const [line, via, heads] = await Promise.all([
        row.locator('.seq-line').boundingBox(),
        row.locator('.seq-via').boundingBox(),
        sequence
          .locator('.seq-head')
          .evaluateAll((all) => all.map((el) => el.getBoundingClientRect().toJSON())),
      ]);
      expect(line!.x).toBeLessThan(heads[0].x + heads[0].width);
      expect(line!.x + line!.width).toBeGreaterThan(heads[2].x);
      expect(via!.x).toBeGreaterThan(heads[1].x - 5);
      expect(via!.x).toBeLessThan(heads[1].x + heads[1].width);
    }
    await app.screenshot({ path: test.info().outputPath('sequence-proxy.png') });
  } finally {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a fragmented reply is bracketed as one message, and a refused handshake is drawn as a refusal', async ({
  app,
}) => {
  const text = unique('in-pieces');
  await terminalCommand(app, 'connect /echo?fragment=8');
  await expect(app.getByTestId('terminal').locator('.xterm-rows')).toContainText('connected');
  await terminalCommand(app, `send ${text}`);
  const reply = `Server received: '${text}'`;
  const pieces = Math.ceil(reply.length / 8);
  await expect(app.getByTestId('terminal').locator('.xterm-rows')).toContainText(`< ${reply}`);

  const sequence = await openSequence(app);
  await app.locator('[data-testid="connection"][data-role="terminal"] .lane-head').click();
  await sequence.getByRole('listbox').press('Home');
  // The handshake, the text sent, and the reply in pieces.
  await expect(sequence.getByTestId('sequence-scope')).toContainText(`${3 + pieces} arrows`);
  const fragments = arrows(app).and(app.locator('[data-dir="server"]'));
  await reach(sequence, fragments.nth(1));
  await expect(fragments.first()).toHaveAttribute('data-fragment', 'first');
  await expect(fragments.first()).toContainText(`text 8 B · 1st of ${pieces} frames`);
  await expect(fragments.nth(1)).toHaveAttribute('data-fragment', 'middle');
  // The bracket opens at the top of the first frame and runs on through the next.
  await expect(fragments.first().locator('.seq-bracket.frag-first')).toHaveCount(1);
  await expect(fragments.nth(1).locator('.seq-bracket.frag-middle')).toHaveCount(1);
  const [top, next] = await Promise.all([
    fragments.first().locator('.seq-bracket').boundingBox(),
    fragments.nth(1).locator('.seq-bracket').boundingBox(),
  ]);
  expect(Math.abs(top!.y + top!.height - next!.y)).toBeLessThan(1);
  await app.screenshot({ path: test.info().outputPath('sequence-fragments.png') });
  // It closes at the bottom of the last.
  await sequence.getByRole('listbox').press('End');
  await expect(fragments.last()).toHaveAttribute('data-fragment', 'last');
  await expect(fragments.last()).toContainText('continuation');
  await expect(fragments.last().locator('.seq-bracket.frag-last')).toHaveCount(1);

  // A path nothing answers on: the server refuses the upgrade (HTTP 404), and that is the end.
  await terminalCommand(app, 'connect /nowhere');
  const refused = app.locator('[data-testid="connection"]').filter({ hasText: '/nowhere' });
  await expect(refused).toHaveCount(1);
  await refused.locator('.lane-head').click();
  await expect(sequence.getByTestId('sequence-request')).toContainText('GET /nowhere HTTP/1.1');
  const refusal = sequence.getByTestId('sequence-response');
  await expect(refusal).toHaveAttribute('data-style', 'refusal');
  await expect(refusal).toContainText('404 Not Found · refused');
  await expect(sequence.getByTestId('sequence-end')).toContainText('TCP closed');
  await expect(arrows(app)).toHaveCount(0);
});

// Opening a frame's detail takes height from the diagram; the arrow picked must stay in view, both
// where the keys left the list and where it was following the newest arrow (scrolled to its end).
for (const { where, scroll, pick } of [
  { where: 'at the foot of the list, reached from Home', scroll: 'Home', pick: 'lowest' },
  { where: 'at the top, while the list follows the newest arrow', scroll: 'end', pick: 'highest' },
] as const) {
  test(`an arrow picked ${where} stays in view as the frame detail opens below it`, async ({
    app,
    server,
  }) => {
    await expect(app.locator('.tap-state[data-state="live"]')).toBeVisible();
    // More arrows than the diagram shows at once, so it scrolls.
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/echo`);
    await once(socket, 'open');
    let answers = 0;
    socket.on('message', () => answers++);
    for (let i = 0; i < 40; i++) socket.send(`pick ${i}`);
    await expect.poll(() => answers).toBe(40);
    socket.close();
    const sequence = await openSequence(app);
    const list = sequence.getByRole('listbox');
    // Earlier tests on this server may have drawn more: enough that the list scrolls is what counts.
    await expect
      .poll(() => list.evaluate((scroller) => scroller.scrollHeight > 2 * scroller.clientHeight))
      .toBe(true);
    if (scroll === 'Home') await list.press('Home');
    else await list.evaluate((scroller) => scroller.scrollTo({ top: scroller.scrollHeight }));
    // The arrow wholly in view, before the detail takes its share of the column.
    const id = await list.evaluate((scroller, pick) => {
      const box = scroller.getBoundingClientRect();
      const whole = [...scroller.querySelectorAll<HTMLElement>('[data-testid="sequence-arrow"]')]
        .filter((row) => {
          const own = row.getBoundingClientRect();
          return !row.hidden && own.top >= box.top && own.bottom <= box.bottom;
        })
        .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
      return (pick === 'lowest' ? whole.at(-1) : whole[0])?.dataset.id ?? null;
    }, pick);
    expect(id).not.toBeNull();
    const picked = sequence.locator(`[data-testid="sequence-arrow"][data-id="${id}"]`);
    const before = (await list.boundingBox())!.height;
    await picked.click();
    await expect(app.getByTestId('frame-detail')).toHaveAttribute('data-frame-id', id!);
    // The detail took height from the diagram, and the picked arrow is still drawn, whole and selected.
    await expect.poll(async () => (await list.boundingBox())!.height).toBeLessThan(before - 40);
    await expect(picked).toHaveAttribute('aria-selected', 'true');
    const inView = () =>
      picked.evaluate((row) => {
        const box = row.closest('[role="listbox"]')!.getBoundingClientRect();
        const own = row.getBoundingClientRect();
        // A pixel's grace: the list's box is fractional where its rows are whole pixels.
        return own.top >= box.top - 1 && own.bottom <= box.bottom + 1;
      });
    await expect.poll(inView).toBe(true);
    await app.screenshot({ path: test.info().outputPath(`sequence-picked-${pick}.png`) });
  });
}

test('100 000 frames: the diagram draws only the arrows in view, and a jump to the middle is quick', async ({
  app,
  server,
}) => {
  test.setTimeout(120_000);
  await expect(app.locator('.tap-state[data-state="live"]')).toBeVisible();
  // 50 000 messages to the echo server, each answered: 100 000 frames, sent in paced chunks so
  // the tap keeps up.
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/echo`);
  await once(socket, 'open');
  let answers = 0;
  socket.on('message', () => answers++);
  for (let chunk = 0; chunk < 50; chunk++) {
    for (let i = 0; i < 1000; i++) socket.send(`flood ${chunk * 1000 + i}`);
    await expect.poll(() => answers, { timeout: 20_000 }).toBeGreaterThanOrEqual((chunk + 1) * 1000 - 500);
  }
  await expect.poll(() => answers, { timeout: 20_000 }).toBe(50_000);
  socket.close();
  const frames = () =>
    app.evaluate(() => (window as unknown as { wslabStats: { frames: number } }).wslabStats.frames);
  await expect.poll(frames, { timeout: 60_000 }).toBeGreaterThanOrEqual(100_000);

  const sequence = await openSequence(app);
  const scroller = sequence.getByRole('listbox');
  await expect(sequence.getByTestId('sequence-scope')).toContainText(/all connections · 100,0\d\d arrows/);
  // Only what is in view is in the DOM.
  const rows = sequence.locator('.seq-row:not([hidden])');
  expect(await rows.count()).toBeLessThan(40);
  // A jump to the middle: one scroll, one render of a screenful, in a few milliseconds.
  const took = await scroller.evaluate((element) => {
    const started = performance.now();
    element.scrollTop = element.scrollHeight / 2;
    element.dispatchEvent(new Event('scroll'));
    return performance.now() - started;
  });
  // A few milliseconds on an idle machine; the bound leaves room for a busy one, and is still far
  // below what drawing or even reading every arrow would cost.
  expect(took).toBeLessThan(250);
  expect(await rows.count()).toBeLessThan(40);
  await expect(rows.first()).toContainText('flood');
  await app.screenshot({ path: test.info().outputPath('sequence-100k.png') });
});

test('a Live API session: each arrow carries its message kind', async ({ app }) => {
  // The Live stand-in and the editor load beside it: slow on a busy machine.
  test.setTimeout(60_000);
  await terminalCommand(app, `connect ${LIVE_PATH}?chunkMs=0`);
  await expect(app.getByTestId('terminal').locator('.xterm-rows')).toContainText('connected');
  await app.locator('[data-testid="terminal"] .xterm').click();
  await app.keyboard.insertText(
    `send ${JSON.stringify({ setup: { model: 'models/gemini-live-2.5-flash-preview', generationConfig: { responseModalities: ['TEXT'] } } })}`,
  );
  await app.keyboard.press('Enter');
  await expect(
    app.locator('[data-testid="frame-row"][data-lane="terminal"]').filter({ hasText: 'setupComplete' }),
  ).toHaveCount(1);

  const sequence = await openSequence(app);
  await app.locator('[data-testid="connection"][data-role="terminal"] .lane-head').click();
  await sequence.getByRole('listbox').press('Home');
  const setup = arrows(app).and(app.locator('[data-dir="client"]')).first();
  await expect(setup.locator('.seq-label')).toContainText(/^text \d+ B · setup · /);
  const complete = arrows(app).and(app.locator('[data-dir="server"]')).first();
  // The server's JSON comes in a binary frame, as the public service sends it.
  await expect(complete.locator('.seq-label')).toContainText(/^binary \d+ B · setupComplete/);
});
