// STOMP, MQTT and SignalR do not map one protocol unit to one WebSocket message: a message may
// carry several frames, packets or records, and a unit may span messages. Their decoders read the
// units of a message first, then fold them into the one `DecodedMessage` the message gets here.

import type { DecodedMessage, JsonValue, ProtocolWarning } from './protocol';

/**
 * How many bytes a decoder holds while a unit waits for its end. A peer that never ends one (or a
 * stream that is not the protocol at all) would otherwise grow the page's memory without bound;
 * past this the decoder stops following that direction, and the frame rows still show the bytes.
 */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** The message's decode once a direction's stream is lost: said once with why, then plainly. */
export function lostStream(
  protocol: string,
  reason: string,
  firstTime: boolean,
  warnings: ProtocolWarning[],
): DecodedMessage {
  return {
    protocol,
    kind: 'undecoded',
    label: 'not decoded · stream lost',
    tree: { undecoded: reason },
    links: [],
    warnings: firstTime ? [...warnings, { code: 'STREAM_LOST', level: 'error', text: reason }] : warnings,
  };
}

/**
 * A row label from the words of a unit: empty words dropped, and control characters a peer put in
 * a name (a newline in a STOMP header, a tab in a topic) shown as escapes, so a label is one line.
 */
export function labelOf(words: readonly string[]): string {
  return words
    .filter((word) => word !== '')
    .join(' ')
    .replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One frame, packet or record, decoded: a `DecodedMessage` without its protocol. */
export type DecodedUnit = Omit<DecodedMessage, 'protocol' | 'partOf'>;

/**
 * The message's decode from its units: one unit is the message itself; several are listed in
 * order (kinds joined by `+`, labels by ` + `, their trees in an array, links and warnings joined).
 * No unit (all bytes still wait for the rest of their unit) is a `partial` message.
 */
export function foldUnits(
  protocol: string,
  units: readonly DecodedUnit[],
  partial: { label: string; tree: JsonValue; warnings?: ProtocolWarning[] },
): DecodedMessage {
  if (units.length === 0)
    return {
      protocol,
      kind: 'partial',
      label: partial.label,
      tree: partial.tree,
      links: [],
      warnings: partial.warnings ?? [],
    };
  if (units.length === 1)
    return { protocol, ...units[0]!, warnings: [...units[0]!.warnings, ...(partial.warnings ?? [])] };
  const name = units.find((unit) => unit.name !== undefined)?.name;
  const message: DecodedMessage = {
    protocol,
    kind: units.map((unit) => unit.kind).join('+'),
    label: units.map((unit) => unit.label).join(' + '),
    tree: units.map((unit) => unit.tree),
    links: [...new Set(units.flatMap((unit) => unit.links))],
    warnings: [...units.flatMap((unit) => unit.warnings), ...(partial.warnings ?? [])],
  };
  if (name !== undefined) message.name = name;
  return message;
}
