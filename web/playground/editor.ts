// The snippet editor behind a small interface of ours. A plain textarea is there at once, so the
// first view never waits; Monaco replaces it when its (large) chunk has arrived, keeping the text.
import { h } from '../lib/dom';

export interface CodeEditor {
  getValue(): string;
  /** Replaces the text; `undoable` keeps the old text on the undo stack. */
  setValue(text: string, undoable?: boolean): void;
  focus(): void;
  dispose(): void;
}

export interface EditorCallbacks {
  /** Ctrl/Cmd+Enter. */
  onRun(): void;
  onChange(text: string): void;
}

class PlainEditor implements CodeEditor {
  readonly textarea: HTMLTextAreaElement;

  constructor(container: HTMLElement, text: string, callbacks: EditorCallbacks) {
    this.textarea = h('textarea', {
      className: 'plain-editor',
      spellcheck: 'false',
      'aria-label': 'Snippet code (JavaScript). Ctrl+Enter runs it; Escape then Tab leaves the editor.',
    });
    this.textarea.value = text;
    this.textarea.addEventListener('input', () => callbacks.onChange(this.textarea.value));
    let escaped = false;
    this.textarea.addEventListener('keydown', (event) => {
      const tabLeaves = escaped;
      escaped = event.key === 'Escape';
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        callbacks.onRun();
      } else if (event.key === 'Tab' && !event.shiftKey && !event.ctrlKey && !tabLeaves) {
        // Indent, as an editor would; Escape then Tab leaves the field.
        event.preventDefault();
        this.textarea.setRangeText('  ', this.textarea.selectionStart, this.textarea.selectionEnd, 'end');
        callbacks.onChange(this.textarea.value);
      }
    });
    container.appendChild(this.textarea);
  }

  getValue(): string {
    return this.textarea.value;
  }

  setValue(text: string): void {
    this.textarea.value = text;
  }

  focus(): void {
    this.textarea.focus();
  }

  dispose(): void {
    this.textarea.remove();
  }
}

/** Holds whichever editor is live, and swaps the plain one for Monaco when it loads. */
export class EditorHost implements CodeEditor {
  private editor: CodeEditor;

  constructor(
    private readonly container: HTMLElement,
    private readonly callbacks: EditorCallbacks,
  ) {
    this.editor = new PlainEditor(container, '', callbacks);
    container.dataset.engine = 'plain';
  }

  /** Loads Monaco; the plain editor stays if it cannot load. */
  async upgrade(theme: 'light' | 'dark'): Promise<void> {
    try {
      const { createMonacoEditor } = await import('./monaco-editor');
      const text = this.editor.getValue();
      const hadFocus = this.container.contains(document.activeElement);
      this.editor.dispose();
      this.editor = createMonacoEditor(this.container, text, this.callbacks, theme);
      this.container.dataset.engine = 'monaco';
      if (hadFocus) this.editor.focus();
    } catch (error) {
      console.warn('The Monaco editor did not load; the plain editor stays.', error);
    }
  }

  setTheme(theme: 'light' | 'dark'): void {
    (this.editor as CodeEditor & { setTheme?: (t: string) => void }).setTheme?.(theme);
  }

  getValue(): string {
    return this.editor.getValue();
  }

  setValue(text: string, undoable = false): void {
    this.editor.setValue(text, undoable);
  }

  focus(): void {
    this.editor.focus();
  }

  dispose(): void {
    this.editor.dispose();
  }
}
