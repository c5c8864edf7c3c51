// The decoders read the recorded traffic as the libraries' own parsers do: mqtt-packet's parser,
// stompjs' Parser and SignalR's JsonHubProtocol, fed the same bytes, see the same packets, frames
// and messages, field for field.
import { JsonHubProtocol, NullLogger } from '@microsoft/signalr';
import { Parser as StompParser } from '@stomp/stompjs';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MqttStream, parseMqttPacket } from '../../../core/protocols/mqtt-packets';
import { signalR } from '../../../core/protocols/signalr';
import { readStompFrame } from '../../../core/protocols/stomp';
import { utf8 } from '../../../core/wire/bytes';
import { loadTraffic, messagesOf } from './recorded-traffic';

const asBytes = (data: string | Uint8Array) => (typeof data === 'string' ? utf8(data) : data);

describe('MQTT packets as mqtt-packet parses them', () => {
  for (const [i, connection] of loadTraffic('mqtt').connections.entries()) {
    const version = i === 0 ? 4 : 5;
    it(`agrees on every packet of the MQTT ${version === 4 ? '3.1.1' : '5.0'} recording`, () => {
      const theirs: mqttPacket.Packet[] = [];
      const parser = mqttPacket.parser({ protocolVersion: version });
      parser.on('packet', (packet) => theirs.push(packet));
      const stream = new MqttStream();
      const ours = messagesOf(connection).flatMap((m) => {
        parser.parse(Buffer.from(asBytes(m.data)));
        return stream.push(asBytes(m.data)).map((bytes) => parseMqttPacket(bytes, version));
      });
      expect(ours.map((p) => p.typeName.toLowerCase())).toEqual(theirs.map((p) => p.cmd));
      ours.forEach((packet, n) => {
        const their = theirs[n] as mqttPacket.Packet & Record<string, unknown>;
        expect(packet.problems).toEqual([]);
        if (packet.packetId !== undefined) expect(packet.packetId).toBe(their.messageId);
        if (packet.topic !== undefined) expect(packet.topic).toBe(their.topic);
        if (packet.qos !== undefined) expect(packet.qos).toBe(their.qos);
        if (packet.payload) expect(Buffer.from(packet.payload).equals(their.payload as Buffer)).toBe(true);
        if (packet.subscriptions)
          expect(packet.subscriptions.map((s) => s.topic)).toEqual(
            (their.subscriptions as { topic: string }[]).map((s) => s.topic),
          );
        if (packet.reasonCodes && packet.typeName === 'SUBACK')
          expect(packet.reasonCodes).toEqual(their.granted);
        const props = (packet.properties ?? []).filter((p) => p.name !== 'User Property');
        const theirProps = (their.properties ?? {}) as Record<string, unknown>;
        expect(props.length).toBe(Object.keys(theirProps).filter((k) => k !== 'userProperties').length);
      });
    });
  }
});

describe('STOMP frames as stompjs parses them', () => {
  it('agrees on every frame and heart-beat of the recording', () => {
    const connection = loadTraffic('stomp').connections[0]!;
    for (const dir of ['client', 'server'] as const) {
      const theirs: { command: string; headers: [string, string][]; body: number[] }[] = [];
      let pings = 0;
      const parser = new StompParser(
        (frame) =>
          theirs.push({
            command: frame.command ?? '',
            headers: frame.headers,
            body: [...(frame.binaryBody ?? [])],
          }),
        () => pings++,
      );
      const ours: typeof theirs = [];
      let heartBeats = 0;
      for (const m of messagesOf(connection).filter((message) => message.dir === dir)) {
        const bytes = asBytes(m.data);
        parser.parseChunk(bytes.slice().buffer);
        let offset = 0;
        while (offset < bytes.length) {
          const read = readStompFrame(bytes, offset, true);
          if (!read) throw new Error('a recorded message ends inside a frame');
          if ('frame' in read)
            ours.push({
              command: read.frame.command,
              headers: read.frame.headers,
              body: [...read.frame.body],
            });
          else heartBeats++;
          offset = read.next;
        }
      }
      expect(ours).toEqual(theirs);
      expect(heartBeats).toBe(pings);
    }
  });
});

describe('SignalR messages as JsonHubProtocol parses them', () => {
  it('agrees on the type and invocation id of every hub message the server sends', () => {
    const connection = loadTraffic('signalr').connections[0]!;
    const protocol = new JsonHubProtocol();
    const decoder = signalR.create();
    const messages = messagesOf(connection);
    // The first message each way is the handshake, which HandshakeProtocol reads, not parseMessages;
    // the client's parser reads only what a server sends (it ignores a StreamInvocation).
    for (const m of messages.slice(2)) {
      const ours = decoder.decode(m);
      if (m.dir === 'client') continue;
      const theirs = protocol.parseMessages(m.data as string, NullLogger.instance);
      const trees = (Array.isArray(ours.tree) ? ours.tree : [ours.tree]) as Record<string, unknown>[];
      expect(trees.map((t) => Number.parseInt(String(t.type), 10))).toEqual(theirs.map((h) => h.type));
      expect(trees.map((t) => t.invocationId)).toEqual(
        theirs.map((h) => ('invocationId' in h ? h.invocationId : undefined)),
      );
    }
  });
});
