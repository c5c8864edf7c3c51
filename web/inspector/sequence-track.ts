// What the sequence diagram draws, without a DOM: one item per arrow — the opening handshake's
// request and answer, every frame, the end of the TCP connection — in wire order, for all lanes
// and for each lane alone. Items are appended as the tap's events arrive, so the diagram never
// rescans the history; they leave with the frames the history drops.

import { PROXY_PATH } from '../../core/routes';
import type { TapCloseEvent, TapHandshakeEvent } from '../../core/tap/events';
import type { Direction } from '../../core/wire/direction';
import { isControlOpcode, Opcode } from '../../core/wire/opcodes';
import type { Lane } from './connections';
import type { FrameRow, FrameStore } from './frame-store';

/**
 * Where a frame stands in a fragmented message (RFC 6455 §5.4): its `first` frame (FIN clear), a
 * `middle` continuation, the `last` continuation (FIN set), or a control frame sent `inside` one,
 * which §5.4 allows. `none` for a message in one frame.
 */
export type FragmentMark = 'none' | 'first' | 'middle' | 'last' | 'inside';

interface ItemBase {
  lane: Lane;
  /** Milliseconds since the server started. */
  t: number;
  /** The id of the frame this item is drawn with or before: it leaves the history with that frame. */
  order: number;
}

export type SequenceItem =
  | (ItemBase & { kind: 'request'; handshake: TapHandshakeEvent })
  | (ItemBase & { kind: 'response'; handshake: TapHandshakeEvent })
  | (ItemBase & { kind: 'frame'; record: FrameRow; fragment: FragmentMark })
  | (ItemBase & { kind: 'end'; close: TapCloseEvent });

/** A list of items, oldest first from `head` on; the head moves past items the history dropped. */
class ItemList {
  items: SequenceItem[] = [];
  head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  at(index: number): SequenceItem | undefined {
    return this.items[this.head + index];
  }

  dropBefore(firstId: number): void {
    const items = this.items;
    while (this.head < items.length && items[this.head]!.order < firstId) this.head++;
    // Compact now and then, so the array does not keep dropped items forever.
    if (this.head > 4096 && this.head * 2 > items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
  }
}

/** How far back a handshake may be moved to stand before frames that overtook it in its batch. */
const MAX_STEPS_BACK = 4096;
/** Connection ends held while the inspector is paused (their frames wait too). */
const MAX_HELD_ENDS = 1000;
/** Every so many items, the lists of lanes whose items have all left the history are let go. */
const SWEEP_EVERY = 4096;

export interface SequenceView {
  readonly length: number;
  at(index: number): SequenceItem | undefined;
}

export class SequenceTrack {
  private all = new ItemList();
  private byLane = new Map<Lane, ItemList>();
  /** Per lane, the directions in the middle of a fragmented message. */
  private fragmented = new WeakMap<Lane, Record<Direction, boolean>>();
  private handshaken = new WeakSet<Lane>();
  private held: { lane: Lane; close: TapCloseEvent }[] = [];
  private paused = false;
  /** Lanes with items that go through the relay. */
  private relayed = 0;
  private appended = 0;
  /** Bumped on every change, so a view redraws only when something changed. */
  version = 0;

  constructor(private readonly store: FrameStore) {}

  /** Every item, or one lane's. */
  view(lane: Lane | null): SequenceView {
    const list = lane === null ? this.all : this.byLane.get(lane);
    if (!list) return { length: 0, at: () => undefined };
    list.dropBefore(this.store.firstId);
    return list;
  }

  /** Does any lane go through the relay (and need a third lifeline)? */
  hasRelayed(): boolean {
    return this.relayed > 0;
  }

  private get nextId(): number {
    return this.store.firstId + this.store.size;
  }

  /** A frame joined the history. */
  addFrame(record: FrameRow): void {
    const event = record.event;
    const state = this.fragmentState(record.lane);
    let fragment: FragmentMark = 'none';
    if (isControlOpcode(event.opcode)) {
      if (state[event.dir]) fragment = 'inside';
    } else if (event.opcode === Opcode.CONTINUATION) {
      fragment = event.fin ? 'last' : 'middle';
      state[event.dir] = !event.fin;
    } else if (!event.fin) {
      fragment = 'first';
      state[event.dir] = true;
    } else state[event.dir] = false;
    this.append({ kind: 'frame', lane: record.lane, t: event.t, order: record.id, record, fragment });
  }

  /**
   * The opening handshake: its request and its answer, told in wire order with the frames. A
   * client may send frames before the answer has come (right behind its request); they are drawn
   * after the handshake all the same, the handshake going back before those of its own
   * connection (RFC 6455 §4: the connection is open once the answer is in).
   */
  addHandshake(lane: Lane, handshake: TapHandshakeEvent): void {
    // A tap that reconnects replays its history: a lane's handshake may come again.
    if (this.handshaken.has(lane)) return;
    this.handshaken.add(lane);
    const own = this.listOf(lane);
    const order = this.nextId;
    const request: SequenceItem = { kind: 'request', lane, t: handshake.t, order, handshake };
    const response: SequenceItem = { kind: 'response', lane, t: handshake.t, order, handshake };
    const items = this.all.items;
    let at = items.length;
    for (let steps = 0; at > this.all.head && steps < MAX_STEPS_BACK; steps++) {
      const before = items[at - 1]!;
      if (before.lane !== lane || before.kind !== 'frame') break;
      at--;
    }
    const firstOrder = items[at]?.order ?? order;
    request.order = firstOrder;
    response.order = firstOrder;
    items.splice(at, 0, request, response);
    own.items.splice(own.head, 0, request, response);
    this.version++;
  }

  /** The TCP connection ended: after every frame of it, even those the pause holds back. */
  addEnd(lane: Lane, close: TapCloseEvent): void {
    if (this.paused) {
      if (this.held.length < MAX_HELD_ENDS) this.held.push({ lane, close });
      return;
    }
    this.append({ kind: 'end', lane, t: close.t, order: this.nextId, close });
  }

  /** While paused, frames wait in the model; the connection ends that follow them wait here. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    if (paused) return;
    const held = this.held;
    this.held = [];
    for (const { lane, close } of held) this.addEnd(lane, close);
  }

  clear(): void {
    this.all = new ItemList();
    this.byLane = new Map();
    this.fragmented = new WeakMap();
    this.handshaken = new WeakSet();
    this.held = [];
    this.relayed = 0;
    this.version++;
  }

  private append(item: SequenceItem): void {
    const firstId = this.store.firstId;
    this.all.items.push(item);
    this.all.dropBefore(firstId);
    const own = this.listOf(item.lane);
    own.items.push(item);
    own.dropBefore(firstId);
    this.version++;
    if (++this.appended % SWEEP_EVERY === 0) this.sweep(firstId);
  }

  private sweep(firstId: number): void {
    for (const [lane, list] of this.byLane) {
      list.dropBefore(firstId);
      if (list.length > 0) continue;
      this.byLane.delete(lane);
      if (isRelayed(lane)) this.relayed--;
    }
  }

  private listOf(lane: Lane): ItemList {
    let list = this.byLane.get(lane);
    if (!list) {
      list = new ItemList();
      this.byLane.set(lane, list);
      if (isRelayed(lane)) this.relayed++;
    }
    return list;
  }

  private fragmentState(lane: Lane): Record<Direction, boolean> {
    let state = this.fragmented.get(lane);
    if (!state) {
      state = { client: false, server: false };
      this.fragmented.set(lane, state);
    }
    return state;
  }
}

/** Where a frame's arrow is in a view, or -1: a view's items are in the order of their frames' ids. */
export function indexOfFrame(view: SequenceView, id: number): number {
  let lo = 0;
  let hi = view.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (view.at(mid)!.order < id) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < view.length; i++) {
    const item = view.at(i)!;
    if (item.order !== id) break;
    if (item.kind === 'frame' && item.record.id === id) return i;
  }
  return -1;
}

/** A lane through `/proxy`: client ↔ wslab ↔ upstream, or refused by wslab on the way. */
export function isRelayed(lane: Lane): boolean {
  const open = lane.open;
  if (!open) return false;
  return (
    open.kind === 'proxy' ||
    open.kind === 'http' ||
    (open.kind === 'rejected' && open.path.startsWith(PROXY_PATH))
  );
}
