// Reads a HAR file back into tap events, for browsing a recording offline: a wslab HAR (its
// `_wslab` events, frame by frame) or any HAR with Chrome's `_webSocketMessages` (whole messages
// only). Pure, so the page can import it: no Node APIs. Never throws; a file it cannot read gets
// an error that says what is wrong and where.

import { isJsonObject, type JsonObject } from '../json';
import type {
  ConnectionEvent,
  ConnectionKind,
  TapHandshakeEvent,
  TapMessageEvent,
  TapOpenEvent,
} from '../tap/events';
import { fromBase64, fromHex, utf8 } from '../wire/bytes';
import type { Direction } from '../wire/direction';
import { acceptedDeflate } from '../wire/extensions';
import { checkAccept, formatHead, type HeaderList, headerValue } from '../wire/handshake';
import { Opcode } from '../wire/opcodes';
import { WSLAB_HAR_FORMAT } from './har-format';

export type ImportSource = 'wslab' | 'chrome';

export interface ImportedConnection {
  /** Unique within the import: the recorded id for wslab files, `har1`, `har2`, … otherwise. */
  conn: string;
  url: string;
  source: ImportSource;
  /** The tap events, `t` in ms since the import's `epoch`, in the order they happened. */
  events: ConnectionEvent[];
}

export type HarImport =
  | {
      ok: true;
      /** `wslab` when every connection came with wslab's frame-level record. */
      source: ImportSource;
      creator: { name: string; version: string };
      /** Wall-clock ms since the Unix epoch at t = 0. */
      epoch: number;
      connections: ImportedConnection[];
      /** Things left out on the way in, such as Chrome messages with an opcode we do not show. */
      warnings: string[];
    }
  | { ok: false; error: string };

class ImportError extends Error {}

/** Parses the text of a `.har` file. */
export function importHar(text: string): HarImport {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return {
      ok: false,
      error: `This file is not JSON (${(error as Error).message}), so it is not a HAR file.`,
    };
  }
  return importHarValue(value);
}

/** Reads an already-parsed HAR document. */
export function importHarValue(value: unknown): HarImport {
  try {
    return readHar(value);
  } catch (error) {
    if (error instanceof ImportError) return { ok: false, error: error.message };
    throw error;
  }
}

function readHar(value: unknown): HarImport {
  if (!isJsonObject(value) || !isJsonObject(value.log)) {
    throw new ImportError('This is JSON but not a HAR file: it has no "log" object.');
  }
  const log = value.log;
  if (!Array.isArray(log.entries)) {
    throw new ImportError('This is JSON but not a HAR file: "log" has no "entries" list.');
  }
  const creator = isJsonObject(log.creator)
    ? { name: scalarText(log.creator.name), version: scalarText(log.creator.version) }
    : { name: '', version: '' };
  const entries = log.entries as unknown[];
  const websockets = entries
    .map((entry, index) => ({ entry, index }))
    .filter(
      (item): item is { entry: JsonObject; index: number } =>
        isJsonObject(item.entry) &&
        (isJsonObject(item.entry._wslab) || Array.isArray(item.entry._webSocketMessages)),
    );
  if (websockets.length === 0) {
    throw new ImportError(
      entries.length === 0
        ? 'This HAR file holds no entries, so no WebSocket connection to show.'
        : `This HAR file holds ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}, but none is a WebSocket connection with its messages (no "_webSocketMessages" or "_wslab"). In Chrome, export the HAR after the connection has exchanged messages.`,
    );
  }

  const wslabLog = isJsonObject(log._wslab) ? log._wslab : null;
  if (wslabLog && typeof wslabLog.format === 'number' && wslabLog.format > WSLAB_HAR_FORMAT) {
    throw new ImportError(
      `This HAR was written by a newer wslab (format ${wslabLog.format}); this one reads format ${WSLAB_HAR_FORMAT}. Update wslab to open it.`,
    );
  }
  const wslabEpoch = wslabLog && Number.isFinite(wslabLog.epoch) ? (wslabLog.epoch as number) : null;
  // A loop, not Math.min(...): a file may hold more entries than a call may take arguments.
  let chromeEpoch = Number.POSITIVE_INFINITY;
  for (const { entry } of websockets) {
    const started = startedAt(entry);
    if (started < chromeEpoch) chromeEpoch = started;
  }
  const epoch = wslabEpoch ?? (Number.isFinite(chromeEpoch) ? chromeEpoch : 0);

  const warnings: string[] = [];
  const connections = websockets.map(({ entry, index }, n) => {
    const where = `Entry ${index + 1} (${describeUrl(entry)})`;
    if (isJsonObject(entry._wslab) && wslabEpoch !== null) return readWslabEntry(entry, entry._wslab, where);
    return readChromeEntry(entry, `har${n + 1}`, where, epoch, warnings);
  });
  return {
    ok: true,
    source: connections.every((c) => c.source === 'wslab') ? 'wslab' : 'chrome',
    creator,
    epoch,
    connections,
    warnings,
  };
}

/**
 * A string or number as text, anything else as ''. Never `String(value)`: a JSON object with a
 * "toString" member makes that throw.
 */
function scalarText(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/** `startedDateTime` in ms since 1970, NaN when it is not a date. */
function startedAt(entry: JsonObject): number {
  return typeof entry.startedDateTime === 'string' ? Date.parse(entry.startedDateTime) : Number.NaN;
}

function describeUrl(entry: JsonObject): string {
  const request = isJsonObject(entry.request) ? entry.request : {};
  return typeof request.url === 'string' ? request.url : 'no URL';
}

// ---- wslab entries: the tap's own events, checked field by field ----

type FieldKind = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'string|null' | 'number|null';

const BASE: [string, FieldKind][] = [
  ['conn', 'string'],
  ['t', 'number'],
];

const FIELDS: Record<ConnectionEvent['type'], [string, FieldKind][]> = {
  open: [
    ['remote', 'string'],
    ['path', 'string'],
    ['kind', 'string'],
  ],
  handshake: [
    ['request', 'object'],
    ['response', 'object'],
    ['accept', 'object'],
  ],
  frame: [
    ['dir', 'string'],
    ['seq', 'number'],
    ['offset', 'number'],
    ['fin', 'boolean'],
    ['rsv1', 'boolean'],
    ['rsv2', 'boolean'],
    ['rsv3', 'boolean'],
    ['opcode', 'number'],
    ['opcodeName', 'string'],
    ['masked', 'boolean'],
    ['maskKey', 'string|null'],
    ['payloadLength', 'number'],
    ['headerHex', 'string'],
    ['payload', 'object'],
  ],
  message: [
    ['dir', 'string'],
    ['opcodeName', 'string'],
    ['size', 'number'],
    ['frames', 'number'],
    ['compressed', 'boolean'],
    ['truncated', 'boolean'],
  ],
  close: [
    ['code', 'number'],
    ['reason', 'string'],
    ['initiator', 'string'],
    ['clean', 'boolean'],
    ['bytes', 'object'],
  ],
  error: [
    ['code', 'string'],
    ['message', 'string'],
  ],
};

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function fits(value: unknown, kind: FieldKind): boolean {
  const actual = kindOf(value);
  if (kind === 'number') return actual === 'number' && Number.isFinite(value);
  if (kind === 'string|null') return actual === 'string' || actual === 'null';
  if (kind === 'number|null') return actual === 'null' || (actual === 'number' && Number.isFinite(value));
  return actual === kind;
}

/** Text or base64, as the tap carries payloads; base64 must decode. */
function checkPayloadView(view: JsonObject, where: string): void {
  if (typeof view.text === 'string') return;
  if (typeof view.base64 !== 'string') throw new ImportError(`${where} has neither "text" nor "base64".`);
  if (fromBase64(view.base64.replace(/\s/g, '')) === null)
    throw new ImportError(`${where}: "base64" is not valid base64.`);
}

function readWslabEntry(entry: JsonObject, wslab: JsonObject, where: string): ImportedConnection {
  const conn = wslab.conn;
  if (typeof conn !== 'string' || conn === '') throw new ImportError(`${where}: "_wslab.conn" is missing.`);
  if (!Array.isArray(wslab.events)) throw new ImportError(`${where}: "_wslab.events" is not a list.`);
  const events = (wslab.events as unknown[]).map((event, i) =>
    checkEvent(event, conn, `${where}, _wslab.events[${i}]`),
  );
  return { conn, url: describeUrl(entry), source: 'wslab', events };
}

function checkEvent(event: unknown, conn: string, where: string): ConnectionEvent {
  if (!isJsonObject(event)) throw new ImportError(`${where} is not an object.`);
  const type = event.type;
  if (typeof type !== 'string' || !Object.hasOwn(FIELDS, type)) {
    throw new ImportError(`${where} has an unknown type ${JSON.stringify(type)}.`);
  }
  const label = `${where} (${type})`;
  for (const [field, kind] of [...BASE, ...FIELDS[type as ConnectionEvent['type']]]) {
    if (!fits(event[field], kind)) {
      throw new ImportError(
        `${label}: "${field}" should be ${kind.replace('|', ' or ')}, not ${kindOf(event[field])}.`,
      );
    }
  }
  if (event.conn !== conn)
    throw new ImportError(`${label} belongs to connection ${event.conn}, not ${conn}.`);
  if ('dir' in event && event.dir !== 'client' && event.dir !== 'server' && event.dir !== undefined) {
    throw new ImportError(
      `${label}: "dir" should be "client" or "server", not ${JSON.stringify(event.dir)}.`,
    );
  }
  if (type === 'frame') {
    if (fromHex(event.headerHex as string) === null)
      throw new ImportError(`${label}: "headerHex" is not hex.`);
    if (event.maskKey !== null && !/^[0-9a-f]{8}$/i.test(event.maskKey as string)) {
      throw new ImportError(`${label}: "maskKey" should be 4 bytes of hex.`);
    }
    checkPayloadView(event.payload as JsonObject, `${label}, "payload"`);
  } else if (type === 'message') {
    checkPayloadView(event, label);
  }
  return event as unknown as ConnectionEvent;
}

// ---- Chrome entries: the upgrade and whole messages ----

function headerList(value: unknown, where: string): HeaderList {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ImportError(`${where} is not a list.`);
  return value.map((header, i) => {
    if (!isJsonObject(header) || typeof header.name !== 'string' || typeof header.value !== 'string') {
      throw new ImportError(`${where}[${i}] should have a string "name" and "value".`);
    }
    return [header.name, header.value];
  });
}

/** Chrome writes seconds since the epoch; some tools write milliseconds. 10^11 s is the year 5138. */
function messageTime(time: number): number {
  return time > 1e11 ? time : time * 1000;
}

function readChromeEntry(
  entry: JsonObject,
  conn: string,
  where: string,
  epoch: number,
  warnings: string[],
): ImportedConnection {
  if (!isJsonObject(entry.request)) throw new ImportError(`${where} has no "request".`);
  const request = entry.request;
  const response = isJsonObject(entry.response) ? entry.response : {};
  const url = typeof request.url === 'string' ? request.url : '';
  let path = '/';
  try {
    const parsed = new URL(url);
    path = `${parsed.pathname}${parsed.search}`;
  } catch {
    throw new ImportError(`${where}: "request.url" is not a URL.`);
  }
  const started = startedAt(entry);
  const t0 = Number.isFinite(started) ? started - epoch : 0;
  const requestHeaders = headerList(request.headers, `${where}, request.headers`);
  const responseHeaders = headerList(response.headers, `${where}, response.headers`);
  const status = typeof response.status === 'number' ? response.status : 0;
  const reason = typeof response.statusText === 'string' ? response.statusText : '';
  const httpVersion = (typeof request.httpVersion === 'string' ? request.httpVersion : 'HTTP/1.1').replace(
    /^HTTP\//i,
    '',
  );
  const method = typeof request.method === 'string' ? request.method : 'GET';
  const requestHead = { method, path, httpVersion, headers: requestHeaders };
  const responseHead = { httpVersion, status, reason, headers: responseHeaders };

  const open: TapOpenEvent = {
    type: 'open',
    conn,
    t: t0,
    // A browser's HAR does not name the client's address.
    remote: 'unknown',
    path: path.replace(/\?.*$/, ''),
    // Not a connection to wslab's own servers: shown as a relayed one would be.
    kind: 'proxy' satisfies ConnectionKind,
  };
  const handshake: TapHandshakeEvent = {
    type: 'handshake',
    conn,
    t: t0 + (typeof entry.time === 'number' && entry.time > 0 ? entry.time : 0),
    // The browser kept the headers, not the bytes: `raw` is rebuilt from them.
    request: { ...requestHead, raw: formatHead(`${method} ${path} HTTP/${httpVersion}`, requestHeaders) },
    response: {
      status,
      reason,
      headers: responseHeaders,
      raw: formatHead(`HTTP/${httpVersion} ${status} ${reason}`.trimEnd(), responseHeaders),
    },
    accept: checkAccept(requestHead, responseHead),
  };
  const deflate =
    status === 101 ? acceptedDeflate(headerValue(responseHeaders, 'sec-websocket-extensions')) : null;
  if (deflate) handshake.deflate = deflate;

  const messages: TapMessageEvent[] = [];
  const list = Array.isArray(entry._webSocketMessages) ? (entry._webSocketMessages as unknown[]) : [];
  let skipped = 0;
  list.forEach((message, i) => {
    const at = `${where}, _webSocketMessages[${i}]`;
    if (!isJsonObject(message)) throw new ImportError(`${at} is not an object.`);
    if (message.type !== 'send' && message.type !== 'receive') {
      throw new ImportError(
        `${at}: "type" should be "send" or "receive", not ${JSON.stringify(message.type)}.`,
      );
    }
    if (typeof message.time !== 'number' || !Number.isFinite(message.time)) {
      throw new ImportError(`${at}: "time" should be a number (seconds since 1970).`);
    }
    if (typeof message.opcode !== 'number') throw new ImportError(`${at}: "opcode" should be a number.`);
    if (typeof message.data !== 'string') throw new ImportError(`${at}: "data" should be a string.`);
    if (message.opcode !== Opcode.TEXT && message.opcode !== Opcode.BINARY) {
      skipped++;
      return;
    }
    const dir: Direction = message.type === 'send' ? 'client' : 'server';
    const t = messageTime(message.time) - epoch;
    if (message.opcode === Opcode.BINARY) {
      const base64 = message.data.replace(/\s/g, '');
      const bytes = fromBase64(base64);
      if (bytes === null) {
        throw new ImportError(`${at} is binary (opcode 2), but its "data" is not valid base64.`);
      }
      messages.push(messageEvent(conn, t, dir, 'binary', bytes.length, { base64 }));
    } else {
      messages.push(messageEvent(conn, t, dir, 'text', utf8(message.data).length, { text: message.data }));
    }
  });
  if (skipped > 0) {
    warnings.push(
      `${where}: left out ${skipped} message${skipped === 1 ? ' that was' : 's that were'} neither text nor binary.`,
    );
  }
  messages.sort((a, b) => a.t - b.t);
  return { conn, url, source: 'chrome', events: [open, handshake, ...messages] };
}

function messageEvent(
  conn: string,
  t: number,
  dir: Direction,
  opcodeName: 'text' | 'binary',
  size: number,
  body: { text: string } | { base64: string },
): TapMessageEvent {
  // A browser records whole messages after reassembly and inflation: how many frames, and
  // whether they were compressed, is not in the file.
  return {
    type: 'message',
    conn,
    t,
    dir,
    opcodeName,
    size,
    frames: 1,
    compressed: false,
    truncated: false,
    ...body,
  };
}
