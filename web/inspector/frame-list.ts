// The frame list: every frame that passes the filter, oldest first, in a virtualised list — a
// few recycled rows moved over a spacer as tall as the whole list, so a hundred thousand frames
// cost as much to draw as the thirty on screen. It follows the newest frame until scrolled up.

import { describeFrame } from '../../core/wire/describe';
import { h } from '../lib/dom';
import type { FrameRow, FrameStore } from './frame-store';
import { formatTime, rowPreview } from './row-preview';
import { warningText } from './sequence-warning-view';

const ROW_HEIGHT = 22;
const CELLS = ['time', 'lane', 'arrow', 'op', 'fin', 'rsv', 'len', 'mask', 'preview'];

export interface FrameListEvents {
  /** A row was clicked, or the keys moved to one. */
  onPick(id: number): void;
  /** Scrolled or resized: draw again on the next frame. */
  onViewportChange(): void;
}

export class FrameList {
  readonly element: HTMLElement;
  /** Rows filled, in total (a measure of the list's work). */
  rowsDrawn = 0;
  /** The selected frame's id, shown as the selected row. */
  selected: number | null = null;
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement[] = [];
  private follow = true;

  constructor(
    private readonly store: FrameStore,
    private readonly events: FrameListEvents,
  ) {
    this.spacer = h('div', { className: 'spacer' });
    this.element = h(
      'div',
      {
        className: 'frame-list',
        role: 'listbox',
        tabindex: 0,
        'aria-label': 'Frames, oldest first',
        'data-testid': 'frame-list',
        onkeydown: (e: Event) => this.onKey(e as KeyboardEvent),
        onclick: (e: Event) => {
          const row = (e.target as HTMLElement).closest<HTMLElement>('[data-id]');
          if (row) events.onPick(Number(row.dataset.id));
        },
      },
      this.spacer,
    );
    this.element.addEventListener('scroll', () => {
      const { scrollTop, clientHeight, scrollHeight } = this.element;
      this.follow = scrollTop + clientHeight >= scrollHeight - ROW_HEIGHT * 1.5;
      events.onViewportChange();
    });
    new ResizeObserver(() => events.onViewportChange()).observe(this.element);
  }

  /** Scrolls a frame to the middle of the list and stops following the newest. */
  reveal(id: number): void {
    const index = this.store.indexOfVisible(id);
    if (index < 0) return;
    this.follow = false;
    this.element.scrollTop = Math.max(0, index * ROW_HEIGHT - this.element.clientHeight / 2);
  }

  /** Fills a frame's row again if it is on screen: its message, ratio or warning just arrived. */
  refresh(record: FrameRow): void {
    if (this.store.indexOfVisible(record.id) < 0) return;
    const row = this.rows.find((r) => r.dataset.id === String(record.id));
    if (row) fillRow(row, record);
  }

  render(): void {
    const list = this.element;
    const count = this.store.visibleCount;
    this.spacer.style.height = `${count * ROW_HEIGHT}px`;
    if (this.follow) list.scrollTop = list.scrollHeight;
    const first = Math.max(0, Math.floor(list.scrollTop / ROW_HEIGHT));
    const slots = Math.ceil(list.clientHeight / ROW_HEIGHT) + 2;
    while (this.rows.length < slots) {
      const row = h(
        'div',
        { className: 'frame-row', role: 'option', hidden: true },
        ...CELLS.map((name) => h('span', { className: name })),
      );
      this.rows.push(row);
      list.appendChild(row);
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
      row.setAttribute('aria-selected', String(record.id === this.selected));
      if (row.dataset.id === String(record.id)) continue;
      this.rowsDrawn++;
      fillRow(row, record);
    }
  }

  private onKey(event: KeyboardEvent): void {
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
    const list = this.element;
    const top = next * ROW_HEIGHT;
    if (top < list.scrollTop) list.scrollTop = top;
    else if (top + ROW_HEIGHT > list.scrollTop + list.clientHeight)
      list.scrollTop = top + ROW_HEIGHT - list.clientHeight;
    this.events.onPick(record.id);
  }
}

function fillRow(row: HTMLElement, record: FrameRow): void {
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
  const violation = event.violation;
  // RSV1 on the first frame of a message: compressed with permessage-deflate (RFC 7692 §6), unless
  // no extension was agreed and the bit breaks the rules.
  rsv.textContent = event.rsv1 ? 'RSV1' : '';
  rsv.title = !event.rsv1
    ? ''
    : violation?.code === 'UNEXPECTED_RSV_1'
      ? 'RSV1 set, but no extension was negotiated'
      : 'RSV1 set: this message is compressed (permessage-deflate)';
  (cells[6] as HTMLElement).textContent = `${event.payloadLength} B`;
  (cells[7] as HTMLElement).textContent = event.masked ? 'masked' : '';
  const text = rowPreview(record);
  // Rows are recycled: a warning is set or cleared on every fill. A frame that broke RFC 6455 is
  // an error; the Live API order warnings come after it.
  const warnings = record.sequenceWarnings;
  const parts = [
    ...(violation ? [`${violation.code} (RFC 6455 ${violation.section}, close ${violation.closeCode})`] : []),
    ...(warnings ? [warningText(warnings)] : []),
  ];
  const warning = parts.join('; ');
  (cells[8] as HTMLElement).textContent = warning ? `⚠ ${text}` : text;
  if (warning) {
    row.dataset.warning = warning;
    row.dataset.warningLevel = violation || warnings?.some((w) => w.level === 'error') ? 'error' : 'caution';
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
