// The inspector column: one lane per connection with its handshake card, the frames of every lane
// in time order in a virtualised list, and the selected frame taken apart. Tap events are queued
// and drawn once per animation frame, so a flood costs one layout per frame, not one per event.

import { liveMessageLabel } from '../../core/live/message-label';
import type { ConnectionEvent, TapEvent, TapFrameEvent, TapMessageEvent } from '../../core/tap/events';
import { decodeUtf8Lossy, fromBase64 } from '../../core/wire/bytes';
import { describeFrame } from '../../core/wire/describe';
import { byTestId, h } from '../lib/dom';
import type { TapBatch, TapStatus } from '../tap/tap-client';
import { Connections, type Lane } from './connections';
import { renderAnatomy } from './frame-anatomy';
import { compileFilter, type FrameFilter, type FrameRow, FrameStore, NO_FILTER } from './frame-store';
import { handshakeSummary, renderHandshake } from './handshake-card';
import { LiveLanes } from './live-lanes';
import { renderSequenceWarnings, warningText } from './sequence-warning-view';

const ROW_HEIGHT = 22;
const LANES_SHOWN = 60;
const PREVIEW = 60;

export interface InspectorStats {
  /** Frames taken in since the page loaded. */
  frames: number;
  /** Animation frames in which the inspector drew. */
  renders: number;
  /** Rows drawn, in total. */
  rowsDrawn: number;
}

export interface InspectorHooks {
  /** A frame was selected (by click or keys). */
  onSelect?(record: FrameRow): void;
  /** A frame arrived: the page may log it or link it. */
  onFrame?(record: FrameRow, replayed: boolean): void;
  /** A HAR file was picked to open as a recording. */
  onImportFile?(file: File): void;
}

export interface InspectorOptions {
  /** A recording opened from a file: no tap, no exports, and the header says so. */
  recording?: string;
  /** The server's HTTP base for the export links. */
  exportBase?: string;
}

type Pending =
  | { lane: Lane; event: TapFrameEvent; replayed: boolean }
  | { lane: Lane; event: TapMessageEvent; replayed: boolean };

function formatTime(t: number): string {
  return (t / 1000).toFixed(3);
}

function preview(event: TapFrameEvent): string {
  if (event.opcodeName === 'close')
    return event.closeCode ? `${event.closeCode} ${event.closeReason ?? ''}` : '(no code)';
  const { text, base64 } = event.payload;
  if (text !== undefined) {
    const label = liveMessageLabel(text);
    return `${label ? `${label}  ` : ''}${JSON.stringify(text.slice(0, PREVIEW))}`;
  }
  if (base64 !== undefined) {
    // JSON sent in binary frames (as the Live API does) starts `{"`, which is `ey` in base64.
    const bytes = base64.startsWith('ey') ? fromBase64(base64) : null;
    const label = bytes ? liveMessageLabel(decodeUtf8Lossy(bytes)) : null;
    return `${label ? `${label} (binary)  ` : ''}base64 ${base64.slice(0, PREVIEW)}`;
  }
  return '';
}

/** A compressed message's inflated payload, for its first frame's row. */
function previewMessage(message: TapMessageEvent): string {
  if (message.text !== undefined) return JSON.stringify(message.text.slice(0, PREVIEW));
  if (message.base64 !== undefined) return `base64 ${message.base64.slice(0, PREVIEW)}`;
  return '';
}

export class Inspector {
  readonly element: HTMLElement;
  readonly connections: Connections;
  readonly store: FrameStore;
  readonly stats: InspectorStats = { frames: 0, renders: 0, rowsDrawn: 0 };
  private filter: FrameFilter = { ...NO_FILTER };
  private paused = false;
  private pending: Pending[] = [];
  /** Per lane and direction, the frame that started the latest data message. */
  private messageStarts = new Map<string, FrameRow>();
  /** One order checker per Live API lane. */
  private readonly liveLanes = new LiveLanes();
  private tapDropped = 0;
  private pausedDropped = 0;
  private selected: number | null = null;
  private scheduled = false;
  private follow = true;
  private listDirty = true;
  private lanesVersion = -1;
  private laneElements = new Map<string, { element: HTMLElement; version: number }>();
  private rows: HTMLElement[] = [];
  private readonly list: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly lanesBox: HTMLElement;
  private readonly counts: HTMLElement;
  private readonly detail: HTMLElement;
  private readonly tapState: HTMLElement;
  private readonly pauseButton: HTMLButtonElement;
  private readonly filterError: HTMLElement;

  constructor(
    pageOrigin: string,
    private readonly hooks: InspectorHooks = {},
    capacity = 100_000,
    private readonly options: InspectorOptions = {},
  ) {
    this.connections = new Connections(pageOrigin, options.recording !== undefined);
    this.store = new FrameStore(capacity);
    this.element = this.build();
    this.list = byTestId(this.element, 'frame-list');
    this.spacer = this.list.querySelector('.spacer')!;
    this.lanesBox = this.element.querySelector('.lanes')!;
    this.counts = this.element.querySelector('.counts')!;
    this.detail = byTestId(this.element, 'frame-detail');
    this.tapState = this.element.querySelector('.tap-state')!;
    this.pauseButton = this.element.querySelector('.pause')!;
    this.filterError = this.element.querySelector('.filter-error')!;
    this.list.addEventListener('scroll', () => {
      const { scrollTop, clientHeight, scrollHeight } = this.list;
      this.follow = scrollTop + clientHeight >= scrollHeight - ROW_HEIGHT * 1.5;
      this.listDirty = true;
      this.schedule();
    });
    new ResizeObserver(() => {
      this.listDirty = true;
      this.schedule();
    }).observe(this.list);
  }

  private build(): HTMLElement {
    const dir = h(
      'select',
      {
        'aria-label': 'Direction',
        onchange: (e: Event) =>
          this.setFilter({ dir: (e.target as HTMLSelectElement).value as FrameFilter['dir'] }),
      },
      h('option', { value: 'all' }, 'both ways'),
      h('option', { value: 'client' }, '→ client'),
      h('option', { value: 'server' }, '← server'),
    );
    const opcode = h(
      'select',
      {
        'aria-label': 'Opcode',
        onchange: (e: Event) => this.setFilter({ opcode: (e.target as HTMLSelectElement).value }),
      },
      ...['all', 'data', 'control', 'text', 'binary', 'continuation', 'close', 'ping', 'pong'].map((name) =>
        h('option', { value: name }, name === 'all' ? 'all opcodes' : name),
      ),
    );
    const text = h('input', {
      type: 'search',
      placeholder: 'filter payload',
      'aria-label': 'Filter frames by payload text',
      'data-testid': 'filter-text',
      oninput: (e: Event) => this.setFilter({ text: (e.target as HTMLInputElement).value }),
    });
    const regex = h('input', {
      type: 'checkbox',
      'aria-label': 'Filter text is a regular expression',
      onchange: (e: Event) => this.setFilter({ regex: (e.target as HTMLInputElement).checked }),
    });
    const frameList = h(
      'div',
      {
        className: 'frame-list',
        role: 'listbox',
        tabindex: 0,
        'aria-label': 'Frames, oldest first',
        'data-testid': 'frame-list',
        onkeydown: (e: Event) => this.onListKey(e as KeyboardEvent),
        onclick: (e: Event) => {
          const row = (e.target as HTMLElement).closest<HTMLElement>('[data-id]');
          if (row) this.select(Number(row.dataset.id));
        },
      },
      h('div', { className: 'spacer' }),
    );
    return h(
      'section',
      { className: 'inspector', 'data-testid': 'inspector', 'aria-label': 'Inspector' },
      h(
        'header',
        { className: 'panel-head' },
        h('h2', {}, this.options.recording === undefined ? 'Inspector' : 'Inspector: recording'),
        h(
          'span',
          { className: 'tap-state', role: 'status' },
          this.options.recording === undefined ? 'tap: connecting…' : 'offline, from a file',
        ),
      ),
      h(
        'div',
        { className: 'toolbar', role: 'toolbar', 'aria-label': 'Frame filters' },
        dir,
        opcode,
        text,
        h('label', { className: 'check' }, regex, 'regex'),
        h(
          'button',
          {
            type: 'button',
            className: 'pause',
            'aria-pressed': 'false',
            onclick: () => this.setPaused(!this.paused),
          },
          'Pause',
        ),
        h(
          'button',
          {
            type: 'button',
            onclick: () => this.clear(),
            'aria-label': 'Clear the frames and closed connections',
          },
          'Clear',
        ),
        this.options.recording === undefined
          ? h(
              'span',
              { className: 'exports', role: 'group', 'aria-label': 'Download the session' },
              h(
                'a',
                {
                  href: this.exportUrl('har'),
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
                  href: this.exportUrl('pcapng'),
                  download: 'wslab-session.pcapng',
                  'data-testid': 'export-pcapng',
                  className: 'button',
                  title: 'Every connection the server recorded, as a capture for Wireshark',
                },
                'pcapng',
              ),
            )
          : null,
        this.hooks.onImportFile ? this.importButton() : null,
      ),
      h('div', { className: 'filter-error warn', role: 'alert' }),
      h('div', { className: 'lanes', role: 'list', 'aria-label': 'Connections' }),
      h('div', { className: 'counts muted', role: 'status', 'aria-live': 'off' }),
      frameList,
      h(
        'div',
        {
          className: 'frame-detail',
          'data-testid': 'frame-detail',
          'aria-label': 'Selected frame',
          role: 'region',
        },
        h('p', { className: 'muted' }, 'Select a frame to take it apart.'),
      ),
    );
  }

  /** A label styled as a button around the file input, so the picker opens with the keyboard too. */
  private importButton(): HTMLElement {
    const input = h('input', {
      type: 'file',
      accept: '.har,application/json',
      className: 'visually-hidden',
      'data-testid': 'import-har-input',
      onchange: (e: Event) => {
        const target = e.target as HTMLInputElement;
        const file = target.files?.[0];
        target.value = '';
        if (file) this.hooks.onImportFile?.(file);
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

  /** `/api/export.har`, or one connection's with `?conn=`. */
  private exportUrl(format: 'har' | 'pcapng', conn?: string): string {
    const base = this.options.exportBase ?? '';
    return `${base}/api/export.${format}${conn ? `?conn=${encodeURIComponent(conn)}` : ''}`;
  }

  setTapStatus(status: TapStatus): void {
    const text =
      status.state === 'live'
        ? 'tap: live'
        : status.state === 'connecting'
          ? status.attempt > 1
            ? `tap: reconnecting (attempt ${status.attempt})…`
            : 'tap: connecting…'
          : `tap: ${status.reason}; reconnecting in ${(status.retryInMs / 1000).toFixed(1)} s`;
    this.tapState.textContent =
      status.state === 'live' && status.restarted ? 'tap: live (the server restarted)' : text;
    this.tapState.dataset.state = status.state;
    if (status.state === 'live' && status.restarted) this.connections.serverRestarted(status.instance);
    this.schedule();
  }

  /** Takes a batch from the tap. Drawing happens on the next animation frame. */
  ingest(batch: TapBatch): void {
    for (const event of batch.events) this.ingestOne(batch.instance, event, batch.replayed);
    this.schedule();
  }

  private ingestOne(instance: string, event: TapEvent, replayed: boolean): void {
    if (event.type === 'hello') return;
    if (event.type === 'dropped') {
      this.tapDropped += event.count;
      // Any lane may have lost messages: checking its order from here on would mislead.
      for (const lane of this.connections.lanes.values()) this.liveLanes.lost(lane);
      return;
    }
    const lane = this.connections.apply(instance, event as ConnectionEvent, replayed);
    if (event.type !== 'frame' && event.type !== 'message') return;
    if (this.paused) {
      if (this.pending.length >= this.store.capacity) {
        const dropped = this.pending.shift();
        if (dropped) this.liveLanes.lost(dropped.lane);
        this.pausedDropped++;
      }
      this.pending.push({ lane, event, replayed } as Pending);
      return;
    }
    this.addPending({ lane, event, replayed } as Pending);
  }

  private addPending(item: Pending): void {
    if (item.event.type === 'frame') this.addFrame(item.lane, item.event, item.replayed);
    else this.addMessage(item.lane, item.event);
  }

  private addFrame(lane: Lane, event: TapFrameEvent, replayed: boolean): void {
    const record = this.store.add(lane, event);
    if (record.message >= 0) this.messageStarts.set(`${lane.key}/${event.dir}`, record);
    this.stats.frames++;
    this.listDirty = true;
    this.hooks.onFrame?.(record, replayed);
  }

  /**
   * A whole message, reported after its last frame: kept with the frame that started it, so the
   * anatomy can show what a compressed message inflated to (RFC 7692 §6.2).
   */
  private addMessage(lane: Lane, event: TapMessageEvent): void {
    const record = this.messageStarts.get(`${lane.key}/${event.dir}`);
    if (record?.messageEvent) return;
    // Whole messages come in wire order, inflated and joined: what the order checker needs. Its
    // lane goes on being checked even when the frame that started the message was cleared away.
    const warnings = this.liveLanes.take(lane, event);
    if (!record) return;
    record.messageEvent = event;
    if (warnings?.length) record.sequenceWarnings = warnings;
    this.listDirty = true;
    if (record.id === this.selected) this.showDetail(record);
    else if ((event.compressed || record.sequenceWarnings) && this.store.indexOfVisible(record.id) >= 0) {
      // The row's ratio, or its warning, appears once the message is known.
      const row = this.rows.find((r) => r.dataset.id === String(record.id));
      if (row) this.fillRow(row, record);
    }
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.pauseButton.textContent = paused ? 'Resume' : 'Pause';
    this.pauseButton.setAttribute('aria-pressed', String(paused));
    if (!paused) {
      const pending = this.pending;
      this.pending = [];
      for (const item of pending) this.addPending(item);
    }
    this.schedule();
  }

  setFilter(change: Partial<FrameFilter>): void {
    this.filter = { ...this.filter, ...change };
    const { match, error } = compileFilter(this.filter);
    this.filterError.textContent = error ? `Not a regular expression: ${error}` : '';
    this.store.setMatcher(match);
    this.listDirty = true;
    this.lanesVersion = -1;
    this.schedule();
  }

  clear(): void {
    this.store.clear();
    this.connections.clear();
    this.pending = [];
    this.messageStarts.clear();
    this.tapDropped = 0;
    this.pausedDropped = 0;
    this.selected = null;
    this.detail.replaceChildren(h('p', { className: 'muted' }, 'Select a frame to take it apart.'));
    this.listDirty = true;
    this.lanesVersion = -1;
    this.schedule();
  }

  /** Selects a frame, scrolls to it and shows its anatomy. */
  select(id: number, scroll = false): void {
    const record = this.store.get(id);
    if (!record) return;
    this.selected = id;
    this.showDetail(record);
    if (scroll) {
      const index = this.store.indexOfVisible(id);
      if (index >= 0) {
        this.follow = false;
        this.list.scrollTop = Math.max(0, index * ROW_HEIGHT - this.list.clientHeight / 2);
      }
    }
    this.listDirty = true;
    this.schedule();
    this.hooks.onSelect?.(record);
  }

  private showDetail(record: FrameRow): void {
    const warning = renderSequenceWarnings(record.sequenceWarnings);
    const anatomy = renderAnatomy(record.event, record.lane.label, record.messageEvent);
    this.detail.replaceChildren(...(warning ? [warning, anatomy] : [anatomy]));
    this.detail.dataset.frameId = String(record.id);
  }

  /** Selects the frame that starts a lane's n-th message in a direction (the chat's links). */
  selectMessage(laneKey: string, dir: 'client' | 'server', message: number): boolean {
    const record = this.store.findMessage(laneKey, dir, message);
    if (!record) return false;
    if (this.store.indexOfVisible(record.id) < 0) this.setFilter({ ...NO_FILTER, lane: null });
    this.select(record.id, true);
    return true;
  }

  private onListKey(event: KeyboardEvent): void {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp' && event.key !== 'Home' && event.key !== 'End')
      return;
    event.preventDefault();
    const count = this.store.visibleCount;
    if (count === 0) return;
    const current = this.selected === null ? -1 : this.store.indexOfVisible(this.selected);
    const next =
      event.key === 'Home'
        ? 0
        : event.key === 'End'
          ? count - 1
          : Math.min(count - 1, Math.max(0, current + (event.key === 'ArrowDown' ? 1 : -1)));
    const record = this.store.visibleAt(next);
    if (!record) return;
    const top = next * ROW_HEIGHT;
    if (top < this.list.scrollTop) this.list.scrollTop = top;
    else if (top + ROW_HEIGHT > this.list.scrollTop + this.list.clientHeight)
      this.list.scrollTop = top + ROW_HEIGHT - this.list.clientHeight;
    this.select(record.id);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.render();
    });
  }

  private render(): void {
    this.stats.renders++;
    if (this.connections.version !== this.lanesVersion) {
      this.lanesVersion = this.connections.version;
      this.renderLanes();
    }
    if (this.listDirty) {
      this.listDirty = false;
      this.renderList();
    }
    this.renderCounts();
  }

  private renderCounts(): void {
    const stored = this.store.size;
    const visible = this.store.visibleCount;
    const dropped = this.store.evicted + this.tapDropped + this.pausedDropped;
    const parts = [`${visible.toLocaleString('en')} frames shown`];
    if (stored > visible) parts.push(`${(stored - visible).toLocaleString('en')} hidden by filters`);
    if (dropped > 0)
      parts.push(
        `${dropped.toLocaleString('en')} dropped (history keeps ${this.store.capacity.toLocaleString('en')})`,
      );
    if (this.paused) parts.push(`paused: ${this.pending.length.toLocaleString('en')} waiting`);
    const text = parts.join(' · ');
    if (this.counts.textContent !== text) this.counts.textContent = text;
    this.counts.dataset.dropped = String(dropped);
  }

  private renderLanes(): void {
    const order = this.connections.order;
    const shown = order.slice(-LANES_SHOWN);
    const wanted = new Set(shown);
    for (const [key, entry] of this.laneElements) {
      if (!wanted.has(key)) {
        entry.element.remove();
        this.laneElements.delete(key);
      }
    }
    let previous: Element | null = this.lanesBox.querySelector('.lanes-hidden');
    for (const key of shown) {
      const lane = this.connections.lanes.get(key);
      if (!lane) continue;
      let entry = this.laneElements.get(key);
      if (!entry) {
        entry = { element: this.laneElement(lane), version: -1 };
        this.laneElements.set(key, entry);
      }
      if (
        entry.version !== lane.version ||
        entry.element.dataset.selected !== String(this.filter.lane === key)
      ) {
        this.updateLane(entry.element, lane);
        entry.version = lane.version;
      }
      const expected: Element | null = previous
        ? previous.nextElementSibling
        : this.lanesBox.firstElementChild;
      if (expected !== entry.element) this.lanesBox.insertBefore(entry.element, expected);
      previous = entry.element;
    }
    const hidden = order.length - shown.length;
    this.lanesBox.dataset.hidden = String(hidden);
    let note = this.lanesBox.querySelector<HTMLElement>('.lanes-hidden');
    if (hidden > 0) {
      note ??= h('div', { className: 'lanes-hidden muted', role: 'listitem' });
      note.textContent = `${hidden} older connection${hidden === 1 ? '' : 's'} not listed (their frames are still below)`;
      if (this.lanesBox.firstElementChild !== note) this.lanesBox.prepend(note);
    } else note?.remove();
  }

  private laneElement(lane: Lane): HTMLElement {
    const button = h('button', {
      type: 'button',
      className: 'lane-head',
      onclick: () => this.setFilter({ lane: this.filter.lane === lane.key ? null : lane.key }),
    });
    const details = h(
      'details',
      { className: 'handshake', 'data-testid': 'handshake' },
      h('summary', {}),
      h('div', { className: 'handshake-content' }),
    );
    details.addEventListener('toggle', () => {
      if (details.open) this.fillHandshake(details, lane);
    });
    return h(
      'div',
      { className: 'lane', role: 'listitem', 'data-testid': 'connection', 'data-key': lane.key },
      button,
      details,
    );
  }

  private fillHandshake(details: HTMLElement, lane: Lane): void {
    const content = details.querySelector('.handshake-content')!;
    const children: (HTMLElement | null)[] = [
      lane.handshake
        ? renderHandshake(lane.handshake)
        : h('p', { className: 'muted' }, 'No handshake seen yet.'),
      this.options.recording === undefined && !lane.lost
        ? h(
            'p',
            { className: 'lane-exports' },
            'Download this connection: ',
            h(
              'a',
              {
                href: this.exportUrl('har', lane.conn),
                download: `wslab-${lane.conn}.har`,
                'data-testid': 'export-conn-har',
              },
              'HAR',
            ),
            ' · ',
            h(
              'a',
              {
                href: this.exportUrl('pcapng', lane.conn),
                download: `wslab-${lane.conn}.pcapng`,
                'data-testid': 'export-conn-pcapng',
              },
              'pcapng',
            ),
          )
        : null,
    ];
    content.replaceChildren(...children.filter((child) => child !== null));
  }

  private updateLane(element: HTMLElement, lane: Lane): void {
    const selected = this.filter.lane === lane.key;
    element.dataset.role = lane.role;
    element.dataset.label = lane.label;
    element.dataset.conn = lane.conn;
    element.dataset.selected = String(selected);
    const state = this.connections.state(lane);
    element.dataset.state = state.split(' ')[0]!;
    const button = element.querySelector<HTMLButtonElement>('.lane-head')!;
    const path = lane.open
      ? `${lane.open.path}${lane.open.query ? `?${new URLSearchParams(lane.open.query)}` : ''}`
      : '';
    button.replaceChildren(
      ...[
        h('span', { className: `role role-${lane.role}` }, lane.label),
        h('span', { className: 'conn' }, lane.conn),
        h('span', { className: 'path' }, path),
        lane.handshake?.deflate
          ? h(
              'span',
              {
                className: 'deflate',
                'data-testid': 'lane-deflate',
                title: 'permessage-deflate was negotiated (RFC 7692): open the handshake for its parameters',
              },
              'deflate',
            )
          : null,
        h('span', { className: 'state' }, `${state} · ${lane.frames} frames`),
      ].filter((child) => child !== null),
    );
    const error = lane.errors[lane.errors.length - 1];
    let errorLine = element.querySelector<HTMLElement>('.lane-error');
    if (error) {
      errorLine ??= element.insertBefore(h('div', { className: 'lane-error warn' }), button.nextSibling);
      errorLine.textContent = `${error.dir ? `${error.dir} broke the rules: ` : ''}${error.code}${error.closeCode ? ` (close ${error.closeCode})` : ''}: ${error.message}`;
    }
    button.setAttribute('aria-pressed', String(selected));
    button.setAttribute(
      'aria-label',
      `${lane.label} connection ${lane.conn} ${path}, ${state}: ${selected ? 'showing only its frames' : 'show only its frames'}`,
    );
    const details = element.querySelector<HTMLDetailsElement>('details')!;
    const summary = details.querySelector('summary')!;
    if (lane.handshake) {
      summary.replaceChildren(handshakeSummary(lane.handshake));
      details.hidden = false;
      if (details.open) this.fillHandshake(details, lane);
    } else {
      summary.textContent = 'handshake…';
    }
  }

  private renderList(): void {
    const count = this.store.visibleCount;
    this.spacer.style.height = `${count * ROW_HEIGHT}px`;
    if (this.follow) this.list.scrollTop = this.list.scrollHeight;
    const first = Math.max(0, Math.floor(this.list.scrollTop / ROW_HEIGHT));
    const slots = Math.ceil(this.list.clientHeight / ROW_HEIGHT) + 2;
    while (this.rows.length < slots) {
      const row = h(
        'div',
        { className: 'frame-row', role: 'option', hidden: true },
        ...['time', 'lane', 'arrow', 'op', 'fin', 'rsv', 'len', 'mask', 'preview'].map((name) =>
          h('span', { className: name }),
        ),
      );
      this.rows.push(row);
      this.list.appendChild(row);
    }
    for (let slot = 0; slot < this.rows.length; slot++) {
      const row = this.rows[slot]!;
      const index = first + slot;
      const record = slot < slots ? this.store.visibleAt(index) : undefined;
      if (!record) {
        if (!row.hidden) {
          row.hidden = true;
          row.dataset.id = '';
          // Only rows that show a frame are frame rows, for tests and assistive technology alike.
          row.removeAttribute('data-testid');
        }
        continue;
      }
      row.hidden = false;
      row.dataset.testid = 'frame-row';
      row.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
      const isSelected = record.id === this.selected;
      row.setAttribute('aria-selected', String(isSelected));
      if (row.dataset.id === String(record.id)) continue;
      this.stats.rowsDrawn++;
      this.fillRow(row, record);
    }
  }

  private fillRow(row: HTMLElement, record: FrameRow): void {
    const event = record.event;
    row.dataset.id = String(record.id);
    row.dataset.dir = event.dir;
    row.dataset.opcode = event.opcodeName;
    row.dataset.conn = event.conn;
    row.dataset.lane = record.lane.label;
    row.dataset.masked = String(event.masked);
    row.dataset.rsv1 = String(event.rsv1);
    const cells = row.children;
    (cells[0] as HTMLElement).textContent = formatTime(event.t);
    (cells[1] as HTMLElement).textContent = `${record.lane.label} ${event.conn}`;
    (cells[2] as HTMLElement).textContent = event.dir === 'client' ? '→' : '←';
    const op = cells[3] as HTMLElement;
    op.textContent = event.opcodeName;
    op.className = `op badge op-${event.opcodeName}`;
    (cells[4] as HTMLElement).textContent = event.fin ? 'FIN' : '…';
    const rsv = cells[5] as HTMLElement;
    // RSV1 on the first frame of a message: compressed with permessage-deflate (RFC 7692 §6).
    rsv.textContent = event.rsv1 ? 'RSV1' : '';
    rsv.title = event.rsv1 ? 'RSV1 set: this message is compressed (permessage-deflate)' : '';
    (cells[6] as HTMLElement).textContent = `${event.payloadLength} B`;
    (cells[7] as HTMLElement).textContent = event.masked ? 'masked' : '';
    const message = record.messageEvent;
    const text =
      message?.compressed && message.compressedSize !== undefined
        ? `${previewMessage(message)} (${message.size} B inflated)`
        : preview(event);
    // Rows are recycled: a warning is set or cleared on every fill.
    const warnings = record.sequenceWarnings;
    const warning = warnings ? warningText(warnings) : '';
    (cells[8] as HTMLElement).textContent = warnings ? `⚠ ${text}` : text;
    if (warnings) {
      row.dataset.warning = warning;
      row.dataset.warningLevel = warnings.some((w) => w.level === 'error') ? 'error' : 'caution';
      row.title = warning;
    } else if (row.dataset.warning !== undefined) {
      delete row.dataset.warning;
      delete row.dataset.warningLevel;
      row.removeAttribute('title');
    }
    row.setAttribute(
      'aria-label',
      describeFrame({ opcode: event.opcode, payloadLength: event.payloadLength, fin: event.fin }, event.dir) +
        (event.rsv1 ? ', compressed' : '') +
        (warning ? `, warning: ${warning}` : ''),
    );
  }
}
