// What a lesson's text says the terminal shows, checked in the page: the step's code (the
// starting snippet, or the solution with the edit the text asks for) runs, and the terminal
// prints what the prose promises.
import { expect } from './fixtures';
import { fetchLesson, LessonWalker, test } from './lesson-walk';

async function walkerAt(
  page: import('@playwright/test').Page,
  baseUrl: string,
  slug: string,
  step: number,
): Promise<LessonWalker> {
  const lesson = await fetchLesson(baseUrl, slug);
  const walker = new LessonWalker(page, baseUrl, lesson);
  await walker.open(lesson.steps[step - 1]!);
  await test.step('clear the terminal', async () => {
    await page.locator('[data-testid="terminal"] .xterm').click();
    await page.keyboard.type('clear');
    await page.keyboard.press('Enter');
  });
  return walker;
}

/**
 * Keeps every line the snippet writes with console, as the sandbox posts it to the page for the
 * terminal: the terminal's rows show only what is in view, wrapped at its width.
 */
async function recordConsole(page: import('@playwright/test').Page): Promise<() => Promise<string>> {
  await page.evaluate(() => {
    const lines: string[] = [];
    window.addEventListener('message', (event) => {
      const data = event.data as { type?: string; text?: string } | null;
      if (data?.type === 'console' && typeof data.text === 'string') lines.push(data.text);
    });
    (window as unknown as { consoleLines: string[] }).consoleLines = lines;
  });
  return () => page.evaluate(() => (window as unknown as { consoleLines: string[] }).consoleLines.join('\n'));
}

test('10.2: the paced line reports the whole backlog unpaced, at most the high-water mark paced', async ({
  lessonPage: page,
  lessonServer: server,
}) => {
  test.slow();
  const walker = await walkerAt(page, server.url, 'flow-control', 2);
  const seen = await recordConsole(page);
  await walker.reset();
  let run = await walker.run();
  await expect
    .poll(seen, { timeout: 20_000 })
    .toContain('paced: 32 chunks sent, bufferedAmount never above 1048576 bytes');
  await walker.runEnded(run);
  await walker.showSolution();
  run = await walker.run();
  await expect
    .poll(seen)
    .toMatch(/paced: 32 chunks sent, bufferedAmount never above \d+ bytes\n[\s\S]*paced: 32 chunks sent/);
  const peaks = [...(await seen()).matchAll(/never above (\d+) bytes/g)].map((match) => Number(match[1]));
  const peak = peaks.at(-1)!;
  expect(peak).toBeGreaterThan(0);
  expect(peak).toBeLessThanOrEqual(128 * 1024);
  // 10.3: the 1009 close completed its handshake, so the browser calls it clean.
  await expect.poll(seen, { timeout: 20_000 }).toMatch(/size test closed: code 1009.*wasClean true/);
  await walker.runEnded(run);
});

test('9.4: a refused shop logs each wait, then gives up', async ({
  lessonPage: page,
  lessonServer: server,
}) => {
  test.slow();
  const walker = await walkerAt(page, server.url, 'reconnecting', 4);
  const seen = await recordConsole(page);
  await walker.showSolution();
  await walker.replace("ECHO_URL + '?dropAfter=3'", "SERVER_URL + '/shop-closed'");
  const run = await walker.run();
  await expect.poll(seen, { timeout: 20_000 }).toContain('giving up after 6 attempts in a row');
  expect((await seen()).match(/reconnecting in \d+ ms \(attempt \d of 6\)/g)).toHaveLength(6);
  await walker.runEnded(run);
});

test('13.2 and 13.4: the parts and the whole answer, and what the server heard', async ({
  lessonPage: page,
  lessonServer: server,
}) => {
  test.slow();
  const walker = await walkerAt(page, server.url, 'live-api', 2);
  const seen = await recordConsole(page);
  await walker.showSolution();
  const run = await walker.run();
  await expect.poll(seen, { timeout: 15_000 }).toMatch(/part: [\s\S]*turnComplete; the whole answer:/);
  // The microphone's session asked for transcription through `...extra` in `setup` (13.1).
  await expect.poll(seen, { timeout: 25_000 }).toContain('heard:');
  await walker.runEnded(run);
  // The transcription streams in pieces; talk() prints each phrase whole, once it is finished.
  const heard = (await seen()).split('\n').filter((line) => line.startsWith('heard:'));
  for (const line of heard) expect(line).toMatch(/^heard: \(audio: .*\)$/);
});

/**
 * The conversation's `context:` lines, split at the move: those printed before the second
 * `session ready (TEXT)` that follows the goAway notice, and those after it.
 */
function contextAroundMove(output: string): { before: number[]; after: number[] } {
  const lines = output.split('\n');
  const notice = lines.findIndex((line) => line.startsWith('goAway:'));
  const moved = lines.findIndex((line, i) => i > notice && line === 'session ready (TEXT)');
  expect(notice, 'the goAway notice').toBeGreaterThan(-1);
  expect(moved, 'a session ready after the notice').toBeGreaterThan(notice);
  const tokens = (part: string[]) =>
    part.flatMap((line) => /^context: (\d+) tokens$/.exec(line)?.slice(1).map(Number) ?? []);
  return { before: tokens(lines.slice(0, moved)), after: tokens(lines.slice(moved)) };
}

test('13.6: after goAway the session resumes on a new connection, its context growing on; without the handle it starts again', async ({
  lessonPage: page,
  lessonServer: server,
}) => {
  // Two whole runs of the lesson's snippet, each up to a minute on a busy machine.
  test.setTimeout(150_000);
  const walker = await walkerAt(page, server.url, 'live-api', 6);
  const seen = await recordConsole(page);
  await walker.showSolution();
  let run = await walker.run();
  await walker.runEnded(run, ['finished'], 60_000);
  let { before, after } = contextAroundMove(await seen());
  expect(before.length + after.length, 'one context line a question').toBe(4);
  expect(before.length).toBeGreaterThan(0);
  expect(after.length).toBeGreaterThan(0);
  const all = [...before, ...after];
  expect(await seen()).toMatch(/turnComplete; the whole answer: .* This is turn \d of a resumed session/);
  for (let i = 1; i < all.length; i++)
    expect(all[i], `context after question ${i + 1}`).toBeGreaterThan(all[i - 1]!);

  await page.evaluate(() => {
    (window as unknown as { consoleLines: string[] }).consoleLines.length = 0;
  });
  await walker.replace('handle: old.resumeHandle', 'handle: undefined');
  run = await walker.run();
  await walker.runEnded(run, ['finished'], 60_000);
  const resumed = after[0]!;
  ({ before, after } = contextAroundMove(await seen()));
  expect(after.length).toBeGreaterThan(0);
  // A new session reads only the next question: no more than the old one had read by then.
  expect(after[0], 'the first context on a new session').toBeLessThan(resumed);
  expect(after[0], 'the first context on a new session').toBeLessThanOrEqual(before.at(-1)!);
  expect(await seen()).not.toContain('resumed session');
});

test("7.2: the wire log shows the pings and pongs; the snippet's own output never mentions them", async ({
  lessonPage: page,
  lessonServer: server,
}) => {
  const walker = await walkerAt(page, server.url, 'ping-pong-and-keepalive', 2);
  const seen = await recordConsole(page);
  await walker.showSolution();
  const run = await walker.run();
  await expect(walker.terminal).toContainText('← ping 5 B "wslab"');
  await expect(walker.terminal).toContainText('→ pong 5 B "wslab"');
  await walker.runEnded(run);
  // Only the opening hint names them; no line tells of a ping that came or a pong that went.
  const lines = (await seen()).split('\n').filter((line) => !line.startsWith('open:'));
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.join('\n')).not.toMatch(/ping|pong/i);
});
