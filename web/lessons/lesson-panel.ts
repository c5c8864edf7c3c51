// The lessons column: the table of contents, the current step's prose, its checks (green when
// the live tap has shown what they wait for), previous/next by button or key, and deep links
// (#/lesson/<slug>/<step>) that survive a reload.
import { type EntryProgress, StepProgress } from '../../core/lessons/checks';
import type { Lesson, LessonSummary } from '../../core/lessons/lesson-format';
import { ECHO_SOURCE_API_PATH, LESSONS_API_PATH } from '../../core/routes';
import type { TapEvent } from '../../core/tap/events';
import { byTestId, h, isTyping } from '../lib/dom';
import { load, save } from '../lib/local-settings';
import { inlineTitle, renderMarkdown } from './markdown';
import './lessons.css';

export interface CourseIndex {
  lessons: LessonSummary[];
  problems: { folder: string; problems: string[] }[];
}

export interface LessonPanelOptions {
  /** A new lesson was opened: the editor shows its snippet. */
  onLesson(lesson: Lesson): void;
  /** "Put in editor" on a code block. */
  onCode(code: string): void;
  /**
   * The server's clock now (tap events' `t`), or null before the tap has said hello: a step
   * counts events from its opening by the server's clock, so events that happened before it
   * opened but arrived after (a busy page, a long history) never tick its checks.
   */
  serverNow(): number | null;
  /** The open step or its checks changed: in classroom mode the instructor's board hears of it. */
  onProgress?(progress: LessonProgress): void;
}

/** Where the learner is, as the instructor's board shows it. */
export interface LessonProgress {
  slug: string;
  title: string;
  step: number;
  steps: number;
  /** The open step's checks the tap has shown, of all it has. */
  passed: number;
  total: number;
}

interface Position {
  slug: string;
  step: number;
}

/** Fills `element` with a title written in Markdown (`setup`, **bold**), after a plain prefix. */
function titled<T extends HTMLElement>(element: T, title: string, prefix = ''): T {
  element.innerHTML = inlineTitle(title);
  if (prefix) element.prepend(prefix);
  return element;
}

function parseHash(hash: string): Position | null {
  const match = /^#\/lesson\/([a-z0-9-]+)(?:\/(\d+))?\/?$/.exec(hash);
  return match ? { slug: match[1]!, step: match[2] ? Number(match[2]) : 1 } : null;
}

export class LessonPanel {
  readonly element: HTMLElement;
  private index: CourseIndex = { lessons: [], problems: [] };
  private readonly cache = new Map<string, Lesson>();
  private lesson: Lesson | null = null;
  private step = 1;
  private progress: StepProgress | null = null;
  private readonly body: HTMLElement;
  private readonly toc: HTMLElement;
  private readonly checks: HTMLElement;
  private readonly position: HTMLElement;
  private readonly prev: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private loading = 0;
  /** Times the tap skipped part of the traffic for this page since the step opened. */
  private missed = 0;
  /** The server's `t` when the open step opened; null when the tap had not said hello yet. */
  private openedAt: number | null = null;
  /** The learner has tried this step since it opened, so its checks count that try live. */
  private tried = false;

  constructor(private readonly options: LessonPanelOptions) {
    this.element = h(
      'section',
      { className: 'lessons', 'data-testid': 'lesson', 'aria-label': 'Lesson' },
      h(
        'header',
        { className: 'panel-head' },
        h('h2', {}, 'Lessons'),
        h(
          'details',
          { className: 'toc' },
          h('summary', {}, 'Contents'),
          h('nav', { 'aria-label': 'Table of contents' }),
        ),
      ),
      h('div', { className: 'lesson-body', tabindex: 0, role: 'region', 'aria-label': 'Lesson text' }),
      h('div', { className: 'checks', role: 'group', 'aria-label': 'What this step waits for' }),
      h(
        'footer',
        { className: 'step-nav' },
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'step-prev',
            'aria-keyshortcuts': 'p',
            onclick: () => this.go(-1),
          },
          '← Previous',
        ),
        h('span', { className: 'position', 'aria-live': 'polite' }),
        h(
          'button',
          { type: 'button', 'data-testid': 'step-next', 'aria-keyshortcuts': 'n', onclick: () => this.go(1) },
          'Next →',
        ),
      ),
    );
    this.body = this.element.querySelector('.lesson-body')!;
    this.toc = this.element.querySelector('.toc nav')!;
    this.checks = this.element.querySelector('.checks')!;
    this.position = this.element.querySelector('.position')!;
    this.prev = byTestId(this.element, 'step-prev');
    this.next = byTestId(this.element, 'step-next');
    this.body.addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLElement>('.to-editor');
      const code = button?.dataset.code;
      if (code !== undefined)
        this.options.onCode((button as HTMLElement & { codeText?: string }).codeText ?? '');
    });
    // The contents are a menu over the lesson: picking a step (or Escape) puts it away, so the
    // step chosen is not hidden under the list it was chosen from.
    const contents = this.element.querySelector<HTMLDetailsElement>('.toc')!;
    this.toc.addEventListener('click', (event) => {
      if ((event.target as HTMLElement).closest('a')) contents.open = false;
    });
    contents.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || !contents.open) return;
      contents.open = false;
      contents.querySelector('summary')!.focus();
    });
    window.addEventListener('hashchange', () => void this.route());
    // A dragged column split changes which code blocks need to scroll.
    new ResizeObserver(() => this.markScrollingCode()).observe(this.body);
    document.addEventListener('keydown', (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      if (event.key === 'n') this.go(1);
      else if (event.key === 'p') this.go(-1);
      else if (event.key === 'N') this.goLesson(1);
      else if (event.key === 'P') this.goLesson(-1);
    });
  }

  get currentLesson(): Lesson | null {
    return this.lesson;
  }

  async start(): Promise<void> {
    try {
      const response = await fetch(LESSONS_API_PATH);
      this.index = (await response.json()) as CourseIndex;
    } catch (error) {
      this.body.replaceChildren(
        h('p', { className: 'warn' }, `The lessons could not be loaded: ${(error as Error).message}`),
      );
      return;
    }
    this.renderToc();
    await this.route();
  }

  private async route(): Promise<void> {
    const wanted =
      parseHash(location.hash) ??
      parseHash(load('last') ?? '') ??
      (this.index.lessons[0] ? { slug: this.index.lessons[0].slug, step: 1 } : null);
    if (!wanted) {
      this.body.replaceChildren(h('p', { className: 'warn' }, 'There are no lessons yet.'));
      return;
    }
    await this.open(wanted.slug, wanted.step);
  }

  private async fetchLesson(slug: string): Promise<Lesson | null> {
    const cached = this.cache.get(slug);
    if (cached) return cached;
    const response = await fetch(`${LESSONS_API_PATH}/${encodeURIComponent(slug)}`);
    if (!response.ok) return null;
    const lesson = (await response.json()) as Lesson;
    this.cache.set(slug, lesson);
    return lesson;
  }

  /** Opens a lesson at a step and puts the position in the address bar. */
  async open(slug: string, step: number): Promise<void> {
    const ticket = ++this.loading;
    const addressAtStart = location.hash;
    const lesson = await this.fetchLesson(slug);
    if (ticket !== this.loading) return;
    // The address changed while the lesson loaded (a link, the back button, a typed URL): its
    // hashchange will open that one. Writing ours now would overwrite it before it is read.
    if (location.hash !== addressAtStart) return;
    if (!lesson) {
      this.body.replaceChildren(h('p', { className: 'warn' }, `There is no lesson "${slug}".`));
      return;
    }
    const clamped = Math.min(Math.max(1, step), lesson.steps.length);
    const hash = `#/lesson/${lesson.slug}/${clamped}`;
    if (location.hash !== hash) history.replaceState(null, '', hash);
    save('last', hash);
    const changed = this.lesson?.slug !== lesson.slug;
    const stepChanged = changed || this.step !== clamped;
    this.lesson = lesson;
    this.step = clamped;
    if (changed) this.options.onLesson(lesson);
    if (stepChanged || !this.progress) this.renderStep();
  }

  private go(delta: number): void {
    if (!this.lesson) return;
    const target = this.step + delta;
    if (target >= 1 && target <= this.lesson.steps.length) {
      this.navigate(this.lesson.slug, target);
    } else {
      this.goLesson(delta, delta > 0 ? 1 : Number.POSITIVE_INFINITY);
    }
  }

  private goLesson(delta: number, step = 1): void {
    if (!this.lesson) return;
    const at = this.index.lessons.findIndex((lesson) => lesson.slug === this.lesson!.slug);
    const target = this.index.lessons[at + delta];
    if (!target) return;
    this.navigate(target.slug, step === Number.POSITIVE_INFINITY ? target.steps.length : step);
  }

  private navigate(slug: string, step: number): void {
    // A new history entry, so Back returns to the previous step.
    location.hash = `#/lesson/${slug}/${step}`;
  }

  private doneSteps(slug: string): Set<number> {
    try {
      return new Set(JSON.parse(load(`progress:${slug}`) ?? '[]') as number[]);
    } catch {
      return new Set();
    }
  }

  private markDone(slug: string, step: number): void {
    const done = this.doneSteps(slug);
    if (done.has(step)) return;
    done.add(step);
    save(`progress:${slug}`, JSON.stringify([...done].sort((a, b) => a - b)));
    this.renderToc();
  }

  private renderToc(): void {
    const current = this.lesson?.slug;
    const items = this.index.lessons.map((lesson) => {
      const done = this.doneSteps(lesson.slug);
      return h(
        'li',
        {},
        h(
          'a',
          { href: `#/lesson/${lesson.slug}/1`, 'aria-current': lesson.slug === current ? 'page' : null },
          `${lesson.number}. ${lesson.title}`,
        ),
        h(
          'ol',
          {},
          ...lesson.steps.map((step) =>
            h(
              'li',
              { className: done.has(step.number) ? 'done' : '' },
              titled(h('a', { href: `#/lesson/${lesson.slug}/${step.number}` }), step.title),
              done.has(step.number) ? h('span', { className: 'tick', 'aria-label': 'done' }, ' ✓') : null,
            ),
          ),
        ),
      );
    });
    const problems = this.index.problems.length
      ? h(
          'div',
          { className: 'warn' },
          `${this.index.problems.length} lesson(s) could not be loaded:`,
          h(
            'ul',
            {},
            ...this.index.problems.map((p) => h('li', {}, `${p.folder}: ${p.problems.join('; ')}`)),
          ),
        )
      : null;
    this.toc.replaceChildren(h('ol', { className: 'toc-list' }, ...items), problems ?? '');
  }

  private renderStep(): void {
    const lesson = this.lesson!;
    const step = lesson.steps[this.step - 1]!;
    const { html, code } = renderMarkdown(step.markdown);
    const content = h('div', { className: 'prose' });
    content.innerHTML = html;
    content.querySelectorAll<HTMLElement>('.to-editor').forEach((button) => {
      (button as HTMLElement & { codeText?: string }).codeText =
        code[Number(button.dataset.code)]?.code ?? '';
    });
    const source = lesson.source === 'echo' ? this.sourceView() : null;
    this.body.replaceChildren(
      h('h3', { className: 'lesson-title' }, `${lesson.number}. ${lesson.title}`),
      h('p', { className: 'summary muted' }, lesson.summary),
      titled(
        h('h4', { className: 'step-title', 'data-step': this.step }),
        step.title,
        `Step ${this.step} of ${lesson.steps.length}: `,
      ),
      content,
      source ?? '',
    );
    this.body.scrollTop = 0;
    this.markScrollingCode();
    this.position.textContent = `${lesson.number}.${this.step} / ${lesson.steps.length}`;
    const at = this.index.lessons.findIndex((l) => l.slug === lesson.slug);
    this.prev.disabled = this.step === 1 && at <= 0;
    this.next.disabled = this.step === lesson.steps.length && at >= this.index.lessons.length - 1;
    this.prev.setAttribute('aria-label', this.step === 1 ? 'Previous lesson' : 'Previous step');
    this.next.setAttribute('aria-label', this.step === lesson.steps.length ? 'Next lesson' : 'Next step');
    // Checks count only what happens from now on (lessons/README.md).
    this.progress = new StepProgress(step.checks);
    this.openedAt = this.options.serverNow();
    this.missed = 0;
    this.tried = false;
    this.renderChecks();
    this.renderToc();
  }

  /**
   * A code block wider than the column scrolls sideways: the keyboard must reach it too, so it
   * takes the focus and a name (tabindex 0, a region); one that fits is not a stop on the way.
   */
  private markScrollingCode(): void {
    for (const pre of this.body.querySelectorAll<HTMLElement>('.prose pre')) {
      const scrolls = pre.scrollWidth > pre.clientWidth;
      pre.toggleAttribute('data-scrolls', scrolls);
      const hint = pre.nextElementSibling?.classList.contains('scroll-hint') ? pre.nextElementSibling : null;
      if (scrolls && !hint)
        pre.after(
          h(
            'p',
            { className: 'scroll-hint muted', 'aria-hidden': 'true' },
            '↔ wider than the column: scroll sideways for the rest',
          ),
        );
      if (!scrolls) hint?.remove();
      if (scrolls) {
        const lang = /lang-(\w+)/.exec(pre.className)?.[1];
        pre.tabIndex = 0;
        pre.setAttribute('role', 'region');
        pre.setAttribute(
          'aria-label',
          `${lang === 'js' ? 'JavaScript' : 'Code'}, wider than the column: scroll sideways`,
        );
      } else {
        pre.removeAttribute('tabindex');
        pre.removeAttribute('role');
        pre.removeAttribute('aria-label');
      }
    }
  }

  private sourceView(): HTMLElement {
    // It scrolls: the keyboard must be able to reach it (tabindex 0, a name).
    const pre = h(
      'pre',
      { className: 'source', tabindex: 0, role: 'region', 'aria-label': 'The echo server’s handler' },
      h('code', {}, 'loading…'),
    );
    fetch(ECHO_SOURCE_API_PATH)
      .then((response) => response.text())
      .then((text) => {
        pre.firstElementChild!.textContent = text;
      })
      .catch(() => {
        pre.firstElementChild!.textContent = 'The source could not be loaded.';
      });
    return h(
      'details',
      { className: 'source-view', open: true },
      h('summary', {}, 'The echo server’s handler (server/echo.ts), read-only'),
      pre,
    );
  }

  /**
   * The learner did something that can tick a check: ran a snippet, sent from the chat, the
   * terminal or the workbench. A step done on an earlier visit now counts this try live. Traffic
   * the page makes on its own (the chat connecting on load) is no try: a reloaded step must not
   * turn from done to half done because the page connected.
   */
  learnerTried(): void {
    if (this.tried) return;
    this.tried = true;
    if (this.progress) this.renderChecks();
  }

  /** Feeds a live tap event to the open step's checks. */
  observe(event: TapEvent): void {
    const progress = this.progress;
    if (!progress || progress.done) return;
    if (event.type === 'dropped') {
      // The tap skipped part of the journal this page was too slow to take: a check may have
      // missed what happened there.
      this.missed++;
      this.renderChecks();
      return;
    }
    if (this.openedAt === null) this.openedAt = this.options.serverNow();
    if (this.openedAt !== null && event.t < this.openedAt) return;
    if (progress.observe(event)) this.renderChecks();
  }

  private renderChecks(): void {
    const progress = this.progress!;
    const entries = progress.entries();
    if (progress.done && this.lesson) this.markDone(this.lesson.slug, this.step);
    // A step finished on an earlier visit stays finished: its checks say so, as the contents do,
    // until the learner tries it again, when they count the new try live.
    const doneBefore =
      !progress.done &&
      !this.tried &&
      this.lesson !== null &&
      this.doneSteps(this.lesson.slug).has(this.step);
    if (entries.length === 0) {
      this.checks.replaceChildren(
        h('p', { className: 'muted' }, 'Nothing to check in this step: read, try, and go on.'),
      );
      this.reportProgress(entries, false);
      return;
    }
    this.checks.replaceChildren(
      h(
        'h4',
        {},
        progress.done
          ? 'Step done ✓'
          : doneBefore
            ? 'Step done ✓ (on an earlier visit; run it again to watch the checks live)'
            : 'This step is done when the tap shows:',
      ),
      h('ul', {}, ...entries.map((entry) => this.checkItem(entry, doneBefore))),
      this.missed > 0 && !progress.done
        ? h(
            'p',
            { className: 'warn', role: 'status' },
            'The tap skipped part of what happened while this page was too slow to take it, so a check may have missed it: run again.',
          )
        : '',
    );
    this.checks.dataset.state = progress.done || doneBefore ? 'done' : 'pending';
    this.reportProgress(entries, doneBefore);
  }

  private reportProgress(entries: EntryProgress[], doneBefore: boolean): void {
    const lesson = this.lesson;
    if (!lesson || !this.options.onProgress) return;
    this.options.onProgress({
      slug: lesson.slug,
      title: lesson.title,
      step: this.step,
      steps: lesson.steps.length,
      passed: entries.filter((entry) => entry.done || doneBefore).length,
      total: entries.length,
    });
  }

  private checkItem(entry: EntryProgress, doneBefore: boolean): HTMLElement {
    const done = entry.done || doneBefore;
    const count =
      entry.needed > 1 && !doneBefore ? ` (${Math.min(entry.seen, entry.needed)}/${entry.needed})` : '';
    return h(
      'li',
      { className: `check ${done ? 'done' : 'pending'}` },
      h(
        'span',
        {
          className: 'indicator',
          'data-testid': 'step-check',
          'data-state': done ? 'done' : 'pending',
          role: 'img',
          'aria-label': done ? 'done' : 'not yet',
        },
        done ? '✓' : '○',
      ),
      ` ${entry.label}${count}`,
    );
  }
}
