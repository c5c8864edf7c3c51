// The sequence diagram's geometry and words, without a DOM: where the lifelines stand, where each
// arrow starts and ends, how it is drawn and what it says, and which rows a scrolled viewport
// shows. Positions are fractions of the drawing's width, so the view scales them with CSS.

import { closeCodeInfo, describeClose } from '../../core/wire/close-codes';
import { jsonTextOfBase64 } from '../lib/binary-json';
import type { Lane } from './connections';
import type { FrameRow } from './frame-store';
import { isRelayed, type SequenceItem } from './sequence-track';

/** Every row is as tall: a line of label above a line of arrow. */
export const ROW_HEIGHT = 36;

export type Lifeline = 'client' | 'wslab' | 'upstream';

/** Where each lifeline stands, as a fraction of the drawing's width: two, or three through the relay. */
export function lifelinesOf(relayed: boolean): { name: Lifeline; x: number }[] {
  return relayed
    ? [
        { name: 'client', x: 0.06 },
        { name: 'wslab', x: 0.5 },
        { name: 'upstream', x: 0.94 },
      ]
    : [
        { name: 'client', x: 0.08 },
        { name: 'wslab', x: 0.92 },
      ];
}

/** How an arrow is drawn: data frames solid, control frames dashed, HTTP as HTTP. */
export type ArrowStyle = 'data' | 'control' | 'close' | 'http' | 'refusal' | 'end';

export interface ArrowLayout {
  /** Where the arrow starts and ends, as fractions of the width. */
  from: number;
  to: number;
  /** The relay's lifeline the arrow passes through, when it does. */
  via: number | null;
  style: ArrowStyle;
  /** Who sent it: colours the arrow. */
  sender: 'client' | 'server' | 'wslab';
  /** The line drawn above the arrow: centred on it, as wide as the drawing allows either side. */
  label: string;
  labelFrom: number;
  labelTo: number;
  /** Everything the row says, for assistive technology and the tooltip. */
  description: string;
}

const KIB = 1024;

/** `12 B`, `9999 B`, `16.0 KiB`, `1.5 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 10_000) return `${bytes} B`;
  if (bytes < KIB * KIB * 10) return `${(bytes / KIB).toFixed(1)} KiB`;
  return `${(bytes / KIB / KIB).toFixed(1)} MiB`;
}

const PREVIEW = 48;

function payloadPreview(record: FrameRow): string {
  const { text, base64 } = record.event.payload;
  if (record.event.rsv1) return '';
  if (text !== undefined && text.length > 0) return JSON.stringify(text.slice(0, PREVIEW));
  if (base64 !== undefined && base64.length > 0) {
    const json = jsonTextOfBase64(base64);
    return json === null
      ? `base64 ${base64.slice(0, PREVIEW / 2)}`
      : `UTF-8 ${JSON.stringify(json.slice(0, PREVIEW))}`;
  }
  return '';
}

function fragmentWords(item: Extract<SequenceItem, { kind: 'frame' }>): string {
  const frames = item.record.messageEvent?.frames;
  switch (item.fragment) {
    case 'first':
      return frames ? `1st of ${frames} frames` : '1st fragment';
    case 'middle':
      return 'fragment';
    case 'last':
      return 'last fragment';
    case 'inside':
      return 'between fragments';
    default:
      return '';
  }
}

function frameLabel(item: Extract<SequenceItem, { kind: 'frame' }>): { label: string; description: string } {
  const { record } = item;
  const event = record.event;
  const parts = [`${event.opcodeName} ${formatBytes(event.payloadLength)}`];
  if (event.opcodeName === 'close') {
    // RFC 6455 §5.5.1: the first close frame starts the closing handshake, the answer ends it.
    parts.push(event.closeCode ? describeClose(event.closeCode, event.closeReason ?? '') : 'no status code');
  }
  const fragment = fragmentWords(item);
  if (fragment) parts.push(fragment);
  const message = record.messageEvent;
  if (message?.compressed) parts.push(`RSV1, ${formatBytes(message.size)} inflated`);
  if (record.liveLabel) parts.push(record.liveLabel);
  // What the message means in its application protocol: `event chat #3`, `next Countdown`.
  if (record.protocol) parts.push(record.protocol.label);
  if (event.violation) parts.push(`⚠ ${event.violation.code}`);
  const preview = event.opcodeName === 'close' ? '' : payloadPreview(record);
  const label = [...parts, ...(preview ? [preview] : [])].join(' · ');
  const who = event.dir === 'client' ? 'client to server' : 'server to client';
  return { label, description: `${label}, ${who}${event.masked ? ', masked' : ''}` };
}

function handshakeWords(item: Extract<SequenceItem, { kind: 'request' | 'response' }>): string {
  const { request, response, accept, rejected } = item.handshake;
  if (item.lane.open?.kind === 'http' && rejected === undefined) {
    // A plain HTTP exchange relayed by /proxy (long-polling): nothing was refused, nothing upgraded.
    const body = item.kind === 'request' ? request.body : response.body;
    const size = body ? ` · ${body.size} B` : '';
    return item.kind === 'request'
      ? `${request.method} ${request.path} HTTP/${request.httpVersion}${size}`
      : `${response.status} ${response.reason}${size}`;
  }
  // What was said first, what it is after: a long path cuts these words, never the method.
  if (item.kind === 'request')
    return `${request.method} ${request.path} HTTP/${request.httpVersion} · opening handshake`;
  if (response.status === 101)
    return `${response.status} ${response.reason} · ${accept.ok ? 'accept ✓' : 'accept ✗'} · opening handshake`;
  return `${response.status} ${response.reason} · refused${rejected ? `: ${rejected}` : ''}`;
}

/** wslab answered itself: a refused upgrade, or a relayed HTTP request it would not relay. */
function refusedByWslab(lane: SequenceItem['lane']): boolean {
  const kind = lane.open?.kind;
  return kind === 'rejected' || (kind === 'http' && lane.handshake?.rejected !== undefined);
}

function endWords(item: Extract<SequenceItem, { kind: 'end' }>): string {
  const { code, reason, initiator, clean } = item.close;
  // A relayed HTTP exchange ends with its answer; the TCP connection may well carry the next one.
  if (item.lane.open?.kind === 'http') return 'exchange over';
  if (item.lane.handshake && item.lane.handshake.response.status !== 101) return 'TCP closed';
  const by = initiator === 'none' ? 'no close frame' : `${initiator} closed`;
  const what =
    code === 1006 || code === 1005 ? `${code} ${closeCodeInfo(code).name}` : describeClose(code, reason);
  return `TCP closed · ${what} · ${by}, ${clean ? 'clean' : 'not clean'}`;
}

/**
 * An item's arrow. `relayedView`: the drawing has three lifelines; a lane that does not go through
 * the relay then ends at wslab.
 */
export function arrowOf(item: SequenceItem, relayedView: boolean): ArrowLayout {
  const arrow = arrowLine(item, relayedView);
  const mid = (arrow.from + arrow.to) / 2;
  const half = Math.min(mid, 1 - mid);
  return { ...arrow, labelFrom: mid - half, labelTo: mid + half };
}

function arrowLine(item: SequenceItem, relayedView: boolean): Omit<ArrowLayout, 'labelFrom' | 'labelTo'> {
  const lines = lifelinesOf(relayedView);
  const client = lines[0]!.x;
  const wslab = lines[1]!.x;
  const relayed = relayedView && isRelayed(item.lane);
  const upstream = relayed ? lines[2]!.x : wslab;
  const via = relayed ? wslab : null;
  switch (item.kind) {
    case 'request': {
      // A refusal by wslab itself (a forbidden target) never reached the upstream.
      const refusedHere = refusedByWslab(item.lane);
      const label = handshakeWords(item);
      return {
        from: client,
        to: refusedHere ? wslab : upstream,
        via: refusedHere ? null : via,
        style: 'http',
        sender: 'client',
        label,
        description: `${label}, HTTP request from the client`,
      };
    }
    case 'response': {
      const refusedHere = refusedByWslab(item.lane);
      const ok =
        item.handshake.response.status === 101 ||
        (item.lane.open?.kind === 'http' && item.handshake.rejected === undefined);
      const label = handshakeWords(item);
      return {
        from: refusedHere ? wslab : upstream,
        to: client,
        via: refusedHere ? null : via,
        style: ok ? 'http' : 'refusal',
        sender: refusedHere || !relayed ? 'wslab' : 'server',
        label,
        description: `${label}, HTTP answer to the client`,
      };
    }
    case 'frame': {
      const { label, description } = frameLabel(item);
      const event = item.record.event;
      const name = event.opcodeName;
      const style: ArrowStyle =
        name === 'close' ? 'close' : name === 'ping' || name === 'pong' ? 'control' : 'data';
      const fromClient = event.dir === 'client';
      return {
        from: fromClient ? client : upstream,
        to: fromClient ? upstream : client,
        via,
        style,
        sender: event.dir,
        label,
        description,
      };
    }
    case 'end': {
      const label = endWords(item);
      return {
        from: client,
        to: upstream,
        via: null,
        style: 'end',
        sender: 'wslab',
        label,
        description: label,
      };
    }
  }
}

/** The rows a viewport shows, with a row to spare each side; `last` is exclusive. */
export function visibleRows(
  scrollTop: number,
  viewportHeight: number,
  count: number,
  rowHeight = ROW_HEIGHT,
): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - 1);
  const last = Math.min(count, Math.ceil((scrollTop + viewportHeight) / rowHeight) + 1);
  return { first, last: Math.max(first, last) };
}

/** What the upstream lifeline is called: its host, when the lane names its target. */
export function upstreamName(lane: Lane | null): string {
  const target = lane?.open?.query?.target;
  if (!target) return 'upstream';
  try {
    return new URL(target).host;
  } catch {
    return 'upstream';
  }
}
