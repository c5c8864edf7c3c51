// A splitter between two stacked panes of the inspector: drag it, or focus it and press the
// arrow keys (a focusable WAI-ARIA separator with its value). It sets one pane's height as a CSS
// variable on the inspector and keeps it across reloads.
import { h } from '../lib/dom';
import { load, save } from '../lib/local-settings';

const STEP = 24;

export interface PaneSplitterOptions {
  /** The setting's name, and the CSS variable's: `lanes` sets `--lanes-h`. */
  name: string;
  label: string;
  /** The pane whose height it sets. */
  pane: HTMLElement;
  /** Where the variable is set: the inspector. */
  host: HTMLElement;
  /** The pane is above the splitter (dragging down makes it taller) or below it. */
  paneIs: 'above' | 'below';
  min: number;
  /** The tallest the pane may be now: the rest of the column keeps room for the other panes. */
  max(): number;
  /** The height changed: the panes need drawing again. */
  onResize(): void;
}

export class PaneSplitter {
  readonly element: HTMLElement;

  constructor(private readonly options: PaneSplitterOptions) {
    const { name, label, pane } = options;
    pane.id ||= `pane-${name}`;
    this.element = h('div', {
      className: 'pane-splitter',
      role: 'separator',
      tabindex: 0,
      'aria-orientation': 'horizontal',
      'aria-label': label,
      'aria-controls': pane.id,
      'aria-valuemin': options.min,
      'data-testid': `splitter-${name}`,
    });
    const saved = Number(load(`height:${name}`));
    if (saved >= options.min) this.apply(saved, false);
    this.element.addEventListener('pointerdown', (down) => this.drag(down));
    this.element.addEventListener('keydown', (event) => {
      const grow = this.options.paneIs === 'above' ? 'ArrowDown' : 'ArrowUp';
      const shrink = this.options.paneIs === 'above' ? 'ArrowUp' : 'ArrowDown';
      if (event.key !== grow && event.key !== shrink) return;
      event.preventDefault();
      this.set(this.height() + (event.key === grow ? STEP : -STEP));
    });
    // The value a screen reader announces follows the pane, whatever resized it.
    new ResizeObserver(() => this.showValue()).observe(pane);
  }

  private height(): number {
    return this.options.pane.getBoundingClientRect().height;
  }

  /** Sets the pane's height within its bounds, and remembers it. */
  set(height: number): void {
    const { min } = this.options;
    this.apply(Math.round(Math.max(min, Math.min(Math.max(min, this.options.max()), height))), true);
  }

  private apply(height: number, remember: boolean): void {
    this.options.host.style.setProperty(`--${this.options.name}-h`, `${height}px`);
    if (remember) save(`height:${this.options.name}`, String(height));
    this.showValue();
    this.options.onResize();
  }

  private showValue(): void {
    this.element.setAttribute('aria-valuenow', String(Math.round(this.height())));
    this.element.setAttribute(
      'aria-valuemax',
      String(Math.round(Math.max(this.options.min, this.options.max()))),
    );
  }

  private drag(down: PointerEvent): void {
    down.preventDefault();
    const separator = this.element;
    separator.setPointerCapture(down.pointerId);
    const start = this.height();
    const sign = this.options.paneIs === 'above' ? 1 : -1;
    const move = (event: PointerEvent): void => this.set(start + sign * (event.clientY - down.clientY));
    const up = (): void => {
      separator.removeEventListener('pointermove', move);
      separator.removeEventListener('pointerup', up);
      separator.removeEventListener('pointercancel', up);
    };
    separator.addEventListener('pointermove', move);
    separator.addEventListener('pointerup', up);
    separator.addEventListener('pointercancel', up);
  }
}
