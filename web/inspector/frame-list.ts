// The frame list: every frame that passes the filter, oldest first (newest first in the
// inspector-first view), in a virtualised list — a few recycled rows moved over a spacer as tall
// as the whole list, so a hundred thousand frames cost as much to draw as the thirty on screen.
// It follows the newest frame until scrolled away from it. A message sent in several frames is
// one message row, folded; opened, its frames follow it in time order (above it when newest is
// first). A narrow list gives each row two lines, the payload preview the whole second one; a
// wide one has room for an event-name column once a protocol decoder names events.

import { describeFrame } from '../../core/wire/describe';
import { h } from '../lib/dom';
import type { FrameRow, FrameStore, ListRow, MessageGroup } from './frame-store';
import { fillPreview, protocolWarningText } from './protocol-view';
import { formatClock, formatTime, messageRowText, rowPreview } from './row-preview';
import { warningText } from './sequence-warning-view';

const ONE_LINE = 22;
const TWO_LINES = 38;
/** From this width on a row holds every field and 40+ characters of preview on one line. */
const ONE_LINE_WIDTH = 800;
const CELLS = ['toggle', 'time', 'lane', 'arrow', 'op', 'fin', 'rsv', 'len', 'mask', 'event', 'preview'];
const TIME = CELLS.indexOf('time');
const EVENT = CELLS.indexOf('event');
const PREVIEW = CELLS.indexOf('preview');

export interface FrameListOptions {
  /** The newest frame at the top, the list following it there (the inspector-first view). */
  newestFirst?: boolean;
}

/** How rows show time: `clockBase` turns the server's `t` into a wall-clock time. */
interface RowFormat {
  clockBase: number | null;
}

export interface FrameListEvents {
  /** A row was clicked, or the keys moved to one: a frame, or (`message`) a message row. */
  onPick(id: number, message: boolean): void;
  /** Scrolled, resized, or a message row opened: draw again on the next frame. */
  onViewportChange(): void;
}

export class FrameList {
  readonly element: HTMLElement;
  /** Rows filled, in total (a measure of the list's work). */
  rowsDrawn = 0;
  /** The selected frame's id, shown as the selected row. */
  selected: number | null = null;
  /** The selection is the message row the selected frame starts, not the frame's own row. */
  selectedMessage = false;
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement[] = [];
  private follow = true;
  private rowHeight = TWO_LINES;
  /** A message row just opened: show its frames, as many as fit, the row staying in view. */
  private opened: MessageGroup | null = null;
  private holdFollow = false;
  private readonly newestFirst: boolean;
  private readonly format: RowFormat = { clockBase: null };
  /**
   * Rows in the list at the last drawing: newest first, new rows push the others down. -1 after
   * the filter changed or the list was cleared: the next count is a new list, not new rows.
   */
  private drawnCount = 0;

  constructor(
    private readonly store: FrameStore,
    private readonly events: FrameListEvents,
    options: FrameListOptions = {},
  ) {
    this.newestFirst = options.newestFirst ?? false;
    this.spacer = h('div', { className: 'spacer' });
    this.element = h(
      'div',
      {
        className: 'frame-list two-line',
        // A tree, not a listbox: a message row opens and folds (aria-expanded) over its frames.
        role: 'tree',
        tabindex: 0,
        'aria-label': this.newestFirst ? 'Frames, newest first' : 'Frames, oldest first',
        'data-testid': 'frame-list',
        onkeydown: (e: Event) => this.onKey(e as KeyboardEvent),
        onclick: (e: Event) => {
          const row = (e.target as HTMLElement).closest<HTMLElement>('[data-id]');
          if (!row) return;
          const id = Number(row.dataset.id);
          const message = row.dataset.testid === 'message-row';
          if (message) this.toggle(id);
          events.onPick(id, message);
        },
      },
      this.spacer,
    );
    this.element.addEventListener('scroll', () => {
      const { scrollTop, clientHeight, scrollHeight } = this.element;
      // Scrolled by the list itself to show an opened message: that is no wish to follow.
      if (this.holdFollow) this.holdFollow = false;
      else
        this.follow = this.newestFirst
          ? scrollTop <= this.rowHeight * 1.5
          : scrollTop + clientHeight >= scrollHeight - this.rowHeight * 1.5;
      events.onViewportChange();
    });
    new ResizeObserver(() => events.onViewportChange()).observe(this.element);
  }

  /** Scrolls a frame (or the folded message holding it) to the middle and stops following. */
  reveal(id: number): void {
    const { index } = this.store.locate(id);
    if (index < 0) return;
    this.follow = false;
    const place = this.placeOf(index);
    this.element.scrollTop = Math.max(0, place * this.rowHeight - this.element.clientHeight / 2);
  }

  /** The rows shown are another set (a new filter, a clear), not the old ones with new arrivals. */
  rowsReplaced(): void {
    this.drawnCount = -1;
  }

  /** Frame times as the server's wall clock too, once the tap's hello says when it started. */
  showClock(clockBase: number): void {
    if (this.format.clockBase === clockBase) return;
    this.format.clockBase = clockBase;
    this.element.classList.add('clock');
    // Every row is filled again: its key does not know the clock.
    for (const row of this.rows) row.dataset.key = '';
  }

  /** Room for the event-name column, once a protocol decoder has named an event. */
  showEventColumn(): void {
    this.element.classList.add('with-events');
  }

  /** A row's place on screen from its index in the store's time order (the same, newest last). */
  private placeOf(index: number): number {
    return this.newestFirst ? this.store.visibleCount - 1 - index : index;
  }

  /** Fills a frame's row again if it is on screen: its message, ratio or warning just arrived. */
  refresh(record: FrameRow): void {
    for (const row of this.rows) {
      if (row.dataset.id !== String(record.id) || row.hidden) continue;
      const entry = row.dataset.testid === 'message-row' ? record.group : undefined;
      this.fill(row, { record, message: entry ?? null });
    }
  }

  /** Opens or folds the message row a frame starts. */
  toggle(firstId: number, expanded?: boolean): void {
    const group = this.store.get(firstId)?.group;
    if (!group || group.first.id !== firstId) return;
    this.store.setExpanded(group, expanded ?? !group.expanded);
    this.follow = false;
    // Opened: its frames are scrolled into view at the next drawing, once the list is taller.
    if (group.expanded) this.opened = group;
    this.events.onViewportChange();
  }

  render(): void {
    const list = this.element;
    // Rows take one line when the list is wide enough for every field and 40 characters of
    // payload; otherwise two. The row at the top stays at the top when that changes.
    const height = list.clientWidth >= ONE_LINE_WIDTH ? ONE_LINE : TWO_LINES;
    if (height !== this.rowHeight) {
      const top = Math.floor(list.scrollTop / this.rowHeight);
      this.rowHeight = height;
      list.classList.toggle('two-line', height === TWO_LINES);
      list.scrollTop = top * height;
    }
    const rowHeight = this.rowHeight;
    const count = this.store.visibleCount;
    this.spacer.style.height = `${count * rowHeight}px`;
    // As tall as its rows and no taller, so a short list leaves its space to the frame's detail.
    list.style.flexBasis = `${count * rowHeight}px`;
    const added = this.drawnCount < 0 ? 0 : count - this.drawnCount;
    this.drawnCount = count;
    if (this.follow) list.scrollTop = this.newestFirst ? 0 : list.scrollHeight;
    else if (this.newestFirst && added > 0) {
      // New rows arrive above the one being read: it stays where it is on screen.
      this.holdFollow = true;
      list.scrollTop += added * rowHeight;
    }
    if (this.opened) this.showOpened(this.opened, rowHeight);
    const first = Math.max(0, Math.floor(list.scrollTop / rowHeight));
    const slots = Math.ceil(list.clientHeight / rowHeight) + 2;
    while (this.rows.length < slots) {
      const row = h(
        'div',
        { className: 'frame-row', role: 'treeitem', hidden: true },
        ...CELLS.map((name) =>
          h(
            'span',
            name === 'preview' ? { className: name, 'data-testid': 'frame-preview' } : { className: name },
          ),
        ),
      );
      this.rows.push(row);
      list.appendChild(row);
    }
    for (let slot = 0; slot < this.rows.length; slot++) {
      const row = this.rows[slot]!;
      const index = first + slot;
      const entry = slot < slots && index < count ? this.store.rowAt(this.placeOf(index)) : undefined;
      if (!entry) {
        if (!row.hidden) {
          row.hidden = true;
          row.dataset.id = '';
          row.dataset.key = '';
          // Only rows that show a frame are frame rows, for tests and assistive technology alike.
          row.removeAttribute('data-testid');
        }
        continue;
      }
      row.hidden = false;
      row.style.transform = `translateY(${index * rowHeight}px)`;
      const isSelected =
        entry.record.id === this.selected && (entry.message !== null) === this.selectedMessage;
      row.setAttribute('aria-selected', String(isSelected));
      if (row.dataset.key === keyOf(entry)) continue;
      this.rowsDrawn++;
      this.fill(row, entry);
    }
  }

  /**
   * A message row just opened: scrolls so that it and its frames are in view, the row itself
   * first when they do not all fit.
   */
  private showOpened(group: MessageGroup, rowHeight: number): void {
    const list = this.element;
    this.opened = null;
    const index = this.store.indexOfMessage(group.first.id);
    if (index < 0) return;
    const place = this.placeOf(index);
    const frames = group.ids.length;
    // Oldest first its frames follow it; newest first they sit above it.
    const top = (this.newestFirst ? place - frames : place) * rowHeight;
    const bottom = top + (frames + 1) * rowHeight;
    const height = list.clientHeight;
    if (top >= list.scrollTop && bottom <= list.scrollTop + height) return;
    const target = this.newestFirst ? Math.max(top, bottom - height) : Math.min(top, bottom - height);
    if (Math.abs(target - list.scrollTop) < 1) return;
    this.holdFollow = true;
    list.scrollTop = target;
  }

  private fill(row: HTMLElement, entry: ListRow): void {
    row.dataset.key = keyOf(entry);
    if (entry.message) fillMessageRow(row, entry.message, this.format);
    else fillRow(row, entry.record, this.format);
  }

  private onKey(event: KeyboardEvent): void {
    const count = this.store.visibleCount;
    const current = this.currentIndex();
    const entry = current >= 0 ? this.store.rowAt(current) : undefined;
    const group = entry?.message ?? null;
    // Enter and Space open or fold a message row; → opens it, ← folds it or goes up to it.
    if (
      event.key === 'Enter' ||
      event.key === ' ' ||
      event.key === 'ArrowRight' ||
      event.key === 'ArrowLeft'
    ) {
      if (group) {
        event.preventDefault();
        const open = event.key === 'ArrowRight' ? true : event.key === 'ArrowLeft' ? false : !group.expanded;
        this.toggle(group.first.id, open);
      } else if (event.key === 'ArrowLeft' && entry?.record.group?.shown) {
        event.preventDefault();
        this.events.onPick(entry.record.group.first.id, true);
      }
      return;
    }
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp' && event.key !== 'Home' && event.key !== 'End')
      return;
    event.preventDefault();
    if (count === 0) return;
    // Keys move on screen: down is the row below, whichever way the list runs.
    const here = current < 0 ? -1 : this.placeOf(current);
    const next =
      event.key === 'Home'
        ? 0
        : event.key === 'End'
          ? count - 1
          : Math.min(count - 1, Math.max(0, here + (event.key === 'ArrowDown' ? 1 : -1)));
    const target = this.store.rowAt(this.placeOf(next));
    if (!target) return;
    const list = this.element;
    const top = next * this.rowHeight;
    if (top < list.scrollTop) list.scrollTop = top;
    else if (top + this.rowHeight > list.scrollTop + list.clientHeight)
      list.scrollTop = top + this.rowHeight - list.clientHeight;
    this.events.onPick(target.record.id, target.message !== null);
  }

  /** The selected row's place in the list, or -1. */
  private currentIndex(): number {
    if (this.selected === null) return -1;
    return this.selectedMessage
      ? this.store.indexOfMessage(this.selected)
      : this.store.indexOfVisible(this.selected);
  }
}

/** What a row shows, as a string: a recycled row whose key is unchanged is not filled again. */
function keyOf(entry: ListRow): string {
  const group = entry.message;
  if (!group) return `f${entry.record.id}`;
  return `m${entry.record.id}:${group.ids.length}:${group.complete}:${group.expanded}:${group.first.messageEvent ? 1 : 0}`;
}

/** Seconds since the server started; with a known clock, the time of day first. */
function timeText(t: number, format: RowFormat): { text: string; title: string } {
  const relative = formatTime(t);
  if (format.clockBase === null) return { text: relative, title: `${relative} s after the server started` };
  const clock = formatClock(format.clockBase + t);
  return {
    text: `${clock} ${relative}`,
    title: `${clock} (this computer's time); ${relative} s after the server started`,
  };
}

/** The fields every row has, from the frame's own header (a message row's: its first frame's). */
function fillCommon(row: HTMLElement, record: FrameRow, format: RowFormat): void {
  const event = record.event;
  row.dataset.id = String(record.id);
  row.dataset.dir = event.dir;
  row.dataset.opcode = event.opcodeName;
  row.dataset.conn = event.conn;
  row.dataset.lane = record.lane.label;
  row.dataset.masked = String(event.masked);
  row.dataset.rsv1 = String(event.rsv1);
  const cells = row.children;
  const time = cells[TIME] as HTMLElement;
  const { text, title } = timeText(event.t, format);
  time.textContent = text;
  time.title = title;
  const name = record.protocol?.name ?? '';
  const eventCell = cells[EVENT] as HTMLElement;
  eventCell.textContent = name;
  eventCell.title = name ? `${name} — filter it with event:${name}` : '';
  const lane = cells[2] as HTMLElement;
  lane.textContent = `${record.lane.label} ${event.conn}`;
  lane.title = lane.textContent;
  const arrow = cells[3] as HTMLElement;
  arrow.textContent = event.dir === 'client' ? '→' : '←';
  arrow.title = event.dir === 'client' ? 'client to server' : 'server to client';
  const op = cells[4] as HTMLElement;
  op.textContent = event.opcodeName;
  op.className = `op badge op-${event.opcodeName}`;
  (cells[8] as HTMLElement).textContent = event.masked ? 'masked' : '';
}

function fillMessageRow(row: HTMLElement, group: MessageGroup, format: RowFormat): void {
  const record = group.first;
  fillCommon(row, record, format);
  row.dataset.testid = 'message-row';
  row.dataset.frames = String(group.ids.length);
  row.dataset.complete = String(group.complete);
  row.classList.remove('in-message');
  row.setAttribute('aria-level', '1');
  row.setAttribute('aria-expanded', String(group.expanded));
  const cells = row.children;
  (cells[0] as HTMLElement).textContent = group.expanded ? '▾' : '▸';
  (cells[5] as HTMLElement).textContent = '';
  const rsv = cells[6] as HTMLElement;
  rsv.textContent = record.event.rsv1 ? 'RSV1' : '';
  rsv.title = record.event.rsv1 ? 'RSV1 set: this message is compressed (permessage-deflate)' : '';
  (cells[7] as HTMLElement).textContent = `${group.bytes} B`;
  const text = messageRowText(group);
  fillPreview(cells[PREVIEW] as HTMLElement, record.protocol, text);
  delete row.dataset.warning;
  delete row.dataset.warningLevel;
  row.removeAttribute('title');
  row.setAttribute(
    'aria-description',
    `${record.event.opcodeName} message ${record.event.dir === 'client' ? 'from the client' : 'from the server'}: ${text}; ${group.expanded ? 'its frames follow' : 'press Enter to show its frames'}`,
  );
}

function fillRow(row: HTMLElement, record: FrameRow, format: RowFormat): void {
  const event = record.event;
  fillCommon(row, record, format);
  row.dataset.testid = 'frame-row';
  delete row.dataset.frames;
  delete row.dataset.complete;
  row.removeAttribute('aria-expanded');
  const member = record.group?.shown === true;
  row.classList.toggle('in-message', member);
  row.setAttribute('aria-level', member ? '2' : '1');
  const cells = row.children;
  (cells[0] as HTMLElement).textContent = '';
  (cells[5] as HTMLElement).textContent = event.fin ? 'FIN' : '…';
  const rsv = cells[6] as HTMLElement;
  const violation = event.violation;
  // RSV1 on the first frame of a message: compressed with permessage-deflate (RFC 7692 §6), unless
  // no extension was agreed and the bit breaks the rules.
  rsv.textContent = event.rsv1 ? 'RSV1' : '';
  rsv.title = !event.rsv1
    ? ''
    : violation?.code === 'UNEXPECTED_RSV_1'
      ? 'RSV1 set, but no extension was negotiated'
      : 'RSV1 set: this message is compressed (permessage-deflate)';
  (cells[7] as HTMLElement).textContent = `${event.payloadLength} B`;
  const text = rowPreview(record);
  // Rows are recycled: a warning is set or cleared on every fill. A frame that broke RFC 6455 is
  // an error; the Live API order warnings come after it.
  const warnings = record.sequenceWarnings;
  const protocolWarning = protocolWarningText(record.protocol);
  const parts = [
    ...(violation ? [`${violation.code} (RFC 6455 ${violation.section}, close ${violation.closeCode})`] : []),
    ...(warnings ? [warningText(warnings)] : []),
    ...(protocolWarning ? [protocolWarning] : []),
  ];
  const warning = parts.join('; ');
  fillPreview(cells[PREVIEW] as HTMLElement, record.protocol, warning ? `⚠ ${text}` : text);
  if (warning) {
    row.dataset.warning = warning;
    row.dataset.warningLevel =
      violation ||
      warnings?.some((w) => w.level === 'error') ||
      record.protocol?.warnings.some((w) => w.level === 'error')
        ? 'error'
        : 'caution';
    row.title = warning;
  } else if (row.dataset.warning !== undefined) {
    delete row.dataset.warning;
    delete row.dataset.warningLevel;
    row.removeAttribute('title');
  }
  // A description, not a label: the row's name stays the text it shows, so what a sighted
  // person reads is what voice control and a screen reader name it by (WCAG 2.5.3).
  row.setAttribute(
    'aria-description',
    describeFrame({ opcode: event.opcode, payloadLength: event.payloadLength, fin: event.fin }, event.dir) +
      (event.rsv1 && !violation ? ', compressed' : '') +
      (warning ? `, warning: ${warning}` : ''),
  );
}
