// Asks before code from the lesson replaces code the learner wrote: a modal <dialog> in the page
// (Escape or "Keep my code" cancels, the focus goes back where it was), not window.confirm,
// which stops the page and which a test cannot read.
import { h } from '../lib/dom';

/** Resolves true when the learner chooses to replace their code. */
export function confirmReplace(): Promise<boolean> {
  const dialog = h(
    'dialog',
    {
      className: 'replace-dialog',
      'data-testid': 'replace-dialog',
      'aria-labelledby': 'replace-dialog-title',
      'aria-describedby': 'replace-dialog-text',
    },
    h(
      'form',
      { method: 'dialog' },
      h('h2', { id: 'replace-dialog-title' }, 'Replace your code?'),
      h(
        'p',
        { id: 'replace-dialog-text' },
        'The editor holds code you changed. Put the lesson’s code in its place? Undo (Ctrl+Z) in the editor brings yours back.',
      ),
      h(
        'div',
        { className: 'replace-dialog-buttons' },
        h('button', { value: 'keep', autofocus: true, 'data-testid': 'replace-keep' }, 'Keep my code'),
        h('button', { value: 'replace', 'data-testid': 'replace-confirm' }, 'Replace my code'),
      ),
    ),
  );
  document.body.appendChild(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'replace');
    });
    dialog.showModal();
  });
}
