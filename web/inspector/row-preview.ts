// The short text a frame's row shows after its header fields: a Live API message's kind, then
// the start of the payload; a close frame's code and reason; what a compressed message inflated to.

import type { TapFrameEvent, TapMessageEvent } from '../../core/tap/events';
import { jsonTextOfBase64 } from '../lib/binary-json';
import type { FrameRow, MessageGroup } from './frame-store';

const PREVIEW = 60;

/** Seconds since the server started, to the millisecond. */
export function formatTime(t: number): string {
  return (t / 1000).toFixed(3);
}

/** A wall-clock time (ms since the epoch) as this computer's time of day, to the millisecond. */
export function formatClock(epochMs: number): string {
  const date = new Date(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

function previewFrame(event: TapFrameEvent, label: string | null): string {
  if (event.opcodeName === 'close')
    return event.closeCode ? `${event.closeCode} ${event.closeReason ?? ''}` : '(no code)';
  const { text, base64 } = event.payload;
  if (text !== undefined) return `${label ? `${label}  ` : ''}${JSON.stringify(text.slice(0, PREVIEW))}`;
  if (base64 !== undefined) {
    // JSON in a binary frame, the Live API's way, reads as the text it is.
    const json = jsonTextOfBase64(base64);
    const shown =
      json === null
        ? `base64 ${base64.slice(0, PREVIEW)}`
        : `UTF-8 ${JSON.stringify(json.slice(0, PREVIEW))}`;
    return `${label ? `${label} (binary)  ` : ''}${shown}`;
  }
  return '';
}

/** A compressed message's inflated payload, for its first frame's row. */
function previewMessage(message: TapMessageEvent): string {
  if (message.text !== undefined) return JSON.stringify(message.text.slice(0, PREVIEW));
  if (message.base64 !== undefined) return `base64 ${message.base64.slice(0, PREVIEW)}`;
  return '';
}

export function rowPreview(record: FrameRow): string {
  const message = record.messageEvent;
  return message?.compressed && message.compressedSize !== undefined
    ? `${previewMessage(message)} (${message.size} B inflated)`
    : previewFrame(record.event, record.liveLabel ?? null);
}

/**
 * A fragmented message's row: `6 frames · 4096 B`, what it inflated to when compressed, then its
 * label and the start of the whole message (or of its first frame while the rest is on its way).
 */
export function messageRowText(group: MessageGroup): string {
  const message = group.first.messageEvent;
  const frames = `${group.ids.length} frame${group.ids.length === 1 ? '' : 's'}`;
  const size = group.complete ? `${group.bytes} B` : `${group.bytes} B so far`;
  const inflated =
    message?.compressed && message.compressedSize !== undefined ? ` → ${message.size} B inflated` : '';
  const label = group.first.liveLabel;
  const content = message ? previewMessage(message) : previewFrame(group.first.event, null);
  return `${frames} · ${size}${inflated} · ${label ? `${label}  ` : ''}${content}`;
}
