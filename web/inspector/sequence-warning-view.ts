// A Live API order warning at the top of a frame's detail, where it cannot be missed: what is
// wrong with this message's place in the session, and whether the server refuses it.
import type { SequenceWarning } from '../../core/live/sequence-check';
import { h } from '../lib/dom';
import './live-view.css';

/** The row's short form: the warnings' texts, for `data-warning` and the row's label. */
export function warningText(warnings: readonly SequenceWarning[]): string {
  return warnings.map((warning) => warning.text).join('; ');
}

export function renderSequenceWarnings(warnings: readonly SequenceWarning[] | undefined): HTMLElement | null {
  if (!warnings || warnings.length === 0) return null;
  const worst = warnings.some((warning) => warning.level === 'error') ? 'error' : 'caution';
  return h(
    'div',
    { className: 'sequence-warning', 'data-testid': 'sequence-warning', 'data-level': worst, role: 'alert' },
    ...warnings.map((warning) =>
      h(
        'p',
        { 'data-code': warning.code },
        h('span', { className: 'sequence-warning-icon', 'aria-hidden': 'true' }, '⚠ '),
        h('strong', {}, warning.level === 'error' ? 'Out of order: ' : 'Careful: '),
        warning.text,
      ),
    ),
  );
}
