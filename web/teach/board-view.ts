// The instructor's board as a table: one row per learner, in the order they joined, so a row stays
// where the eye left it while the class works. Ages ("12 s ago") are counted on the server's clock
// and tick here between updates.
import { type BoardMessage, type BoardRow, learnerName } from '../../core/classroom/board';
import { LEARNER_PARAM, VIEW_PARAM } from '../../core/routes';
import { h } from '../lib/dom';

export class BoardView {
  readonly element: HTMLElement;
  private board: BoardMessage | null = null;
  /** `performance.now()` when the board arrived: the server's `now` then. */
  private receivedAt = 0;
  private readonly ages = new Map<HTMLElement, number>();

  constructor(private readonly pageOrigin: string) {
    this.element = h('section', { className: 'board-view', 'aria-label': 'Learners' });
    setInterval(() => this.tick(), 1000);
  }

  show(board: BoardMessage): void {
    this.board = board;
    this.receivedAt = performance.now();
    this.render();
  }

  private render(): void {
    const board = this.board!;
    this.ages.clear();
    if (board.rows.length === 0) {
      this.element.replaceChildren(
        h(
          'p',
          { className: 'board-empty', 'data-testid': 'board-empty' },
          'No learners yet: they open ',
          h('a', { href: `${this.pageOrigin}/` }, `${this.pageOrigin}/`),
        ),
      );
      return;
    }
    const learners = board.rows.length === 1 ? '1 learner' : `${board.rows.length} learners`;
    this.element.replaceChildren(
      h(
        'table',
        { className: 'board-table', 'data-testid': 'board-table' },
        h('caption', {}, learners),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Learner', 'Lesson', 'Step', 'Checks', 'Connections', 'Last activity', 'Traffic'].map(
              (name) => h('th', { scope: 'col' }, name),
            ),
          ),
        ),
        h('tbody', {}, ...board.rows.map((row) => this.row(row))),
      ),
    );
  }

  private row(row: BoardRow): HTMLElement {
    const { lesson, checks } = row;
    const age = h('td', { className: 'age' });
    this.ages.set(age, row.lastActivity);
    const complete = checks.total > 0 && checks.passed === checks.total;
    return h(
      'tr',
      { 'data-testid': 'board-row', 'data-learner': row.learner },
      h('th', { scope: 'row', className: 'who' }, learnerName(row)),
      h(
        'td',
        { className: 'lesson' },
        lesson ? lesson.title : h('span', { className: 'muted' }, 'not started'),
      ),
      h(
        'td',
        { className: 'step', 'data-testid': 'board-step' },
        lesson ? `${lesson.step} of ${lesson.steps}` : '—',
      ),
      h(
        'td',
        { className: `checks${complete ? ' complete' : ''}` },
        checks.total === 0
          ? h('span', { className: 'muted' }, 'none in this step')
          : `${checks.passed} of ${checks.total}${complete ? ' ✓' : ''}`,
      ),
      h('td', { className: 'num' }, row.connections === null ? '—' : String(row.connections)),
      this.paintAge(age, row.lastActivity),
      h(
        'td',
        { className: 'traffic' },
        row.shareTraffic
          ? h(
              'a',
              {
                href: this.watchUrl(row.learner),
                target: '_blank',
                rel: 'noopener',
                'data-testid': 'watch',
                'aria-label': `Watch ${learnerName(row)}’s traffic in the inspector`,
              },
              'Watch',
            )
          : h('span', { className: 'muted' }, 'not shared'),
      ),
    );
  }

  private watchUrl(learner: string): string {
    const query = new URLSearchParams({ [VIEW_PARAM]: 'inspector', [LEARNER_PARAM]: learner });
    return `${this.pageOrigin}/?${query}`;
  }

  private tick(): void {
    for (const [cell, lastActivity] of this.ages) this.paintAge(cell, lastActivity);
  }

  private paintAge(cell: HTMLElement, lastActivity: number): HTMLElement {
    const board = this.board;
    if (!board) return cell;
    const now = board.now + (performance.now() - this.receivedAt);
    cell.textContent = ago(Math.max(0, now - lastActivity));
    return cell;
  }
}

/** 4000 → "4 s ago", 130000 → "2 min ago". */
export function ago(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s ago`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ago`;
  return `${Math.floor(min / 60)} h ago`;
}
