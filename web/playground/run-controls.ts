// The snippet panel's controls: the editor holding the current lesson's code (edits kept per
// lesson until Reset), Run and Stop around the sandboxed runner, Reset and Show solution. Runs
// are announced to the inspector, whose lanes then name the sockets a run opens.

import type { Lesson } from '../../core/lessons/lesson-format';
import type { Connections } from '../inspector/connections';
import { byTestId } from '../lib/dom';
import { load, save } from '../lib/local-settings';
import { SnippetRunner } from '../sandbox/runner';
import { audioStatus } from './audio-status';
import { EditorHost } from './editor';
import { confirmReplace } from './replace-dialog';
import type { TerminalView } from './terminal';
import './editor.css';

const NO_SNIPPET = `// This lesson has no snippet of its own: write one.
// ECHO_URL is the echo server; SERVER_URL is this server's WebSocket base.
const socket = new WebSocket(ECHO_URL);
socket.onopen = () => socket.send('hello');
socket.onmessage = (event) => {
  console.log(event.data);
  socket.close(1000, 'done');
};
`;

// The run limit: 30 s, or `?runLimit=ms` in the page's address (1 s to 10 min).
function runLimitMs(): number {
  const asked = Number(new URLSearchParams(location.search).get('runLimit'));
  return asked >= 1000 && asked <= 600_000 ? asked : 30_000;
}

export class RunControls {
  readonly editor: EditorHost;
  private lesson: Lesson | null = null;
  /** The last code the lesson's text put in the editor. */
  private inserted: string | null = null;
  private readonly runner: SnippetRunner;
  private readonly solutionButton = byTestId<HTMLButtonElement>(document, 'solution');

  /** `onRun` hears each run as it starts (a lesson step counts it as the learner's try). */
  constructor(
    terminal: TerminalView,
    connections: Connections,
    private readonly onRun: () => void = () => {},
  ) {
    const stopButton = byTestId<HTMLButtonElement>(document, 'stop');
    const runState = document.querySelector<HTMLElement>('.run-state')!;
    this.editor = new EditorHost(byTestId(document, 'editor'), {
      onRun: () => this.run(),
      onChange: (text) => {
        // Edits are kept per lesson until Reset; the lesson's own start is not worth keeping.
        const lesson = this.lesson;
        if (lesson) save(`code:${lesson.slug}`, text === (lesson.snippet ?? NO_SNIPPET) ? null : text);
      },
    });
    this.runner = new SnippetRunner(
      {
        onOutput: (level, text, at) => terminal.print(text, level, at),
        onStart(label) {
          connections.runStarted(label);
          terminal.print(`── ${label} ──`, 'system');
          runState.textContent = `${label} running…`;
          stopButton.disabled = false;
          stopButton.setAttribute('aria-label', `Stop ${label}`);
        },
        onEnd: (label, how, message) => {
          connections.runEnded();
          terminal.print(`${label} ${message}`, how === 'timeout' ? 'warn' : 'system');
          runState.textContent = `${label} ${how}`;
          if (!this.runner.running) {
            stopButton.disabled = true;
            stopButton.setAttribute('aria-label', 'Stop the snippet');
          }
        },
      },
      runLimitMs(),
      audioStatus(terminal),
    );
    byTestId(document, 'run').addEventListener('click', () => this.run());
    stopButton.addEventListener('click', () => this.runner.stop());
    byTestId(document, 'reset').addEventListener('click', () => {
      const lesson = this.lesson;
      if (!lesson) return;
      save(`code:${lesson.slug}`, null);
      this.editor.setValue(lesson.snippet ?? NO_SNIPPET, true);
    });
    this.solutionButton.addEventListener('click', () => {
      const solution = this.lesson?.solution;
      if (solution !== undefined) void this.replaceWith(solution, false);
    });
  }

  run(): void {
    this.onRun();
    this.runner.run(this.editor.getValue());
  }

  /** Puts a lesson's code in the editor: the learner's edits to it if any, else its snippet. */
  showLesson(next: Lesson): void {
    this.lesson = next;
    this.editor.setValue(load(`code:${next.slug}`) ?? next.snippet ?? NO_SNIPPET);
    this.solutionButton.disabled = next.solution === undefined;
    this.solutionButton.title = next.solution === undefined ? 'This lesson has no solution snippet' : '';
  }

  /**
   * Puts code from the lesson's text in the editor, undoably, and gives it the focus; asks first
   * when that would replace code the learner wrote.
   */
  async insert(code: string): Promise<void> {
    await this.replaceWith(code, true);
  }

  // "Put in editor" and "Show solution" alike: undoable, and only after asking when the editor
  // holds code the learner wrote.
  private async replaceWith(code: string, focus: boolean): Promise<void> {
    const current = this.editor.getValue();
    if (current !== code) {
      if (this.isLearnersCode(current) && !(await confirmReplace())) return;
      this.inserted = code;
      this.editor.setValue(code, true);
    }
    if (focus) this.editor.focus();
  }

  /** Text the learner typed, as opposed to a start, a solution or code the lesson put there. */
  private isLearnersCode(text: string): boolean {
    const lesson = this.lesson;
    const ours = [NO_SNIPPET, this.inserted, lesson?.snippet, lesson?.solution];
    return text.trim() !== '' && !ours.includes(text);
  }
}
