// The conversation as a sequence diagram: the client and wslab (and, through the relay, the
// upstream) as lifelines, one arrow per handshake line, frame and connection end, top to bottom in
// wire order. Like the frame list it is virtualised: a few recycled rows over a spacer as tall as
// every row, so a hundred thousand frames cost what the rows in view cost. It follows the newest
// arrow until scrolled up. An arrow picked by click or Enter is selected as its frame row would be.

import { h } from '../lib/dom';
import type { Connections, Lane } from './connections';
import { formatTime } from './row-preview';
import { arrowOf, lifelinesOf, ROW_HEIGHT, upstreamName, visibleRows } from './sequence-layout';
import {
  indexOfFrame,
  isRelayed,
  type SequenceItem,
  type SequenceTrack,
  type SequenceView,
} from './sequence-track';
import './sequence-diagram.css';

export interface SequenceDiagramEvents {
  /** An arrow of a frame was clicked, or Enter pressed on it. */
  onPick(id: number): void;
}

let instances = 0;

export class SequenceDiagram {
  readonly element: HTMLElement;
  /** Rows filled, in total (a measure of the diagram's work). */
  rowsDrawn = 0;
  private readonly heads: HTMLElement;
  private readonly scope: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement[] = [];
  private readonly idPrefix = `seq${++instances}`;
  private laneKey: string | null = null;
  private selected: number | null = null;
  /** The row the keys move, shown as the list's active descendant. */
  private active = -1;
  private follow = true;
  /** Where the diagram last scrolled itself to show an arrow (-1: the learner has scrolled since). */
  private shownAt = -1;
  private drawn = '';
  private shown = false;

  constructor(
    private readonly track: SequenceTrack,
    private readonly connections: Connections,
    private readonly events: SequenceDiagramEvents,
  ) {
    this.scope = h('span', { className: 'seq-scope', 'data-testid': 'sequence-scope' });
    this.heads = h('div', { className: 'seq-heads', 'aria-hidden': 'true' });
    this.spacer = h('div', { className: 'seq-spacer' });
    this.scroller = h(
      'div',
      {
        className: 'seq-scroll',
        role: 'listbox',
        tabindex: 0,
        'aria-label': 'Arrows of the conversation, oldest first: Enter opens a frame',
        onkeydown: (e: Event) => this.onKey(e as KeyboardEvent),
        onclick: (e: Event) => {
          const row = (e.target as HTMLElement).closest<HTMLElement>('[data-index]');
          if (!row) return;
          this.active = Number(row.dataset.index);
          this.pick(this.active);
        },
      },
      this.spacer,
    );
    this.scroller.addEventListener('scroll', () => {
      const { scrollTop, clientHeight, scrollHeight } = this.scroller;
      // Where the diagram scrolled itself to show an arrow, it does not start following: that
      // arrow may sit near the end, and following would scroll it away.
      if (scrollTop !== this.shownAt)
        this.follow = scrollTop + clientHeight >= scrollHeight - ROW_HEIGHT * 1.5;
      this.shownAt = -1;
      this.render();
    });
    new ResizeObserver(() => {
      // The frame's detail opening below takes the diagram's height: the arrow just picked stays
      // in view rather than dropping out of the rows drawn.
      if (!this.follow && this.active >= 0) this.keepInView(this.active);
      this.render();
    }).observe(this.scroller);
    this.element = h(
      'section',
      { className: 'sequence', 'data-testid': 'sequence', 'aria-label': 'Sequence diagram' },
      h('div', { className: 'seq-top' }, this.scope, this.heads),
      this.scroller,
    );
  }

  /** Shows one lane's arrows, or every lane's. */
  setLane(key: string | null): void {
    if (key === this.laneKey) return;
    this.laneKey = key;
    this.follow = true;
    this.active = -1;
    this.drawn = '';
  }

  /** The frame shown as selected (by this diagram, the frame list or the chat). */
  setSelected(id: number | null): void {
    if (id === this.selected) return;
    this.selected = id;
    this.drawn = '';
    if (this.shown && id !== null) this.reveal(id);
  }

  /** Drawn only while on screen: a hidden diagram costs nothing as frames arrive. */
  setShown(shown: boolean): void {
    this.shown = shown;
    this.drawn = '';
    if (shown && this.selected !== null) this.reveal(this.selected);
    if (shown) this.render();
  }

  /** Scrolls a frame's arrow into view, unless it is there already, and makes it the active row. */
  private reveal(id: number): void {
    const index = indexOfFrame(this.view(), id);
    if (index < 0) return;
    this.active = index;
    const scroller = this.scroller;
    const top = index * ROW_HEIGHT;
    if (top >= scroller.scrollTop && top + ROW_HEIGHT <= scroller.scrollTop + scroller.clientHeight) return;
    this.follow = false;
    scroller.scrollTop = Math.max(0, top - scroller.clientHeight / 2);
    this.shownAt = scroller.scrollTop;
  }

  private lane(): Lane | null {
    return this.laneKey === null ? null : (this.connections.lanes.get(this.laneKey) ?? null);
  }

  private view(): SequenceView {
    return this.track.view(this.lane());
  }

  private relayedView(lane: Lane | null): boolean {
    return lane === null ? this.track.hasRelayed() : isRelayed(lane);
  }

  render(): void {
    if (!this.shown) return;
    const lane = this.lane();
    const view = this.view();
    const relayed = this.relayedView(lane);
    const count = view.length;
    const scroller = this.scroller;
    const height = count * ROW_HEIGHT;
    if (this.spacer.style.height !== `${height}px`) {
      this.spacer.style.height = `${height}px`;
      scroller.style.flexBasis = `${height}px`;
    }
    if (this.follow) scroller.scrollTop = scroller.scrollHeight;
    const { first, last } = visibleRows(scroller.scrollTop, scroller.clientHeight, count);
    const key = `${this.track.version}/${relayed}/${first}/${last}/${this.selected}/${this.active}/${lane?.key}/${lane?.version}`;
    if (key === this.drawn) return;
    this.drawn = key;
    const lines = this.drawFrame(lane, relayed, count);
    while (this.rows.length < last - first) {
      const row = h('div', {
        className: 'seq-row',
        role: 'option',
        id: `${this.idPrefix}-${this.rows.length}`,
      });
      this.rows.push(row);
      scroller.appendChild(row);
    }
    let activeId: string | null = null;
    for (let slot = 0; slot < this.rows.length; slot++) {
      const row = this.rows[slot]!;
      const index = first + slot;
      const item = index < last ? view.at(index) : undefined;
      if (!item) {
        if (!row.hidden) {
          row.hidden = true;
          // A row put away keeps no state of the arrow it showed: one active row at a time.
          row.classList.remove('active');
          row.setAttribute('aria-selected', 'false');
          row.removeAttribute('data-testid');
          row.dataset.index = '';
          row.dataset.fill = '';
        }
        continue;
      }
      row.hidden = false;
      row.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
      row.dataset.index = String(index);
      // Only a screenful of rows exists: say where each one stands in the whole list.
      row.setAttribute('aria-posinset', String(index + 1));
      row.setAttribute('aria-setsize', String(count));
      const selected = item.kind === 'frame' && item.record.id === this.selected;
      row.setAttribute('aria-selected', String(selected));
      if (index === this.active) activeId = row.id;
      row.classList.toggle('active', index === this.active);
      // A row is filled again only when what it shows changed: its message or its lane may have.
      const fill = `${index}/${fillKey(item)}/${relayed}/${lane === null}`;
      if (row.dataset.fill === fill) continue;
      row.dataset.fill = fill;
      this.rowsDrawn++;
      fillRow(row, item, relayed, lane === null, lines);
    }
    if (activeId) scroller.setAttribute('aria-activedescendant', activeId);
    else scroller.removeAttribute('aria-activedescendant');
  }

  /** The lifelines and their names, and what the diagram shows. */
  private drawFrame(lane: Lane | null, relayed: boolean, count: number): readonly { x: number }[] {
    const lines = lifelinesOf(relayed);
    const names = lines.map(({ name }) => (name === 'upstream' ? upstreamName(lane) : name));
    const signature = names.join('|');
    if (this.heads.dataset.lines !== signature) {
      this.heads.dataset.lines = signature;
      this.heads.replaceChildren(
        ...lines.map((line, i) =>
          h('span', { className: `seq-head seq-head-${line.name}`, style: `--x: ${line.x}` }, names[i]!),
        ),
      );
    }
    this.element.dataset.lifelines = String(lines.length);
    this.element.dataset.scope = lane ? 'lane' : 'all';
    const scope = lane ? `${lane.label} ${lane.conn}` : 'all connections';
    const text = `${scope} · ${count.toLocaleString('en')} arrows`;
    if (this.scope.textContent !== text) this.scope.textContent = text;
    return lines;
  }

  private onKey(event: KeyboardEvent): void {
    const count = this.view().length;
    if (count === 0) return;
    const moves: Record<string, number> = {
      ArrowDown: this.active + 1,
      ArrowUp: this.active < 0 ? count - 1 : this.active - 1,
      PageDown: this.active + 10,
      PageUp: this.active - 10,
      Home: 0,
      End: count - 1,
    };
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      if (this.active >= 0) this.pick(this.active);
      return;
    }
    const next = moves[event.key];
    if (next === undefined) return;
    event.preventDefault();
    this.active = Math.min(count - 1, Math.max(0, next));
    // End goes to the newest arrow and follows the ones to come, as scrolling to the end does.
    this.follow = event.key === 'End';
    this.keepInView(this.active);
    this.render();
  }

  /** Scrolls the least that shows a row whole. */
  private keepInView(index: number): void {
    const top = index * ROW_HEIGHT;
    const scroller = this.scroller;
    if (top < scroller.scrollTop) scroller.scrollTop = top;
    else if (top + ROW_HEIGHT > scroller.scrollTop + scroller.clientHeight)
      scroller.scrollTop = top + ROW_HEIGHT - scroller.clientHeight;
    else return;
    this.shownAt = scroller.scrollTop;
  }

  private pick(index: number): void {
    // The learner is reading this arrow: new ones arriving, or the frame's detail opening below
    // and taking the diagram's height, must not scroll it away.
    this.follow = false;
    const item = this.view().at(index);
    if (item?.kind === 'frame') this.events.onPick(item.record.id);
    else this.render();
  }
}

/** What a row shows changes when its frame's message arrives (the fragment count, the ratio). */
function fillKey(item: SequenceItem): string {
  if (item.kind === 'frame') return `f${item.record.id}/${item.record.messageEvent ? 1 : 0}`;
  return `${item.kind}${item.lane.key}/${item.order}`;
}

/** A row's parts, made once and refilled as the row shows other arrows. */
interface RowParts {
  lifelines: HTMLElement[];
  time: Text;
  lane: HTMLElement;
  label: HTMLElement;
  text: Text;
  line: HTMLElement;
  via: HTMLElement;
  bracket: HTMLElement;
}

const parts = new WeakMap<HTMLElement, RowParts>();

function partsOf(row: HTMLElement): RowParts {
  let found = parts.get(row);
  if (found) return found;
  const text = document.createTextNode('');
  const time = document.createTextNode('');
  found = {
    lifelines: [0, 1, 2].map(() => h('span', { className: 'seq-lifeline' })),
    time,
    lane: h('span', { className: 'seq-lane' }),
    label: h('span', { className: 'seq-label' }, h('span', {}, text)),
    text,
    line: h('span', { className: 'seq-line' }),
    via: h('span', { className: 'seq-via' }),
    bracket: h('span', { className: 'seq-bracket' }),
  };
  row.replaceChildren(
    ...found.lifelines,
    h('span', { className: 'seq-time' }, time, found.lane),
    found.label,
    found.line,
    found.via,
    found.bracket,
  );
  parts.set(row, found);
  return found;
}

/** Fills a row in place: a flood moves every row at each frame, so nothing is created anew. */
function fillRow(
  row: HTMLElement,
  item: SequenceItem,
  relayed: boolean,
  allLanes: boolean,
  lines: readonly { x: number }[],
): void {
  const arrow = arrowOf(item, relayed);
  const left = Math.min(arrow.from, arrow.to);
  const right = Math.max(arrow.from, arrow.to);
  row.dataset.testid = item.kind === 'frame' ? 'sequence-arrow' : `sequence-${item.kind}`;
  row.dataset.kind = item.kind;
  row.dataset.style = arrow.style;
  row.dataset.sender = arrow.sender;
  row.dataset.lane = item.lane.label;
  if (item.kind === 'frame') {
    const event = item.record.event;
    row.dataset.id = String(item.record.id);
    row.dataset.dir = event.dir;
    row.dataset.opcode = event.opcodeName;
    row.dataset.fragment = item.fragment;
  } else {
    for (const name of ['id', 'dir', 'opcode', 'fragment']) delete row.dataset[name];
  }
  const p = partsOf(row);
  p.lifelines.forEach((element, i) => {
    const line = lines[i];
    element.hidden = !line;
    if (line) element.style.setProperty('--x', String(line.x));
  });
  p.time.data = formatTime(item.t);
  p.lane.hidden = !allLanes;
  p.lane.textContent = allLanes ? `${item.lane.label} ${item.lane.conn}` : '';
  p.label.style.setProperty('--a', String(arrow.labelFrom));
  p.label.style.setProperty('--b', String(arrow.labelTo));
  p.text.data = arrow.label;
  p.line.style.setProperty('--a', String(left));
  p.line.style.setProperty('--b', String(right));
  p.line.dataset.head = arrow.style === 'end' ? 'none' : arrow.to > arrow.from ? 'right' : 'left';
  p.via.hidden = arrow.via === null;
  if (arrow.via !== null) p.via.style.setProperty('--x', String(arrow.via));
  const fragment = item.kind === 'frame' ? item.fragment : 'none';
  p.bracket.hidden = fragment === 'none';
  p.bracket.className = fragment === 'none' ? 'seq-bracket' : `seq-bracket frag-${fragment}`;
  if (item.kind === 'frame') p.bracket.dataset.dir = item.record.event.dir;
  row.title = arrow.description;
  // A description, not a label: the arrow's name stays the text it shows (WCAG 2.5.3).
  row.setAttribute(
    'aria-description',
    `${formatTime(item.t)} s, ${allLanes ? `${item.lane.label}: ` : ''}${arrow.description}`,
  );
}
