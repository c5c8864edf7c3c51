// Monaco, loaded lazily by EditorHost: JavaScript with the browser's types (WebSocket and friends)
// for completion and hover, plus the two globals the sandbox provides.

import * as monaco from 'monaco-editor/editor/editor.api';
// Editor features register themselves on import, and only editors created afterwards get them:
// completion, hover, signature help, find, comments, brackets, folding, the problems list.
import 'monaco-editor/editor/browser/coreCommands';
import 'monaco-editor/editor/contrib/bracketMatching/browser/bracketMatching';
import 'monaco-editor/editor/contrib/clipboard/browser/clipboard';
import 'monaco-editor/editor/contrib/comment/browser/comment';
import 'monaco-editor/editor/contrib/contextmenu/browser/contextmenu';
import 'monaco-editor/editor/contrib/find/browser/findController';
import 'monaco-editor/editor/contrib/folding/browser/folding';
import 'monaco-editor/editor/contrib/gotoError/browser/gotoError';
import 'monaco-editor/editor/contrib/hover/browser/hoverContribution';
import 'monaco-editor/editor/contrib/linesOperations/browser/linesOperations';
import 'monaco-editor/editor/contrib/multicursor/browser/multicursor';
import 'monaco-editor/editor/contrib/parameterHints/browser/parameterHints';
import 'monaco-editor/editor/contrib/snippet/browser/snippetController2';
import 'monaco-editor/editor/contrib/suggest/browser/suggestController';
import 'monaco-editor/editor/contrib/wordHighlighter/browser/wordHighlighter';
import 'monaco-editor/editor/contrib/wordOperations/browser/wordOperations';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import TsWorker from 'monaco-editor/languages/features/typescript/ts.worker?worker';
import 'monaco-editor/languages/definitions/javascript/register';
import { javascriptDefaults } from 'monaco-editor/languages/features/typescript/register';
import type { CodeEditor, EditorCallbacks } from './editor';

globalThis.MonacoEnvironment = {
  // JavaScript completion and hover come from the TypeScript worker; the rest from the editor's.
  getWorker: (_id: string, label: string) =>
    label === 'typescript' || label === 'javascript' ? new TsWorker() : new EditorWorker(),
};

javascriptDefaults.addExtraLib(
  `/** The echo server's WebSocket URL, e.g. ws://127.0.0.1:8765/echo */
declare const ECHO_URL: string;
/** The server's WebSocket base, e.g. ws://127.0.0.1:8765; append a path. */
declare const SERVER_URL: string;
/** The page's microphone, lent to the snippet: 16-bit mono chunks at the rate asked for. */
interface Microphone {
  readonly sampleRate: number;
  readonly chunkMs: number;
  /** The sound card's own rate, before resampling. */
  readonly deviceRate: number;
  readonly deviceLabel: string;
  readonly active: boolean;
  /** Each chunk: sampleRate * chunkMs / 1000 samples. */
  onchunk: ((samples: Int16Array) => void) | null;
  onended: ((reason: string) => void) | null;
  stop(): void;
}
/** Asks the page to record (the browser may ask the user first); defaults: 16000 Hz, 40 ms chunks. */
declare function openMicrophone(options?: { sampleRate?: number; chunkMs?: number }): Promise<Microphone>;
/** Queues 16-bit mono PCM (samples, or little-endian bytes) on the page's speaker; returns its length in ms. */
declare function playAudio(samples: Int16Array | Uint8Array | ArrayBuffer, sampleRate: number): number;
/** Stops the page's speaker and drops what is queued (for a barge-in). */
declare function stopAudio(): void;
`,
  'ts:wslab-globals.d.ts',
);

// vs-dark draws comments at 4.2:1 on its background; WCAG 1.4.3 asks 4.5:1 for text this size.
monaco.editor.defineTheme('wslab-dark', {
  base: 'vs-dark',
  inherit: true,
  rules: [{ token: 'comment', foreground: '6a9955' }],
  colors: {},
});
const monacoTheme = (theme: 'light' | 'dark'): string => (theme === 'dark' ? 'wslab-dark' : 'vs');

class MonacoCodeEditor implements CodeEditor {
  constructor(readonly editor: monaco.editor.IStandaloneCodeEditor) {}

  getValue(): string {
    return this.editor.getValue();
  }

  setValue(text: string, undoable = false): void {
    const model = this.editor.getModel();
    if (!model) return;
    if (undoable) {
      this.editor.pushUndoStop();
      this.editor.executeEdits('wslab', [{ range: model.getFullModelRange(), text }]);
      this.editor.pushUndoStop();
    } else {
      this.editor.setValue(text);
    }
  }

  setTheme(theme: 'light' | 'dark'): void {
    monaco.editor.setTheme(monacoTheme(theme));
  }

  focus(): void {
    this.editor.focus();
  }

  dispose(): void {
    this.editor.getModel()?.dispose();
    this.editor.dispose();
  }
}

export function createMonacoEditor(
  container: HTMLElement,
  text: string,
  callbacks: EditorCallbacks,
  theme: 'light' | 'dark',
): CodeEditor {
  const model = monaco.editor.createModel(text, 'javascript', monaco.Uri.parse('file:///snippet.js'));
  const editor = monaco.editor.create(container, {
    model,
    theme: monacoTheme(theme),
    automaticLayout: true,
    minimap: { enabled: false },
    fontSize: 13,
    tabSize: 2,
    scrollBeyondLastLine: false,
    ariaLabel: 'Snippet code (JavaScript). Ctrl+Enter runs it; Escape then Tab leaves the editor.',
  });
  editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => callbacks.onRun());
  // Tab indents, so without a way out the editor would trap the keyboard (WCAG 2.1.2): after
  // Escape, the next Tab or Shift+Tab moves the focus on, as in CodeMirror.
  let tabLeaves = false;
  const leaveOnTab = (on: boolean): void => {
    if (on === tabLeaves) return;
    tabLeaves = on;
    editor.updateOptions({ tabFocusMode: on });
  };
  editor.onKeyDown((event) => {
    if (event.keyCode === monaco.KeyCode.Escape) leaveOnTab(true);
    else if (event.keyCode !== monaco.KeyCode.Tab && event.keyCode !== monaco.KeyCode.Shift)
      leaveOnTab(false);
  });
  editor.onDidBlurEditorText(() => leaveOnTab(false));
  model.onDidChangeContent(() => callbacks.onChange(model.getValue()));
  return new MonacoCodeEditor(editor);
}
