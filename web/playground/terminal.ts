// The terminal behind a small interface of ours: lines are kept until xterm.js has loaded, then
// shown there with colours by level, under a prompt that takes wscat-like commands. Lines are
// shown in the order their events happened, not the order they were reported (line-order.ts).
import { h } from '../lib/dom';
import { LineOrder } from './line-order';
import './terminal.css';

export type LineStyle = 'log' | 'info' | 'warn' | 'error' | 'system' | 'wire-out' | 'wire-in' | 'input';

export interface TerminalView {
  /** `at`: when the line's event happened, on the page's clock (`performance.now()`); default now. */
  print(text: string, style: LineStyle, at?: number): void;
  clear(): void;
  focus(): void;
  setTheme(theme: 'light' | 'dark'): void;
}

const BUFFER_LIMIT = 2000;

/** Shows lines in a plain list until xterm arrives. */
class PlainTerminal implements TerminalView {
  readonly element: HTMLElement;

  constructor(container: HTMLElement) {
    this.element = h('div', { className: 'plain-terminal', role: 'log', 'aria-label': 'Terminal output' });
    container.appendChild(this.element);
  }

  print(text: string, style: LineStyle): void {
    this.element.appendChild(h('div', { className: `t-${style}` }, text));
    while (this.element.childElementCount > 500) this.element.firstElementChild!.remove();
  }

  clear(): void {
    this.element.replaceChildren();
  }

  focus(): void {}

  setTheme(): void {}
}

export class TerminalHost implements TerminalView {
  private view: TerminalView;
  private readonly lines: { text: string; style: LineStyle }[] = [];
  private readonly order = new LineOrder<{ text: string; style: LineStyle }>((line) =>
    this.show(line.text, line.style),
  );

  constructor(
    private readonly container: HTMLElement,
    private readonly onCommand: (line: string) => void,
  ) {
    this.view = new PlainTerminal(container);
    container.dataset.engine = 'plain';
  }

  async upgrade(theme: 'light' | 'dark'): Promise<void> {
    try {
      const { createXterm } = await import('./xterm-terminal');
      (this.view as PlainTerminal).element.remove();
      this.view = createXterm(this.container, this.onCommand, theme);
      this.container.dataset.engine = 'xterm';
      for (const line of this.lines) this.view.print(line.text, line.style);
      this.lines.length = 0;
    } catch (error) {
      console.warn('xterm did not load; the plain terminal stays.', error);
    }
  }

  print(text: string, style: LineStyle = 'log', at?: number): void {
    // A typed command shows at once; what happened before it goes first.
    if (style === 'input') {
      this.order.flush();
      this.show(text, style);
    } else this.order.add({ text, style }, at);
  }

  private show(text: string, style: LineStyle): void {
    if (this.container.dataset.engine === 'plain') {
      this.lines.push({ text, style });
      if (this.lines.length > BUFFER_LIMIT) this.lines.shift();
    }
    this.view.print(text, style);
  }

  clear(): void {
    this.order.clear();
    this.lines.length = 0;
    this.view.clear();
  }

  focus(): void {
    this.view.focus();
  }

  setTheme(theme: 'light' | 'dark'): void {
    this.view.setTheme(theme);
  }
}
