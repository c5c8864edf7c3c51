// The page's colour theme: the system's (prefers-color-scheme) until the learner picks light or
// dark with the header's button; the pick is remembered and wins over the system from then on.
// The CSS does the colouring (light-dark() on color-scheme, set here through data-theme); Monaco and
// xterm paint their own colours, so they listen with onChange.
import { h } from './dom';
import { load, save } from './local-settings';

export type ThemeName = 'light' | 'dark';
export type ThemeChoice = ThemeName | 'system';

// index.html reads the same key before the first paint.
const KEY = 'theme';

export class Theme {
  readonly button: HTMLButtonElement;
  private choice: ThemeChoice;
  private readonly system = window.matchMedia('(prefers-color-scheme: dark)');
  private readonly listeners: ((theme: ThemeName) => void)[] = [];
  private applied: ThemeName | null = null;

  constructor(private readonly root: HTMLElement = document.documentElement) {
    const saved = load(KEY);
    this.choice = saved === 'light' || saved === 'dark' ? saved : 'system';
    this.button = h('button', {
      type: 'button',
      className: 'theme-toggle',
      'data-testid': 'theme-toggle',
      onclick: () => this.choose(this.next()),
    });
    this.system.addEventListener('change', () => {
      if (this.choice === 'system') this.apply();
    });
    this.apply();
  }

  /** The colours on screen now. */
  get current(): ThemeName {
    if (this.choice !== 'system') return this.choice;
    return this.system.matches ? 'dark' : 'light';
  }

  onChange(listener: (theme: ThemeName) => void): void {
    this.listeners.push(listener);
  }

  choose(choice: ThemeChoice): void {
    this.choice = choice;
    save(KEY, choice === 'system' ? null : choice);
    this.apply();
  }

  /**
   * The first press always changes the colours (to the other one than the system's), the second
   * pins the system's own, the third hands the choice back to the system.
   */
  private next(): ThemeChoice {
    const systemTheme: ThemeName = this.system.matches ? 'dark' : 'light';
    const other: ThemeName = systemTheme === 'dark' ? 'light' : 'dark';
    if (this.choice === 'system') return other;
    return this.choice === other ? systemTheme : 'system';
  }

  private apply(): void {
    if (this.choice === 'system') delete this.root.dataset.theme;
    else this.root.dataset.theme = this.choice;
    // The visible text is the whole name (WCAG 2.5.3); the title says what a press does.
    const shown = this.choice === 'system' ? `system (${this.current})` : this.choice;
    this.button.textContent = `Theme: ${shown}`;
    const next = this.next();
    this.button.title =
      next === 'system' ? 'Follow the system’s light or dark setting' : `Use the ${next} theme`;
    this.button.dataset.choice = this.choice;
    this.button.dataset.theme = this.current;
    if (this.applied === this.current) return;
    this.applied = this.current;
    for (const listener of this.listeners) listener(this.current);
  }
}
