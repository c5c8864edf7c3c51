// The lesson checks engine: which tap events a step waits for, and whether it has seen them.
// Pure (no Node, no DOM): the loader validates checks with it and the page evaluates them with it,
// so a check means the same thing in the unit test and in the learner's browser.
// The matcher follows lessons/README.md ("checks.json") to the letter.
import type {
  ConnectionEvent,
  TapCloseEvent,
  TapErrorEvent,
  TapEvent,
  TapFrameEvent,
  TapHandshakeEvent,
  TapMessageEvent,
  TapOpenEvent,
} from '../tap/events';
import { decodeUtf8Strict, fromBase64 } from '../wire/bytes';

export type Scalar = string | number | boolean | null;

export type Operator =
  | { $gte: number }
  | { $lte: number }
  | { $ne: Scalar }
  | { $in: Scalar[] }
  | { $regex: string }
  | { $exists: boolean };

/** What one field must be: a plain value, or an operator object. */
export type FieldTest = Scalar | Operator;

/** Field tests on one event type, with no label: what an entry's `$after` lists. */
export interface CheckPattern {
  type: ConnectionEvent['type'];
  [field: string]: FieldTest | undefined;
}

/**
 * One entry of a step's `expect`: field tests plus `$label`, an optional `$count`, and an optional
 * `$after`: patterns that earlier events on the same connection must have matched, so that a
 * check can wait for an answer to a given frame ("the server's close 1002 on the connection whose
 * client frame broke §5.1"), not for the same answer on any connection.
 */
export interface CheckEntry {
  type: ConnectionEvent['type'];
  $label: string;
  $count?: number;
  $after?: CheckPattern[];
  [field: string]: FieldTest | CheckPattern[] | undefined;
}

export interface StepChecks {
  step: number;
  expect: CheckEntry[];
}

// ---------------------------------------------------------------------------------------------
// The fields a check may name, per event type. `satisfies FieldsOf<…>` makes the compiler hold
// this list to events.ts: a field added there and missing here (or the reverse) fails the type
// check, so the loader can never drift from the schema.

/** A leaf value: compared as a whole. */
const LEAF = 'leaf' as const;
/** A string-keyed record of strings (`query`): any key below it is allowed. */
const RECORD = 'record' as const;

type FieldSpec = typeof LEAF | typeof RECORD | { readonly [name: string]: FieldSpec };

type IsPlainObject<T> = T extends readonly unknown[] ? false : T extends object ? true : false;

/** For each field of T: `leaf`, or for an object field either its own fields or `record`. */
type FieldsOf<T> = {
  readonly [K in keyof T]-?: IsPlainObject<NonNullable<T[K]>> extends true
    ? string extends keyof NonNullable<T[K]>
      ? typeof RECORD
      : FieldsOf<NonNullable<T[K]>>
    : typeof LEAF;
};

const BASE = { type: LEAF, conn: LEAF, t: LEAF } as const;
const PAYLOAD = { text: LEAF, base64: LEAF, truncated: LEAF } as const;

const OPEN_FIELDS = {
  ...BASE,
  remote: LEAF,
  path: LEAF,
  kind: LEAF,
  query: RECORD,
  upstream: { target: LEAF, requestLine: LEAF, host: LEAF, tls: LEAF, tlsError: LEAF },
} satisfies FieldsOf<TapOpenEvent>;

const HANDSHAKE_FIELDS = {
  ...BASE,
  request: {
    headers: LEAF,
    raw: LEAF,
    method: LEAF,
    path: LEAF,
    httpVersion: LEAF,
    body: { text: LEAF, base64: LEAF, truncated: LEAF, size: LEAF },
  },
  response: {
    headers: LEAF,
    raw: LEAF,
    status: LEAF,
    reason: LEAF,
    body: { text: LEAF, base64: LEAF, truncated: LEAF, size: LEAF },
  },
  accept: { key: LEAF, expected: LEAF, actual: LEAF, ok: LEAF },
  rejected: LEAF,
  deflate: {
    serverNoContextTakeover: LEAF,
    clientNoContextTakeover: LEAF,
    serverMaxWindowBits: LEAF,
    clientMaxWindowBits: LEAF,
  },
} satisfies FieldsOf<TapHandshakeEvent>;

const FRAME_FIELDS = {
  ...BASE,
  dir: LEAF,
  seq: LEAF,
  offset: LEAF,
  fin: LEAF,
  rsv1: LEAF,
  rsv2: LEAF,
  rsv3: LEAF,
  opcode: LEAF,
  opcodeName: LEAF,
  masked: LEAF,
  maskKey: LEAF,
  payloadLength: LEAF,
  headerHex: LEAF,
  payload: PAYLOAD,
  closeCode: LEAF,
  closeReason: LEAF,
  violation: { code: LEAF, section: LEAF, closeCode: LEAF, message: LEAF, payloadRange: LEAF },
  payloadReceived: LEAF,
} satisfies FieldsOf<TapFrameEvent>;

const MESSAGE_FIELDS = {
  ...BASE,
  dir: LEAF,
  opcodeName: LEAF,
  size: LEAF,
  frames: LEAF,
  compressed: LEAF,
  compressedSize: LEAF,
  text: LEAF,
  base64: LEAF,
  truncated: LEAF,
} satisfies FieldsOf<TapMessageEvent>;

const CLOSE_FIELDS = {
  ...BASE,
  code: LEAF,
  reason: LEAF,
  initiator: LEAF,
  clean: LEAF,
  bytes: { client: LEAF, server: LEAF },
} satisfies FieldsOf<TapCloseEvent>;

const ERROR_FIELDS = {
  ...BASE,
  dir: LEAF,
  code: LEAF,
  message: LEAF,
  closeCode: LEAF,
} satisfies FieldsOf<TapErrorEvent>;

/** The event types a check may wait for, and the fields of each. */
export const EVENT_FIELDS: {
  readonly [K in ConnectionEvent['type']]: { readonly [name: string]: FieldSpec };
} = {
  open: OPEN_FIELDS,
  handshake: HANDSHAKE_FIELDS,
  frame: FRAME_FIELDS,
  message: MESSAGE_FIELDS,
  close: CLOSE_FIELDS,
  error: ERROR_FIELDS,
};

/** Is `path` (`payload.text`, `query.tick`) a field of this event type? */
export function isKnownField(type: ConnectionEvent['type'], path: string): boolean {
  let spec: FieldSpec = EVENT_FIELDS[type];
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    if (spec === RECORD) return i === parts.length - 1 && parts[i] !== '';
    if (spec === LEAF) return false;
    const next: FieldSpec | undefined = Object.hasOwn(spec, parts[i]!) ? spec[parts[i]!] : undefined;
    if (next === undefined) return false;
    spec = next;
  }
  return spec !== RECORD; // a record is matched through one of its keys, never as a whole
}

// ---------------------------------------------------------------------------------------------
// Validation: what the loader rejects, with messages that say where and why.

const OPERATORS = new Set(['$gte', '$lte', '$ne', '$in', '$regex', '$exists']);

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function validateOperator(key: string, value: Record<string, unknown>): string | null {
  const names = Object.keys(value);
  if (names.length !== 1)
    return `"${key}": an operator object holds exactly one operator, got ${show(value)}`;
  const name = names[0]!;
  const operand = value[name];
  if (!OPERATORS.has(name))
    return `"${key}": unknown operator "${name}"; known: ${[...OPERATORS].join(', ')}`;
  switch (name) {
    case '$gte':
    case '$lte':
      return typeof operand === 'number' ? null : `"${key}": ${name} wants a number`;
    case '$ne':
      return isScalar(operand) ? null : `"${key}": $ne wants a plain value`;
    case '$in':
      return Array.isArray(operand) && operand.every(isScalar)
        ? null
        : `"${key}": $in wants an array of plain values`;
    case '$exists':
      return typeof operand === 'boolean' ? null : `"${key}": $exists wants true or false`;
    default: {
      if (typeof operand !== 'string') return `"${key}": $regex wants a string`;
      try {
        new RegExp(operand);
        return null;
      } catch (error) {
        return `"${key}": $regex is not a valid regular expression: ${(error as Error).message}`;
      }
    }
  }
}

/** Every problem with one `expect` entry; empty when it is fine. */
export function validateCheckEntry(entry: unknown): string[] {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    return ['an entry must be an object'];
  const record = entry as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof record.$label !== 'string' || record.$label.trim() === '') {
    problems.push('"$label" is required: the text the step shows beside its indicator');
  }
  if (
    record.$count !== undefined &&
    !(typeof record.$count === 'number' && Number.isInteger(record.$count) && record.$count >= 1)
  ) {
    problems.push(`"$count" must be a whole number of at least 1, got ${show(record.$count)}`);
  }
  if (record.$after !== undefined) {
    if (!Array.isArray(record.$after) || record.$after.length === 0) {
      problems.push('"$after" must be a non-empty array of patterns ({"type": …, field tests})');
    } else {
      record.$after.forEach((pattern: unknown, index) => {
        if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern)) {
          problems.push(`$after[${index}]: a pattern must be an object`);
          return;
        }
        for (const problem of validateFields(pattern as Record<string, unknown>, new Set()))
          problems.push(`$after[${index}]: ${problem}`);
      });
    }
  }
  problems.push(...validateFields(record, ENTRY_KEYS));
  return problems;
}

/** The `$` keys an entry may hold besides field tests; a pattern in `$after` holds none. */
const ENTRY_KEYS = new Set(['$label', '$count', '$after']);

/** Problems with `type` and the field tests of an entry or a pattern. */
function validateFields(record: Record<string, unknown>, allowed: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const type = record.type;
  if (typeof type !== 'string' || !Object.hasOwn(EVENT_FIELDS, type)) {
    problems.push(`"type" must be one of ${Object.keys(EVENT_FIELDS).join(', ')}, got ${show(type)}`);
  }
  for (const [key, value] of Object.entries(record)) {
    if (key === 'type' || allowed.has(key)) continue;
    if (key.startsWith('$')) {
      problems.push(
        allowed.size > 0
          ? `unknown key "${key}"; only ${[...allowed].join(', ')} start with $ outside an operator`
          : `"${key}": a pattern in $after holds only "type" and field tests`,
      );
      continue;
    }
    if (typeof type === 'string' && Object.hasOwn(EVENT_FIELDS, type)) {
      if (!isKnownField(type as ConnectionEvent['type'], key)) {
        problems.push(`"${key}" is not a field of a ${type} event (core/tap/events.ts)`);
      }
    }
    if (isScalar(value)) continue;
    if (typeof value === 'object' && !Array.isArray(value)) {
      const problem = validateOperator(key, value as Record<string, unknown>);
      if (problem) problems.push(problem);
    } else {
      problems.push(`"${key}": want a plain value or an operator object, got ${show(value)}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Matching.

/** Reads a dotted path (`request.method`) from an event; undefined when any part is missing. */
export function fieldValue(event: object, path: string): unknown {
  let value: unknown = event;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

const regexCache = new Map<string, RegExp>();

function regexFor(source: string): RegExp {
  let regex = regexCache.get(source);
  if (!regex) {
    regex = new RegExp(source);
    regexCache.set(source, regex);
  }
  return regex;
}

function testValue(actual: unknown, expected: Scalar | Operator): boolean {
  if (expected === null || typeof expected !== 'object') return actual === expected;
  if ('$gte' in expected) return typeof actual === 'number' && actual >= expected.$gte;
  if ('$lte' in expected) return typeof actual === 'number' && actual <= expected.$lte;
  if ('$ne' in expected) return actual !== expected.$ne;
  if ('$in' in expected) return expected.$in.some((value) => value === actual);
  if ('$regex' in expected) return typeof actual === 'string' && regexFor(expected.$regex).test(actual);
  if ('$exists' in expected) return (actual !== undefined) === expected.$exists;
  return false;
}

const binaryTexts = new WeakMap<object, string | null>();

/**
 * A binary message's (or single binary frame's) bytes read as text, when the tap kept them whole
 * and uncompressed and they are valid UTF-8; null otherwise. The Live API sends its JSON in
 * binary frames, and a check on `text` must hold whichever frame type carried the same JSON.
 */
function binaryText(event: TapEvent, key: string): string | null {
  let base64: string | undefined;
  if (event.type === 'message' && key === 'text') {
    const inflated = !event.compressed || event.compressedSize !== undefined;
    if (event.opcodeName === 'binary' && inflated && !event.truncated) base64 = event.base64;
  } else if (event.type === 'frame' && key === 'payload.text') {
    // RSV1: the payload is DEFLATE output (RFC 7692 §6); a fragment is only part of a message.
    const whole = event.opcodeName === 'binary' && event.fin && !event.rsv1 && !event.payload.truncated;
    if (whole) base64 = event.payload.base64;
  }
  if (base64 === undefined) return null;
  let text = binaryTexts.get(event);
  if (text === undefined) {
    const bytes = fromBase64(base64);
    text = bytes === null ? null : decodeUtf8Strict(bytes);
    binaryTexts.set(event, text);
  }
  return text;
}

/**
 * Does this event match the entry's field tests? Every field must match; `$label`, `$count` and
 * `$after` are not tests of the event itself (`$after` is StepProgress's: it needs history).
 */
export function matchesEntry(entry: CheckEntry | CheckPattern, event: TapEvent): boolean {
  if (event.type !== entry.type) return false;
  for (const key in entry) {
    if (key === 'type' || key.startsWith('$')) continue;
    const expected = entry[key];
    if (expected === undefined) continue;
    // The loader never lets a list stand for a field's value; were one there, nothing matches.
    if (Array.isArray(expected)) return false;
    const actual = fieldValue(event, key) ?? binaryText(event, key) ?? undefined;
    if (!testValue(actual, expected)) return false;
  }
  return true;
}

export interface EntryProgress {
  label: string;
  seen: number;
  needed: number;
  done: boolean;
}

/**
 * Connections an entry with `$after` follows at once. A connection is forgotten at its `close`
 * event; one whose close the tap skipped would stay, so the oldest go first past this many.
 */
export const MAX_FOLLOWED_CONNECTIONS = 4096;

/**
 * A step's progress since it was opened: feed it the live tap events and it counts, per entry,
 * how many matched. A step with no entries is done at once (lessons/README.md).
 */
export class StepProgress {
  private readonly counts: number[];
  /**
   * For each entry with `$after`: per connection, which of its patterns an earlier event of that
   * connection has matched since the step opened. Null for an entry without `$after`.
   */
  private readonly earlier: (Map<string, boolean[]> | null)[];

  constructor(readonly expect: readonly CheckEntry[]) {
    this.counts = expect.map(() => 0);
    this.earlier = expect.map((entry) => (entry.$after ? new Map() : null));
  }

  /** Feeds one event; returns true when it changed the progress of some entry. */
  observe(event: TapEvent): boolean {
    let changed = false;
    for (let i = 0; i < this.expect.length; i++) {
      const entry = this.expect[i]!;
      const needed = entry.$count ?? 1;
      if (this.counts[i]! >= needed) continue;
      const earlier = this.earlier[i];
      // Judged against what came before this event, then this event joins the history: an
      // event never satisfies its own entry's `$after`.
      if (matchesEntry(entry, event) && (!earlier || this.cameAfter(earlier, event))) {
        this.counts[i]!++;
        changed = true;
      }
      if (earlier) this.remember(earlier, entry.$after!, event);
    }
    return changed;
  }

  private cameAfter(earlier: Map<string, boolean[]>, event: TapEvent): boolean {
    const seen = 'conn' in event ? earlier.get(event.conn) : undefined;
    return seen?.every(Boolean) === true;
  }

  private remember(earlier: Map<string, boolean[]>, after: readonly CheckPattern[], event: TapEvent): void {
    if (!('conn' in event)) return;
    if (event.type === 'close') {
      earlier.delete(event.conn);
      return;
    }
    let seen = earlier.get(event.conn);
    for (let j = 0; j < after.length; j++) {
      if (seen?.[j] || !matchesEntry(after[j]!, event)) continue;
      if (!seen) {
        if (earlier.size >= MAX_FOLLOWED_CONNECTIONS) earlier.delete(earlier.keys().next().value!);
        seen = after.map(() => false);
        earlier.set(event.conn, seen);
      }
      seen[j] = true;
    }
  }

  entries(): EntryProgress[] {
    return this.expect.map((entry, i) => {
      const needed = entry.$count ?? 1;
      return { label: entry.$label, seen: this.counts[i]!, needed, done: this.counts[i]! >= needed };
    });
  }

  get done(): boolean {
    return this.expect.every((entry, i) => this.counts[i]! >= (entry.$count ?? 1));
  }
}
