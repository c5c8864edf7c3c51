import { describe, expect, it } from 'vitest';
import { ConnectionProtocol } from '../../../core/protocols/detect';
import { mqtt, topicMatches } from '../../../core/protocols/mqtt';
import { parseMqttPacket, readVarint } from '../../../core/protocols/mqtt-packets';
import type { DecodedMessage, ProtocolMessage } from '../../../core/protocols/protocol';
import { concatBytes, fromHex } from '../../../core/wire/bytes';
import { contextOf, loadTraffic, messagesOf } from './recorded-traffic';

const traffic = loadTraffic('mqtt');
const v311 = traffic.connections[0]!;
const v5 = traffic.connections[1]!;

function decodeAll(messages: ProtocolMessage[]): DecodedMessage[] {
  const decoder = mqtt.create();
  return messages.map((m) => decoder.decode(m));
}

const codes = (d: DecodedMessage) => d.warnings.map((w) => w.code);
const bytesOf = (m: ProtocolMessage) => m.data as Uint8Array;
const hex = (text: string) => fromHex(text)!;

describe('MQTT 3.1.1 decoder on packets written by mqtt-packet', () => {
  const protocol = new ConnectionProtocol(contextOf(v311));
  const decoded = messagesOf(v311).map((m) => protocol.decode(m)!);

  it('is chosen by the negotiated mqtt subprotocol', () => {
    expect(protocol.protocol?.id).toBe('mqtt');
  });

  it('names every packet with its topic, QoS, packet identifier and result', () => {
    expect(decoded.map((d) => d.label)).toEqual([
      'CONNECT 3.1.1 wslab-1',
      'CONNACK Connection Accepted',
      'SUBSCRIBE #1 sensors/+/temp, alerts/#',
      'SUBACK #1 Granted QoS 1, Granted QoS 2',
      'PUBLISH sensors/kitchen/temp QoS 0 · 4 B',
      'PUBLISH sensors/hall/temp QoS 1 #2 retain · 4 B',
      'PUBACK #2',
      'PUBLISH alerts/door QoS 2 #3 · 4 B',
      'PUBREC #3',
      'PUBREL #3',
      'PUBCOMP #3',
      'PINGREQ',
      'PINGRESP',
      'UNSUBSCRIBE #4 alerts/#',
      'UNSUBACK #4',
      'DISCONNECT',
    ]);
    expect(decoded.flatMap(codes)).toEqual([]);
  });

  it('shows the fixed header, the CONNECT fields and never the password', () => {
    expect(decoded[0]!.tree).toEqual({
      fixedHeader: { type: 'CONNECT (1)', flags: '0000', remainingLength: 32 },
      protocolName: 'MQTT',
      protocolLevel: '4 (MQTT 3.1.1)',
      cleanStart: true,
      keepAlive: 60,
      clientId: 'wslab-1',
      username: 'ada',
      password: '(6 bytes, not shown)',
    });
    expect(JSON.stringify(decoded[0]!.tree)).not.toContain('secret');
  });

  it('reads PUBLISH flags as QoS and RETAIN, and the payload as text', () => {
    expect(decoded[5]!.tree).toMatchObject({
      fixedHeader: { type: 'PUBLISH (3)', flags: '0011' },
      topic: 'sensors/hall/temp',
      qos: 1,
      retain: true,
      packetId: 2,
      payload: '19.0',
    });
    expect(decoded[5]!.name).toBe('sensors/hall/temp');
  });

  it('links SUBSCRIBE to SUBACK, PUBLISH QoS 1 to PUBACK and the four packets of QoS 2', () => {
    const linked = (i: number) => {
      const key = decoded[i]!.links[0]!;
      return decoded.flatMap((d, j) => (d.links.includes(key) ? [j] : []));
    };
    expect(linked(2)).toEqual([2, 3]);
    expect(linked(5)).toEqual([5, 6]);
    expect(linked(7)).toEqual([7, 8, 9, 10]);
    expect(linked(13)).toEqual([13, 14]);
  });

  it('links a server PUBLISH to the subscription whose filter its topic matches', () => {
    expect(decoded[4]!.links).toEqual(['topic:sensors/+/temp']);
    expect(decoded[2]!.links).toContain('topic:sensors/+/temp');
  });
});

describe('MQTT 5.0 decoder on packets written by mqtt-packet', () => {
  const decoded = decodeAll(messagesOf(v5));

  it('names packets and the reason codes that are not Success', () => {
    expect(decoded.map((d) => d.label)).toEqual([
      'CONNECT 5.0 wslab-5',
      'CONNACK Success',
      'SUBSCRIBE #10 chat/room1',
      'SUBACK #10 Granted QoS 1',
      'PUBLISH chat/room1 QoS 1 #500 · 13 B',
      'PUBACK #500',
      'PUBLISH chat/room2 QoS 1 #11 · 7 B',
      'PUBACK #11 No matching subscribers',
      'PUBLISH chat/room1 QoS 0 · 3 B',
      'PUBLISH chat/room1 QoS 0 · 3 B',
      'DISCONNECT Disconnect with Will Message',
    ]);
    expect(decoded.flatMap(codes)).toEqual([]);
  });

  it('reads CONNECT properties and the will with its own properties', () => {
    expect(decoded[0]!.tree).toMatchObject({
      protocolLevel: '5 (MQTT 5.0)',
      will: {
        topic: 'status/wslab-5',
        qos: 1,
        retain: true,
        payload: 'offline',
        properties: { 'Will Delay Interval': 5 },
      },
      properties: {
        'Session Expiry Interval': 300,
        'Receive Maximum': 20,
        'User Property': { app: 'wslab' },
      },
    });
    expect(decoded[1]!.tree).toMatchObject({
      properties: {
        'Assigned Client Identifier': 'auto-7',
        'Topic Alias Maximum': 10,
        'Server Keep Alive': 20,
      },
    });
  });

  it('reads subscription options and the PUBLISH properties, binary ones as hex', () => {
    expect(decoded[2]!.tree).toMatchObject({
      subscriptions: [
        { topic: 'chat/room1', qos: 1, noLocal: true, retainAsPublished: true, retainHandling: 1 },
      ],
      properties: { 'Subscription Identifier': 7 },
    });
    expect(decoded[4]!.tree).toMatchObject({
      properties: {
        'Payload Format Indicator': 1,
        'Content Type': 'application/json',
        'User Property': { from: 'bob' },
      },
      payload: '{"text":"hi"}',
    });
    expect(decoded[6]!.tree).toMatchObject({
      properties: {
        'Response Topic': 'chat/replies',
        'Correlation Data': { hex: '01 02 03' },
        'Message Expiry Interval': 60,
      },
    });
    expect(decoded[7]!.tree).toMatchObject({
      reasonCode: '0x10 No matching subscribers',
      properties: { 'Reason String': 'no one listens there' },
    });
  });

  it('names the topic of a PUBLISH sent by its Topic Alias alone (§3.3.2.3.4)', () => {
    expect(decoded[9]!.tree).toMatchObject({
      topic: 'chat/room1',
      properties: { 'Topic Alias': 3 },
      payload: 'two',
    });
    expect(decoded[9]!.name).toBe('chat/room1');
    const aliasOnly = decodeAll([messagesOf(v5)[0]!, messagesOf(v5)[1]!, messagesOf(v5)[9]!]);
    expect(codes(aliasOnly[2]!)).toEqual(['UNKNOWN_TOPIC_ALIAS']);
  });

  it('links a PUBLISH to the SUBSCRIBE by its Subscription Identifier, and each PUBLISH to its PUBACK', () => {
    expect(decoded[4]!.links).toContain('subid:7');
    expect(decoded[2]!.links).toContain('subid:7');
    expect(decoded[5]!.links).toEqual([decoded[4]!.links[0]]);
    expect(decoded[7]!.links).toEqual([decoded[6]!.links[0]]);
  });
});

describe('MQTT packets across WebSocket messages', () => {
  const messages = messagesOf(v311);

  it('reads several packets that share one WebSocket message', () => {
    const clientBytes = concatBytes(messages.filter((m) => m.dir === 'client').map(bytesOf));
    const [joined] = decodeAll([{ dir: 'client', data: clientBytes }]);
    expect(joined!.kind).toBe('CONNECT+SUBSCRIBE+PUBLISH+PUBLISH+PUBREL+PINGREQ+UNSUBSCRIBE+DISCONNECT');
    expect(joined!.tree).toHaveLength(8);
  });

  it('reads a packet that spans three WebSocket messages once its last byte arrives', () => {
    const publish = bytesOf(messages[5]!);
    const decoded = decodeAll([
      messages[0]!,
      messages[1]!,
      { dir: 'client', data: publish.subarray(0, 1) },
      { dir: 'client', data: publish.subarray(1, 9) },
      { dir: 'client', data: publish.subarray(9) },
    ]);
    expect(decoded.slice(2).map((d) => d.label)).toEqual([
      'part of a packet · 1 bytes so far',
      'part of a packet · 9 bytes so far',
      'PUBLISH sensors/hall/temp QoS 1 #2 retain · 4 B',
    ]);
  });

  it('reads the whole conversation fed one byte at a time, packet for packet', () => {
    const decoder = mqtt.create();
    const labels: string[] = [];
    for (const message of messages) {
      for (const byte of bytesOf(message)) {
        const d = decoder.decode({ dir: message.dir, data: new Uint8Array([byte]) });
        if (d.kind !== 'partial') labels.push(d.label);
      }
    }
    expect(labels).toEqual(decodeAll(messages).map((d) => d.label));
  });

  it('ends one packet and begins the next in the same message', () => {
    const connect = bytesOf(messages[0]!);
    const subscribe = bytesOf(messages[2]!);
    const decoded = decodeAll([
      { dir: 'client', data: concatBytes([connect, subscribe.subarray(0, 4)]) },
      { dir: 'client', data: subscribe.subarray(4) },
    ]);
    expect(decoded.map((d) => d.kind)).toEqual(['CONNECT', 'SUBSCRIBE']);
  });

  it('stops following a direction after a Remaining Length longer than four bytes, and says so once', () => {
    const decoded = decodeAll([
      messages[0]!,
      { dir: 'client', data: hex('30 ff ff ff ff 01') },
      messages[11]!,
    ]);
    expect(codes(decoded[1]!)).toEqual(['MALFORMED_PACKET', 'STREAM_LOST']);
    expect(decoded[2]!.label).toBe('not decoded · stream lost');
    expect(codes(decoded[2]!)).toEqual([]);
  });

  it('reads a Remaining Length of two, three and four bytes (§1.5.5)', () => {
    expect(readVarint(hex('7f'), 0)).toEqual({ value: 127, size: 1 });
    expect(readVarint(hex('80 01'), 0)).toEqual({ value: 128, size: 2 });
    expect(readVarint(hex('ff ff 7f'), 0)).toEqual({ value: 2_097_151, size: 3 });
    expect(readVarint(hex('ff ff ff 7f'), 0)).toEqual({ value: 268_435_455, size: 4 });
    expect(readVarint(hex('ff ff ff ff 01'), 0)).toBe('malformed');
    expect(readVarint(hex('ff'), 0)).toBe('incomplete');
  });
});

describe('MQTT order and form warnings', () => {
  const messages = messagesOf(v311);

  it('warns of a packet before CONNECT and one before CONNACK', () => {
    const decoded = decodeAll([messages[2]!, messages[4]!]);
    expect(codes(decoded[0]!)).toEqual(['BEFORE_CONNECT']);
    expect(codes(decoded[1]!)).toEqual(['BEFORE_CONNACK']);
  });

  it('warns of an acknowledgement for a packet identifier nothing is waiting on', () => {
    const decoded = decodeAll([messages[0]!, messages[1]!, messages[6]!]);
    expect(codes(decoded[2]!)).toEqual(['UNKNOWN_PACKET_ID']);
  });

  it('warns of a PUBACK answering a QoS 2 PUBLISH', () => {
    const puback = hex('40 02 00 03');
    const decoded = decodeAll([messages[0]!, messages[1]!, messages[7]!, { dir: 'server', data: puback }]);
    expect(codes(decoded[3]!)).toEqual(['UNEXPECTED_ACK']);
  });

  it('warns of a text message, wrong fixed-header flags and a second CONNECT', () => {
    const decoded = decodeAll([
      messages[0]!,
      { dir: 'client', data: '\u0010' },
      { dir: 'client', data: hex('82 00') },
    ]);
    expect(codes(decoded[1]!)).toEqual(['TEXT_MESSAGE']);
    const badSubscribe = parseMqttPacket(hex('80 08 00 01 00 03 61 2f 62 00'), 4);
    expect(badSubscribe.problems[0]).toMatch(/flags 0000 where SUBSCRIBE must carry 0010/);
    const again = decodeAll([messages[0]!, messages[0]!]);
    expect(codes(again[1]!)).toEqual(['CONNECT_REPEATED']);
  });

  it('warns of a packet identifier reused while its exchange is open, but not of a DUP retransmission', () => {
    const publish = bytesOf(messages[5]!);
    const retransmitted = publish.slice();
    retransmitted[0]! |= 0b1000; // DUP (§3.3.1.1)
    const decoded = decodeAll([
      messages[0]!,
      messages[1]!,
      messages[5]!,
      { dir: 'client', data: retransmitted },
      messages[5]!,
    ]);
    expect(decoded[3]!.label).toBe('PUBLISH sensors/hall/temp QoS 1 #2 retain dup · 4 B');
    expect(codes(decoded[3]!)).toEqual([]);
    expect(decoded[3]!.links).toEqual(decoded[2]!.links);
    expect(codes(decoded[4]!)).toEqual(['PACKET_ID_IN_USE']);
  });

  it('warns of a packet after DISCONNECT', () => {
    const decoded = decodeAll([messages[0]!, messages[15]!, messages[11]!]);
    expect(codes(decoded[2]!)).toEqual(['AFTER_DISCONNECT']);
  });

  it('reports a PUBLISH whose Remaining Length ends inside its topic', () => {
    const packet = parseMqttPacket(hex('30 03 00 05 61'), 4);
    expect(packet.problems).toEqual(['the packet ends inside a field (Remaining Length 3)']);
  });

  it('matches topic filters with + and # as §4.7 defines them', () => {
    expect(topicMatches('sensors/+/temp', 'sensors/hall/temp')).toBe(true);
    expect(topicMatches('sensors/+/temp', 'sensors/hall/temp/x')).toBe(false);
    expect(topicMatches('sport/#', 'sport')).toBe(true);
    expect(topicMatches('#', '$SYS/uptime')).toBe(false);
    expect(topicMatches('$share/g/chat/+', 'chat/a')).toBe(true);
  });

  it('recognises a CONNECT when no subprotocol was negotiated', () => {
    const protocol = new ConnectionProtocol({ subprotocol: null, path: '/' }, [mqtt]);
    expect(protocol.decode(messages[0]!)?.label).toBe('CONNECT 3.1.1 wslab-1');
  });
});
