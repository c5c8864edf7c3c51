// STOMP 1.0, 1.1 and 1.2 over WebSocket (subprotocols `v10.stomp`, `v11.stomp`, `v12.stomp`).
// Section names below are the STOMP 1.2 specification's (stomp.github.io/stomp-specification-1.2.html).
//
// "STOMP Frames": a command line, header lines `name:value`, a blank line, the body, a NULL octet;
// any EOLs after the NULL and any bare EOL between frames are heart-beats ("Heart-beating").
// A WebSocket message usually holds one frame, but a client may split a large frame over several
// messages (stompjs' splitLargeFrames) and nothing forbids several frames in one, so each
// direction is read as a stream.
//
// The sequence: CONNECT (or STOMP) → CONNECTED; SUBSCRIBE `id` ↔ every MESSAGE with that
// `subscription` ↔ UNSUBSCRIBE `id`; a frame with a `receipt` header ↔ the RECEIPT (or ERROR) whose
// `receipt-id` names it; MESSAGE `ack` ↔ ACK/NACK `id` (1.2); BEGIN/COMMIT/ABORT ↔ the frames of
// their `transaction`.

import { concatBytes, decodeUtf8Lossy, decodeUtf8Strict, toHex, utf8 } from '../wire/bytes';
import type { Direction } from '../wire/direction';
import { type DecodedUnit, foldUnits, labelOf, lostStream, MAX_BUFFERED_BYTES } from './message-units';
import type {
  DecodedMessage,
  JsonValue,
  ProtocolDecoder,
  ProtocolDefinition,
  ProtocolMessage,
  ProtocolWarning,
} from './protocol';
import { warn } from './protocol';

const PROTOCOL = 'stomp';

/** "Client Frames" and "Server Frames". */
export const STOMP_CLIENT_COMMANDS = [
  'CONNECT',
  'STOMP',
  'SEND',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'ACK',
  'NACK',
  'BEGIN',
  'COMMIT',
  'ABORT',
  'DISCONNECT',
] as const;
export const STOMP_SERVER_COMMANDS = ['CONNECTED', 'MESSAGE', 'RECEIPT', 'ERROR'] as const;

/** Headers each frame MUST carry ("Frames and Headers", 1.2). */
const REQUIRED: Record<string, readonly string[]> = {
  CONNECT: ['accept-version', 'host'],
  STOMP: ['accept-version', 'host'],
  CONNECTED: ['version'],
  SEND: ['destination'],
  SUBSCRIBE: ['destination', 'id'],
  UNSUBSCRIBE: ['id'],
  ACK: ['id'],
  NACK: ['id'],
  BEGIN: ['transaction'],
  COMMIT: ['transaction'],
  ABORT: ['transaction'],
  MESSAGE: ['destination', 'message-id', 'subscription'],
  RECEIPT: ['receipt-id'],
};

export interface StompFrame {
  command: string;
  /** Every header line in wire order, unescaped; a repeated name keeps every entry. */
  headers: [string, string][];
  body: Uint8Array;
  /** What is wrong with the frame's form, in words. */
  problems: string[];
}

/** "Repeated Header Entries": only the first entry of a repeated header counts. */
export function header(frame: StompFrame, name: string): string | undefined {
  return frame.headers.find(([key]) => key === name)?.[1];
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;

/**
 * "Value Encoding": 1.1 and 1.2 escape `\r` (1.2 only), `\n`, `\c` (colon) and `\\` in header
 * names and values, except in CONNECT and CONNECTED frames; 1.0 escapes nothing.
 */
function unescapeHeader(text: string, problems: string[]): string {
  return text.replace(/\\(.?)/g, (whole, next: string) => {
    switch (next) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 'c':
        return ':';
      case '\\':
        return '\\';
      default:
        // "Undefined escape sequences such as \t MUST be treated as a fatal protocol error."
        problems.push(`undefined escape sequence ${JSON.stringify(whole)} in a header (Value Encoding)`);
        return whole;
    }
  });
}

function lineEnd(bytes: Uint8Array, from: number): { end: number; next: number } | null {
  const lf = bytes.indexOf(LF, from);
  if (lf < 0) return null;
  // "Augmented BNF": EOL is an optional carriage return and a line feed.
  const end = lf > from && bytes[lf - 1] === CR ? lf - 1 : lf;
  return { end, next: lf + 1 };
}

type Read = { frame: StompFrame; next: number } | { heartBeat: true; next: number } | null;

/** Reads the frame (or heart-beat) at `offset`, or null when the bytes end before it does. */
export function readStompFrame(bytes: Uint8Array, offset: number, escaping: boolean): Read {
  if (bytes[offset] === LF) return { heartBeat: true, next: offset + 1 };
  if (bytes[offset] === CR && bytes[offset + 1] === LF) return { heartBeat: true, next: offset + 2 };
  if (bytes[offset] === CR && offset + 1 >= bytes.length) return null;
  const problems: string[] = [];
  const first = lineEnd(bytes, offset);
  if (!first) return null;
  const command = decodeUtf8Lossy(bytes.subarray(offset, first.end));
  const decodeEscapes = escaping && command !== 'CONNECT' && command !== 'CONNECTED';
  const headers: [string, string][] = [];
  let at = first.next;
  // Bounded: each pass consumes one header line.
  for (;;) {
    const line = lineEnd(bytes, at);
    if (!line) return null;
    if (line.end === at) {
      at = line.next;
      break;
    }
    const text = decodeUtf8Strict(bytes.subarray(at, line.end));
    if (text === null) problems.push('a header line that is not UTF-8 ("Value Encoding")');
    const raw = text ?? decodeUtf8Lossy(bytes.subarray(at, line.end));
    const colon = raw.indexOf(':');
    if (colon < 0) problems.push(`a header line without a colon: ${JSON.stringify(raw)}`);
    const name = colon < 0 ? raw : raw.slice(0, colon);
    const value = colon < 0 ? '' : raw.slice(colon + 1);
    headers.push(
      decodeEscapes ? [unescapeHeader(name, problems), unescapeHeader(value, problems)] : [name, value],
    );
    at = line.next;
  }
  // "Body": with content-length, exactly that many octets (NULLs included), then a NULL;
  // without, everything up to the first NULL.
  const lengthHeader = headers.find(([name]) => name === 'content-length')?.[1];
  const length = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
  if (lengthHeader !== undefined && length === null)
    problems.push(`content-length ${JSON.stringify(lengthHeader)} is not an octet count`);
  let bodyEnd: number;
  if (length !== null) {
    if (at + length + 1 > bytes.length) return null;
    bodyEnd = at + length;
    if (bytes[bodyEnd] !== NUL) {
      problems.push(`no NULL after the ${length} octets content-length announces`);
      const nul = bytes.indexOf(NUL, bodyEnd);
      if (nul < 0) return null;
      bodyEnd = nul;
    }
  } else {
    bodyEnd = bytes.indexOf(NUL, at);
    if (bodyEnd < 0) return null;
  }
  return { frame: { command, headers, body: bytes.subarray(at, bodyEnd), problems }, next: bodyEnd + 1 };
}

/** One direction's bytes, cut into frames and heart-beats as they complete. */
class StompStream {
  private pending: Uint8Array = new Uint8Array(0);
  /** Why this direction is no longer followed (a frame without its NULL past MAX_BUFFERED_BYTES). */
  lost: string | null = null;

  get buffered(): number {
    return this.pending.length;
  }

  push(chunk: Uint8Array, escaping: boolean): ({ frame: StompFrame } | { heartBeat: true })[] {
    if (this.lost) return [];
    const bytes = this.pending.length === 0 ? chunk : concatBytes([this.pending, chunk]);
    const out: ({ frame: StompFrame } | { heartBeat: true })[] = [];
    let offset = 0;
    while (offset < bytes.length) {
      const read = readStompFrame(bytes, offset, escaping);
      if (!read) break;
      out.push(
        'frame' in read ? { frame: { ...read.frame, body: read.frame.body.slice() } } : { heartBeat: true },
      );
      offset = read.next;
    }
    this.pending = bytes.slice(offset);
    if (this.pending.length > MAX_BUFFERED_BYTES) {
      this.lost = `a frame without its NULL after ${this.pending.length} bytes: the inspector stops following this direction`;
      this.pending = new Uint8Array(0);
    }
    return out;
  }
}

function bodyTree(body: Uint8Array): JsonValue {
  if (body.length === 0) return '';
  const text = decodeUtf8Strict(body);
  // A body with control bytes other than whitespace is shown as bytes: it was sent as binary.
  if (text !== null && !body.some((byte) => byte < 0x09 || (byte > 0x0d && byte < 0x20))) return text;
  return { hex: toHex(body, ' '), bytes: body.length };
}

function frameTree(frame: StompFrame): JsonValue {
  const headers: { [name: string]: JsonValue } = {};
  for (const [name, value] of frame.headers) {
    const seen = headers[name];
    // Repeated entries are kept, in order; the first is the one that counts.
    headers[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return { command: frame.command, headers, body: bodyTree(frame.body) };
}

class StompDecoder implements ProtocolDecoder {
  private readonly streams = { client: new StompStream(), server: new StompStream() };
  /** The version CONNECTED named; 1.0 escapes no header. */
  private version: string | null = null;
  private connectSent = false;
  private connected = false;
  private disconnectSent = false;
  private errorSent = false;
  private readonly subscriptions = new Map<string, string>();
  private readonly receipts = new Set<string>();

  decode({ dir, data }: ProtocolMessage): DecodedMessage {
    const bytes = typeof data === 'string' ? utf8(data) : data;
    const stream = this.streams[dir];
    const wasLost = stream.lost !== null;
    const reads = stream.push(bytes, this.version !== '1.0');
    const units: DecodedUnit[] = [];
    let heartBeats = 0;
    for (const read of reads) {
      if ('heartBeat' in read) heartBeats++;
      else units.push(this.unit(dir, read.frame));
    }
    if (units.length === 0 && heartBeats > 0 && this.streams[dir].buffered === 0)
      return {
        protocol: PROTOCOL,
        kind: 'heart-beat',
        label: 'heart-beat',
        tree: { heartBeat: heartBeats === 1 ? 'EOL' : `${heartBeats} EOLs` },
        links: [],
        warnings: [],
      };
    if (stream.lost && units.length === 0) return lostStream(PROTOCOL, stream.lost, !wasLost, []);
    const buffered = stream.buffered;
    return foldUnits(PROTOCOL, units, {
      label: `part of a frame · ${buffered} bytes so far`,
      tree: { partial: `${buffered} bytes of a frame whose NULL has not come yet` },
    });
  }

  private unit(dir: Direction, frame: StompFrame): DecodedUnit {
    const { command } = frame;
    const warnings: ProtocolWarning[] = frame.problems.map((text) => warn('MALFORMED_FRAME', 'error', text));
    const links: string[] = [];
    const commands: readonly string[] = dir === 'client' ? STOMP_CLIENT_COMMANDS : STOMP_SERVER_COMMANDS;
    if (!commands.includes(command)) {
      warnings.push(
        warn(
          'UNKNOWN_COMMAND',
          'error',
          `${JSON.stringify(command)} is not a STOMP ${dir} frame ("Client Frames", "Server Frames")`,
        ),
      );
    }
    this.checkHeaders(frame, warnings);
    this.order(dir, command, warnings);

    const receipt = header(frame, 'receipt');
    if (receipt !== undefined && dir === 'client') {
      this.receipts.add(receipt);
      links.push(`receipt:${receipt}`);
    }
    const transaction = header(frame, 'transaction');
    if (transaction !== undefined) links.push(`tx:${transaction}`);
    const destination = header(frame, 'destination');
    const words: string[] = [command];
    let subscribed: string | undefined;
    if (destination !== undefined) words.push(destination);

    switch (command) {
      case 'CONNECT':
      case 'STOMP': {
        const versions = header(frame, 'accept-version');
        words.push(versions ? `accepts ${versions}` : 'accepts 1.0');
        break;
      }
      case 'CONNECTED': {
        this.version = header(frame, 'version') ?? '1.0';
        words.push(this.version);
        const beat = header(frame, 'heart-beat');
        if (beat) words.push(`heart-beat ${beat}`);
        break;
      }
      case 'SUBSCRIBE': {
        const id = header(frame, 'id') ?? destination ?? '';
        this.subscriptions.set(id, destination ?? '');
        links.push(`sub:${id}`);
        words.push(`· ${id}`);
        break;
      }
      case 'UNSUBSCRIBE': {
        const id = header(frame, 'id') ?? destination ?? '';
        if (!this.subscriptions.has(id))
          warnings.push(
            warn(
              'UNKNOWN_SUBSCRIPTION',
              'caution',
              `UNSUBSCRIBE names subscription ${JSON.stringify(id)}, which was never subscribed`,
            ),
          );
        subscribed = this.subscriptions.get(id);
        words.push(subscribed ?? '', `· ${id}`);
        this.subscriptions.delete(id);
        links.push(`sub:${id}`);
        break;
      }
      case 'MESSAGE': {
        const id = header(frame, 'subscription');
        if (id !== undefined) {
          links.push(`sub:${id}`);
          words.push(`· ${id}`);
          if (!this.subscriptions.has(id))
            warnings.push(
              warn(
                'UNKNOWN_SUBSCRIPTION',
                'error',
                `MESSAGE for subscription ${JSON.stringify(id)}, which the client has not (or no longer) subscribed ("MESSAGE")`,
              ),
            );
        }
        const ack = header(frame, 'ack');
        if (ack !== undefined) links.push(`ack:${ack}`);
        break;
      }
      case 'ACK':
      case 'NACK': {
        // 1.2 acknowledges by the MESSAGE's `ack` header, 1.1 by `message-id` and `subscription`.
        const id = header(frame, 'id') ?? header(frame, 'message-id');
        if (id !== undefined) {
          links.push(`ack:${id}`);
          words.push(id);
        }
        const subscription = header(frame, 'subscription');
        if (subscription !== undefined) links.push(`sub:${subscription}`);
        break;
      }
      case 'RECEIPT':
      case 'ERROR': {
        const id = header(frame, 'receipt-id');
        if (id !== undefined) {
          links.push(`receipt:${id}`);
          words.push(id);
          // A receipt is answered once: the id is forgotten, so a second answer is flagged.
          if (!this.receipts.delete(id))
            warnings.push(
              warn(
                'UNKNOWN_RECEIPT',
                'caution',
                `receipt-id ${JSON.stringify(id)} answers no frame awaiting a receipt ("RECEIPT")`,
              ),
            );
        }
        if (command === 'ERROR') {
          const message = header(frame, 'message');
          if (message) words.push(`· ${message}`);
        }
        break;
      }
      case 'BEGIN':
      case 'COMMIT':
      case 'ABORT':
        if (transaction !== undefined) words.push(transaction);
        break;
      default:
        break;
    }
    if (frame.body.length > 0) words.push(`· ${frame.body.length} B`);
    const unit: DecodedUnit = {
      kind: command,
      label: labelOf(words),
      tree: frameTree(frame),
      links,
      warnings,
    };
    const name = destination ?? subscribed;
    if (name) unit.name = name;
    return unit;
  }

  private checkHeaders(frame: StompFrame, warnings: ProtocolWarning[]): void {
    const { command } = frame;
    // A CONNECT without accept-version is a 1.0 client's, and 1.0 required only destinations.
    const v10 =
      this.version === '1.0' ||
      ((command === 'CONNECT' || command === 'STOMP') && header(frame, 'accept-version') === undefined);
    const missing = (REQUIRED[command] ?? []).filter(
      (name) => header(frame, name) === undefined && (!v10 || name === 'destination'),
    );
    if (missing.length > 0)
      warnings.push(
        warn('MISSING_HEADER', 'error', `${command} must carry ${missing.join(', ')} ("Frames and Headers")`),
      );
  }

  /** "Connecting", "DISCONNECT", "ERROR": the order frames must come in. */
  private order(dir: Direction, command: string, warnings: ProtocolWarning[]): void {
    if (dir === 'client') {
      if (this.disconnectSent)
        warnings.push(
          warn(
            'AFTER_DISCONNECT',
            'error',
            `${command} after DISCONNECT: a client MUST NOT send frames after DISCONNECT ("DISCONNECT")`,
          ),
        );
      if (command === 'CONNECT' || command === 'STOMP') {
        if (this.connectSent)
          warnings.push(
            warn(
              'CONNECT_REPEATED',
              'error',
              `a second ${command} on one connection: the server answers the first, and an ERROR here ("Connecting")`,
            ),
          );
        this.connectSent = true;
      } else if (!this.connectSent) {
        warnings.push(
          warn(
            'BEFORE_CONNECT',
            'error',
            `${command} before CONNECT: a STOMP session starts with CONNECT or STOMP ("Connecting")`,
          ),
        );
      } else if (!this.connected) {
        warnings.push(
          warn(
            'BEFORE_CONNECTED',
            'caution',
            `${command} before the server's CONNECTED: the server has not accepted the session yet ("Connecting")`,
          ),
        );
      }
      if (command === 'DISCONNECT') this.disconnectSent = true;
      return;
    }
    if (this.errorSent)
      warnings.push(
        warn(
          'AFTER_ERROR',
          'error',
          `${command} after ERROR: the server MUST close the connection just after sending ERROR ("ERROR")`,
        ),
      );
    if (command === 'CONNECTED') {
      if (this.connected)
        warnings.push(
          warn('CONNECTED_REPEATED', 'error', 'a second CONNECTED on one connection ("Connecting")'),
        );
      this.connected = true;
    } else if (command !== 'ERROR' && !this.connected) {
      warnings.push(
        warn(
          'BEFORE_CONNECTED',
          'error',
          `${command} before CONNECTED: the server accepts the session with CONNECTED before anything else ("Connecting")`,
        ),
      );
    }
    if (command === 'ERROR') this.errorSent = true;
  }
}

/** The first client frame of a STOMP session: `CONNECT` or `STOMP`, then an EOL. */
function isConnectFrame({ dir, data }: ProtocolMessage): boolean {
  if (dir !== 'client') return false;
  const head = typeof data === 'string' ? data.slice(0, 10) : decodeUtf8Lossy(data.subarray(0, 10));
  return /^(CONNECT|STOMP)\r?\n/.test(head);
}

export const stomp: ProtocolDefinition = {
  id: PROTOCOL,
  title: 'STOMP 1.0–1.2',
  subprotocols: ['v12.stomp', 'v11.stomp', 'v10.stomp'],
  recogniseMessage: isConnectFrame,
  create: () => new StompDecoder(),
};
