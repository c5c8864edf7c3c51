// Recorded WebSocket traffic of real protocol libraries (Socket.IO and graphql-ws made by
// scripts/record-protocol-traffic.ts; STOMP, MQTT, SignalR and WAMP by
// scripts/record-protocol-fixtures.ts), read back as the decoders see it: whole messages, text as
// text, binary from hex.
import { readFileSync } from 'node:fs';
import type { ProtocolContext, ProtocolMessage } from '../../../core/protocols/protocol';
import { fromHex } from '../../../core/wire/bytes';
import type { Direction } from '../../../core/wire/direction';

/** One message as stored: `text` for a text message, `hex` for a binary one. */
export interface RecordedMessage {
  dir: Direction;
  text?: string;
  hex?: string;
}

export interface RecordedConnection {
  /** What the scenario did on this connection, in a sentence. */
  scenario: string;
  path: string;
  subprotocol: string | null;
  messages: RecordedMessage[];
}

export interface RecordedTraffic {
  recordedWith: string;
  connections: RecordedConnection[];
}

export function loadTraffic(name: string): RecordedTraffic {
  const url = new URL(`../../fixtures/protocols/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as RecordedTraffic;
}

export function contextOf(connection: RecordedConnection): ProtocolContext {
  return { subprotocol: connection.subprotocol, path: connection.path };
}

export function messagesOf(connection: RecordedConnection): ProtocolMessage[] {
  return connection.messages.map((m) => {
    if (m.text !== undefined) return { dir: m.dir, data: m.text };
    const bytes = fromHex(m.hex ?? '');
    if (!bytes) throw new Error(`bad hex in a recorded message: ${m.hex}`);
    return { dir: m.dir, data: bytes };
  });
}
