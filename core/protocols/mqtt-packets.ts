// MQTT control packets (3.1, 3.1.1 and 5.0), read from bytes: the fixed header (packet type,
// flags, Remaining Length), the variable header and the payload. Pure and browser-safe. Section
// numbers are MQTT 5.0's (OASIS Standard, 7 March 2019); 3.1.1 has the same layout without
// properties and reason codes on acknowledgements.
//
// Reading never throws: a packet that breaks a rule is still returned, as far as it could be
// read, with its `problems` beside it, because an inspector must show the bytes that crossed the
// wire, good or bad.

import { concatBytes, decodeUtf8Lossy, decodeUtf8Strict, toHex } from '../wire/bytes';
import { MAX_BUFFERED_BYTES } from './message-units';

/** §2.1.2: the packet type is the high nibble of the first byte. 0 is reserved. */
export const MqttPacketType = {
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  PUBREC: 5,
  PUBREL: 6,
  PUBCOMP: 7,
  SUBSCRIBE: 8,
  SUBACK: 9,
  UNSUBSCRIBE: 10,
  UNSUBACK: 11,
  PINGREQ: 12,
  PINGRESP: 13,
  DISCONNECT: 14,
  /** MQTT 5.0 only (§3.15); reserved in 3.1.1. */
  AUTH: 15,
} as const;

export type MqttPacketTypeName = keyof typeof MqttPacketType;

const TYPE_NAMES: readonly (MqttPacketTypeName | 'RESERVED')[] = [
  'RESERVED',
  'CONNECT',
  'CONNACK',
  'PUBLISH',
  'PUBACK',
  'PUBREC',
  'PUBREL',
  'PUBCOMP',
  'SUBSCRIBE',
  'SUBACK',
  'UNSUBSCRIBE',
  'UNSUBACK',
  'PINGREQ',
  'PINGRESP',
  'DISCONNECT',
  'AUTH',
];

/** CONNECT's Protocol Level (§3.1.2.2): 3 is MQTT 3.1 ("MQIsdp"), 4 is 3.1.1, 5 is 5.0. */
export type MqttVersion = 3 | 4 | 5;

export const MQTT_VERSION_NAMES: Record<MqttVersion, string> = { 3: '3.1', 4: '3.1.1', 5: '5.0' };

export type MqttPropertyValue = number | string | Uint8Array | readonly [string, string];

export interface MqttProperty {
  id: number;
  name: string;
  value: MqttPropertyValue;
}

export interface MqttSubscription {
  topic: string;
  qos: number;
  /** MQTT 5.0 §3.8.3.1: No Local, Retain As Published, Retain Handling. */
  noLocal?: boolean;
  retainAsPublished?: boolean;
  retainHandling?: number;
}

export interface MqttConnect {
  protocolName: string;
  level: number;
  cleanStart: boolean;
  keepAlive: number;
  clientId: string;
  will?: { topic: string; qos: number; retain: boolean; payload: Uint8Array; properties?: MqttProperty[] };
  username?: string;
  /** Only whether one was sent and how long: the inspector never prints a password. */
  passwordLength?: number;
}

export interface MqttPacket {
  type: number;
  typeName: MqttPacketTypeName | 'RESERVED';
  /** The low nibble of the first byte (§2.1.3). */
  flags: number;
  remainingLength: number;
  /** The whole packet as it crossed the wire, fixed header included. */
  bytes: Uint8Array;
  packetId?: number;
  /** PUBLISH (§3.3.1): the flags read as DUP, QoS and RETAIN. */
  dup?: boolean;
  qos?: number;
  retain?: boolean;
  topic?: string;
  payload?: Uint8Array;
  properties?: MqttProperty[];
  /** CONNACK's return code (3.1.1) or reason code (5.0); the single reason code of other acks. */
  reasonCode?: number;
  /** SUBACK / UNSUBACK: one code per topic filter. */
  reasonCodes?: number[];
  sessionPresent?: boolean;
  subscriptions?: MqttSubscription[];
  /** UNSUBSCRIBE's topic filters. */
  topicFilters?: string[];
  connect?: MqttConnect;
  /** What is wrong with the packet, in words; empty when nothing is. */
  problems: string[];
}

/** §2.2.2.2: the properties, by identifier, with the type of their value. */
type PropertyKind = 'byte' | 'u16' | 'u32' | 'varint' | 'string' | 'binary' | 'pair';
const PROPERTIES: Record<number, readonly [string, PropertyKind]> = {
  1: ['Payload Format Indicator', 'byte'],
  2: ['Message Expiry Interval', 'u32'],
  3: ['Content Type', 'string'],
  8: ['Response Topic', 'string'],
  9: ['Correlation Data', 'binary'],
  11: ['Subscription Identifier', 'varint'],
  17: ['Session Expiry Interval', 'u32'],
  18: ['Assigned Client Identifier', 'string'],
  19: ['Server Keep Alive', 'u16'],
  21: ['Authentication Method', 'string'],
  22: ['Authentication Data', 'binary'],
  23: ['Request Problem Information', 'byte'],
  24: ['Will Delay Interval', 'u32'],
  25: ['Request Response Information', 'byte'],
  26: ['Response Information', 'string'],
  28: ['Server Reference', 'string'],
  31: ['Reason String', 'string'],
  33: ['Receive Maximum', 'u16'],
  34: ['Topic Alias Maximum', 'u16'],
  35: ['Topic Alias', 'u16'],
  36: ['Maximum QoS', 'byte'],
  37: ['Retain Available', 'byte'],
  38: ['User Property', 'pair'],
  39: ['Maximum Packet Size', 'u32'],
  40: ['Wildcard Subscription Available', 'byte'],
  41: ['Subscription Identifier Available', 'byte'],
  42: ['Shared Subscription Available', 'byte'],
};

/** §2.4 / §3.2.2.2: the reason codes' names (0x00 means Success, Granted QoS 0 or Normal disconnection by packet). */
const REASON_NAMES: Record<number, string> = {
  0: 'Success',
  1: 'Granted QoS 1',
  2: 'Granted QoS 2',
  4: 'Disconnect with Will Message',
  16: 'No matching subscribers',
  17: 'No subscription existed',
  24: 'Continue authentication',
  25: 'Re-authenticate',
  128: 'Unspecified error',
  129: 'Malformed Packet',
  130: 'Protocol Error',
  131: 'Implementation specific error',
  132: 'Unsupported Protocol Version',
  133: 'Client Identifier not valid',
  134: 'Bad User Name or Password',
  135: 'Not authorized',
  136: 'Server unavailable',
  137: 'Server busy',
  138: 'Banned',
  139: 'Server shutting down',
  140: 'Bad authentication method',
  141: 'Keep Alive timeout',
  142: 'Session taken over',
  143: 'Topic Filter invalid',
  144: 'Topic Name invalid',
  145: 'Packet Identifier in use',
  146: 'Packet Identifier not found',
  147: 'Receive Maximum exceeded',
  148: 'Topic Alias invalid',
  149: 'Packet too large',
  150: 'Message rate too high',
  151: 'Quota exceeded',
  152: 'Administrative action',
  153: 'Payload format invalid',
  154: 'Retain not supported',
  155: 'QoS not supported',
  156: 'Use another server',
  157: 'Server moved',
  158: 'Shared Subscriptions not supported',
  159: 'Connection rate exceeded',
  160: 'Maximum connect time',
  161: 'Subscription Identifiers not supported',
  162: 'Wildcard Subscriptions not supported',
};

/** MQTT 3.1.1 §3.2.2.3: CONNACK's return codes before 5.0 gave them reason codes. */
const CONNACK_311: Record<number, string> = {
  0: 'Connection Accepted',
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

/** A reason code in words, for the packet it came in (3.1.1's CONNACK has its own table). */
export function reasonName(
  code: number,
  packet: MqttPacketTypeName | 'RESERVED',
  version: MqttVersion,
): string {
  if (packet === 'CONNACK' && version !== 5) return CONNACK_311[code] ?? `return code ${code}`;
  if (packet === 'SUBACK' && code === 0x80 && version !== 5) return 'Failure';
  if (packet === 'DISCONNECT' && code === 0) return 'Normal disconnection';
  if (packet === 'SUBACK' && code === 0) return 'Granted QoS 0';
  return REASON_NAMES[code] ?? `reason 0x${code.toString(16).padStart(2, '0')}`;
}

/**
 * §1.5.5 Variable Byte Integer: 7 bits a byte, least significant first, at most four bytes.
 * Returns the value and the bytes it took; `incomplete` when the bytes end inside it, `malformed`
 * past four bytes.
 */
export function readVarint(
  bytes: Uint8Array,
  offset: number,
): { value: number; size: number } | 'incomplete' | 'malformed' {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < 4; i++) {
    const at = offset + i;
    if (at >= bytes.length) return 'incomplete';
    const byte = bytes[at]!;
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return { value, size: i + 1 };
    multiplier *= 128;
  }
  return 'malformed';
}

class Truncated extends Error {}

/** A cursor over one packet's bytes after the fixed header; throws Truncated past the end. */
class Reader {
  offset: number;
  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
    private readonly problems: string[],
  ) {
    this.offset = start;
  }
  get left(): number {
    return this.end - this.offset;
  }
  private need(n: number): void {
    if (this.offset + n > this.end) throw new Truncated();
  }
  byte(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }
  u16(): number {
    this.need(2);
    const value = (this.bytes[this.offset]! << 8) | this.bytes[this.offset + 1]!;
    this.offset += 2;
    return value;
  }
  u32(): number {
    this.need(4);
    const b = this.bytes;
    const o = this.offset;
    this.offset += 4;
    return b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
  }
  varint(): number {
    const read = readVarint(this.bytes.subarray(0, this.end), this.offset);
    if (read === 'incomplete') throw new Truncated();
    if (read === 'malformed') {
      this.problems.push('a Variable Byte Integer longer than four bytes (§1.5.5)');
      throw new Truncated();
    }
    this.offset += read.size;
    return read.value;
  }
  binary(): Uint8Array {
    const length = this.u16();
    this.need(length);
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
  /** §1.5.4: a UTF-8 Encoded String, two length bytes then the text. */
  string(): string {
    const raw = this.binary();
    const text = decodeUtf8Strict(raw);
    if (text !== null) return text;
    this.problems.push(`a string that is not valid UTF-8 (§1.5.4): ${toHex(raw, ' ')}`);
    return decodeUtf8Lossy(raw);
  }
  rest(): Uint8Array {
    const out = this.bytes.subarray(this.offset, this.end);
    this.offset = this.end;
    return out;
  }
  /** §2.2.2: the Property Length, then the properties. */
  properties(): MqttProperty[] {
    const length = this.varint();
    this.need(length);
    const end = this.offset + length;
    const out: MqttProperty[] = [];
    while (this.offset < end) {
      const id = this.varint();
      const known = PROPERTIES[id];
      if (!known) {
        this.problems.push(`an unknown property identifier 0x${id.toString(16)} (§2.2.2.2)`);
        this.offset = end;
        break;
      }
      const [name, kind] = known;
      let value: MqttPropertyValue;
      switch (kind) {
        case 'byte':
          value = this.byte();
          break;
        case 'u16':
          value = this.u16();
          break;
        case 'u32':
          value = this.u32();
          break;
        case 'varint':
          value = this.varint();
          break;
        case 'string':
          value = this.string();
          break;
        case 'binary':
          value = this.binary();
          break;
        case 'pair':
          value = [this.string(), this.string()] as const;
          break;
      }
      out.push({ id, name, value });
    }
    if (this.offset !== end) this.problems.push('properties overrun their Property Length (§2.2.2.1)');
    this.offset = end;
    return out;
  }
}

/** §2.1.3: the flags each packet type must carry; PUBLISH's are its own (DUP, QoS, RETAIN). */
function expectedFlags(type: number): number | null {
  if (type === MqttPacketType.PUBLISH) return null;
  return type === MqttPacketType.PUBREL ||
    type === MqttPacketType.SUBSCRIBE ||
    type === MqttPacketType.UNSUBSCRIBE
    ? 0b0010
    : 0;
}

/**
 * Reads one whole packet (fixed header included, exactly `remainingLength` after it). `version` is
 * the connection's, from its CONNECT; a CONNECT names its own.
 */
export function parseMqttPacket(bytes: Uint8Array, version: MqttVersion): MqttPacket {
  const first = bytes[0] ?? 0;
  const type = first >> 4;
  const flags = first & 0x0f;
  const length = readVarint(bytes, 1);
  const packet: MqttPacket = {
    type,
    typeName: TYPE_NAMES[type] ?? 'RESERVED',
    flags,
    remainingLength: typeof length === 'object' ? length.value : 0,
    bytes,
    problems: [],
  };
  const problems = packet.problems;
  if (typeof length !== 'object') {
    problems.push(
      length === 'malformed'
        ? 'a Remaining Length longer than four bytes (§1.5.5, §2.1.4)'
        : 'the packet ends inside its Remaining Length',
    );
    return packet;
  }
  if (type === 0) problems.push('packet type 0 is reserved (§2.1.2)');
  if (type === MqttPacketType.AUTH && version !== 5) problems.push('AUTH exists only in MQTT 5.0 (§3.15)');
  const must = expectedFlags(type);
  if (must !== null && flags !== must)
    problems.push(
      `flags ${flags.toString(2).padStart(4, '0')} where ${packet.typeName} must carry ${must.toString(2).padStart(4, '0')} (§2.1.3)`,
    );
  const reader = new Reader(bytes, 1 + length.size, bytes.length, problems);
  const v5 = version === 5;
  try {
    readBody(packet, reader, v5);
    if (reader.left > 0) problems.push(`${reader.left} bytes left over after the packet's fields`);
  } catch (error) {
    if (!(error instanceof Truncated)) throw error;
    problems.push(`the packet ends inside a field (Remaining Length ${packet.remainingLength})`);
  }
  return packet;
}

function readBody(packet: MqttPacket, r: Reader, v5: boolean): void {
  switch (packet.type) {
    case MqttPacketType.CONNECT:
      readConnect(packet, r);
      return;
    case MqttPacketType.CONNACK: {
      const ackFlags = r.byte();
      packet.sessionPresent = (ackFlags & 1) === 1;
      packet.reasonCode = r.byte();
      if (v5 && r.left > 0) packet.properties = r.properties();
      return;
    }
    case MqttPacketType.PUBLISH: {
      packet.dup = (packet.flags & 0b1000) !== 0;
      packet.qos = (packet.flags >> 1) & 0b11;
      packet.retain = (packet.flags & 1) !== 0;
      if (packet.qos === 3) packet.problems.push('QoS 3 is not a QoS (§3.3.1.2)');
      if (packet.qos === 0 && packet.dup) packet.problems.push('DUP set on a QoS 0 PUBLISH (§3.3.1.1)');
      packet.topic = r.string();
      if (packet.qos > 0) packet.packetId = r.u16();
      if (v5) packet.properties = r.properties();
      packet.payload = r.rest();
      return;
    }
    case MqttPacketType.PUBACK:
    case MqttPacketType.PUBREC:
    case MqttPacketType.PUBREL:
    case MqttPacketType.PUBCOMP:
      packet.packetId = r.u16();
      // §3.4.2.1: a Remaining Length of 2 means reason code 0x00 (Success) and no properties.
      if (v5 && r.left > 0) packet.reasonCode = r.byte();
      if (v5 && r.left > 0) packet.properties = r.properties();
      return;
    case MqttPacketType.SUBSCRIBE: {
      packet.packetId = r.u16();
      if (v5) packet.properties = r.properties();
      const subscriptions: MqttSubscription[] = [];
      while (r.left > 0) {
        const topic = r.string();
        const options = r.byte();
        const subscription: MqttSubscription = { topic, qos: options & 0b11 };
        if (v5) {
          subscription.noLocal = (options & 0b100) !== 0;
          subscription.retainAsPublished = (options & 0b1000) !== 0;
          subscription.retainHandling = (options >> 4) & 0b11;
        }
        subscriptions.push(subscription);
      }
      if (subscriptions.length === 0) packet.problems.push('a SUBSCRIBE without a topic filter (§3.8.3)');
      packet.subscriptions = subscriptions;
      return;
    }
    case MqttPacketType.SUBACK:
    case MqttPacketType.UNSUBACK: {
      packet.packetId = r.u16();
      if (v5) packet.properties = r.properties();
      const codes: number[] = [];
      while (r.left > 0) codes.push(r.byte());
      packet.reasonCodes = codes;
      return;
    }
    case MqttPacketType.UNSUBSCRIBE: {
      packet.packetId = r.u16();
      if (v5) packet.properties = r.properties();
      const filters: string[] = [];
      while (r.left > 0) filters.push(r.string());
      packet.topicFilters = filters;
      return;
    }
    case MqttPacketType.DISCONNECT:
    case MqttPacketType.AUTH:
      // §3.14.2.1: no reason code means 0x00, Normal disconnection.
      if (v5 && r.left > 0) packet.reasonCode = r.byte();
      if (v5 && r.left > 0) packet.properties = r.properties();
      return;
    default:
      return;
  }
}

function readConnect(packet: MqttPacket, r: Reader): void {
  const protocolName = r.string();
  const level = r.byte();
  const flags = r.byte();
  const keepAlive = r.u16();
  if (protocolName !== 'MQTT' && protocolName !== 'MQIsdp')
    packet.problems.push(`protocol name ${JSON.stringify(protocolName)}, not "MQTT" (§3.1.2.1)`);
  if ((flags & 1) !== 0) packet.problems.push('the reserved Connect Flag is set (§3.1.2.3)');
  const properties = level === 5 ? r.properties() : undefined;
  const connect: MqttConnect = {
    protocolName,
    level,
    cleanStart: (flags & 0b10) !== 0,
    keepAlive,
    clientId: '',
  };
  packet.connect = connect;
  if (properties) packet.properties = properties;
  connect.clientId = r.string();
  if (flags & 0b100) {
    const willProperties = level === 5 ? r.properties() : undefined;
    const topic = r.string();
    const payload = r.binary();
    connect.will = { topic, qos: (flags >> 3) & 0b11, retain: (flags & 0b100000) !== 0, payload };
    if (willProperties) connect.will.properties = willProperties;
  }
  if (flags & 0b10000000) connect.username = r.string();
  if (flags & 0b1000000) connect.passwordLength = r.binary().length;
}

/**
 * Cuts one direction's byte stream into MQTT packets. MQTT over WebSocket (§6) lets a packet span
 * WebSocket messages and a message hold several packets, so bytes are kept until a packet is whole.
 */
export class MqttStream {
  private pending: Uint8Array = new Uint8Array(0);
  /**
   * Why the stream can no longer be cut into packets, once it cannot: a malformed Remaining
   * Length, or a packet still incomplete past MAX_BUFFERED_BYTES. Null while all is well.
   */
  lost: string | null = null;

  /** Bytes waiting for the rest of their packet. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Takes the next message's bytes; returns the packets it completed, each with the bytes it spans. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.lost) return [];
    const bytes = this.pending.length === 0 ? chunk : concatBytes([this.pending, chunk]);
    const packets: Uint8Array[] = [];
    let offset = 0;
    // Bounded: each pass consumes at least the two-byte minimum of a packet, or stops.
    while (offset < bytes.length) {
      const length = readVarint(bytes, offset + 1);
      if (length === 'incomplete') break;
      if (length === 'malformed') {
        this.lost =
          'a Remaining Length longer than four bytes (§1.5.5): where the next packet starts is unknown';
        packets.push(bytes.subarray(offset));
        offset = bytes.length;
        break;
      }
      const end = offset + 1 + length.size + length.value;
      if (end > bytes.length) break;
      packets.push(bytes.subarray(offset, end));
      offset = end;
    }
    this.pending = bytes.slice(offset);
    if (this.pending.length > MAX_BUFFERED_BYTES) {
      this.lost = `a packet still incomplete after ${this.pending.length} bytes: the inspector stops following this direction`;
      this.pending = new Uint8Array(0);
    }
    return packets;
  }
}
