// The conversation's pictures around the frame list: the timeline above it, and a "Frames |
// Sequence" switch between the list and the sequence diagram. The inspector feeds this what it
// takes in — frames as they join the history, handshakes and connection ends from each batch —
// and each picture keeps its own index, so drawing never rescans the history.

import type { TapCloseEvent, TapHandshakeEvent } from '../../core/tap/events';
import { h } from '../lib/dom';
import type { Connections, Lane } from './connections';
import type { FrameRow, FrameStore } from './frame-store';
import { SequenceDiagram } from './sequence-diagram';
import { SequenceTrack } from './sequence-track';
import { Timeline } from './timeline';
import './conversation-views.css';

export type ConversationView = 'frames' | 'sequence';

export interface ConversationViewsEvents {
  /** An arrow of the sequence diagram was picked: select its frame. */
  onPick(id: number): void;
  /** The frame list was shown again: it has rows to draw. */
  onShowFrames(): void;
}

let instances = 0;

export class ConversationViews {
  readonly element: HTMLElement;
  readonly track: SequenceTrack;
  readonly sequence: SequenceDiagram;
  readonly timeline: Timeline;
  private view: ConversationView = 'frames';
  private readonly tabs: Record<ConversationView, HTMLButtonElement>;
  private readonly panels: Record<ConversationView, HTMLElement>;

  constructor(
    frameList: HTMLElement,
    store: FrameStore,
    connections: Connections,
    private readonly events: ConversationViewsEvents,
  ) {
    const id = `views${++instances}`;
    this.track = new SequenceTrack(store);
    this.sequence = new SequenceDiagram(this.track, connections, { onPick: (frame) => events.onPick(frame) });
    this.timeline = new Timeline(connections);
    const tab = (view: ConversationView, text: string) =>
      h(
        'button',
        {
          type: 'button',
          role: 'tab',
          id: `${id}-tab-${view}`,
          className: 'view-tab',
          'data-testid': `view-${view}`,
          'aria-controls': `${id}-panel-${view}`,
          onclick: () => this.show(view),
        },
        text,
      );
    this.tabs = { frames: tab('frames', 'Frames'), sequence: tab('sequence', 'Sequence') };
    const panel = (view: ConversationView, child: HTMLElement) =>
      h(
        'div',
        {
          className: 'view-panel',
          role: 'tabpanel',
          id: `${id}-panel-${view}`,
          'aria-labelledby': `${id}-tab-${view}`,
        },
        child,
      );
    this.panels = { frames: panel('frames', frameList), sequence: panel('sequence', this.sequence.element) };
    this.element = h(
      'div',
      { className: 'conversation-views' },
      this.timeline.element,
      h(
        'div',
        {
          className: 'view-tabs',
          role: 'tablist',
          'aria-label': 'Show the frames as',
          onkeydown: (e: Event) => this.onKey(e as KeyboardEvent),
        },
        this.tabs.frames,
        this.tabs.sequence,
      ),
      this.panels.frames,
      this.panels.sequence,
    );
    this.show('frames', false);
  }

  get current(): ConversationView {
    return this.view;
  }

  show(view: ConversationView, focus = false): void {
    this.view = view;
    for (const name of ['frames', 'sequence'] as const) {
      const on = name === view;
      this.tabs[name].setAttribute('aria-selected', String(on));
      this.tabs[name].tabIndex = on ? 0 : -1;
      this.panels[name].hidden = !on;
    }
    if (focus) this.tabs[view].focus();
    this.sequence.setShown(view === 'sequence');
    if (view === 'frames') this.events.onShowFrames();
  }

  /** WAI-ARIA tabs: the arrow keys, Home and End move between the tabs and show them. */
  private onKey(event: KeyboardEvent): void {
    const order: ConversationView[] = ['frames', 'sequence'];
    const at = order.indexOf(this.view);
    const next =
      event.key === 'ArrowRight'
        ? order[(at + 1) % order.length]
        : event.key === 'ArrowLeft'
          ? order[(at + order.length - 1) % order.length]
          : event.key === 'Home'
            ? order[0]
            : event.key === 'End'
              ? order[order.length - 1]
              : undefined;
    if (!next) return;
    event.preventDefault();
    this.show(next, true);
  }

  /** A whole message arrived: its first frame's arrow may now say how many frames it took. */
  messageArrived(): void {
    this.track.version++;
  }

  addFrame(record: FrameRow): void {
    this.track.addFrame(record);
    this.timeline.add(record);
  }

  /** A connection's handshake or end, in wire order with the frames. */
  addConnectionEvent(lane: Lane, event: TapHandshakeEvent | TapCloseEvent): void {
    if (event.type === 'handshake') this.track.addHandshake(lane, event);
    else this.track.addEnd(lane, event);
  }

  /** Both pictures show the lane the frame list is filtered to, or every lane. */
  setLane(key: string | null): void {
    this.sequence.setLane(key);
    this.timeline.setLane(key);
  }

  setSelected(id: number | null): void {
    this.sequence.setSelected(id);
  }

  setPaused(paused: boolean): void {
    this.track.setPaused(paused);
  }

  clear(): void {
    this.track.clear();
    this.timeline.clear();
  }

  render(): void {
    this.timeline.render();
    this.sequence.render();
  }
}
