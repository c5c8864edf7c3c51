// ASP.NET Core SignalR's JSON hub protocol over WebSocket (github.com/dotnet/aspnetcore,
// src/SignalR/docs/specs/HubProtocol.md and TransportProtocols.md). SignalR negotiates no
// subprotocol: a connection is recognised by its handshake request, the first text the client
// sends, `{"protocol":"json","version":1}` and the record separator.
//
// "Text-based encoding": every JSON record ends with the ASCII record separator 0x1E, and one
// WebSocket message may carry several records. The first record each way is the handshake
// ("Overview": a HandshakeRequest, then a HandshakeResponse, `{}` or `{"error": …}`). After it,
// every record has a numeric `type`; an Invocation with an `invocationId` is answered by a
// Completion with that id, a StreamInvocation by StreamItems and a Completion, and a client's
// CancelInvocation ends a stream early. Streams the client uploads ("streamIds") are answered by
// StreamItems and a Completion from the client under each stream's id.

import { isJsonObject, type JsonObject } from '../json';
import { decodeUtf8Lossy } from '../wire/bytes';
import { type Direction, otherSide } from '../wire/direction';
import { type DecodedUnit, foldUnits, labelOf } from './message-units';
import type {
  DecodedMessage,
  JsonValue,
  ProtocolDecoder,
  ProtocolDefinition,
  ProtocolMessage,
  ProtocolWarning,
} from './protocol';
import { warn } from './protocol';

const PROTOCOL = 'signalr';

/** "The record separator" of the text encoding: ASCII RS. */
export const RECORD_SEPARATOR = '\u001e';

/** HubProtocol.md "Message Types", by their `type` code. */
export const SignalRMessageType = {
  Invocation: 1,
  StreamItem: 2,
  Completion: 3,
  StreamInvocation: 4,
  CancelInvocation: 5,
  Ping: 6,
  Close: 7,
  /** Stateful reconnect, protocol version 2. */
  Ack: 8,
  Sequence: 9,
} as const;

const TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(SignalRMessageType).map(([name, code]) => [code, name]),
);

/** What an invocation id belongs to: the link key its messages share and the hub method's name. */
interface Call {
  link: string;
  target: string;
  stream: boolean;
}

class SignalRDecoder implements ProtocolDecoder {
  private readonly handshake = { client: false, server: false };
  /** The hub protocol the client's handshake asked for: `json`, or `messagepack` (binary). */
  private hubProtocol = 'json';
  private closed = false;
  /** Invocations awaiting their Completion, by the side that made them and their id. */
  private readonly calls = new Map<string, Call>();
  /** Streams the client uploads, by the side that sends them and their stream id. */
  private readonly uploads = new Map<string, Call>();
  private count = 0;

  decode({ dir, data }: ProtocolMessage): DecodedMessage {
    const warnings: ProtocolWarning[] = [];
    if (typeof data !== 'string' && this.hubProtocol === 'messagepack')
      // HubProtocol.md "MessagePack (MsgPack) encoding": binary, length-prefixed; named, not read here.
      return {
        protocol: PROTOCOL,
        kind: 'messagepack',
        label: `MessagePack · ${data.length} B`,
        tree: { hubProtocol: 'messagepack', bytes: data.length },
        links: [],
        warnings,
      };
    if (typeof data !== 'string')
      warnings.push(
        warn(
          'BINARY_MESSAGE',
          'error',
          'the JSON hub protocol sends text messages; binary ones are MessagePack, which this view does not read',
        ),
      );
    const text = typeof data === 'string' ? data : decodeUtf8Lossy(data);
    const records = text.split(RECORD_SEPARATOR);
    const rest = records.pop() ?? '';
    if (rest !== '')
      warnings.push(
        warn(
          'UNTERMINATED_RECORD',
          'error',
          'a record without its 0x1E separator: the client refuses the message as incomplete (TransportProtocols.md)',
        ),
      );
    const units = records.map((record) => this.unit(dir, record));
    if (rest !== '') units.push(this.unit(dir, rest));
    return foldUnits(PROTOCOL, units, {
      label: 'empty',
      tree: { text },
      warnings,
    });
  }

  private unit(dir: Direction, record: string): DecodedUnit {
    let value: unknown;
    try {
      value = JSON.parse(record);
    } catch {
      return {
        kind: 'unreadable',
        label: 'unreadable',
        tree: { text: record },
        links: [],
        warnings: [warn('UNREADABLE', 'error', 'a record that is not JSON: the peer closes the connection')],
      };
    }
    if (!this.handshake[dir]) return this.handshakeUnit(dir, value);
    const warnings: ProtocolWarning[] = [];
    if (!isJsonObject(value) || typeof value.type !== 'number')
      return {
        kind: 'unreadable',
        label: 'unreadable',
        tree: value as JsonValue,
        links: [],
        warnings: [warn('UNREADABLE', 'error', 'a hub message without a numeric `type` ("Message Types")')],
      };
    const type = value.type;
    const kind = TYPE_NAMES[type] ?? `type ${type}`;
    if (TYPE_NAMES[type] === undefined)
      warnings.push(
        warn(
          'UNKNOWN_TYPE',
          'caution',
          `type ${type} is not a hub message type; clients ignore it ("Message Types")`,
        ),
      );
    if (this.closed)
      warnings.push(
        warn(
          'AFTER_CLOSE',
          'error',
          `${kind} after Close: the connection ends with Close ("Close Message Encoding")`,
        ),
      );
    if (dir === 'client' && !this.handshake.server && type !== SignalRMessageType.Ping)
      warnings.push(
        warn(
          'BEFORE_HANDSHAKE_RESPONSE',
          'caution',
          `${kind} before the server's handshake response: the client waits for it ("Overview")`,
        ),
      );
    const links: string[] = [];
    const words = [kind];
    const id = typeof value.invocationId === 'string' ? value.invocationId : undefined;
    let name: string | undefined;

    switch (type) {
      case SignalRMessageType.Invocation:
      case SignalRMessageType.StreamInvocation: {
        const target = typeof value.target === 'string' ? value.target : '';
        name = target;
        words.push(target);
        if (!Array.isArray(value.arguments))
          warnings.push(
            warn(
              'MISSING_FIELD',
              'error',
              `${kind} without an \`arguments\` array ("Invocation Message Encoding")`,
            ),
          );
        if (type === SignalRMessageType.StreamInvocation && id === undefined)
          warnings.push(
            warn(
              'MISSING_FIELD',
              'error',
              'StreamInvocation without an `invocationId` ("StreamInvocation Message Encoding")',
            ),
          );
        if (id !== undefined) {
          const key = `${dir}:${id}`;
          if (this.calls.has(key))
            warnings.push(
              warn(
                'INVOCATION_ID_IN_USE',
                'error',
                `invocationId ${JSON.stringify(id)} is already awaiting its Completion`,
              ),
            );
          const call = {
            link: `call:${++this.count}`,
            target,
            stream: type === SignalRMessageType.StreamInvocation,
          };
          this.calls.set(key, call);
          links.push(call.link);
          words.push(`#${id}`);
        }
        if (Array.isArray(value.streamIds))
          for (const streamId of value.streamIds) {
            if (typeof streamId !== 'string') continue;
            const upload = { link: `call:${++this.count}`, target, stream: true };
            this.uploads.set(`${dir}:${streamId}`, upload);
            links.push(upload.link);
          }
        break;
      }
      case SignalRMessageType.StreamItem:
      case SignalRMessageType.Completion:
      case SignalRMessageType.CancelInvocation: {
        if (id === undefined) {
          warnings.push(
            warn(
              'MISSING_FIELD',
              'error',
              `${kind} without an \`invocationId\` ("${kind} Message Encoding")`,
            ),
          );
          break;
        }
        const found = this.find(dir, type, id);
        if (found) {
          links.push(found.call.link);
          name = found.call.target;
          words.push(found.call.target);
          if (type === SignalRMessageType.Completion) found.done();
          if (type === SignalRMessageType.StreamItem && !found.call.stream)
            warnings.push(
              warn(
                'ITEM_FOR_NON_STREAM',
                'error',
                `StreamItem for ${found.call.target} #${id}, which is an Invocation, not a stream ("StreamItem Message Encoding")`,
              ),
            );
        } else
          warnings.push(
            warn(
              'UNKNOWN_INVOCATION',
              'error',
              `${kind} for invocationId ${JSON.stringify(id)}, which nothing awaits (HubProtocol.md)`,
            ),
          );
        words.push(`#${id}`);
        if (type === SignalRMessageType.Completion) {
          if (typeof value.error === 'string') words.push(`· error: ${value.error}`);
          else if ('result' in value) words.push('· result');
        }
        break;
      }
      case SignalRMessageType.Close:
        this.closed = true;
        if (typeof value.error === 'string') words.push(`· error: ${value.error}`);
        if (value.allowReconnect === true) words.push('· may reconnect');
        break;
      case SignalRMessageType.Ack:
      case SignalRMessageType.Sequence:
        if (typeof value.sequenceId === 'number') words.push(String(value.sequenceId));
        break;
      default:
        break;
    }
    const unit: DecodedUnit = {
      kind,
      label: labelOf(words),
      // The type first, named, then the message's own fields in their wire order.
      tree: { type: `${type} ${kind}`, ...withoutType(value as { [key: string]: JsonValue }) },
      links,
      warnings,
    };
    if (name) unit.name = name;
    return unit;
  }

  /** The call an id answers: an invocation the other side made, or a stream this side uploads. */
  private find(dir: Direction, type: number, id: string): { call: Call; done(): void } | null {
    // CancelInvocation comes from the side that made the StreamInvocation; the rest answer it.
    const keys =
      type === SignalRMessageType.CancelInvocation
        ? [[this.calls, `${dir}:${id}`] as const]
        : [[this.calls, `${otherSide(dir)}:${id}`] as const, [this.uploads, `${dir}:${id}`] as const];
    for (const [map, key] of keys) {
      const call = map.get(key);
      if (call) return { call, done: () => map.delete(key) };
    }
    return null;
  }

  /** "Overview": the HandshakeRequest `{protocol, version}`, the HandshakeResponse `{}` or `{error}`. */
  private handshakeUnit(dir: Direction, value: unknown): DecodedUnit {
    this.handshake[dir] = true;
    const warnings: ProtocolWarning[] = [];
    const message: JsonObject = isJsonObject(value) ? value : {};
    const tree = value as JsonValue;
    if (dir === 'client') {
      const protocol = typeof message.protocol === 'string' ? message.protocol : '?';
      this.hubProtocol = protocol;
      const version = typeof message.version === 'number' ? message.version : '?';
      if (!isJsonObject(value) || typeof message.protocol !== 'string' || typeof message.version !== 'number')
        warnings.push(
          warn(
            'BAD_HANDSHAKE',
            'error',
            'the first record is not a handshake request {"protocol", "version"} ("Overview")',
          ),
        );
      return {
        kind: 'handshake',
        label: labelOf(['handshake', protocol, `v${version}`]),
        tree,
        links: ['handshake'],
        warnings,
      };
    }
    if (!this.handshake.client)
      warnings.push(
        warn(
          'BEFORE_HANDSHAKE',
          'error',
          'a server record before the client\'s handshake request ("Overview")',
        ),
      );
    if (typeof message.error === 'string')
      return {
        kind: 'handshake response',
        label: labelOf(['handshake refused ·', message.error]),
        tree,
        links: ['handshake'],
        warnings: [
          ...warnings,
          warn('HANDSHAKE_REFUSED', 'error', `the server refused the handshake: ${message.error}`),
        ],
      };
    if (!isJsonObject(value) || (Object.keys(value).length > 0 && !('minorVersion' in value)))
      warnings.push(
        warn('BAD_HANDSHAKE', 'caution', 'a handshake response other than {} or {"error"} ("Overview")'),
      );
    return { kind: 'handshake response', label: 'handshake accepted', tree, links: ['handshake'], warnings };
  }
}

function withoutType(message: { [key: string]: JsonValue }): { [key: string]: JsonValue } {
  const { type: _type, ...rest } = message;
  return rest;
}

/** The handshake request a SignalR client opens with: `{"protocol":"json","version":N}` and 0x1E. */
function isHandshakeRequest({ dir, data }: ProtocolMessage): boolean {
  if (dir !== 'client' || typeof data !== 'string' || !data.endsWith(RECORD_SEPARATOR)) return false;
  try {
    const value: unknown = JSON.parse(data.slice(0, data.indexOf(RECORD_SEPARATOR)));
    return isJsonObject(value) && typeof value.protocol === 'string' && typeof value.version === 'number';
  } catch {
    return false;
  }
}

export const signalR: ProtocolDefinition = {
  id: PROTOCOL,
  title: 'SignalR (JSON hub protocol)',
  subprotocols: [],
  recogniseMessage: isHandshakeRequest,
  create: () => new SignalRDecoder(),
};
