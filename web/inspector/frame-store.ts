// The inspector's frame history: a ring of at most `capacity` frames (the oldest are dropped and
// counted), and the list of those that pass the current filter, kept up to date as frames arrive
// so a flood costs O(new frames), not O(history).
import { INSPECTOR_CAPACITY } from '../../core/defaults';
import type { SequenceWarning } from '../../core/live/sequence-check';
import type { TapFrameEvent, TapMessageEvent } from '../../core/tap/events';
import type { Direction } from '../../core/wire/direction';
import { isControlOpcode, Opcode } from '../../core/wire/opcodes';
import type { Lane } from './connections';

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
}

export interface FrameFilter {
  dir: Direction | 'all';
  /** `data` = text, binary and continuation; `control` = close, ping, pong; or one opcode name. */
  opcode: string;
  text: string;
  regex: boolean;
  /** Only this lane's frames, or all. */
  lane: string | null;
}

export const NO_FILTER: FrameFilter = { dir: 'all', opcode: 'all', text: '', regex: false, lane: null };

export type Matcher = (record: FrameRow) => boolean;

/** Builds the filter test; a bad regular expression is reported instead of thrown. */
export function compileFilter(filter: FrameFilter): { match: Matcher; error: string | null } {
  let textTest: ((text: string) => boolean) | null = null;
  let error: string | null = null;
  if (filter.text) {
    if (filter.regex) {
      try {
        const regex = new RegExp(filter.text, 'i');
        textTest = (text) => regex.test(text);
      } catch (e) {
        error = (e as Error).message;
      }
    } else {
      const needle = filter.text.toLowerCase();
      textTest = (text) => text.toLowerCase().includes(needle);
    }
  }
  const match: Matcher = (record) => {
    const event = record.event;
    if (filter.lane !== null && record.lane.key !== filter.lane) return false;
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
    if (textTest) {
      const text = event.payload.text ?? event.closeReason ?? event.payload.base64 ?? '';
      if (!textTest(text) && !textTest(record.lane.label)) return false;
    }
    return true;
  };
  return { match, error };
}

export class FrameStore {
  private ring: (FrameRow | undefined)[];
  private nextId = 0;
  /** Ids of the frames that pass the filter, oldest first, from `head` on. */
  private visible: number[] = [];
  private head = 0;
  private matcher: Matcher = () => true;
  /** Frames pushed out of the history by newer ones. */
  evicted = 0;

  constructor(readonly capacity = INSPECTOR_CAPACITY) {
    this.ring = new Array(capacity);
  }

  get firstId(): number {
    return Math.max(0, this.nextId - this.capacity);
  }

  /** Frames in the history. */
  get size(): number {
    return this.nextId - this.firstId;
  }

  /** Frames that pass the filter. */
  get visibleCount(): number {
    return this.visible.length - this.head;
  }

  add(lane: Lane, event: TapFrameEvent): FrameRow {
    const id = this.nextId++;
    let message = -1;
    if (event.opcode === Opcode.TEXT || event.opcode === Opcode.BINARY) message = lane.messages[event.dir]++;
    const record: FrameRow = { id, lane, event, message };
    if (this.ring[id % this.capacity]) this.evicted++;
    this.ring[id % this.capacity] = record;
    if (this.matcher(record)) this.visible.push(id);
    this.dropEvicted();
    return record;
  }

  private dropEvicted(): void {
    const first = this.firstId;
    while (this.head < this.visible.length && this.visible[this.head]! < first) this.head++;
    // Compact now and then, so the array does not keep the ids of dropped frames forever.
    if (this.head > 4096 && this.head * 2 > this.visible.length) {
      this.visible = this.visible.slice(this.head);
      this.head = 0;
    }
  }

  get(id: number): FrameRow | undefined {
    if (id < this.firstId || id >= this.nextId) return undefined;
    return this.ring[id % this.capacity];
  }

  /** The index-th frame that passes the filter. */
  visibleAt(index: number): FrameRow | undefined {
    const id = this.visible[this.head + index];
    return id === undefined ? undefined : this.get(id);
  }

  /** Where a frame is in the filtered list, or -1. */
  indexOfVisible(id: number): number {
    // Ids are sorted: binary search.
    let lo = this.head;
    let hi = this.visible.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const value = this.visible[mid]!;
      if (value === id) return mid - this.head;
      if (value < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  setMatcher(matcher: Matcher): void {
    this.matcher = matcher;
    const visible: number[] = [];
    for (let id = this.firstId; id < this.nextId; id++) {
      const record = this.ring[id % this.capacity];
      if (record && matcher(record)) visible.push(id);
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
    this.nextId = 0;
    this.visible = [];
    this.head = 0;
    this.evicted = 0;
  }
}
