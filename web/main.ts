// The playground page: wires the lessons, the chat, the editor, the terminal and the inspector to
// one tap subscription. Monaco and xterm load after the first view, which works without them.
import { INSPECTOR_CAPACITY } from '../core/defaults';
import { LEARNER_PARAM } from '../core/routes';
import './styles.css';
import { Chat } from './chat/chat';
import { ProgressReporter } from './classroom/progress-reporter';
import { acceptHarDrops } from './inspector/har-drop';
import { Inspector, type InspectorStats } from './inspector/inspector';
import { RecordingView } from './inspector/recording-view';
import { LessonPanel } from './lessons/lesson-panel';
import { byTestId } from './lib/dom';
import { currentView, viewSwitch } from './lib/page-view';
import { Theme, type ThemeName } from './lib/theme';
import { echoUrl, proxyUrl, tapUrl } from './lib/urls';
import { setUpResizers } from './playground/resizers';
import { RunControls } from './playground/run-controls';
import { TerminalHost } from './playground/terminal';
import { HELP, TerminalCommands } from './playground/terminal-commands';
import { WireLog } from './playground/wire-log';
import { TapClient } from './tap/tap-client';
import { mountWorkbench } from './workbench/workbench-pane';

declare global {
  interface Window {
    /** Read by bench/ui.ts. */
    wslabStats?: InspectorStats;
  }
}

// The inspector-first view (`/?view=inspector`) hides the lessons, chat, editor and terminal and
// starts none of them: it is for watching one's own app.
const view = currentView();
const playground = view === 'playground';
document.body.dataset.view = view;
if (!playground) {
  document.title = 'wslab — inspector';
  const skip = document.querySelector<HTMLAnchorElement>('.skip')!;
  skip.href = '#col-inspector';
  skip.textContent = 'Skip to the inspector';
}

const colours = new Theme();
document.querySelector('.app-head')!.append(viewSwitch(view), colours.button);
const theme = (): ThemeName => colours.current;

// ---- Terminal, inspector and chat ------------------------------------------------------------

const terminalBox = byTestId(document, 'terminal');
let commands: TerminalCommands;
// What the learner does (not what the page does on its own) is a try at the open lesson step.
const learnerTried = (): void => lessons.learnerTried();
const terminal = new TerminalHost(terminalBox, (line) => {
  terminal.print(`> ${line}`, 'input');
  learnerTried();
  commands.run(line);
});

let chat: Chat;
const inspector = new Inspector(
  location.origin,
  {
    onSelect(record) {
      if (record.lane.role === 'chat' && record.message >= 0)
        chat.highlight(record.lane.key, record.event.dir, record.message);
    },
    onImportFile: (file) => void recordings.open(file),
  },
  INSPECTOR_CAPACITY,
  { exportBase: location.origin, inspectorFirst: !playground },
);
window.wslabStats = inspector.stats;
// The board's Watch (`/?view=inspector&learner=l7`): a learner's traffic is their playground's own
// sockets (chat, snippets), which the inspector-first view hides at first, so they are shown.
const watching = new URLSearchParams(location.search).get(LEARNER_PARAM);
if (watching && !playground) {
  document.title = `wslab — watching learner ${watching.replace(/^l/, '')}`;
  const own = inspector.element.querySelector<HTMLInputElement>('[data-testid="show-own"]');
  if (own) {
    own.checked = true;
    own.dispatchEvent(new Event('change'));
  }
}
// The terminal's wire log reads the tap itself: pausing the inspector does not pause it.
const wireLog = new WireLog(terminal, inspector.connections);
const inspectorColumn = document.getElementById('col-inspector')!;
const recordings = new RecordingView(inspectorColumn, inspector);
inspectorColumn.append(inspector.element);
acceptHarDrops((file) => void recordings.open(file));

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
  onLearnerAct: learnerTried,
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

const controls = new RunControls(terminal, inspector.connections, learnerTried);
// The workbench shares the editor's room, under tabs: it sends the frames a browser never would.
if (playground) {
  mountWorkbench(document.querySelector<HTMLElement>('.editor-panel')!, {
    onLearnerAct: learnerTried,
    // A conformance case's link: the inspector shows that case's connection only (the newest lane
    // with its id and client address, should the server have restarted since).
    onShowConnection(result) {
      const { order, lanes } = inspector.connections;
      for (let i = order.length - 1; i >= 0; i--) {
        const lane = lanes.get(order[i]!);
        if (!lane || lane.conn !== result.conn) continue;
        if (result.client && lane.open?.remote !== result.client) continue;
        inspector.setFilter({ lane: lane.key });
        return true;
      }
      return false;
    },
  });
}

// ---- Lessons --------------------------------------------------------------------------------

// In classroom mode the instructor's board hears where this learner is.
const reporter = new ProgressReporter();
const lessons = new LessonPanel({
  onLesson: (lesson) => controls.showLesson(lesson),
  onCode: (code) => controls.insert(code),
  serverNow: () => tap.serverNow(),
  onProgress: (progress) => reporter.lesson(progress),
});
document.getElementById('col-lessons')!.appendChild(lessons.element);

// ---- The tap --------------------------------------------------------------------------------

let chatStarted = false;
const tap = new TapClient({
  url: tapUrl(),
  onBatch(batch) {
    inspector.ingest(batch);
    wireLog.take(batch);
    // Checks count live events only, from the moment the step opened.
    if (!batch.replayed) for (const event of batch.events) lessons.observe(event);
  },
  onStatus(status) {
    inspector.setTapStatus(status);
    if (status.state === 'live') wireLog.greeted(status.hello);
    // The chat connects once the tap listens, so its handshake is seen live (the seed article's
    // page also connects on load).
    if (status.state === 'live' && !chatStarted && playground) {
      chatStarted = true;
      chat.connect();
    }
  },
});

setUpResizers(document.getElementById('columns')!);
if (playground) {
  void lessons.start();
  const head = document.querySelector<HTMLElement>('.app-head')!;
  void reporter.start(head, head.querySelector('.view-switch'));
}
tap.start();
for (const line of [
  'wslab terminal. Snippet output and the wire log of your connections appear here.',
  HELP[0]!,
  ...HELP.slice(1),
])
  terminal.print(line, 'system');

// The heavy parts arrive after the first view.
const upgrade = (): void => {
  // The theme may change while they load: each takes the one current when it arrives.
  void controls.editor.upgrade(theme()).then(() => controls.editor.setTheme(theme()));
  void terminal.upgrade(theme()).then(() => terminal.setTheme(theme()));
};
// The inspector-first view shows neither.
if (playground) {
  if ('requestIdleCallback' in window) requestIdleCallback(upgrade, { timeout: 500 });
  else setTimeout(upgrade, 50);
}

colours.onChange(() => {
  controls.editor.setTheme(theme());
  terminal.setTheme(theme());
});
