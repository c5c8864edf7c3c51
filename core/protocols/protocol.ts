// The contract every application-protocol decoder implements: Socket.IO, graphql-ws, STOMP, MQTT,
// SignalR, WAMP. A decoder reads what RFC 6455 leaves to the application — the payload of whole
// messages (§5.6: text or binary, after fragments are joined and permessage-deflate inflated) —
// and says what each one means in the protocol negotiated with Sec-WebSocket-Protocol (§1.9,
// §4.1) or recognised from the traffic.
//
// How it is used (the page, a script, a test alike):
//   1. `detect.ts` picks a `ProtocolDefinition` from the registry (`registry.ts`) by the
//      connection's negotiated subprotocol, its request path, or its first messages.
//   2. `definition.create()` makes one `ProtocolDecoder` per connection. It is stateful: it sees
//      every whole message of that connection exactly once, in wire order, both directions.
//   3. `decode(message)` returns a `DecodedMessage` for each one; it never throws, and a message it
//      cannot read still gets a `DecodedMessage` (kind `unreadable`, with a warning).
//
// Decoders are pure and browser-safe (no DOM, no Node): they take strings and `Uint8Array`s, keep
// only small state (ids in flight), and their trees are plain JSON so any view can render them.
//
// To add a protocol: write `core/protocols/<name>.ts` exporting a `ProtocolDefinition`, and add
// it to the list in `registry.ts`. Nothing else needs to change: detection, the frame rows, the
// detail pane and the filter read only these types.

import type { Direction } from '../wire/direction';

/** A JSON value: what a decoded tree holds, so any view (or JSON.stringify) can show it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One whole WebSocket message (RFC 6455 §5.6): a text message's string or a binary one's bytes. */
export interface ProtocolMessage {
  dir: Direction;
  data: string | Uint8Array;
}

/** An order rule the protocol's own specification defines, broken by this message. */
export interface ProtocolWarning {
  /** Stable, SCREAMING_SNAKE (`SUBSCRIBE_BEFORE_ACK`), for tests and filters. */
  code: string;
  /** `error`: the peer may close the connection for it; `caution`: allowed, but suspicious. */
  level: 'error' | 'caution';
  /** One sentence a person can act on, naming the specification's rule. */
  text: string;
}

/** What one message means in its protocol. */
export interface DecodedMessage {
  /** The `ProtocolDefinition.id` that decoded it (`socket.io`, `graphql-ws`, …). */
  protocol: string;
  /** The message's kind as the protocol names it (`event`, `ack`, `subscribe`, `PUBLISH`). */
  kind: string;
  /** A short label for a frame row (`event chat #3`, `next · 1`), a few words, no newline. */
  label: string;
  /** The event, target, topic or destination the message is about, for a column and a filter. */
  name?: string;
  /** The decoded fields for the detail pane: the protocol's own names, arguments parsed. */
  tree: JsonValue;
  /**
   * Keys shared by related messages, so a view can link them: an emit and its ack both carry
   * `ack:/chat:3`; a subscription and its every message carry `sub:1`. Opaque strings, unique
   * within one connection.
   */
  links: string[];
  /** Order rules this message broke, empty when all is well. */
  warnings: ProtocolWarning[];
  /**
   * When the message is part of another one (a Socket.IO binary attachment, which travels as its
   * own WebSocket message after the packet that announces it): the link key of that packet, so a
   * view can fold the two together.
   */
  partOf?: string;
}

/** One connection's decoder: stateful, fed each whole message once, in wire order. */
export interface ProtocolDecoder {
  decode(message: ProtocolMessage): DecodedMessage;
}

/** What a connection is known by before its first message: the upgrade's negotiated subprotocol and its request target. */
export interface ProtocolContext {
  /** The server's `Sec-WebSocket-Protocol` answer (RFC 6455 §4.2.2 /subprotocol/), or null. */
  subprotocol: string | null;
  /** The request target of the upgrade (`/socket.io/?EIO=4&transport=websocket`), or null. */
  path: string | null;
}

/** A protocol the inspector knows: how to recognise it and how to make its decoder. */
export interface ProtocolDefinition {
  /** Short and stable (`socket.io`): shown as the label's prefix, used in link keys and tests. */
  id: string;
  /** The name a person knows it by (`Socket.IO v4`). */
  title: string;
  /** Sec-WebSocket-Protocol values that mean this protocol, compared case-sensitively (RFC 6455 §4.1). */
  subprotocols: readonly string[];
  /** True when the upgrade's request target alone says it is this protocol (Socket.IO's `EIO=4`). */
  recognisePath?(path: string): boolean;
  /** True when the connection's first message is unmistakably this protocol's. */
  recogniseMessage?(message: ProtocolMessage): boolean;
  create(): ProtocolDecoder;
}

/** A warning, as every decoder writes one. */
export const warn = (code: string, level: ProtocolWarning['level'], text: string): ProtocolWarning => ({
  code,
  level,
  text,
});

/** A text message a decoder cannot read as its protocol: shown as it is, with why. */
export function unreadable(
  protocol: string,
  text: string,
  why: string,
  warnings: ProtocolWarning[],
): DecodedMessage {
  return {
    protocol,
    kind: 'unreadable',
    label: 'unreadable',
    tree: { text },
    links: [],
    warnings: [...warnings, { code: 'UNREADABLE', level: 'error', text: why }],
  };
}
