// xterm.js, loaded lazily by TerminalHost: coloured output and a line-editing prompt with history.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import type { LineStyle, TerminalView } from './terminal';

const COLOURS: Record<LineStyle, string> = {
  log: '',
  info: '\x1b[36m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  system: '\x1b[90m',
  'wire-out': '\x1b[34m',
  'wire-in': '\x1b[35m',
  input: '\x1b[1m',
};
const RESET = '\x1b[0m';
const PROMPT = '\x1b[32m>\x1b[0m ';

const DARK = {
  background: '#1b1d22',
  foreground: '#d8dce3',
  cursor: '#d8dce3',
  blue: '#7aa7ff',
  magenta: '#d19bf5',
  brightBlack: '#8a919c',
};
const LIGHT = {
  background: '#fbfbfc',
  foreground: '#1f2328',
  cursor: '#1f2328',
  selectionBackground: '#b6d4fe',
  blue: '#0b57d0',
  magenta: '#8a3fbf',
  cyan: '#0b7285',
  yellow: '#8a6100',
  red: '#c62828',
  green: '#1b7f3b',
  brightBlack: '#6a737d',
};

class XtermView implements TerminalView {
  private input = '';
  private history: string[] = [];
  private historyAt = 0;

  constructor(
    private readonly term: Terminal,
    private readonly fit: FitAddon,
    private readonly onCommand: (line: string) => void,
  ) {
    term.onData((data) => this.onData(data));
    term.write(PROMPT);
  }

  private onData(data: string): void {
    if (data === '\r') {
      const line = this.input;
      this.input = '';
      if (line.trim()) {
        this.history.push(line);
        if (this.history.length > 100) this.history.shift();
      }
      this.historyAt = this.history.length;
      // The command's own echo is printed by whoever runs it, in its place among the other lines:
      // the typed line goes, and the prompt stays the last line, drawn once.
      this.term.write(`\r\x1b[2K${PROMPT}`);
      if (line.trim()) this.onCommand(line.trim());
    } else if (data === '\x7f' || data === '\b') {
      if (this.input.length > 0) {
        this.input = this.input.slice(0, -1);
        this.term.write('\b \b');
      }
    } else if (data === '\x03') {
      this.input = '';
      this.term.write('^C\r\n' + PROMPT);
    } else if (data === '\x1b[A' || data === '\x1b[B') {
      if (this.history.length === 0) return;
      this.historyAt = Math.max(
        0,
        Math.min(this.history.length, this.historyAt + (data === '\x1b[A' ? -1 : 1)),
      );
      this.replaceInput(this.history[this.historyAt] ?? '');
    } else if (data === '\x0c') {
      this.clear();
    } else if (!data.startsWith('\x1b')) {
      // Typed or pasted text: printable characters only, one line.
      const text = data
        .replace(/[\r\n]+/g, ' ')
        .split('')
        .filter((c) => c >= ' ' && c !== '\x7f')
        .join('');
      this.input += text;
      this.term.write(text);
    }
  }

  private replaceInput(text: string): void {
    this.input = text;
    this.term.write(`\r\x1b[2K${PROMPT}${text}`);
  }

  print(text: string, style: LineStyle): void {
    const colour = COLOURS[style];
    const body = text.replace(/\r?\n/g, '\r\n');
    // The line goes above the prompt; the prompt and what was typed are drawn again below it.
    this.term.write(`\r\x1b[2K${colour}${body}${colour ? RESET : ''}\r\n${PROMPT}${this.input}`);
  }

  clear(): void {
    this.term.clear();
    this.term.write(`\r\x1b[2K${PROMPT}${this.input}`);
  }

  focus(): void {
    this.term.focus();
  }

  setTheme(theme: 'light' | 'dark'): void {
    this.term.options.theme = theme === 'dark' ? DARK : LIGHT;
  }

  fitNow(): void {
    try {
      this.fit.fit();
    } catch {
      // Not visible yet.
    }
  }
}

export function createXterm(
  container: HTMLElement,
  onCommand: (line: string) => void,
  theme: 'light' | 'dark',
): TerminalView {
  const term = new Terminal({
    convertEol: false,
    fontSize: 12,
    scrollback: 5000,
    cursorBlink: true,
    theme: theme === 'dark' ? DARK : LIGHT,
    screenReaderMode: false,
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(container);
  term.textarea?.setAttribute(
    'aria-label',
    'Terminal: type a command such as connect, send hello, close 1000 bye, or help',
  );
  // The prompt has no use for Tab (no completion): it moves the focus on, so the terminal never
  // traps the keyboard (WCAG 2.1.2). Returning false leaves the key to the browser.
  term.attachCustomKeyEventHandler((event) => event.key !== 'Tab');
  const view = new XtermView(term, fit, onCommand);
  view.fitNow();
  new ResizeObserver(() => view.fitNow()).observe(container);
  return view;
}
