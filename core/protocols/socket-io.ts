// Engine.IO v4 and Socket.IO v4 (protocol 5), as they ride the WebSocket transport. Each
// WebSocket message is one Engine.IO packet: a text message starts with its type digit (0 open,
// 1 close, 2 ping, 3 pong, 4 message, 5 upgrade, 6 noop); a binary message is a message packet's
// raw bytes. An Engine.IO message carries one Socket.IO packet:
//
//   <type>[<attachments>-][<namespace>,][<ack id>][<JSON>]      e.g. 451-/chat,3["upload",{…}]
//
// with Socket.IO types 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR, 5 BINARY_EVENT
// and 6 BINARY_ACK. A binary packet's Buffers are replaced by `{"_placeholder":true,"num":n}`
// and sent as the next <attachments> binary messages in the same direction, so they are folded
// into that packet here. Sources: github.com/socketio/engine.io-protocol (v4) and
// github.com/socketio/socket.io-protocol (v5).

import { isJsonObject } from '../json';
import { toHex } from '../wire/bytes';
import type { Direction } from '../wire/direction';
import type {
  DecodedMessage,
  JsonValue,
  ProtocolDecoder,
  ProtocolDefinition,
  ProtocolMessage,
  ProtocolWarning,
} from './protocol';
import { unreadable as unreadableAs } from './protocol';

const PROTOCOL = 'socket.io';

export const ENGINE_IO_TYPES = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'] as const;
export const SOCKET_IO_TYPES = [
  'connect',
  'disconnect',
  'event',
  'ack',
  'connect_error',
  'binary event',
  'binary ack',
] as const;

/** The parts of a Socket.IO packet's text, before its JSON is read. */
export interface SocketIoPacket {
  type: number;
  attachments: number;
  namespace: string;
  id: number | null;
  json: string;
}

/** Splits a Socket.IO packet (the Engine.IO message's text after its `4`); null when it is none. */
export function parseSocketIoPacket(text: string): SocketIoPacket | null {
  const type = Number(text[0]);
  if (!(text.length > 0 && type >= 0 && type < SOCKET_IO_TYPES.length)) return null;
  let at = 1;
  let attachments = 0;
  if (type === 5 || type === 6) {
    const dash = text.indexOf('-', at);
    const count = text.slice(at, dash);
    if (dash < 0 || !/^\d+$/.test(count)) return null;
    attachments = Number(count);
    at = dash + 1;
  }
  let namespace = '/';
  if (text[at] === '/') {
    const comma = text.indexOf(',', at);
    const end = comma < 0 ? text.length : comma;
    namespace = text.slice(at, end);
    at = comma < 0 ? end : end + 1;
  }
  const digits = /^\d*/.exec(text.slice(at))?.[0] ?? '';
  const id = digits ? Number(digits) : null;
  at += digits.length;
  return { type, attachments, namespace, id, json: text.slice(at) };
}

function parseJson(text: string): { ok: true; value: JsonValue } | { ok: false } {
  if (text === '') return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) as JsonValue };
  } catch {
    return { ok: false };
  }
}

interface PendingAttachments {
  /** The link key that ties the packet and its attachments. */
  key: string;
  name: string;
  total: number;
  received: number;
  /** The packet's tree's list, filled in as the attachments arrive. */
  list: JsonValue[];
}

interface Emit {
  event: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

class SocketIoDecoder implements ProtocolDecoder {
  /** Binary attachments still to come, per direction (they follow their packet in its direction). */
  private readonly pending = new Map<Direction, PendingAttachments>();
  /** Emits that asked for an ack, by link key, so the ack can name its event. */
  private readonly emits = new Map<string, Emit>();
  /** Namespaces the server has accepted a CONNECT for. */
  private readonly connected = new Set<string>();
  /**
   * The Engine.IO open packet came over this WebSocket. When it did not, the session began on
   * HTTP long-polling and was upgraded (2probe, 3probe, 5): its CONNECTs were never seen here.
   */
  private sawOpen = false;
  private binaryPackets = 0;

  decode({ dir, data }: ProtocolMessage): DecodedMessage {
    if (typeof data !== 'string') return this.attachment(dir, data);
    const waiting = this.pending.get(dir);
    const warnings: ProtocolWarning[] = [];
    if (waiting) {
      warnings.push({
        code: 'ATTACHMENT_MISSING',
        level: 'error',
        text: `a text packet came while ${waiting.name} still awaited ${waiting.total - waiting.received} of its ${plural(waiting.total, 'binary attachment')}: they must follow it directly`,
      });
      this.pending.delete(dir);
    }
    const engineType = Number(data[0]);
    const engineName = ENGINE_IO_TYPES[engineType];
    if (data.length === 0 || engineName === undefined)
      return unreadable(data, 'not an Engine.IO packet: it must start with a type digit 0–6', warnings);
    const rest = data.slice(1);
    if (engineName === 'message') return this.message(dir, rest, warnings);
    const tree: { [key: string]: JsonValue } = { engineIO: `${engineName} (${engineType})` };
    let label: string = engineName;
    if (engineName === 'open') {
      this.sawOpen = true;
      const parsed = parseJson(rest);
      if (parsed.ok) tree.handshake = parsed.value;
      const ping = parsed.ok && isJsonObject(parsed.value) ? parsed.value.pingInterval : undefined;
      if (typeof ping === 'number') label = `open · ping every ${ping} ms`;
    } else if (rest === 'probe' && (engineName === 'ping' || engineName === 'pong')) {
      // The upgrade from polling: the client probes the new WebSocket before switching to it.
      label = `${engineName} probe`;
      tree.data = rest;
    } else if (rest) tree.data = rest;
    return { protocol: PROTOCOL, kind: engineName, label, tree, links: [], warnings };
  }

  private message(dir: Direction, text: string, warnings: ProtocolWarning[]): DecodedMessage {
    const packet = parseSocketIoPacket(text);
    if (!packet)
      return unreadable(`4${text}`, 'an Engine.IO message that is not a Socket.IO packet', warnings);
    const kind = SOCKET_IO_TYPES[packet.type]!;
    const parsed = parseJson(packet.json);
    if (!parsed.ok) return unreadable(`4${text}`, 'the Socket.IO packet’s JSON does not parse', warnings);
    const value = parsed.value;
    const { namespace, id } = packet;
    const tree: { [key: string]: JsonValue } = {
      engineIO: 'message (4)',
      socketIO: `${kind} (${packet.type})`,
      namespace,
    };
    const links: string[] = [];
    let name: string | undefined;
    const words: string[] = [];
    if (namespace !== '/') words.push(namespace);
    words.push(kind);

    if (kind === 'event' || kind === 'binary event') {
      const args = Array.isArray(value) ? value : [];
      name = typeof args[0] === 'string' ? args[0] : undefined;
      tree.event = name ?? null;
      tree.args = args.slice(1);
      if (name !== undefined) words.push(name);
      if (id !== null) {
        const key = ackKey(dir, namespace, id);
        this.emits.set(key, { event: name ?? '?' });
        tree.ackId = id;
        links.push(key);
        words.push(`#${id}`);
      }
      if (this.sawOpen && !this.connected.has(namespace) && dir === 'client') {
        warnings.push({
          code: 'EVENT_BEFORE_CONNECT',
          level: 'error',
          text: `an event on ${namespace} before the server accepted a CONNECT to it: the server ignores it`,
        });
      }
    } else if (kind === 'ack' || kind === 'binary ack') {
      tree.ackId = id;
      tree.args = value;
      if (id !== null) {
        // An ack answers an emit made by the other side.
        const key = ackKey(dir === 'client' ? 'server' : 'client', namespace, id);
        const emit = this.emits.get(key);
        links.push(key);
        words.push(`#${id}`);
        if (emit) {
          name = emit.event;
          tree.event = emit.event;
          words.push(emit.event);
          this.emits.delete(key);
        } else {
          warnings.push({
            code: 'ACK_WITHOUT_EMIT',
            level: 'caution',
            text: `ack ${id} on ${namespace} answers no emit seen on this connection that asked for one`,
          });
        }
      }
    } else if (kind === 'connect') {
      if (dir === 'server') this.connected.add(namespace);
      if (value !== null) tree.data = value;
    } else if (kind === 'disconnect') {
      this.connected.delete(namespace);
    } else if (kind === 'connect_error') {
      tree.data = value;
      const message = isJsonObject(value) ? value.message : undefined;
      if (typeof message === 'string') words.push(`· ${message}`);
    }

    if (packet.attachments > 0) {
      const key = `bin:${dir}:${this.binaryPackets++}`;
      const list: JsonValue[] = [];
      tree.attachments = list;
      links.push(key);
      words.push(`+ ${plural(packet.attachments, 'attachment')}`);
      this.pending.set(dir, {
        key,
        name: name ?? kind,
        total: packet.attachments,
        received: 0,
        list,
      });
    }
    return { protocol: PROTOCOL, kind, label: words.join(' '), name, tree, links, warnings };
  }

  private attachment(dir: Direction, bytes: Uint8Array): DecodedMessage {
    const waiting = this.pending.get(dir);
    const hex = toHex(bytes);
    if (!waiting) {
      return {
        protocol: PROTOCOL,
        kind: 'binary message',
        label: `binary message · ${bytes.length} B`,
        tree: { engineIO: 'message (4), binary', size: bytes.length, hex },
        links: [],
        warnings: [
          {
            code: 'UNEXPECTED_BINARY',
            level: 'caution',
            text: 'a binary message no binary event or ack announced: Socket.IO sends bytes only as attachments',
          },
        ],
      };
    }
    const num = waiting.received++;
    waiting.list.push({ num, size: bytes.length, hex });
    if (waiting.received === waiting.total) this.pending.delete(dir);
    return {
      protocol: PROTOCOL,
      kind: 'attachment',
      label: `attachment ${num + 1} of ${waiting.total} of ${waiting.name}`,
      name: waiting.name,
      tree: { engineIO: 'message (4), binary', attachment: num, of: waiting.name, size: bytes.length, hex },
      links: [waiting.key],
      warnings: [],
      partOf: waiting.key,
    };
  }
}

/** An emit's ack key: the emitting side, the namespace and the id (each side counts its own ids). */
function ackKey(emitter: Direction, namespace: string, id: number): string {
  return `ack:${emitter}:${namespace}:${id}`;
}

const unreadable = (text: string, why: string, warnings: ProtocolWarning[]): DecodedMessage =>
  unreadableAs(PROTOCOL, text, why, warnings);

export const socketIo: ProtocolDefinition = {
  id: PROTOCOL,
  title: 'Socket.IO v4 (Engine.IO v4)',
  // Socket.IO negotiates no subprotocol; it is known by its path's query and its open packet.
  subprotocols: [],
  recognisePath: (path) => /[?&]EIO=4(&|$)/.test(path),
  recogniseMessage: ({ dir, data }) =>
    typeof data === 'string' &&
    ((dir === 'server' && /^0\{"sid":/.test(data)) || (dir === 'client' && data === '2probe')),
  create: () => new SocketIoDecoder(),
};
