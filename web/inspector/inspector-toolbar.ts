// The inspector's head and toolbar: the tap's state, the frame filters, pause and clear, the
// session's downloads (HAR, pcapng) and the button that opens a HAR file as a recording.

import { h } from '../lib/dom';
import { exportUrl } from '../lib/urls';
import type { TapStatus } from '../tap/tap-client';
import type { FrameFilter } from './frame-store';

export interface ToolbarActions {
  onFilter(change: Partial<FrameFilter>): void;
  onTogglePause(): void;
  onClear(): void;
  /** A HAR file was picked to open as a recording; without it there is no Open button. */
  onImportFile?(file: File): void;
}

function tapStatusText(status: TapStatus): string {
  if (status.state === 'live') return status.restarted ? 'tap: live (the server restarted)' : 'tap: live';
  if (status.state === 'connecting')
    return status.attempt > 1 ? `tap: reconnecting (attempt ${status.attempt})…` : 'tap: connecting…';
  return `tap: ${status.reason}; reconnecting in ${(status.retryInMs / 1000).toFixed(1)} s`;
}

export class InspectorToolbar {
  /** The heading and the tap's state. */
  readonly head: HTMLElement;
  readonly toolbar: HTMLElement;
  /** Where a filter that is not a regular expression says so. */
  readonly filterError: HTMLElement;
  private readonly tapState: HTMLElement;
  private readonly pauseButton: HTMLButtonElement;

  /** `recording`: the name of a file being browsed offline, which has no tap and no downloads. */
  /** `ownToggle`: a checkbox that shows the sockets wslab's own pages opened (off at first). */
  constructor(
    recording: string | undefined,
    exportBase: string,
    private readonly actions: ToolbarActions,
    ownToggle = false,
  ) {
    this.tapState = h(
      'span',
      { className: 'tap-state', role: 'status' },
      recording === undefined ? 'tap: connecting…' : 'offline, from a file',
    );
    this.head = h(
      'header',
      { className: 'panel-head' },
      h('h2', {}, recording === undefined ? 'Inspector' : 'Inspector: recording'),
      this.tapState,
    );
    this.pauseButton = h(
      'button',
      { type: 'button', className: 'pause', 'aria-pressed': 'false', onclick: () => actions.onTogglePause() },
      'Pause',
    );
    this.toolbar = h(
      'div',
      { className: 'toolbar', role: 'toolbar', 'aria-label': 'Frame filters' },
      ...this.filters(),
      ownToggle ? this.ownCheckbox() : null,
      this.pauseButton,
      h(
        'button',
        {
          type: 'button',
          onclick: () => actions.onClear(),
          'aria-label': 'Clear the frames and closed connections',
        },
        'Clear',
      ),
      recording === undefined ? downloads(exportBase) : null,
      actions.onImportFile ? this.importButton(actions.onImportFile) : null,
    );
    this.filterError = h('div', { className: 'filter-error warn', role: 'alert' });
  }

  private filters(): HTMLElement[] {
    const filter = this.actions.onFilter;
    const dir = h(
      'select',
      {
        'aria-label': 'Direction',
        onchange: (e: Event) => filter({ dir: (e.target as HTMLSelectElement).value as FrameFilter['dir'] }),
      },
      h('option', { value: 'all' }, 'both ways'),
      h('option', { value: 'client' }, '→ client'),
      h('option', { value: 'server' }, '← server'),
    );
    const opcode = h(
      'select',
      {
        'aria-label': 'Opcode',
        onchange: (e: Event) => filter({ opcode: (e.target as HTMLSelectElement).value }),
      },
      ...['all', 'data', 'control', 'text', 'binary', 'continuation', 'close', 'ping', 'pong'].map((name) =>
        h('option', { value: name }, name === 'all' ? 'all opcodes' : name),
      ),
    );
    const text = h('input', {
      type: 'search',
      placeholder: 'filter, or event:name',
      'aria-label': 'Filter frames by payload text, or by event name with event:',
      title:
        'Text the payload or its decoded label contains; event:chat keeps the frames whose decoded event, operation or topic is “chat”',
      'data-testid': 'filter-text',
      oninput: (e: Event) => filter({ text: (e.target as HTMLInputElement).value }),
    });
    const regex = h('input', {
      type: 'checkbox',
      'aria-label': 'Filter text is a regular expression',
      onchange: (e: Event) => filter({ regex: (e.target as HTMLInputElement).checked }),
    });
    return [dir, opcode, text, h('label', { className: 'check' }, regex, 'regex')];
  }

  private ownCheckbox(): HTMLElement {
    const box = h('input', {
      type: 'checkbox',
      'data-testid': 'show-own',
      onchange: (e: Event) => this.actions.onFilter({ own: (e.target as HTMLInputElement).checked }),
    });
    return h(
      'label',
      {
        className: 'check',
        title: 'Also list the sockets wslab’s own pages opened: the playground’s chat, terminal and snippets',
      },
      box,
      'wslab’s own',
    );
  }

  /** A label styled as a button around the file input, so the picker opens with the keyboard too. */
  private importButton(onFile: (file: File) => void): HTMLElement {
    const input = h('input', {
      type: 'file',
      accept: '.har,application/json',
      className: 'visually-hidden',
      'data-testid': 'import-har-input',
      onchange: (e: Event) => {
        const target = e.target as HTMLInputElement;
        const file = target.files?.[0];
        target.value = '';
        if (file) onFile(file);
      },
    });
    return h(
      'label',
      {
        className: 'button import',
        'data-testid': 'import-har',
        title: 'Open a HAR file (wslab’s or a browser’s) to browse it here offline; or drop it on the page',
      },
      input,
      'Open HAR…',
    );
  }

  showTapStatus(status: TapStatus): void {
    this.tapState.textContent = tapStatusText(status);
    this.tapState.dataset.state = status.state;
  }

  showPaused(paused: boolean): void {
    this.pauseButton.textContent = paused ? 'Resume' : 'Pause';
    this.pauseButton.setAttribute('aria-pressed', String(paused));
  }

  showFilterError(error: string | null): void {
    this.filterError.textContent = error ? `Not a regular expression: ${error}` : '';
  }
}

/** The whole session as the server recorded it, in both formats. */
function downloads(exportBase: string): HTMLElement {
  return h(
    'span',
    { className: 'exports', role: 'group', 'aria-label': 'Download the session' },
    h(
      'a',
      {
        href: exportUrl(exportBase, 'har'),
        download: 'wslab-session.har',
        'data-testid': 'export-har',
        className: 'button',
        title: 'Every connection the server recorded, as HAR (Chrome DevTools can import it)',
      },
      'HAR',
    ),
    h(
      'a',
      {
        href: exportUrl(exportBase, 'pcapng'),
        download: 'wslab-session.pcapng',
        'data-testid': 'export-pcapng',
        className: 'button',
        title: 'Every connection the server recorded, as a capture for Wireshark',
      },
      'pcapng',
    ),
  );
}
