// Column widths: drag a separator, or focus it and use the arrow keys. Kept across reloads.
import { load, save } from '../lib/local-settings';

const STEP = 24;
const MIN = 220;

export function setUpResizers(columns: HTMLElement): void {
  for (const side of ['left', 'right'] as const) {
    const variable = side === 'left' ? '--left' : '--right';
    const saved = Number(load(`width:${side}`));
    if (saved >= MIN) columns.style.setProperty(variable, `${saved}px`);
    const separator = columns.querySelector<HTMLElement>(`[data-resize="${side}"]`);
    if (!separator) continue;
    const column = document.getElementById(side === 'left' ? 'col-lessons' : 'col-inspector')!;
    const setWidth = (width: number): void => {
      const max = columns.clientWidth - 2 * MIN;
      const clamped = Math.round(Math.max(MIN, Math.min(max, width)));
      columns.style.setProperty(variable, `${clamped}px`);
      separator.setAttribute('aria-valuenow', String(clamped));
      save(`width:${side}`, String(clamped));
    };
    separator.setAttribute('aria-valuemin', String(MIN));
    // The default widths are relative to the window: say what they came to.
    separator.setAttribute('aria-valuenow', String(Math.round(column.getBoundingClientRect().width)));
    separator.addEventListener('pointerdown', (down) => {
      down.preventDefault();
      separator.setPointerCapture(down.pointerId);
      const start = column.getBoundingClientRect().width;
      const move = (event: PointerEvent): void => {
        const delta = event.clientX - down.clientX;
        setWidth(side === 'left' ? start + delta : start - delta);
      };
      const up = (): void => {
        separator.removeEventListener('pointermove', move);
        separator.removeEventListener('pointerup', up);
      };
      separator.addEventListener('pointermove', move);
      separator.addEventListener('pointerup', up);
    });
    separator.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
      event.preventDefault();
      const width = column.getBoundingClientRect().width;
      const grow = (event.key === 'ArrowRight') === (side === 'left');
      setWidth(width + (grow ? STEP : -STEP));
    });
  }
}
