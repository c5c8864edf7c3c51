// The inspector column: one lane per connection with its handshake card, the frames of every lane
// in time order in a virtualised list, and the selected frame taken apart. This file puts the
// model and its views together; tap events are taken in at once and drawn once per animation
// frame, so a flood costs one layout per frame, not one per event.

import { INSPECTOR_CAPACITY } from '../../core/defaults';
import { byTestId, h } from '../lib/dom';
import type { TapBatch, TapStatus } from '../tap/tap-client';
import type { Connections } from './connections';
import { ConversationViews } from './conversation-views';
import { renderAnatomy } from './frame-anatomy';
import { FrameList } from './frame-list';
import { compileFilter, type FrameFilter, type FrameRow, type FrameStore, NO_FILTER } from './frame-store';
import { InspectorModel } from './inspector-model';
import { InspectorToolbar } from './inspector-toolbar';
import { LanesView } from './lanes-view';
import { PaneSplitter } from './pane-splitter';
import { renderProtocolDetail } from './protocol-view';
import { renderSequenceWarnings } from './sequence-warning-view';
import './inspector.css';

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
  /**
   * The inspector-first view (`/?view=inspector`), for watching one's own app: the newest frames
   * and connections on top, times of day, the frame's anatomy folded under its decoded payload,
   * and the sockets wslab's own pages opened hidden until asked for.
   */
  inspectorFirst?: boolean;
}

const NOTHING_SELECTED = 'Select a frame to take it apart.';
/** The fewest pixels each pane keeps when another grows: about three rows or lines. */
const LANES_MIN = 48;
const LIST_MIN = 76;
const DETAIL_MIN = 32;

export class Inspector {
  readonly element: HTMLElement;
  readonly model: InspectorModel;
  private readonly counters = { frames: 0, renders: 0 };
  /** Live counts, read by the benchmark through the page. */
  readonly stats: InspectorStats;
  private filter: FrameFilter = { ...NO_FILTER };
  private selected: number | null = null;
  private scheduled = false;
  private listDirty = true;
  private readonly toolbar: InspectorToolbar;
  private readonly lanes: LanesView;
  private readonly list: FrameList;
  private readonly views: ConversationViews;
  private readonly counts: HTMLElement;
  private readonly detail: HTMLElement;
  private readonly inspectorFirst: boolean;
  /** The folded anatomy was opened: the next frame's opens too. */
  private anatomyOpen = false;

  constructor(
    pageOrigin: string,
    private readonly hooks: InspectorHooks = {},
    capacity = INSPECTOR_CAPACITY,
    options: InspectorOptions = {},
  ) {
    const recording = options.recording !== undefined;
    const exportBase = options.exportBase ?? '';
    this.inspectorFirst = options.inspectorFirst ?? false;
    if (this.inspectorFirst) this.filter.own = false;
    this.model = new InspectorModel(pageOrigin, recording, capacity, {
      onFrame: (record, replayed) => {
        this.counters.frames++;
        this.listDirty = true;
        this.views.addFrame(record);
        this.hooks.onFrame?.(record, replayed);
      },
      onConnection: (lane, event) => this.views.addConnectionEvent(lane, event),
      onMessage: (record) => {
        this.listDirty = true;
        this.views.messageArrived();
        if (record.protocol?.name !== undefined) this.list.showEventColumn();
        if (record.id === this.selected) this.showDetail(record);
        // The row's ratio, its warning, or a message row's whole text appears once it is known.
        else if (
          record.messageEvent?.compressed ||
          record.sequenceWarnings ||
          record.group ||
          record.protocol
        )
          this.list.refresh(record);
      },
    });
    this.toolbar = new InspectorToolbar(
      options.recording,
      exportBase,
      {
        onFilter: (change) => this.setFilter(change),
        onTogglePause: () => this.setPaused(!this.model.isPaused),
        onClear: () => this.clear(),
        onImportFile: hooks.onImportFile,
      },
      this.inspectorFirst,
    );
    this.lanes = new LanesView(this.model.connections, {
      recording,
      exportBase,
      onHandshakeToggle: (lane, open) => this.fitHandshake(lane, open),
      onPickLane: (key) => this.setFilter({ lane: this.filter.lane === key ? null : key }),
      newestFirst: this.inspectorFirst,
    });
    this.lanes.setShowOwn(this.filter.own);
    this.list = new FrameList(
      this.model.store,
      {
        onPick: (id, message) => this.select(id, false, message),
        onViewportChange: () => {
          this.listDirty = true;
          this.schedule();
        },
      },
      { newestFirst: this.inspectorFirst },
    );
    this.store.setMatcher(compileFilter(this.filter).match);
    this.views = new ConversationViews(this.list.element, this.model.store, this.model.connections, {
      onPick: (id) => this.select(id),
      onShowFrames: () => {
        // An arrow picked in the diagram is the frame the list shows on coming back.
        if (this.selected !== null) this.list.reveal(this.selected);
        this.listDirty = true;
        this.schedule();
      },
    });
    const list = this.list;
    const counters = this.counters;
    this.stats = {
      get frames() {
        return counters.frames;
      },
      get renders() {
        return counters.renders;
      },
      get rowsDrawn() {
        return list.rowsDrawn;
      },
    };
    this.counts = h('div', { className: 'counts muted', role: 'status', 'aria-live': 'off' });
    this.element = h(
      'section',
      {
        className: this.inspectorFirst ? 'inspector inspector-first' : 'inspector',
        'data-testid': 'inspector',
        'aria-label': 'Inspector',
      },
      this.toolbar.head,
      this.toolbar.toolbar,
      this.toolbar.filterError,
      this.lanes.element,
      this.counts,
      this.views.element,
      h(
        'div',
        {
          className: 'frame-detail',
          'data-testid': 'frame-detail',
          'aria-label': 'Selected frame',
          role: 'region',
          // Scrolls when a frame's anatomy is taller than the pane: the keyboard must reach it too.
          tabindex: 0,
        },
        h('p', { className: 'muted' }, NOTHING_SELECTED),
      ),
    );
    this.detail = byTestId(this.element, 'frame-detail');
    this.addSplitters();
  }

  /** Height the frame list can give up before it is down to its last few rows. */
  private listRoom(): number {
    return Math.max(0, this.list.element.getBoundingClientRect().height - LIST_MIN);
  }

  /** Height the selected frame's pane can give up. */
  private detailRoom(): number {
    return Math.max(0, this.detail.getBoundingClientRect().height - DETAIL_MIN);
  }

  /** The splitters between the connections, the frames and the selected frame: dragged, kept. */
  private addSplitters(): void {
    const lanes = this.lanes.element;
    const detail = this.detail;
    const lanesSplitter = new PaneSplitter({
      name: 'lanes',
      label: 'Resize the connections pane',
      pane: lanes,
      host: this.element,
      paneIs: 'above',
      min: LANES_MIN,
      max: () => lanes.getBoundingClientRect().height + this.listRoom() + this.detailRoom(),
      onResize: () => {
        // A dragged height replaces the one fitted to an open handshake.
        lanes.style.maxHeight = '';
        this.schedule();
      },
    });
    lanes.after(lanesSplitter.element);
    const detailSplitter = new PaneSplitter({
      name: 'detail',
      label: 'Resize the selected frame pane',
      pane: detail,
      host: this.element,
      paneIs: 'below',
      min: DETAIL_MIN,
      max: () => detail.getBoundingClientRect().height + this.listRoom(),
      onResize: () => this.schedule(),
    });
    detail.before(detailSplitter.element);
  }

  /**
   * A handshake card was opened: the connections pane grows to show all of it, from the request
   * line to the accept derivation, taking room from the frames and the selected frame. Closed,
   * the pane goes back to its own height.
   */
  private fitHandshake(lane: HTMLElement, open: boolean): void {
    const pane = this.lanes.element;
    if (!open) {
      if (!pane.querySelector('details[open]')) {
        pane.style.maxHeight = '';
        this.element.classList.remove('fitting-handshake');
      }
      return;
    }
    // The selected frame's pane gives up its room first, the frame list after it.
    this.element.classList.add('fitting-handshake');
    const height = pane.getBoundingClientRect().height;
    const room = height + this.listRoom() + this.detailRoom();
    const needed = lane.getBoundingClientRect().height + 2;
    if (needed > height) pane.style.maxHeight = `${Math.floor(Math.min(needed, room))}px`;
    pane.scrollTop = lane.offsetTop;
  }

  get connections(): Connections {
    return this.model.connections;
  }

  get store(): FrameStore {
    return this.model.store;
  }

  setTapStatus(status: TapStatus): void {
    this.toolbar.showTapStatus(status);
    if (status.state === 'live' && status.restarted) this.connections.serverRestarted(status.instance);
    if (status.state === 'live' && this.inspectorFirst)
      this.list.showClock(status.hello.serverTime - status.hello.t);
    this.schedule();
  }

  /** Takes a batch from the tap. Drawing happens on the next animation frame. */
  ingest(batch: TapBatch): void {
    this.model.ingest(batch);
    this.schedule();
  }

  setPaused(paused: boolean): void {
    this.model.setPaused(paused);
    this.views.setPaused(paused);
    this.toolbar.showPaused(paused);
    this.schedule();
  }

  setFilter(change: Partial<FrameFilter>): void {
    this.filter = { ...this.filter, ...change };
    const { match, error } = compileFilter(this.filter);
    this.toolbar.showFilterError(error);
    this.store.setMatcher(match);
    this.list.rowsReplaced();
    this.lanes.setPicked(this.filter.lane);
    this.lanes.setShowOwn(this.filter.own);
    this.views.setLane(this.filter.lane);
    this.listDirty = true;
    this.schedule();
  }

  clear(): void {
    this.model.clear();
    this.views.clear();
    this.selected = null;
    this.list.selected = null;
    this.list.selectedMessage = false;
    this.list.rowsReplaced();
    this.views.setSelected(null);
    this.detail.replaceChildren(h('p', { className: 'muted' }, NOTHING_SELECTED));
    this.listDirty = true;
    this.lanes.invalidate();
    this.schedule();
  }

  /** Selects a frame, scrolls to it and shows its anatomy. */
  select(id: number, scroll = false, message = false): void {
    const record = this.store.get(id);
    if (!record) return;
    // A frame folded inside a message row selects that row (`message`: the row itself was picked).
    const folded = !message && this.store.locate(id).message;
    this.selected = id;
    this.list.selected = folded ? (record.group?.first.id ?? id) : id;
    this.list.selectedMessage = message || folded;
    this.views.setSelected(id);
    this.showDetail(record);
    if (scroll) this.list.reveal(id);
    this.listDirty = true;
    this.schedule();
    this.hooks.onSelect?.(record);
  }

  private showDetail(record: FrameRow): void {
    const warning = renderSequenceWarnings(record.sequenceWarnings);
    // The decoded protocol message first: what it means comes before how it crossed the wire.
    const decoded = renderProtocolDetail(record, this.store, (id) => this.select(id, true));
    const anatomy = renderAnatomy(
      record.event,
      record.lane.label,
      record.messageEvent,
      this.inspectorFirst ? (wire) => this.folded(wire) : undefined,
    );
    this.detail.replaceChildren(...[decoded, warning, anatomy].filter((part) => part !== null));
    this.detail.dataset.frameId = String(record.id);
  }

  /**
   * In the inspector-first view the bit-level anatomy is folded under the payload: what the app
   * said comes first, how it crossed the wire is one click (or Enter) away.
   */
  private folded(wire: HTMLElement[]): HTMLElement {
    const fold = h(
      'details',
      { className: 'anatomy-fold', 'data-testid': 'anatomy-fold', open: this.anatomyOpen },
      h('summary', {}, 'How it crossed the wire: header bits, bytes, masking'),
      ...wire,
    );
    fold.addEventListener('toggle', () => {
      this.anatomyOpen = (fold as HTMLDetailsElement).open;
    });
    return fold;
  }

  /** Selects the frame that starts a lane's n-th message in a direction (the chat's links). */
  selectMessage(laneKey: string, dir: 'client' | 'server', message: number): boolean {
    const record = this.store.findMessage(laneKey, dir, message);
    if (!record) return false;
    // Folded inside a message row is in view too: only a filter that hides it is undone.
    if (this.store.locate(record.id).index < 0) this.setFilter({ ...NO_FILTER, lane: null });
    this.select(record.id, true);
    return true;
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
    this.counters.renders++;
    this.lanes.render();
    if (this.listDirty) {
      this.listDirty = false;
      this.list.render();
    }
    this.views.render();
    this.renderCounts();
  }

  private renderCounts(): void {
    const stored = this.store.size;
    const visible = this.store.matchedFrames;
    const dropped = this.model.dropped;
    const parts = [`${visible.toLocaleString('en')} frames shown`];
    if (stored > visible) parts.push(`${(stored - visible).toLocaleString('en')} hidden by filters`);
    if (dropped > 0)
      parts.push(
        `${dropped.toLocaleString('en')} dropped (history keeps ${this.store.capacity.toLocaleString('en')})`,
      );
    if (this.model.isPaused) parts.push(`paused: ${this.model.waiting.toLocaleString('en')} waiting`);
    const text = parts.join(' · ');
    if (this.counts.textContent !== text) this.counts.textContent = text;
    this.counts.dataset.dropped = String(dropped);
  }
}
