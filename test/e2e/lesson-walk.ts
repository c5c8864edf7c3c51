// Helpers for walking the course in the page as a learner does: open a step by its deep link,
// put code in the editor, run it, wait until the run has ended, and read the step's checks.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import { LESSON_FOLDER, type Lesson, type LessonStep } from '../../core/lessons/lesson-format';
import { type RunningServer, startServer } from '../../server/server';
import { test as base, expect, waitForEditor, waitForTerminal } from './fixtures';

/**
 * The shared fixtures, plus a server of the test's own. A lesson's flood (lesson 10 sends
 * megabytes) stays in that server's tap history instead of being replayed to every page the
 * worker opens afterwards, and a walk sees no other test's connections.
 */
export const test = base.extend<{ lessonServer: RunningServer; lessonPage: Page }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as a pattern
  lessonServer: async ({}, use) => {
    const server = await startServer({ port: 0, host: '127.0.0.1' });
    await use(server);
    await server.close();
  },
  lessonPage: async ({ page, lessonServer, errors }, use, testInfo) => {
    void errors;
    await page.goto(lessonServer.url);
    await use(page);
    await page.screenshot({ path: testInfo.outputPath('page.png'), fullPage: true });
  },
});

const utf8Length = (text: string): number => new TextEncoder().encode(text).length;

/**
 * What a step asks the learner to send in the chat, read from its prose: "send `hi` in the chat"
 * or "with the chat: send `hi`".
 */
export function chatLines(markdown: string): string[] {
  const asks = /send `([^`]+)` in the chat|the chat: send `([^`]+)`/gi;
  return [...markdown.matchAll(asks)].map((match) => match[1] ?? match[2]!);
}

/**
 * The workbench presets a step asks the learner to send, read from its prose: "pick the preset
 * `unmasked`". Each is picked in the workbench and sent, in the order the prose names them.
 */
export function workbenchPresets(markdown: string): string[] {
  return [...markdown.matchAll(/pick\s+the\s+preset\s+`([a-z0-9-]+)`/gi)].map((match) => match[1]!);
}

/**
 * The summary a step promises when it asks the learner to press **Check a server** ("210
 * passed, 0 non-strict, 0 failed"), or null when it asks for no check.
 */
export function promisedCheckSummary(markdown: string): string | null {
  if (!/press \*\*Check a server\*\*/i.test(markdown)) return null;
  return /^\d+ passed, \d+ non-strict, \d+ failed$/m.exec(markdown)?.[0] ?? null;
}

export interface LessonFolder {
  folder: string;
  /** From the folder name; null when the name breaks the `NN-slug` rule. */
  slug: string | null;
}

/** Every lesson folder, in course order, read from lessons/ as the loader reads it. */
export function lessonFolders(): LessonFolder[] {
  const dir = fileURLToPath(new URL('../../lessons', import.meta.url));
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^\d/.test(entry.name))
    .map((entry) => entry.name)
    .sort()
    .map((folder) => ({ folder, slug: LESSON_FOLDER.exec(folder)?.[2] ?? null }));
}

/** The lesson as the server serves it to the page. */
export async function fetchLesson(baseUrl: string, slug: string): Promise<Lesson> {
  const response = await fetch(`${baseUrl}api/lessons/${slug}`);
  expect(response.status, `GET /api/lessons/${slug}: ${await response.clone().text()}`).toBe(200);
  return (await response.json()) as Lesson;
}

/** How a run ended, as the run-state line says it (web/sandbox/runner.ts). */
export type RunEnd = 'finished' | 'stopped' | 'timeout' | 'replaced' | 'failed';

/**
 * One page, one lesson. Runs are numbered by the page from 1; the walker counts them too, so it
 * can wait for the end of exactly the run it started.
 */
export class LessonWalker {
  private runs = 0;
  /** The inspector's count of skipped events when the step was opened. */
  private droppedAtOpen = 0;
  readonly checks: Locator;
  readonly terminal: Locator;

  constructor(
    readonly page: Page,
    readonly baseUrl: string,
    readonly lesson: Lesson,
  ) {
    this.checks = page.getByTestId('step-check');
    this.terminal = page.getByTestId('terminal').locator('.xterm-rows');
  }

  /** Opens a step by its deep link and waits until its prose, checks, editor and terminal are up. */
  async open(step: LessonStep): Promise<void> {
    const { page, lesson } = this;
    const deepLink = `${this.baseUrl}#/lesson/${lesson.slug}/${step.number}`;
    await page.goto(deepLink);
    await expect(page).toHaveURL(deepLink);
    // The title's Markdown is rendered: its text is the title without the marks.
    const title = step.title.replace(/`([^`]+)`/g, '$1').replace(/\*\*([^*]+)\*\*/g, '$1');
    await expect(page.locator('.step-title')).toHaveText(
      `Step ${step.number} of ${lesson.steps.length}: ${title}`,
    );
    // The editor is hidden while the workbench, its neighbour tab, is open (lesson 14's steps).
    if ((await page.getByTestId('tab-workbench').getAttribute('aria-selected')) !== 'true')
      await waitForEditor(page);
    await waitForTerminal(page);
    // A freshly opened step has counted nothing yet, and shows one indicator per check.
    await expect(this.checks).toHaveCount(step.checks.length);
    this.droppedAtOpen = await this.inspectorDropped();
    for (const [i, entry] of step.checks.entries()) {
      const item = page.locator('.checks li').nth(i);
      await expect(item).toContainText(entry.$label);
      await expect(this.checks.nth(i)).toHaveAttribute('data-state', 'pending');
    }
  }

  /** "Show solution": the lesson's finished snippet replaces what the editor holds. */
  async showSolution(): Promise<void> {
    const { page } = this;
    await page.getByTestId('solution').click();
    // Code the learner edited (an earlier step's action) is only replaced once they say so. The
    // page asks in the click's own handler, so the question is there by the time the click is done.
    const replace = page.getByTestId('replace-confirm');
    if (await replace.isVisible()) await replace.click();
    await this.expectEditorToShow(this.lesson.solution!);
  }

  /** "Reset": the lesson's starting snippet. */
  async reset(): Promise<void> {
    await this.page.getByTestId('reset').click();
    await this.expectEditorToShow(this.lesson.snippet!);
  }

  /**
   * The editor shows `code`. Monaco renders only the lines in view, and a blank line as nothing,
   * so this reads the rendered lines top to bottom and finds them, in a row, among the code's
   * non-blank lines.
   */
  async expectEditorToShow(code: string): Promise<void> {
    const wanted = code
      .split('\n')
      .filter((line) => line.trim() !== '')
      .join('\n');
    const view = this.page.locator('[data-testid="editor"] .view-lines');
    await expect
      .poll(
        async () => {
          const shown = await view.evaluate((element) =>
            [...element.querySelectorAll<HTMLElement>('.view-line')]
              .map((line) => ({ top: Number.parseFloat(line.style.top), text: line.textContent ?? '' }))
              .sort((a, b) => a.top - b.top)
              .map((line) => line.text.replace(/\u00a0/g, ' '))
              .filter((line) => line.trim() !== '')
              .join('\n'),
          );
          return shown !== '' && wanted.includes(shown);
        },
        { message: 'the editor shows the expected code' },
      )
      .toBe(true);
  }

  /** Clicks into the editor's text, near its top left, where a line always is. */
  async focusEditor(): Promise<void> {
    await this.page.locator('[data-testid="editor"] .monaco-editor').click({ position: { x: 120, y: 10 } });
    await expect(this.page.locator('[data-testid="editor"] .monaco-editor')).toHaveClass(/\bfocused\b/);
  }

  /**
   * Finds `text` in the editor the way a learner finds a line in a long snippet, with Find
   * (Ctrl/Cmd+F): it must occur once. Escape closes Find and leaves the match selected.
   */
  async select(text: string): Promise<void> {
    const { page } = this;
    const widget = page.locator('[data-testid="editor"] .find-widget');
    await this.focusEditor();
    await page.keyboard.press('ControlOrMeta+F');
    await expect(widget.locator('textarea, input').first()).toBeFocused();
    await page.keyboard.insertText(text);
    await expect(widget.locator('.matchesCount')).toHaveText('1 of 1');
    await page.keyboard.press('Escape');
    await expect(widget).not.toHaveClass(/\bvisible\b/);
  }

  /** Types `text` right after the one occurrence of `after`. */
  async typeAfter(after: string, text: string): Promise<void> {
    await this.select(after);
    // Collapse the selection to its end, then type.
    await this.page.keyboard.press('ArrowRight');
    await this.page.keyboard.type(text);
    await this.expectLineText(`${after}${text}`);
  }

  /** Replaces the one occurrence of `text` with `replacement`, or deletes it. */
  async replace(text: string, replacement: string): Promise<void> {
    await this.select(text);
    if (replacement === '') await this.page.keyboard.press('Delete');
    else await this.page.keyboard.insertText(replacement);
    if (replacement !== '') await this.expectLineText(replacement);
  }

  /** Some rendered line of the editor contains `text`. */
  private async expectLineText(text: string): Promise<void> {
    const lines = this.page.locator('[data-testid="editor"] .view-lines');
    await expect
      .poll(async () => ((await lines.textContent()) ?? '').replace(/\u00a0/g, ' '), { message: 'the edit' })
      .toContain(text);
  }

  /** Presses Run (or Ctrl/Cmd+Enter in the editor); returns the run's number. */
  async run(via: 'button' | 'keyboard' = 'button'): Promise<number> {
    if (via === 'button') await this.page.getByTestId('run').click();
    else {
      await this.focusEditor();
      await this.page.keyboard.press('ControlOrMeta+Enter');
    }
    return ++this.runs;
  }

  /** Waits until run `n` has ended, as the run-state line reports it, in one of the ways given. */
  async runEnded(n: number, how: RunEnd[] = ['finished'], timeout = 35_000): Promise<void> {
    await expect(this.page.locator('.run-state')).toHaveText(new RegExp(`^run ${n} (${how.join('|')})$`), {
      timeout,
    });
    await expect(this.page.getByTestId('stop')).toBeDisabled();
  }

  /** Presses Stop if run `n` is still going (a learner moving on), and waits until it has ended. */
  async stopRun(n: number): Promise<void> {
    const stop = this.page.getByTestId('stop');
    // Forced: the run may end on its own in between, and a disabled button ignores the click.
    if (await stop.isEnabled()) await stop.click({ force: true });
    await this.runEnded(n, ['finished', 'stopped']);
  }

  /** The inspector's lanes for the connections run `n` opened. */
  runConnections(n: number): Locator {
    return this.page.locator(`[data-testid="connection"][data-label="run ${n}"]`);
  }

  /** How many events the inspector says it has not received or kept, since the page loaded. */
  async inspectorDropped(): Promise<number> {
    return Number((await this.page.locator('.inspector .counts').getAttribute('data-dropped')) ?? 0);
  }

  /**
   * Waits until the inspector has seen every connection of run `n` end (closed, or refused at the
   * handshake): the tap has delivered their last events, so the checks have counted all of them.
   * When the tap skips events for this page (a flood on a busy machine), a lane may never learn
   * that its connection closed: then the wait ends as soon as the inspector reports the skip.
   */
  async runConnectionsSettled(n: number): Promise<'settled' | 'tap skipped events'> {
    const lanes = this.runConnections(n);
    await expect.poll(() => lanes.count(), { message: `connections of run ${n}` }).toBeGreaterThan(0);
    let outcome = 'waiting' as 'settled' | 'tap skipped events' | 'waiting';
    await expect
      .poll(
        async () => {
          const states = await lanes.evaluateAll((all) =>
            all.map((lane) => (lane as HTMLElement).dataset.state),
          );
          if (states.every((state) => state === 'closed' || state === 'refused')) outcome = 'settled';
          else if ((await this.inspectorDropped()) > this.droppedAtOpen) outcome = 'tap skipped events';
          return outcome;
        },
        { message: `every connection of run ${n} has ended` },
      )
      .not.toBe('waiting');
    if (outcome === 'tap skipped events')
      test
        .info()
        .annotations.push({ type: 'tap skipped events', description: `${this.lesson.slug}, run ${n}` });
    return outcome as 'settled' | 'tap skipped events';
  }

  /**
   * Sends a line in the chat, as a learner would, and waits until the chat shows the server's
   * reply and the inspector both frames: the client's masked, the server's not, with their sizes.
   */
  async chat(text: string): Promise<void> {
    const { page } = this;
    const reply = `Server received: '${text}'`;
    await expect(page.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
    await page.getByTestId('chat-input').fill(text);
    await page.getByTestId('chat-input').press('Enter');
    await expect(page.getByTestId('chat-log')).toContainText(`You: ${text}`);
    await expect(page.getByTestId('chat-log')).toContainText(`Server: ${reply}`);
    const sent = await this.newestFrame('client', text);
    await expect(sent).toHaveAttribute('data-masked', 'true');
    await expect(sent.locator('.len')).toHaveText(`${utf8Length(text)} B`);
    const echoed = await this.newestFrame('server', reply);
    await expect(echoed).toHaveAttribute('data-masked', 'false');
    await expect(echoed.locator('.len')).toHaveText(`${utf8Length(reply)} B`);
  }

  /** The newest text frame in the inspector from `dir` whose payload is `text`. */
  private async newestFrame(dir: 'client' | 'server', text: string): Promise<Locator> {
    const list = this.page.getByTestId('frame-list');
    const rows = list
      .locator(`[data-testid="frame-row"][data-dir="${dir}"][data-opcode="text"]`)
      .filter({ has: this.page.locator('.preview', { hasText: JSON.stringify(text) }) });
    await expect
      .poll(
        async () => {
          // The frame list draws only the rows in view: scroll to its end, as a learner would.
          await list.evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
          return rows.count();
        },
        { message: `a ${dir} frame ${JSON.stringify(text)} in the inspector` },
      )
      .toBeGreaterThan(0);
    return rows.last();
  }

  /**
   * Sends a workbench preset as a learner does: the Workbench tab, the preset picked from its
   * menu, Send; then waits until the server's verdict stands beside a queued frame and the
   * connection is over.
   */
  async sendPreset(id: string): Promise<void> {
    const { page } = this;
    await page.getByTestId('tab-workbench').click();
    const bench = page.getByTestId('workbench');
    await expect(bench).toBeVisible();
    await bench.getByTestId('wb-preset').selectOption(id);
    const queued = bench.getByTestId('wb-queued');
    await expect.poll(() => queued.count(), { message: `the frames of preset ${id}` }).toBeGreaterThan(0);
    // A preset starts a new script: no frame of it has a verdict until it is sent.
    const answered = bench.locator('[data-testid="wb-queued"][data-verdict]');
    await expect(answered).toHaveCount(0);
    await bench.getByTestId('wb-send').click();
    await expect(answered.first()).toBeVisible();
    await expect(bench.getByTestId('wb-status')).toHaveAttribute('data-state', 'closed');
  }

  /**
   * Presses **Check a server** in the workbench, as a learner does, with the target it starts
   * with (this server's echo); waits for the report and returns its summary line, then closes it.
   */
  async checkServer(): Promise<string> {
    const { page } = this;
    await page.getByTestId('tab-workbench').click();
    const button = page.getByTestId('check-server');
    await button.scrollIntoViewIfNeeded();
    await expect(page.getByTestId('check-target')).toHaveValue(/^ws:\/\/.*\/echo$/);
    await button.click();
    const report = page.getByTestId('check-report');
    await expect(report).toBeVisible({ timeout: 60_000 });
    const summary = (await page.getByTestId('check-summary').textContent()) ?? '';
    await page.screenshot({ path: test.info().outputPath(`${this.lesson.slug}-report.png`) });
    await report.getByTestId('check-close').click();
    await expect(report).toBeHidden();
    return summary;
  }

  /** The note beside the checks that the tap skipped events this page was too slow to take. */
  get tapSkipped(): Locator {
    return this.page.locator('.checks .warn', { hasText: 'The tap skipped' });
  }

  /**
   * Runs what the editor holds, sends `chatLines` in the chat, and waits until the step is done.
   * If the page says the tap skipped events for it (a busy machine), the learner is told to run
   * again, so the walk does too, at most `attempts` times in all. Returns the last run's number.
   */
  async runUntilDone(chatLines: string[], attempts = 3): Promise<number> {
    const done = this.page.locator('.checks[data-state="done"]');
    for (let attempt = 1; ; attempt++) {
      const run = await this.run();
      for (const line of chatLines) await this.chat(line);
      await expect(done.or(this.tapSkipped).first()).toBeVisible({ timeout: 20_000 });
      if ((await done.count()) > 0 || attempt === attempts) return run;
      // Missed events may yet be made up by the rest of the run: let it end before judging.
      await this.runEnded(run, ['finished', 'timeout']);
      await this.runConnectionsSettled(run);
      if ((await done.count()) > 0) return run;
      test.info().annotations.push({
        type: 'ran again',
        description: `${this.lesson.slug}: ${(await this.tapSkipped.textContent()) ?? ''}`,
      });
    }
  }

  /** Every check of the open step has turned green, and the step says so. */
  async expectStepDone(step: LessonStep, timeout = 20_000): Promise<void> {
    for (const [i, entry] of step.checks.entries()) {
      await expect(this.checks.nth(i), `check "${entry.$label}"`).toHaveAttribute('data-state', 'done', {
        timeout,
      });
    }
    await expect(this.page.locator('.checks')).toHaveAttribute('data-state', 'done');
    await expect(this.page.locator('.checks h4')).toHaveText('Step done ✓');
  }

  /** The state of each check of the open step, in order, read now. */
  async checkStates(): Promise<string[]> {
    return Promise.all(
      (await this.checks.all()).map(async (check) => (await check.getAttribute('data-state')) ?? ''),
    );
  }
}
