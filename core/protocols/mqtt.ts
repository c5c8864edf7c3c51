// MQTT over WebSocket (subprotocol `mqtt`, MQTT 5.0 §6; 3.1.1 §6 also allowed `mqttv3.1`): binary
// messages carrying MQTT control packets (mqtt-packets.ts reads them). §6.0: a message may hold
// several packets and a packet may span messages, so each direction is read as a stream.
//
// The sequence (section numbers are MQTT 5.0's): the client's first packet is CONNECT and the
// server's is CONNACK (§3.1, §3.2); SUBSCRIBE ↔ SUBACK, UNSUBSCRIBE ↔ UNSUBACK, PUBLISH QoS 1 ↔
// PUBACK and PUBLISH QoS 2 ↔ PUBREC ↔ PUBREL ↔ PUBCOMP share a Packet Identifier (§2.2.1, §4.3);
// a server's PUBLISH is linked to the subscriptions whose filter its topic matches (§4.7).

import { decodeUtf8Strict, toHex, utf8 } from '../wire/bytes';
import { type Direction, otherSide } from '../wire/direction';
import { type DecodedUnit, foldUnits, labelOf, lostStream } from './message-units';
import {
  MQTT_VERSION_NAMES,
  type MqttPacket,
  MqttPacketType,
  type MqttProperty,
  MqttStream,
  type MqttSubscription,
  type MqttVersion,
  parseMqttPacket,
  reasonName,
} from './mqtt-packets';
import type {
  DecodedMessage,
  JsonValue,
  ProtocolDecoder,
  ProtocolDefinition,
  ProtocolMessage,
  ProtocolWarning,
} from './protocol';
import { warn } from './protocol';

const PROTOCOL = 'mqtt';

/** §4.7: does a topic name match a topic filter (`+` one level, `#` the rest)? */
export function topicMatches(filter: string, topic: string): boolean {
  // §4.7.2: a filter starting with a wildcard does not match a topic starting with `$`.
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  // §4.8.2: a shared subscription `$share/{group}/{filter}` matches by its filter.
  const plain = filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter;
  const want = plain.split('/');
  const have = topic.split('/');
  for (let i = 0; i < want.length; i++) {
    if (want[i] === '#') return true;
    if (i >= have.length) return false;
    if (want[i] !== '+' && want[i] !== have[i]) return false;
  }
  return want.length === have.length;
}

/** A payload for the tree: text when it is printable UTF-8, else hex. */
function bytesTree(bytes: Uint8Array): JsonValue {
  if (bytes.length === 0) return '';
  const printable = !bytes.some((b) => b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f);
  const text = printable ? decodeUtf8Strict(bytes) : null;
  if (text !== null) return text;
  return { hex: toHex(bytes, ' '), bytes: bytes.length };
}

function propertiesTree(properties: readonly MqttProperty[]): JsonValue {
  const out: { [name: string]: JsonValue } = {};
  for (const { name, value } of properties) {
    const shown: JsonValue =
      value instanceof Uint8Array
        ? { hex: toHex(value, ' ') }
        : Array.isArray(value)
          ? { [value[0]]: value[1] }
          : (value as JsonValue);
    const seen = out[name];
    // §3.3.2.3.7: User Property (and Subscription Identifier in a PUBLISH) may appear many times.
    out[name] = seen === undefined ? shown : Array.isArray(seen) ? [...seen, shown] : [seen, shown];
  }
  return out;
}

/** §3.8.3.1: a topic filter and its Subscription Options (5.0 adds three beside the QoS). */
function subscriptionTree(subscription: MqttSubscription): JsonValue {
  const { topic, qos, noLocal, retainAsPublished, retainHandling } = subscription;
  if (noLocal === undefined) return { topic, qos };
  return {
    topic,
    qos,
    noLocal,
    retainAsPublished: retainAsPublished ?? false,
    retainHandling: retainHandling ?? 0,
  };
}

const hexCode = (code: number) => `0x${code.toString(16).padStart(2, '0')}`;

interface Flow {
  /** The link key every packet of this exchange carries. */
  link: string;
  /** The acknowledgement it waits for next (§4.3: QoS 2 steps through PUBREC, PUBREL, PUBCOMP). */
  awaits: 'PUBACK' | 'PUBREC' | 'PUBREL' | 'PUBCOMP' | 'SUBACK' | 'UNSUBACK';
}

class MqttDecoder implements ProtocolDecoder {
  private readonly streams = { client: new MqttStream(), server: new MqttStream() };
  private version: MqttVersion = 4;
  private connectSent = false;
  private connackSent = false;
  private disconnectSent = false;
  /** Exchanges in flight, by the side that started them and their Packet Identifier. */
  private readonly flows = new Map<string, Flow>();
  private exchanges = 0;
  /** Topic filters the client subscribed to, and not unsubscribed since. */
  private readonly filters = new Set<string>();
  /** §3.3.2.3.4: Topic Aliases, each direction its own. */
  private readonly aliases = { client: new Map<number, string>(), server: new Map<number, string>() };

  decode({ dir, data }: ProtocolMessage): DecodedMessage {
    const warnings: ProtocolWarning[] = [];
    let bytes: Uint8Array;
    if (typeof data === 'string') {
      warnings.push(
        warn(
          'TEXT_MESSAGE',
          'error',
          'MQTT packets travel in binary WebSocket messages: a peer closes the connection on a text one (§6.0)',
        ),
      );
      bytes = utf8(data);
    } else bytes = data;
    const stream = this.streams[dir];
    const wasLost = stream.lost !== null;
    const units = stream.push(bytes).map((packet) => this.unit(dir, packet));
    if (stream.lost && units.length === 0) return lostStream(PROTOCOL, stream.lost, !wasLost, warnings);
    if (stream.lost && !wasLost) warnings.push(warn('STREAM_LOST', 'error', stream.lost));
    return foldUnits(PROTOCOL, units, {
      label: `part of a packet · ${stream.buffered} bytes so far`,
      tree: { partial: `${stream.buffered} bytes of a packet whose Remaining Length has not all arrived` },
      warnings,
    });
  }

  private unit(dir: Direction, bytes: Uint8Array): DecodedUnit {
    const packet = parseMqttPacket(bytes, this.version);
    // CONNECT names the version every later packet is read with (§3.1.2.2); it reads its own
    // fields by the level it names.
    const level = dir === 'client' ? packet.connect?.level : undefined;
    if (level === 3 || level === 4 || level === 5) this.version = level;
    const warnings = packet.problems.map((text) => warn('MALFORMED_PACKET', 'error', text));
    const links: string[] = [];
    this.order(dir, packet, warnings);
    const words = [packet.typeName as string];
    const tree: { [key: string]: JsonValue } = {
      fixedHeader: {
        type: `${packet.typeName} (${packet.type})`,
        flags: packet.flags.toString(2).padStart(4, '0'),
        remainingLength: packet.remainingLength,
      },
    };
    if (packet.packetId !== undefined) tree.packetId = packet.packetId;
    let name: string | undefined;

    switch (packet.type) {
      case MqttPacketType.CONNECT: {
        const connect = packet.connect;
        if (!connect) break;
        words.push(MQTT_VERSION_NAMES[connect.level as MqttVersion] ?? `level ${connect.level}`);
        if (connect.clientId) words.push(connect.clientId);
        const shown: { [key: string]: JsonValue } = {
          protocolName: connect.protocolName,
          protocolLevel: `${connect.level} (MQTT ${MQTT_VERSION_NAMES[connect.level as MqttVersion] ?? '?'})`,
          cleanStart: connect.cleanStart,
          keepAlive: connect.keepAlive,
          clientId: connect.clientId,
        };
        if (connect.will) {
          const will: { [key: string]: JsonValue } = {
            topic: connect.will.topic,
            qos: connect.will.qos,
            retain: connect.will.retain,
            payload: bytesTree(connect.will.payload),
          };
          if (connect.will.properties) will.properties = propertiesTree(connect.will.properties);
          shown.will = will;
        }
        if (connect.username !== undefined) shown.username = connect.username;
        if (connect.passwordLength !== undefined)
          shown.password = `(${connect.passwordLength} bytes, not shown)`;
        Object.assign(tree, shown);
        break;
      }
      case MqttPacketType.CONNACK: {
        const code = packet.reasonCode ?? 0;
        words.push(reasonName(code, 'CONNACK', this.version));
        tree.sessionPresent = packet.sessionPresent ?? false;
        tree[this.version === 5 ? 'reasonCode' : 'returnCode'] =
          `${hexCode(code)} ${reasonName(code, 'CONNACK', this.version)}`;
        break;
      }
      case MqttPacketType.PUBLISH: {
        let topic = packet.topic ?? '';
        const alias = packet.properties?.find((p) => p.id === 0x23)?.value;
        if (typeof alias === 'number') {
          if (topic) this.aliases[dir].set(alias, topic);
          else topic = this.aliases[dir].get(alias) ?? '';
          if (!topic)
            warnings.push(
              warn(
                'UNKNOWN_TOPIC_ALIAS',
                'error',
                `Topic Alias ${alias} was never set in this direction (§3.3.2.3.4)`,
              ),
            );
        }
        name = topic;
        words.push(topic, `QoS ${packet.qos}`);
        if (packet.packetId !== undefined) words.push(`#${packet.packetId}`);
        if (packet.retain) words.push('retain');
        if (packet.dup) words.push('dup');
        words.push(`· ${packet.payload?.length ?? 0} B`);
        Object.assign(tree, {
          topic,
          qos: packet.qos ?? 0,
          retain: packet.retain ?? false,
          dup: packet.dup ?? false,
        });
        if (packet.qos && packet.packetId !== undefined)
          this.start(dir, packet, packet.qos === 1 ? 'PUBACK' : 'PUBREC', links, warnings);
        if (dir === 'server')
          for (const filter of this.filters) if (topicMatches(filter, topic)) links.push(`topic:${filter}`);
        for (const property of packet.properties ?? [])
          if (property.id === 0x0b) links.push(`subid:${String(property.value)}`);
        break;
      }
      case MqttPacketType.PUBACK:
      case MqttPacketType.PUBREC:
      case MqttPacketType.PUBREL:
      case MqttPacketType.PUBCOMP:
        words.push(`#${packet.packetId}`);
        this.acknowledge(dir, packet, links, warnings);
        if (packet.reasonCode !== undefined) {
          tree.reasonCode = `${hexCode(packet.reasonCode)} ${reasonName(packet.reasonCode, packet.typeName, this.version)}`;
          if (packet.reasonCode !== 0)
            words.push(reasonName(packet.reasonCode, packet.typeName, this.version));
        }
        break;
      case MqttPacketType.SUBSCRIBE:
      case MqttPacketType.UNSUBSCRIBE: {
        const filters = packet.subscriptions?.map((s) => s.topic) ?? packet.topicFilters ?? [];
        name = filters[0];
        words.push(`#${packet.packetId}`, filters.join(', '));
        this.start(
          dir,
          packet,
          packet.type === MqttPacketType.SUBSCRIBE ? 'SUBACK' : 'UNSUBACK',
          links,
          warnings,
        );
        for (const filter of filters) {
          links.push(`topic:${filter}`);
          if (packet.type === MqttPacketType.SUBSCRIBE) this.filters.add(filter);
          else this.filters.delete(filter);
        }
        if (packet.subscriptions) tree.subscriptions = packet.subscriptions.map(subscriptionTree);
        if (packet.topicFilters) tree.topicFilters = packet.topicFilters;
        const id = packet.properties?.find((p) => p.id === 0x0b)?.value;
        if (typeof id === 'number') links.push(`subid:${id}`);
        break;
      }
      case MqttPacketType.SUBACK:
      case MqttPacketType.UNSUBACK: {
        words.push(`#${packet.packetId}`);
        const codes = packet.reasonCodes ?? [];
        const named = codes.map((code) => reasonName(code, packet.typeName, this.version));
        if (named.length > 0) words.push(named.join(', '));
        tree.reasonCodes = codes.map((code, i) => `${hexCode(code)} ${named[i]}`);
        this.acknowledge(dir, packet, links, warnings);
        break;
      }
      case MqttPacketType.DISCONNECT:
      case MqttPacketType.AUTH:
        if (packet.reasonCode !== undefined) {
          const reason = reasonName(packet.reasonCode, packet.typeName, this.version);
          tree.reasonCode = `${hexCode(packet.reasonCode)} ${reason}`;
          if (packet.reasonCode !== 0) words.push(reason);
        }
        break;
      default:
        break;
    }
    if (packet.properties && packet.properties.length > 0)
      tree.properties = propertiesTree(packet.properties);
    if (packet.payload) tree.payload = bytesTree(packet.payload);
    const unit: DecodedUnit = {
      kind: packet.typeName,
      label: labelOf(words),
      tree,
      links,
      warnings,
    };
    if (name) unit.name = name;
    return unit;
  }

  /** A packet that opens an exchange under its Packet Identifier (§2.2.1), awaiting `awaits`. */
  private start(
    dir: Direction,
    packet: MqttPacket,
    awaits: Flow['awaits'],
    links: string[],
    warnings: ProtocolWarning[],
  ): void {
    const key = `${dir}:${packet.packetId}`;
    const flow = this.flows.get(key);
    if (flow && packet.dup && packet.type === MqttPacketType.PUBLISH) {
      // §4.3.2: a retransmission carries DUP and the same Packet Identifier.
      links.push(flow.link);
      return;
    }
    if (flow)
      warnings.push(
        warn(
          'PACKET_ID_IN_USE',
          'error',
          `Packet Identifier ${packet.packetId} is still in use by an exchange awaiting ${flow.awaits} (§2.2.1)`,
        ),
      );
    const link = `packet:${++this.exchanges}`;
    this.flows.set(key, { link, awaits });
    links.push(link);
  }

  /** An acknowledgement: finds its exchange, checks it is the step that exchange expects next. */
  private acknowledge(
    dir: Direction,
    packet: MqttPacket,
    links: string[],
    warnings: ProtocolWarning[],
  ): void {
    // PUBREL comes from the PUBLISH's sender; every other acknowledgement from its receiver.
    const starter = packet.type === MqttPacketType.PUBREL ? dir : otherSide(dir);
    const key = `${starter}:${packet.packetId}`;
    const flow = this.flows.get(key);
    if (!flow) {
      warnings.push(
        warn(
          'UNKNOWN_PACKET_ID',
          'error',
          `${packet.typeName} for Packet Identifier ${packet.packetId}, which no ${packet.typeName === 'PUBREL' ? 'PUBREC' : 'packet'} in flight carries (§4.3)`,
        ),
      );
      return;
    }
    links.push(flow.link);
    if (flow.awaits !== packet.typeName)
      warnings.push(
        warn(
          'UNEXPECTED_ACK',
          'error',
          `${packet.typeName} where the exchange of Packet Identifier ${packet.packetId} expects ${flow.awaits} (§4.3)`,
        ),
      );
    if (packet.typeName === 'PUBREC') flow.awaits = 'PUBREL';
    else if (packet.typeName === 'PUBREL') flow.awaits = 'PUBCOMP';
    else this.flows.delete(key);
  }

  /** §3.1 and §3.2: CONNECT first from the client, CONNACK first from the server; nothing after DISCONNECT. */
  private order(dir: Direction, packet: MqttPacket, warnings: ProtocolWarning[]): void {
    if (dir === 'client') {
      if (this.disconnectSent)
        warnings.push(
          warn(
            'AFTER_DISCONNECT',
            'error',
            `${packet.typeName} after DISCONNECT: the client closes the connection after it (§3.14.4)`,
          ),
        );
      if (packet.type === MqttPacketType.CONNECT) {
        if (this.connectSent)
          warnings.push(
            warn(
              'CONNECT_REPEATED',
              'error',
              'a second CONNECT: the server treats it as a Protocol Error and closes the connection (§3.1)',
            ),
          );
        this.connectSent = true;
      } else if (!this.connectSent) {
        warnings.push(
          warn(
            'BEFORE_CONNECT',
            'error',
            `${packet.typeName} before CONNECT: a client's first packet MUST be CONNECT (§3.1)`,
          ),
        );
      }
      if (packet.type === MqttPacketType.DISCONNECT) this.disconnectSent = true;
      return;
    }
    if (packet.type === MqttPacketType.CONNACK) {
      if (this.connackSent)
        warnings.push(warn('CONNACK_REPEATED', 'error', 'a second CONNACK: the server sends it once (§3.2)'));
      this.connackSent = true;
    } else if (!this.connackSent) {
      warnings.push(
        warn(
          'BEFORE_CONNACK',
          'error',
          `${packet.typeName} before CONNACK: the server's first packet MUST be CONNACK (§3.2)`,
        ),
      );
    }
  }
}

export const mqtt: ProtocolDefinition = {
  id: PROTOCOL,
  title: 'MQTT 3.1.1 / 5.0',
  // MQTT 5.0 §6.0 and 3.1.1 §6.0 name `mqtt`; older brokers and clients used `mqttv3.1`.
  subprotocols: ['mqtt', 'mqttv3.1'],
  recogniseMessage: ({ dir, data }) =>
    // A client's CONNECT: type 1, flags 0, then after the Remaining Length the name "MQTT" or "MQIsdp".
    dir === 'client' &&
    typeof data !== 'string' &&
    data[0] === 0x10 &&
    /MQTT|MQIsdp/.test(String.fromCharCode(...data.subarray(2, 12))),
  create: () => new MqttDecoder(),
};
