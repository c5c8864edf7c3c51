// The inspector's frame history: a ring of at most `capacity` frames (the oldest are dropped and
// counted), and the list of rows that pass the current filter, kept up to date as frames arrive
// so a flood costs O(new frames), not O(history). A fragmented message (RFC 6455 §5.4) is one
// message row over its frames, which show only when the row is expanded.
import { INSPECTOR_CAPACITY } from '../../core/defaults';
import type { SequenceWarning } from '../../core/live/sequence-check';
import type { DecodedMessage } from '../../core/protocols/protocol';
import type { TapFrameEvent, TapMessageEvent } from '../../core/tap/events';
import { decodeUtf8Strict, fromBase64 } from '../../core/wire/bytes';
import type { Direction } from '../../core/wire/direction';
import { isControlOpcode, Opcode } from '../../core/wire/opcodes';
import { isOwnLane, type Lane } from './connections';

export interface FrameRow {
  /** Increasing id, never reused. */
  id: number;
  lane: Lane;
  event: TapFrameEvent;
  /** For the first frame of a data message: which message of its direction it starts, from 0. */
  message: number;
  /** For the first frame of a data message: the whole message, once the tap has reported it
   * (its inflated payload and both sizes when it was compressed). */
  messageEvent?: TapMessageEvent;
  /** For the first frame of a data message: its Live API kind and details, from its own payload. */
  liveLabel?: string | null;
  /** For the first frame of a Live API message: what is wrong with its place in the session. */
  sequenceWarnings?: readonly SequenceWarning[];
  /** For the first frame of a data message: what it means in its lane's protocol (Socket.IO, …). */
  protocol?: DecodedMessage;
  /** The fragmented message this data frame belongs to (its first frame included). */
  group?: MessageGroup;
}

/**
 * A message sent in more than one frame: a text or binary frame with FIN=0, the continuation
 * frames that follow it in the same direction, the last with FIN=1 (RFC 6455 §5.4). Control
 * frames may come in between; they are not part of it and keep their own rows.
 */
export interface MessageGroup {
  first: FrameRow;
  /** Ids of its data frames in wire order, the first included. */
  ids: number[];
  /** Payload bytes of those frames, as on the wire. */
  bytes: number;
  /** Its last frame (FIN=1) has arrived. */
  complete: boolean;
  expanded: boolean;
  /** Its message row is in the list: its first frame passed the filter and is still held. */
  shown: boolean;
}

/** One row of the list: a frame, or the message row of a fragmented message. */
export interface ListRow {
  record: FrameRow;
  /** Set on a message row; a frame row inside an expanded message has it on `record.group`. */
  message: MessageGroup | null;
}

// Rows are numbered so that sorting them puts each message row just before its first frame:
// frame id n is 2n, the message row of the message it starts is 2n - 1.
const frameRow = (id: number): number => 2 * id;
const messageRow = (firstId: number): number => 2 * firstId - 1;

export interface FrameFilter {
  dir: Direction | 'all';
  /** `data` = text, binary and continuation; `control` = close, ping, pong; or one opcode name. */
  opcode: string;
  text: string;
  regex: boolean;
  /** Only this lane's frames, or all. */
  lane: string | null;
  /** Show the frames of sockets wslab's own pages opened (chat, terminal, snippets). */
  own: boolean;
}

export const NO_FILTER: FrameFilter = {
  dir: 'all',
  opcode: 'all',
  text: '',
  regex: false,
  lane: null,
  own: true,
};

export type Matcher = (record: FrameRow) => boolean;

/**
 * The text of a binary payload that is UTF-8 JSON, as the Live API sends all of its messages, so
 * the filter finds what the row shows; null for any other binary payload.
 */
function binaryJsonText(base64: string | undefined): string | null {
  // `{` is `e` then `y`, `w`, `i`, `j`... in base64: most binary payloads are passed over undecoded.
  if (base64 === undefined || !base64.startsWith('e')) return null;
  const bytes = fromBase64(base64);
  return bytes ? decodeUtf8Strict(bytes) : null;
}

/**
 * `event:NAME` in the filter text matches the event, target or topic a protocol decoder named
 * (a Socket.IO event, a graphql-ws operation), and nothing else.
 */
export const EVENT_FILTER_PREFIX = 'event:';

/** Builds the filter test; a bad regular expression is reported instead of thrown. */
export function compileFilter(filter: FrameFilter): { match: Matcher; error: string | null } {
  let textTest: ((text: string) => boolean) | null = null;
  let error: string | null = null;
  const byEvent = filter.text.toLowerCase().startsWith(EVENT_FILTER_PREFIX);
  const needleText = byEvent ? filter.text.slice(EVENT_FILTER_PREFIX.length).trim() : filter.text;
  if (filter.text) {
    if (filter.regex) {
      try {
        const regex = new RegExp(needleText, 'i');
        textTest = (text) => regex.test(text);
      } catch (e) {
        error = (e as Error).message;
      }
    } else {
      const needle = needleText.toLowerCase();
      textTest = (text) => text.toLowerCase().includes(needle);
    }
  }
  const match: Matcher = (record) => {
    const event = record.event;
    if (filter.lane !== null && record.lane.key !== filter.lane) return false;
    if (!filter.own && isOwnLane(record.lane)) return false;
    if (filter.dir !== 'all' && event.dir !== filter.dir) return false;
    if (filter.opcode !== 'all') {
      const control = isControlOpcode(event.opcode);
      if (
        filter.opcode === 'data'
          ? control
          : filter.opcode === 'control'
            ? !control
            : event.opcodeName !== filter.opcode
      )
        return false;
    }
    if (textTest && byEvent) {
      const name = record.protocol?.name;
      if (name === undefined || !textTest(name)) return false;
    } else if (textTest) {
      const text = event.payload.text ?? event.closeReason ?? event.payload.base64 ?? '';
      // A compressed message's frames carry deflated bytes (RFC 7692 §6); what the reader looks
      // for is in the message they inflate to, kept on its first frame once it has come.
      const whole = record.messageEvent;
      const message = whole?.compressed ? (whole.text ?? whole.base64 ?? '') : '';
      const json = event.payload.text === undefined ? binaryJsonText(event.payload.base64) : null;
      if (
        !textTest(text) &&
        !textTest(message) &&
        !(json !== null && textTest(json)) &&
        !(record.protocol && textTest(record.protocol.label)) &&
        !textTest(record.lane.label)
      )
        return false;
    }
    return true;
  };
  return { match, error };
}

export class FrameStore {
  private ring: (FrameRow | undefined)[];
  private nextId = 0;
  /** Rows that pass the filter (numbered as `frameRow`, `messageRow`), oldest first, from `head` on. */
  private visible: number[] = [];
  private head = 0;
  private matcher: Matcher = () => true;
  /** Per lane and direction, the fragmented message still waiting for its last frame. */
  private readonly open = new Map<string, MessageGroup>();
  /** Shown message rows by the id of their first frame, to find them once that frame has gone. */
  private readonly groups = new Map<number, MessageGroup>();
  /** A message row left the history with frames still hidden under it: rebuild before reading. */
  private stale = false;
  /** Per ring slot, whether its frame passes the filter; and how many do. */
  private matched: Uint8Array;
  private matchedCount = 0;
  /** Frames pushed out of the history by newer ones. */
  evicted = 0;

  constructor(readonly capacity = INSPECTOR_CAPACITY) {
    this.ring = new Array(capacity);
    this.matched = new Uint8Array(capacity);
  }

  /** Frames (not rows) that pass the filter, folded ones included. */
  get matchedFrames(): number {
    return this.matchedCount;
  }

  get firstId(): number {
    return Math.max(0, this.nextId - this.capacity);
  }

  /** Frames in the history. */
  get size(): number {
    return this.nextId - this.firstId;
  }

  /** Rows that pass the filter: frames, and message rows over fragmented messages. */
  get visibleCount(): number {
    this.refresh();
    return this.visible.length - this.head;
  }

  add(lane: Lane, event: TapFrameEvent): FrameRow {
    const id = this.nextId++;
    let message = -1;
    if (event.opcode === Opcode.TEXT || event.opcode === Opcode.BINARY) message = lane.messages[event.dir]++;
    const record: FrameRow = { id, lane, event, message };
    const slot = id % this.capacity;
    if (this.ring[slot]) {
      this.evicted++;
      this.matchedCount -= this.matched[slot]!;
    }
    this.ring[slot] = record;
    const group = this.join(record);
    const match = this.matcher(record);
    this.matched[slot] = match ? 1 : 0;
    if (match) this.matchedCount++;
    if (group?.first === record && match) {
      group.shown = true;
      this.groups.set(id, group);
      this.visible.push(messageRow(id));
    }
    if (match && (!group || group.expanded || !group.shown)) this.visible.push(frameRow(id));
    this.dropEvicted();
    return record;
  }

  /**
   * Tests a frame again once its whole message has come (inflated, after its last frame): a text
   * filter may match the message where it did not match the frame's compressed bytes.
   */
  rematch(record: FrameRow): void {
    const slot = record.id % this.capacity;
    if (this.ring[slot] !== record || this.matched[slot] || !this.matcher(record)) return;
    this.matched[slot] = 1;
    this.matchedCount++;
    const group = record.group;
    if (group?.first === record) {
      group.shown = true;
      this.groups.set(record.id, group);
      this.insertVisible(messageRow(record.id));
      if (group.expanded) this.insertVisible(frameRow(record.id));
    } else if (!group || group.expanded || !group.shown) this.insertVisible(frameRow(record.id));
  }

  // Rows are kept in number order; a row re-matched late is nearly always among the newest.
  private insertVisible(row: number): void {
    let at = this.visible.length;
    while (at > this.head && this.visible[at - 1]! > row) at--;
    this.visible.splice(at, 0, row);
  }

  /** Puts a data frame in its fragmented message, starting one on a first frame with FIN=0. */
  private join(record: FrameRow): MessageGroup | undefined {
    const { event, lane } = record;
    const key = `${lane.key}/${event.dir}`;
    if (event.opcode === Opcode.TEXT || event.opcode === Opcode.BINARY) {
      // A new message ends any unfinished one: that sender broke §5.4, and the frame says so.
      this.open.delete(key);
      if (event.fin) return undefined;
      const group: MessageGroup = {
        first: record,
        ids: [record.id],
        bytes: event.payloadLength,
        complete: false,
        expanded: false,
        shown: false,
      };
      this.open.set(key, group);
      record.group = group;
      return group;
    }
    if (event.opcode !== Opcode.CONTINUATION) return undefined;
    const group = this.open.get(key);
    if (!group) return undefined;
    group.ids.push(record.id);
    group.bytes += event.payloadLength;
    if (event.fin) {
      group.complete = true;
      this.open.delete(key);
    }
    record.group = group;
    return group;
  }

  private dropEvicted(): void {
    const first = this.firstId;
    // Frame rows before 2 × first and message rows before 2 × first - 1 are gone.
    while (this.head < this.visible.length && this.visible[this.head]! < messageRow(first)) {
      const row = this.visible[this.head++]!;
      if (row % 2 === 0) continue;
      const group = this.groups.get((row + 1) / 2);
      this.groups.delete((row + 1) / 2);
      if (!group) continue;
      group.shown = false;
      // Its frames still held were hidden under it: they show as frames from now on.
      if (!group.expanded && group.ids[group.ids.length - 1]! >= first) this.unfold(group, first);
    }
    // Compact now and then, so the array does not keep the ids of dropped frames forever.
    if (this.head > 4096 && this.head * 2 > this.visible.length) {
      this.visible = this.visible.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Puts the held frames of a folded message whose row just left the history into the list. They
   * are among the oldest held, so they go at the front: merged with the few rows before the last
   * of them, into the room the dropped rows left. Without that room, the list is rebuilt once.
   */
  private unfold(group: MessageGroup, first: number): void {
    const members: number[] = [];
    for (const id of group.ids)
      if (id >= first && this.matched[id % this.capacity]) members.push(frameRow(id));
    if (members.length === 0) return;
    if (this.head < members.length) {
      this.stale = true;
      return;
    }
    const visible = this.visible;
    const last = members[members.length - 1]!;
    let end = this.head;
    while (end < visible.length && visible[end]! < last) end++;
    const merged = [...members, ...visible.slice(this.head, end)].sort((a, b) => a - b);
    const start = end - merged.length;
    for (let k = 0; k < merged.length; k++) visible[start + k] = merged[k]!;
    this.head = start;
  }

  get(id: number): FrameRow | undefined {
    if (id < this.firstId || id >= this.nextId) return undefined;
    return this.ring[id % this.capacity];
  }

  /** The frame of the index-th row (a message row's first frame). */
  visibleAt(index: number): FrameRow | undefined {
    return this.rowAt(index)?.record;
  }

  /** The index-th row that passes the filter. */
  rowAt(index: number): ListRow | undefined {
    this.refresh();
    const row = this.visible[this.head + index];
    if (row === undefined) return undefined;
    if (row % 2 === 0) {
      const record = this.get(row / 2);
      return record && { record, message: null };
    }
    const group = this.groups.get((row + 1) / 2);
    return group && { record: group.first, message: group };
  }

  /** Where a frame's row is in the filtered list, or -1. */
  indexOfVisible(id: number): number {
    return this.indexOfRow(frameRow(id));
  }

  /** Where the message row a frame starts is in the filtered list, or -1. */
  indexOfMessage(firstId: number): number {
    return this.indexOfRow(messageRow(firstId));
  }

  /**
   * Where a frame can be seen: its own row, or the row of the folded message it belongs to.
   * `message` says which of the two it is.
   */
  locate(id: number): { index: number; message: boolean } {
    const own = this.indexOfVisible(id);
    if (own >= 0) return { index: own, message: false };
    const group = this.get(id)?.group;
    const index = group?.shown ? this.indexOfMessage(group.first.id) : -1;
    return { index, message: index >= 0 };
  }

  private indexOfRow(target: number): number {
    this.refresh();
    // Rows are sorted: binary search.
    let lo = this.head;
    let hi = this.visible.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const value = this.visible[mid]!;
      if (value === target) return mid - this.head;
      if (value < target) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Opens or folds a message row: its frames join or leave the list. O(rows), on a click. */
  setExpanded(group: MessageGroup, expanded: boolean): void {
    if (group.expanded === expanded) return;
    group.expanded = expanded;
    if (group.shown) this.rebuild();
  }

  setMatcher(matcher: Matcher): void {
    this.matcher = matcher;
    this.rebuild();
  }

  private refresh(): void {
    if (this.stale) this.rebuild();
  }

  private rebuild(): void {
    this.stale = false;
    const matcher = this.matcher;
    const visible: number[] = [];
    const first = this.firstId;
    this.groups.clear();
    this.matchedCount = 0;
    for (let id = first; id < this.nextId; id++) {
      const record = this.ring[id % this.capacity];
      if (!record) continue;
      const match = matcher(record);
      this.matched[id % this.capacity] = match ? 1 : 0;
      if (match) this.matchedCount++;
      const group = record.group;
      if (group?.first === record) {
        group.shown = match;
        if (match) {
          this.groups.set(id, group);
          visible.push(messageRow(id));
        }
      } else if (group && group.first.id < first) group.shown = false;
      if (match && (!group || group.expanded || !group.shown)) visible.push(frameRow(id));
    }
    this.visible = visible;
    this.head = 0;
  }

  /** Finds the frame that starts a lane's n-th message in one direction. */
  findMessage(laneKey: string, dir: Direction, message: number): FrameRow | undefined {
    for (let id = this.nextId - 1; id >= this.firstId; id--) {
      const record = this.ring[id % this.capacity];
      if (record && record.lane.key === laneKey && record.event.dir === dir && record.message === message)
        return record;
    }
    return undefined;
  }

  clear(): void {
    this.ring = new Array(this.capacity);
    this.matched = new Uint8Array(this.capacity);
    this.matchedCount = 0;
    this.nextId = 0;
    this.visible = [];
    this.head = 0;
    this.open.clear();
    this.groups.clear();
    this.stale = false;
    this.evicted = 0;
  }
}
