// The playground page: wires the lessons, the chat, the editor, the terminal and the inspector to
// one tap subscription. Monaco and xterm load after the first view, which works without them.
import './styles.css';
import type { Lesson } from '../core/lessons/lesson-format';
import { describeFrame } from '../core/wire/describe';
import { LazyAudioBridge } from './audio/lazy-audio-bridge';
import { pagePlayer } from './audio/pcm-player';
import { Chat } from './chat/chat';
import type { FrameRow } from './inspector/frame-store';
import { describeRecording, readRecording, recordingBatch } from './inspector/har-session';
import { Inspector, type InspectorHooks, type InspectorStats } from './inspector/inspector';
import { LessonPanel } from './lessons/lesson-panel';
import { payloadBytes } from './lib/bytes';
import { byTestId, h } from './lib/dom';
import { load, save } from './lib/local-settings';
import { echoUrl, proxyUrl, tapUrl } from './lib/urls';
import { EditorHost } from './playground/editor';
import { setUpResizers } from './playground/resizers';
import { TerminalHost } from './playground/terminal';
import { HELP, TerminalCommands } from './playground/terminal-commands';
import { SnippetRunner } from './sandbox/runner';
import { TapClient } from './tap/tap-client';

declare global {
  interface Window {
    /** Read by bench/ui.ts. */
    wslabStats?: InspectorStats;
  }
}

const dark = window.matchMedia('(prefers-color-scheme: dark)');
const theme = (): 'light' | 'dark' => (dark.matches ? 'dark' : 'light');

const NO_SNIPPET = `// This lesson has no snippet of its own: write one.
// ECHO_URL is the echo server; SERVER_URL is this server's WebSocket base.
const socket = new WebSocket(ECHO_URL);
socket.onopen = () => socket.send('hello');
socket.onmessage = (event) => {
  console.log(event.data);
  socket.close(1000, 'done');
};
`;

// ---- Terminal and the wire log --------------------------------------------------------------

const terminalBox = byTestId(document, 'terminal');
let commands: TerminalCommands;
const terminal = new TerminalHost(terminalBox, (line) => {
  terminal.print(`> ${line}`, 'input');
  commands.run(line);
});

// The wire log prints this page's own connections (terminal and snippet runs), a line per frame,
// at most WIRE_LINES_PER_SECOND; the rest is counted, and the inspector has them all.
const WIRE_LINES_PER_SECOND = 60;
let wireBudget = { second: 0, lines: 0, skipped: 0 };
function logFrame(record: FrameRow): void {
  const role = record.lane.role;
  if (role !== 'terminal' && role !== 'run') return;
  const now = Math.floor(performance.now() / 1000);
  if (now !== wireBudget.second) {
    if (wireBudget.skipped > 0)
      terminal.print(`… ${wireBudget.skipped} more frames not logged here; the inspector has them`, 'system');
    wireBudget = { second: now, lines: 0, skipped: 0 };
  }
  if (++wireBudget.lines > WIRE_LINES_PER_SECOND) {
    wireBudget.skipped++;
    return;
  }
  const event = record.event;
  const line = describeFrame(
    {
      opcode: event.opcode,
      fin: event.fin,
      rsv1: event.rsv1,
      rsv2: event.rsv2,
      rsv3: event.rsv3,
      payloadLength: event.payloadLength,
      payload: payloadBytes(event.payload),
      ...(event.opcodeName === 'close'
        ? { close: { code: event.closeCode ?? null, reason: event.closeReason ?? '' } }
        : {}),
    },
    event.dir,
  );
  terminal.print(
    `${record.lane.label} ${event.conn} ${line}`,
    event.dir === 'client' ? 'wire-out' : 'wire-in',
  );
}

// ---- Inspector and chat ---------------------------------------------------------------------

let chat: Chat;
const inspector = new Inspector(
  location.origin,
  {
    onSelect(record) {
      if (record.lane.role === 'chat' && record.message >= 0)
        chat.highlight(record.lane.key, record.event.dir, record.message);
    },
    onFrame(record, replayed) {
      if (!replayed) logFrame(record);
    },
    onImportFile: (file) => void openRecording(file),
  },
  100_000,
  { exportBase: location.origin },
);
window.wslabStats = inspector.stats;
const inspectorColumn = document.getElementById('col-inspector')!;
const importError = h('div', {
  className: 'import-error warn',
  role: 'alert',
  'data-testid': 'import-error',
  hidden: true,
});
inspectorColumn.append(importError, inspector.element);

// ---- Recordings: a HAR file browsed offline ---------------------------------------------------

// While a recording is shown the live inspector keeps taking the tap in the background, so going
// back to live loses nothing.
let recordingView: HTMLElement | null = null;

async function openRecording(file: File): Promise<void> {
  const result = await readRecording(file);
  if (!result.ok) {
    importError.textContent = `Could not open this file as a recording. ${result.error}`;
    importError.hidden = false;
    return;
  }
  importError.hidden = true;
  importError.textContent = '';
  const recording = result.recording;
  const hooks: InspectorHooks = { onImportFile: (next) => void openRecording(next) };
  const view = new Inspector(location.origin, hooks, 100_000, { recording: recording.name });
  const banner = h(
    'div',
    { className: 'recording-banner', role: 'status', 'data-testid': 'recording-banner' },
    h(
      'span',
      { className: 'what' },
      h('strong', {}, `Recording: ${recording.name}`),
      ` — ${describeRecording(recording)}. Offline: nothing here is live.`,
      recording.warnings.length > 0 ? ` ${recording.warnings.join(' ')}` : '',
    ),
    h('button', { type: 'button', 'data-testid': 'back-to-live', onclick: showLive }, 'Back to live'),
  );
  const wrapper = h('div', { className: 'recording', 'data-testid': 'recording' }, banner, view.element);
  wrapper.style.display = 'contents';
  inspector.element.remove();
  recordingView?.remove();
  recordingView = wrapper;
  inspectorColumn.append(wrapper);
  view.ingest(recordingBatch(recording));
}

function showLive(): void {
  recordingView?.remove();
  recordingView = null;
  importError.hidden = true;
  if (!inspector.element.isConnected) inspectorColumn.append(inspector.element);
}

// Drop a HAR file anywhere on the page.
const hasFiles = (event: DragEvent): boolean => event.dataTransfer?.types.includes('Files') ?? false;
document.addEventListener('dragover', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  event.dataTransfer!.dropEffect = 'copy';
  document.body.classList.add('dragging-file');
});
document.addEventListener('dragleave', (event) => {
  if (event.relatedTarget === null) document.body.classList.remove('dragging-file');
});
document.addEventListener('drop', (event) => {
  document.body.classList.remove('dragging-file');
  if (!hasFiles(event)) return;
  event.preventDefault();
  const file = event.dataTransfer!.files[0];
  if (file) void openRecording(file);
});

chat = new Chat({
  url: (target) => (target === null ? echoUrl() : proxyUrl(target)),
  onConnecting(session, url) {
    // The tap names the request by its path and query, as the browser sent them.
    const { pathname, search } = new URL(url);
    const label = session.target === null ? 'chat' : 'proxy';
    inspector.connections.claim('chat', label, `${pathname}${search}`, (lane) => {
      session.laneKey = lane.key;
      const handshake = lane.handshake;
      if (handshake && (handshake.rejected !== undefined || handshake.response.status !== 101))
        chat.refused(session, handshake.response.status, handshake.rejected ?? handshake.response.reason);
    });
  },
  onLineSelected(link) {
    if (link.laneKey) inspector.selectMessage(link.laneKey, link.dir, link.message);
  },
});
document.getElementById('chat-slot')!.replaceWith(chat.element);

commands = new TerminalCommands(terminal, {
  onConnecting(path) {
    inspector.connections.claim('terminal', 'terminal', path, () => {});
  },
});

// ---- Editor and runs ------------------------------------------------------------------------

const runButton = byTestId<HTMLButtonElement>(document, 'run');
const stopButton = byTestId<HTMLButtonElement>(document, 'stop');
const resetButton = byTestId<HTMLButtonElement>(document, 'reset');
const solutionButton = byTestId<HTMLButtonElement>(document, 'solution');
const runState = document.querySelector<HTMLElement>('.run-state')!;
let lesson: Lesson | null = null;

const editor = new EditorHost(byTestId(document, 'editor'), {
  onRun: () => run(),
  onChange(text) {
    // Edits are kept per lesson until Reset; the lesson's own start is not worth keeping.
    if (lesson) save(`code:${lesson.slug}`, text === (lesson.snippet ?? NO_SNIPPET) ? null : text);
  },
});

// The run limit: 30 s, or `?runLimit=ms` in the page's address (1 s to 10 min).
function runLimitMs(): number {
  const asked = Number(new URLSearchParams(location.search).get('runLimit'));
  return asked >= 1000 && asked <= 600_000 ? asked : 30_000;
}

// The snippet's microphone and speaker (lesson 13): the page records and plays for the worker.
const audioState = byTestId(document, 'audio-state');
const audioText = audioState.querySelector<HTMLElement>('.audio-text')!;
const stopSound = byTestId<HTMLButtonElement>(document, 'stop-sound');
let micText = '';
function showAudioState(): void {
  const { playing, queuedMs } = pagePlayer.state;
  const parts = [
    micText,
    playing ? `playing${queuedMs > 0 ? ` (${(queuedMs / 1000).toFixed(1)} s queued)` : ''}` : '',
  ];
  audioText.textContent = parts.filter(Boolean).join(' · ');
  audioState.dataset.playing = String(playing);
  stopSound.hidden = !playing;
  audioState.hidden = !micText && !playing;
}
pagePlayer.subscribe(showAudioState);
stopSound.addEventListener('click', () => pagePlayer.stop());
const audioBridge = new LazyAudioBridge({
  onMicState(state) {
    audioState.dataset.mic = state.on ? 'on' : state.asking ? 'asking' : 'off';
    if (state.asking) micText = 'waiting for the microphone: allow it if the browser asks…';
    else if (!state.on) micText = '';
    else if (state.sampleRate)
      micText = `microphone on, ${state.sampleRate / 1000} kHz in ${state.chunkMs} ms chunks`;
    showAudioState();
  },
  onNotice: (text, level) => terminal.print(text, level),
});

const runner = new SnippetRunner(
  {
    onOutput: (level, text) => terminal.print(text, level),
    onStart(label) {
      inspector.connections.runStarted(label);
      terminal.print(`── ${label} ──`, 'system');
      runState.textContent = `${label} running…`;
      stopButton.disabled = false;
      stopButton.setAttribute('aria-label', `Stop ${label}`);
    },
    onEnd(label, how, message) {
      inspector.connections.runEnded();
      terminal.print(`${label} ${message}`, how === 'timeout' ? 'warn' : 'system');
      runState.textContent = `${label} ${how}`;
      if (!runner.running) {
        stopButton.disabled = true;
        stopButton.setAttribute('aria-label', 'Stop the snippet');
      }
    },
  },
  runLimitMs(),
  audioBridge,
);

function run(): void {
  runner.run(editor.getValue());
}

function showLesson(next: Lesson): void {
  lesson = next;
  editor.setValue(load(`code:${next.slug}`) ?? next.snippet ?? NO_SNIPPET);
  solutionButton.disabled = next.solution === undefined;
  solutionButton.title = next.solution === undefined ? 'This lesson has no solution snippet' : '';
}

runButton.addEventListener('click', run);
stopButton.addEventListener('click', () => runner.stop());
resetButton.addEventListener('click', () => {
  if (!lesson) return;
  save(`code:${lesson.slug}`, null);
  editor.setValue(lesson.snippet ?? NO_SNIPPET, true);
});
solutionButton.addEventListener('click', () => {
  if (lesson?.solution !== undefined) editor.setValue(lesson.solution, true);
});

// ---- Lessons --------------------------------------------------------------------------------

const lessons = new LessonPanel({
  onLesson: showLesson,
  onCode(code) {
    editor.setValue(code, true);
    editor.focus();
  },
});
document.getElementById('col-lessons')!.appendChild(lessons.element);

// ---- The tap --------------------------------------------------------------------------------

let chatStarted = false;
const tap = new TapClient({
  url: tapUrl(),
  onBatch(batch) {
    inspector.ingest(batch);
    // Checks count live events only, from the moment the step opened.
    if (!batch.replayed) for (const event of batch.events) lessons.observe(event);
  },
  onStatus(status) {
    inspector.setTapStatus(status);
    // The chat connects once the tap listens, so its handshake is seen live (the seed article's
    // page also connects on load).
    if (status.state === 'live' && !chatStarted) {
      chatStarted = true;
      chat.connect();
    }
  },
});

setUpResizers(document.getElementById('columns')!);
void lessons.start();
tap.start();
for (const line of [
  'wslab terminal. Snippet output and the wire log of your connections appear here.',
  HELP[0]!,
  ...HELP.slice(1),
])
  terminal.print(line, 'system');

// The heavy parts arrive after the first view.
const upgrade = (): void => {
  void editor.upgrade(theme());
  void terminal.upgrade(theme());
};
if ('requestIdleCallback' in window) requestIdleCallback(upgrade, { timeout: 500 });
else setTimeout(upgrade, 50);

dark.addEventListener('change', () => {
  editor.setTheme(theme());
  terminal.setTheme(theme());
});
