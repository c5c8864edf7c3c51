// The JSON a data message holds, for the inspector's tree: found in the whole message when the tap
// has reported it (inflated, every fragment joined), else in the frame itself; in text frames, and
// in binary frames whose bytes are UTF-8 starting with `{` — the Live API sends its JSON that way.
// Pure: no DOM, so it is tested on its own.
import type { TapFrameEvent, TapMessageEvent } from '../../core/tap/events';
import { decodeUtf8Strict, fromBase64 } from '../../core/wire/bytes';
import { Opcode } from '../../core/wire/opcodes';

export type MessageJson =
  | {
      state: 'json';
      value: unknown;
      /** Where the text came from: the whole message, or the frame when the message is not known. */
      source: 'message' | 'frame';
      /** The JSON came in a binary message, as UTF-8. */
      binary: boolean;
    }
  /** It starts like JSON but only its start is here: cut by the tap's cap, or more frames follow. */
  | { state: 'incomplete'; reason: 'truncated' | 'fragment'; binary: boolean }
  /** It starts like JSON but does not parse. */
  | { state: 'invalid'; error: string; binary: boolean };

type Frame = Pick<TapFrameEvent, 'opcode' | 'fin' | 'rsv1' | 'payload'>;
type Message = Pick<TapMessageEvent, 'text' | 'base64' | 'truncated'>;

const OPEN_BRACE = 0x7b;

/** Does this text start (after JSON's leading whitespace) with an object or an array? */
function looksLikeJson(text: string): boolean {
  const first = /\S/.exec(text.slice(0, 256));
  return first !== null && (first[0] === '{' || first[0] === '[');
}

function parse(text: string, source: 'message' | 'frame', binary: boolean): MessageJson {
  try {
    return { state: 'json', value: JSON.parse(text), source, binary };
  } catch (error) {
    return { state: 'invalid', error: (error as Error).message, binary };
  }
}

/** The JSON in a payload or a whole message, or null when it does not start like JSON. */
function jsonOf(
  { text, base64 }: Message,
  source: 'message' | 'frame',
  partial: 'truncated' | 'fragment' | null,
): MessageJson | null {
  if (text !== undefined) {
    if (!looksLikeJson(text)) return null;
    return partial ? { state: 'incomplete', reason: partial, binary: false } : parse(text, source, false);
  }
  // `{` is `e` then `y`, `w`, `i`, `j` ... in base64: test the first byte before decoding it all.
  if (base64 === undefined || !base64.startsWith('e')) return null;
  const head = fromBase64(base64.slice(0, 4));
  if (head?.[0] !== OPEN_BRACE) return null;
  if (partial) return { state: 'incomplete', reason: partial, binary: true };
  const bytes = fromBase64(base64);
  const decoded = bytes ? decodeUtf8Strict(bytes) : null;
  return decoded === null ? null : parse(decoded, source, true);
}

/** The JSON of a whole data message, as the tap reports it after its last frame. */
export function wholeMessageJson(message: Message): MessageJson | null {
  return jsonOf(message, 'message', message.truncated ? 'truncated' : null);
}

/** What was read from a frame, and the message it was read with (if any). */
const read = new WeakMap<Frame, { message: Message | undefined; json: MessageJson | null }>();

/**
 * The JSON of the message a frame starts, or null when it holds none. Only the first frame of a
 * data message (text or binary opcode) is looked at: a continuation carries the middle of one.
 * Remembered per frame, so the row, the order check and the detail view share one parse; when the
 * whole message turns out to be the frame's own payload, the frame's parse is reused for it.
 */
export function messageJsonOf(frame: Frame, message?: Message): MessageJson | null {
  const known = read.get(frame);
  if (known && known.message === message) return known.json;
  let json: MessageJson | null;
  if (known && !known.message && message && sameContent(frame, message)) {
    json = known.json?.state === 'json' ? { ...known.json, source: 'message' } : known.json;
  } else json = readFrame(frame, message);
  read.set(frame, { message, json });
  return json;
}

/** An unfragmented, uncompressed message whose payload the tap kept whole is its frame's payload. */
function sameContent(frame: Frame, message: Message): boolean {
  const { payload } = frame;
  return (
    frame.fin &&
    !frame.rsv1 &&
    !payload.truncated &&
    !message.truncated &&
    payload.text === message.text &&
    payload.base64 === message.base64
  );
}

function readFrame(frame: Frame, message: Message | undefined): MessageJson | null {
  if (frame.opcode !== Opcode.TEXT && frame.opcode !== Opcode.BINARY) return null;
  if (message) return wholeMessageJson(message);
  // A compressed frame carries DEFLATE output (RFC 7692 §6): only the inflated message can be read.
  if (frame.rsv1) return null;
  const { payload } = frame;
  return jsonOf(payload, 'frame', payload.truncated ? 'truncated' : frame.fin ? null : 'fragment');
}

/** `1 708`: digits grouped by threes with a no-break space, as SI writes them. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
}

/** `{3 keys}`, `{1 key}`, `[18 items]`: what a collapsed object or array holds. */
export function containerSummary(value: object): string {
  if (Array.isArray(value)) {
    const n = value.length;
    return `[${formatCount(n)} item${n === 1 ? '' : 's'}]`;
  }
  const n = Object.keys(value).length;
  return `{${formatCount(n)} key${n === 1 ? '' : 's'}}`;
}

/** Strings longer than this are shortened in the tree. */
const LONG_STRING = 80;
/** How much of a shortened string is shown. */
const STRING_HEAD = 60;

/**
 * A string as the tree shows it: quoted and escaped as JSON; a long one (base64 audio) cut to
 * its first characters, with its full length said in `rest`.
 */
export function shortString(text: string): { shown: string; rest: string | null } {
  if (text.length <= LONG_STRING) return { shown: JSON.stringify(text), rest: null };
  // No closing quote: the string goes on.
  return {
    shown: JSON.stringify(text.slice(0, STRING_HEAD)).slice(0, -1),
    rest: `… ${formatCount(text.length)} chars`,
  };
}
