// In classroom mode the page tells the instructor's board where its learner is: their nickname,
// lesson and step, the step's checks passed, and whether they let the instructor watch their
// traffic. Reports go at most once a second, and at once when the step changes.
import {
  type ClassroomInfo,
  PROGRESS_LIMITS,
  type ProgressReport,
  withoutControls,
} from '../../core/classroom/board';
import { CLASSROOM_API_PATH, PROGRESS_API_PATH } from '../../core/routes';
import type { LessonProgress } from '../lessons/lesson-panel';
import { h } from '../lib/dom';
import { load, save } from '../lib/local-settings';
import './classroom.css';

const MIN_INTERVAL_MS = 1000;

export class ProgressReporter {
  private report: ProgressReport = {
    nickname: (load('nickname') ?? '').slice(0, PROGRESS_LIMITS.nickname),
    lesson: null,
    checks: { passed: 0, total: 0 },
    shareTraffic: false,
  };
  private classroom = false;
  private lastSent = Number.NEGATIVE_INFINITY;
  private sentStep = '';
  private timer: ReturnType<typeof setTimeout> | null = null;
  private dirty = false;

  /** Asks the server whether this page is a learner of a class; when so, shows the bar in `header`. */
  async start(header: HTMLElement, before: Element | null): Promise<void> {
    let info: ClassroomInfo;
    try {
      const response = await fetch(CLASSROOM_API_PATH);
      if (!response.ok) return;
      info = (await response.json()) as ClassroomInfo;
    } catch {
      return; // No board: the page works the same without it.
    }
    if (!info.classroom) return;
    this.classroom = true;
    header.insertBefore(this.bar(info.learner?.number ?? null), before);
    this.dirty = true;
    this.flush();
  }

  /** The lesson panel's news: a step opened or a check passed. */
  lesson(progress: LessonProgress): void {
    this.report.lesson = {
      slug: progress.slug,
      title: progress.title.slice(0, PROGRESS_LIMITS.title),
      step: progress.step,
      steps: progress.steps,
    };
    this.report.checks = { passed: progress.passed, total: progress.total };
    this.changed();
  }

  private bar(number: number | null): HTMLElement {
    const name = h('input', {
      type: 'text',
      'data-testid': 'nickname',
      maxlength: PROGRESS_LIMITS.nickname,
      placeholder: number === null ? 'your name' : `learner ${number}`,
      autocomplete: 'nickname',
      spellcheck: 'false',
    });
    name.value = this.report.nickname;
    name.addEventListener('input', () => {
      // One line of text, as the server takes it: controls are dropped as they are typed.
      this.report.nickname = withoutControls(name.value).trim();
      save('nickname', this.report.nickname || null);
      this.changed();
    });
    const share = h('input', { type: 'checkbox', 'data-testid': 'share-traffic' });
    share.addEventListener('change', () => {
      this.report.shareTraffic = share.checked;
      this.changed();
    });
    return h(
      'div',
      { className: 'classroom-bar', role: 'group', 'aria-label': 'Class' },
      h('label', { className: 'nickname' }, 'Name on the board ', name),
      h(
        'label',
        {
          className: 'share',
          title: 'The instructor can then open your connections in their inspector; untick to stop',
        },
        share,
        ' Let the instructor see my traffic',
      ),
    );
  }

  private changed(): void {
    this.dirty = true;
    if (!this.classroom) return;
    const lesson = this.report.lesson;
    const step = lesson ? `${lesson.slug}/${lesson.step}` : '';
    // A new step is news the board should have now; the rest can wait for the second to pass.
    if (step !== this.sentStep) this.flush();
    else this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null) return;
    const wait = Math.max(0, this.lastSent + MIN_INTERVAL_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
  }

  private flush(): void {
    if (!this.dirty) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.dirty = false;
    this.lastSent = performance.now();
    const lesson = this.report.lesson;
    this.sentStep = lesson ? `${lesson.slug}/${lesson.step}` : '';
    fetch(PROGRESS_API_PATH, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(this.report),
    })
      .then((response) => {
        // Too fast (another tab of the same learner, say): the latest state goes again shortly.
        if (response.status === 429) this.retry();
      })
      .catch(() => this.retry());
  }

  private retry(): void {
    this.dirty = true;
    this.schedule();
  }
}
