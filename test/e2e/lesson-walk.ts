// Helpers for walking the course in the page as a learner does: open a step by its deep link,
// put code in the editor, run it, wait until the run has ended, and read the step's checks.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import { LESSON_FOLDER, type Lesson, type LessonStep } from '../../server/lessons/lesson-format';
import { expect, waitForEditor, waitForTerminal } from './fixtures';

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
    await page.goto(`${this.baseUrl}#/lesson/${lesson.slug}/${step.number}`);
    await expect(page.locator('.step-title')).toHaveText(
      `Step ${step.number} of ${lesson.steps.length}: ${step.title}`,
    );
    await waitForEditor(page);
    await waitForTerminal(page);
    // A freshly opened step has counted nothing yet, and shows one indicator per check.
    await expect(this.checks).toHaveCount(step.checks.length);
    for (const [i, entry] of step.checks.entries()) {
      const item = page.locator('.checks li').nth(i);
      await expect(item).toContainText(entry.$label);
      await expect(this.checks.nth(i)).toHaveAttribute('data-state', 'pending');
    }
  }

  /** "Show solution": the lesson's finished snippet replaces what the editor holds. */
  async showSolution(): Promise<void> {
    await this.page.getByTestId('solution').click();
    await this.expectEditorToShow(this.lesson.solution!);
  }

  /** "Reset": the lesson's starting snippet. */
  async reset(): Promise<void> {
    await this.page.getByTestId('reset').click();
    await this.expectEditorToShow(this.lesson.snippet!);
  }

  /**
   * The editor shows `code`. Monaco renders only the lines in view, and blank lines render as
   * nothing, so this compares the non-blank lines among the first ones on screen.
   */
  async expectEditorToShow(code: string): Promise<void> {
    const editor = this.page.locator('[data-testid="editor"]');
    await expect
      .poll(
        async () => {
          const shown = await editor.locator('.view-line').count();
          const expected = code
            .split('\n')
            .slice(0, Math.max(1, shown - 1))
            .filter((line) => line.trim() !== '')
            .join('\n');
          const text = (await editor.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
          return text.startsWith(expected);
        },
        { message: 'the editor shows the expected code' },
      )
      .toBe(true);
  }

  /** Presses Run (or Ctrl/Cmd+Enter in the editor); returns the run's number. */
  async run(via: 'button' | 'keyboard' = 'button'): Promise<number> {
    if (via === 'button') await this.page.getByTestId('run').click();
    else {
      await this.page.locator('[data-testid="editor"] .view-lines').click();
      await this.page.keyboard.press('ControlOrMeta+Enter');
    }
    return ++this.runs;
  }

  /** Waits until run `n` has ended, as the run-state line and the terminal report it. */
  async runEnded(n: number, how: RunEnd = 'finished', timeout = 35_000): Promise<void> {
    await expect(this.page.locator('.run-state')).toHaveText(`run ${n} ${how}`, { timeout });
    await expect(this.page.getByTestId('stop')).toBeDisabled();
  }

  /** The inspector's lanes for the connections run `n` opened. */
  runConnections(n: number): Locator {
    return this.page.locator(`[data-testid="connection"][data-label="run ${n}"]`);
  }

  /**
   * Waits until the inspector has seen every connection of run `n` end (closed, or refused at the
   * handshake): the tap has delivered their last events, so the checks have counted all of them.
   */
  async runConnectionsSettled(n: number): Promise<void> {
    const lanes = this.runConnections(n);
    await expect.poll(() => lanes.count(), { message: `connections of run ${n}` }).toBeGreaterThan(0);
    for (const lane of await lanes.all())
      await expect(lane).toHaveAttribute('data-state', /^(closed|refused)$/);
  }

  /** Sends a line in the chat, as a learner would, and waits for the server's reply. */
  async chat(text: string): Promise<void> {
    const { page } = this;
    await expect(page.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
    await page.getByTestId('chat-input').fill(text);
    await page.getByTestId('chat-input').press('Enter');
    await expect(page.getByTestId('chat-log')).toContainText(`Server: Server received: '${text}'`);
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
