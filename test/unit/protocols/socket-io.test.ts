import { describe, expect, it } from 'vitest';
import { ConnectionProtocol } from '../../../core/protocols/detect';
import type { DecodedMessage, ProtocolMessage } from '../../../core/protocols/protocol';
import { parseSocketIoPacket, socketIo } from '../../../core/protocols/socket-io';
import { contextOf, loadTraffic, messagesOf } from './recorded-traffic';

const traffic = loadTraffic('socket.io');
const connection = traffic.connections[0]!;

function decodeRecorded(): DecodedMessage[] {
  const protocol = new ConnectionProtocol(contextOf(connection));
  return messagesOf(connection).map((m) => protocol.decode(m)!);
}

function decodeAll(messages: ProtocolMessage[]): DecodedMessage[] {
  const decoder = socketIo.create();
  return messages.map((m) => decoder.decode(m));
}

describe('Socket.IO decoder on traffic recorded from socket.io and socket.io-client', () => {
  const decoded = decodeRecorded();
  const byLabel = (label: string) => {
    const found = decoded.find((d) => d.label === label);
    if (!found)
      throw new Error(`no message labelled "${label}" in ${decoded.map((d) => d.label).join(' | ')}`);
    return found;
  };

  it('recognises the connection by its EIO=4 request target and decodes every message', () => {
    expect(decoded).toHaveLength(connection.messages.length);
    expect(decoded.every((d) => d.protocol === 'socket.io')).toBe(true);
    expect(decoded.flatMap((d) => d.warnings)).toEqual([]);
  });

  it('names the open packet and its ping interval', () => {
    expect(decoded[0]).toMatchObject({ kind: 'open', label: 'open · ping every 250 ms' });
    expect(decoded[0]!.tree).toMatchObject({ handshake: { pingInterval: 250, upgrades: [] } });
  });

  it('names the connects, events with their namespace and arguments, and the pings', () => {
    expect(decoded.slice(1, 5).map((d) => d.label)).toEqual([
      'connect',
      'connect',
      'event chat message',
      'event chat message',
    ]);
    expect(decoded[3]!.tree).toEqual({
      engineIO: 'message (4)',
      socketIO: 'event (2)',
      namespace: '/',
      event: 'chat message',
      args: ['hello'],
    });
    expect(byLabel('/chat event typing').name).toBe('typing');
    // Engine.IO v4: the server pings, the client answers.
    const pings = connection.messages.filter((_, i) => decoded[i]!.kind === 'ping');
    const pongs = connection.messages.filter((_, i) => decoded[i]!.kind === 'pong');
    expect(pings.length).toBeGreaterThanOrEqual(2);
    expect(pings.every((m) => m.dir === 'server' && m.text === '2')).toBe(true);
    expect(pongs.every((m) => m.dir === 'client' && m.text === '3')).toBe(true);
    expect(byLabel('/chat disconnect').kind).toBe('disconnect');
  });

  it('links an emit that asks for an ack to its ack, which names the event', () => {
    const emit = byLabel('event add #0');
    const ack = byLabel('ack #0 add');
    expect(emit.links).toEqual(['ack:client:/:0']);
    expect(ack.links).toEqual(emit.links);
    expect(ack.tree).toMatchObject({ ackId: 0, event: 'add', args: [5] });
  });

  it('folds a binary attachment into the binary event that announced it', () => {
    const upload = byLabel('binary event upload #1 + 1 attachment');
    const index = decoded.indexOf(upload);
    const attachment = decoded[index + 1]!;
    expect(attachment).toMatchObject({
      kind: 'attachment',
      label: 'attachment 1 of 1 of upload',
      name: 'upload',
    });
    expect(attachment.partOf).toBeDefined();
    expect(upload.links).toContain(attachment.partOf);
    expect(upload.tree).toMatchObject({ args: [{ name: 'a.bin' }, { _placeholder: true, num: 0 }] });
    expect((upload.tree as { attachments: unknown }).attachments).toEqual([
      { num: 0, size: 5, hex: '0102030405' },
    ]);
    expect(byLabel('ack #1 upload').tree).toMatchObject({ args: [{ name: 'a.bin', size: 5 }] });
  });

  it('folds the attachment of a binary ack, and of a server emit on a namespace', () => {
    const ack = byLabel('binary ack #2 fetch bytes + 1 attachment');
    expect(ack.links).toContain('ack:client:/:2');
    expect((ack.tree as { attachments: unknown }).attachments).toEqual([
      { num: 0, size: 4, hex: 'deadbeef' },
    ]);
    expect(decoded[decoded.indexOf(ack) + 1]!.label).toBe('attachment 1 of 1 of fetch bytes');
    const welcome = byLabel('/chat binary event welcome + 1 attachment');
    expect(decoded[decoded.indexOf(welcome) + 1]!.label).toBe('attachment 1 of 1 of welcome');
  });

  it('shows a refused namespace as a connect_error with its message', () => {
    const refused = byLabel('/admin connect_error · not authorized');
    expect(refused.tree).toMatchObject({ namespace: '/admin', data: { message: 'not authorized' } });
  });
});

describe('Socket.IO decoder on a recorded upgrade from long-polling', () => {
  const upgraded = traffic.connections[1]!;

  it('labels the probe, the upgrade and what follows, without warning about the connect it never saw', () => {
    const protocol = new ConnectionProtocol(contextOf(upgraded));
    const decoded = messagesOf(upgraded).map((m) => protocol.decode(m)!);
    expect(decoded.map((d) => d.label)).toEqual([
      'ping probe',
      'pong probe',
      'upgrade',
      'event add #0',
      'ack #0 add',
      'disconnect',
    ]);
    expect(decoded.flatMap((d) => d.warnings)).toEqual([]);
  });
});

describe('Socket.IO decoder on hand-made packets', () => {
  it('splits a packet into type, attachments, namespace, ack id and JSON', () => {
    expect(parseSocketIoPacket('51-/chat,3["upload",{"_placeholder":true,"num":0}]')).toEqual({
      type: 5,
      attachments: 1,
      namespace: '/chat',
      id: 3,
      json: '["upload",{"_placeholder":true,"num":0}]',
    });
    expect(parseSocketIoPacket('1/chat,')).toEqual({
      type: 1,
      attachments: 0,
      namespace: '/chat',
      id: null,
      json: '',
    });
    expect(parseSocketIoPacket('9')).toBeNull();
    expect(parseSocketIoPacket('5x-[]')).toBeNull();
  });

  it('labels the probe of an upgrade from polling, and the upgrade itself', () => {
    const decoded = decodeAll([
      { dir: 'client', data: '2probe' },
      { dir: 'server', data: '3probe' },
      { dir: 'client', data: '5' },
    ]);
    expect(decoded.map((d) => d.label)).toEqual(['ping probe', 'pong probe', 'upgrade']);
  });

  it('recognises Socket.IO from its first message when the path says nothing', () => {
    const protocol = new ConnectionProtocol({ subprotocol: null, path: '/app' });
    expect(protocol.protocol).toBeNull();
    expect(
      protocol.decode({ dir: 'server', data: '0{"sid":"x","upgrades":[],"pingInterval":25000}' })?.kind,
    ).toBe('open');
    expect(protocol.protocol?.id).toBe('socket.io');
  });

  it('warns about an ack nobody asked for, an event before its namespace connected, and stray bytes', () => {
    const decoded = decodeAll([
      { dir: 'server', data: '0{"sid":"x"}' },
      { dir: 'client', data: '42/chat,["early"]' },
      { dir: 'server', data: '437[1]' },
      { dir: 'server', data: new Uint8Array([1]) },
    ]);
    expect(decoded.slice(1).map((d) => d.warnings.map((w) => w.code))).toEqual([
      ['EVENT_BEFORE_CONNECT'],
      ['ACK_WITHOUT_EMIT'],
      ['UNEXPECTED_BINARY'],
    ]);
  });

  it('warns when a text packet cuts in before all the attachments came, and never throws on junk', () => {
    const decoded = decodeAll([
      { dir: 'client', data: '40' },
      { dir: 'server', data: '40{"sid":"y"}' },
      { dir: 'client', data: '452-["two",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]' },
      { dir: 'client', data: new Uint8Array([1]) },
      { dir: 'client', data: '42["next"]' },
      { dir: 'client', data: '' },
      { dir: 'client', data: '42["unterminated' },
      { dir: 'client', data: 'hello' },
    ]);
    expect(decoded[3]!.label).toBe('attachment 1 of 2 of two');
    expect(decoded[4]!.warnings.map((w) => w.code)).toEqual(['ATTACHMENT_MISSING']);
    expect(decoded.slice(5).map((d) => d.kind)).toEqual(['unreadable', 'unreadable', 'unreadable']);
  });
});
