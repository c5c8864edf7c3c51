// What the inspector knows, without a DOM: the tap's events taken in, sorted into lanes and a
// frame history, held back while paused, and each message matched to the frame that started it.
// Each data message's JSON is read once, here, and shared by its row, its order check and its
// detail view. The views only draw this.

import { cutShortLiveLabel, liveMessageLabelOf } from '../../core/live/message-label';
import type {
  ConnectionEvent,
  TapCloseEvent,
  TapEvent,
  TapFrameEvent,
  TapHandshakeEvent,
  TapMessageEvent,
} from '../../core/tap/events';
import { decodeUtf8Lossy, fromBase64 } from '../../core/wire/bytes';
import type { TapBatch } from '../tap/tap-client';
import { Connections, type Lane } from './connections';
import { type FrameRow, FrameStore } from './frame-store';
import { LiveLanes } from './live-lanes';
import { messageJsonOf } from './message-json';
import { ProtocolLanes } from './protocol-lanes';

export interface InspectorModelHooks {
  /** A frame joined the history (or was released from the pause). */
  onFrame?(record: FrameRow, replayed: boolean): void;
  /** The whole message a frame started arrived: its inflated payload, its order warnings. */
  onMessage?(record: FrameRow): void;
  /**
   * A connection's opening handshake or its end, in wire order with its frames: told between the
   * frames before it and those after, even in a batch that holds several connections whole (a
   * history), so the sequence diagram draws it where it happened.
   */
  onConnection?(lane: Lane, event: TapHandshakeEvent | TapCloseEvent): void;
}

type Pending =
  | { lane: Lane; event: TapFrameEvent; replayed: boolean }
  | { lane: Lane; event: TapMessageEvent; replayed: boolean };

/** The Live API label of a frame's own payload: its kind, or `kind (cut short)` when it is partial. */
function liveLabelOf(event: TapFrameEvent): string | null {
  const json = messageJsonOf(event);
  if (json === null) return null;
  if (json.state === 'json') return liveMessageLabelOf(json.value);
  const { text, base64 } = event.payload;
  // The kind is the first key: the payload's first characters are enough to name it.
  const head = text ?? decodeUtf8Lossy(fromBase64(base64?.slice(0, 64) ?? '') ?? new Uint8Array(0));
  return cutShortLiveLabel(head);
}

export class InspectorModel {
  readonly connections: Connections;
  readonly store: FrameStore;
  /** Frames taken in since the page loaded. */
  framesTaken = 0;
  private paused = false;
  private pending: Pending[] = [];
  /** Per lane and direction, the frame that started the latest data message. */
  private readonly messageStarts = new Map<string, FrameRow>();
  /** One order checker per Live API lane. */
  private readonly liveLanes = new LiveLanes();
  /** One application-protocol decoder per lane that speaks a protocol we know. */
  private readonly protocolLanes = new ProtocolLanes();
  private tapDropped = 0;
  private pausedDropped = 0;

  /** `recorded`: the events come from a file, not from this server's tap. */
  constructor(
    pageOrigin: string,
    recorded: boolean,
    capacity: number,
    private readonly hooks: InspectorModelHooks = {},
  ) {
    this.connections = new Connections(pageOrigin, recorded);
    this.store = new FrameStore(capacity);
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Frames and messages held back by the pause. */
  get waiting(): number {
    return this.pending.length;
  }

  /** Frames lost: pushed out of the history, skipped by the tap, or dropped while paused. */
  get dropped(): number {
    return this.store.evicted + this.tapDropped + this.pausedDropped;
  }

  ingest(batch: TapBatch): void {
    for (const event of batch.events) this.ingestOne(batch.instance, event, batch.replayed);
  }

  private ingestOne(instance: string, event: TapEvent, replayed: boolean): void {
    if (event.type === 'hello' || event.type === 'live') return;
    if (event.type === 'dropped') {
      this.tapDropped += event.count;
      // Any lane may have lost messages: checking its order from here on would mislead.
      for (const lane of this.connections.lanes.values()) this.liveLanes.lost(lane);
      return;
    }
    const lane = this.connections.apply(instance, event as ConnectionEvent, replayed);
    if (event.type === 'handshake' || event.type === 'close') this.hooks.onConnection?.(lane, event);
    if (event.type !== 'frame' && event.type !== 'message') return;
    const item = { lane, event, replayed } as Pending;
    if (!this.paused) {
      this.add(item);
      return;
    }
    if (this.pending.length >= this.store.capacity) {
      const dropped = this.pending.shift();
      if (dropped) this.liveLanes.lost(dropped.lane);
      this.pausedDropped++;
    }
    this.pending.push(item);
  }

  private add(item: Pending): void {
    if (item.event.type === 'frame') this.addFrame(item.lane, item.event, item.replayed);
    else this.addMessage(item.lane, item.event);
  }

  private addFrame(lane: Lane, event: TapFrameEvent, replayed: boolean): void {
    const record = this.store.add(lane, event);
    if (record.message >= 0) {
      this.messageStarts.set(`${lane.key}/${event.dir}`, record);
      record.liveLabel = liveLabelOf(event);
    }
    this.framesTaken++;
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
    const warnings = record
      ? this.liveLanes.take(lane, event, messageJsonOf(record.event, event))
      : this.liveLanes.take(lane, event);
    // Every message goes to the lane's decoder, in order, even when its frame has left the
    // history: its state (acks awaited, attachments to come) depends on each one.
    const decoded = this.protocolLanes.take(lane, event);
    if (!record) return;
    record.messageEvent = event;
    if (decoded) record.protocol = decoded;
    // Inflated text and decoded names are what a filter may be looking for.
    if (event.compressed || decoded) this.store.rematch(record);
    if (warnings?.length) record.sequenceWarnings = warnings;
    this.hooks.onMessage?.(record);
  }

  /** While paused, frames wait (up to the history's capacity) and are added on resume. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    if (paused) return;
    const pending = this.pending;
    this.pending = [];
    for (const item of pending) this.add(item);
  }

  /** Forgets the frames, the waiting ones, the closed connections and the counts of drops. */
  clear(): void {
    this.store.clear();
    this.connections.clear();
    this.pending = [];
    this.messageStarts.clear();
    this.tapDropped = 0;
    this.pausedDropped = 0;
  }
}
