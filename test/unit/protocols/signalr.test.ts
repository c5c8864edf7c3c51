import { describe, expect, it } from 'vitest';
import { ConnectionProtocol } from '../../../core/protocols/detect';
import type { DecodedMessage, ProtocolMessage } from '../../../core/protocols/protocol';
import { signalR } from '../../../core/protocols/signalr';
import { contextOf, loadTraffic, messagesOf } from './recorded-traffic';

const connection = loadTraffic('signalr').connections[0]!;
const messages = messagesOf(connection);
const RS = '\u001e';

function decodeAll(list: ProtocolMessage[]): DecodedMessage[] {
  const decoder = signalR.create();
  return list.map((m) => decoder.decode(m));
}

const codes = (d: DecodedMessage) => d.warnings.map((w) => w.code);

describe('SignalR decoder on messages written by @microsoft/signalr', () => {
  const protocol = new ConnectionProtocol(contextOf(connection));
  const decoded = messages.map((m) => protocol.decode(m)!);

  it('is recognised by the handshake request, since SignalR negotiates no subprotocol', () => {
    expect(connection.subprotocol).toBeNull();
    expect(protocol.protocol?.id).toBe('signalr');
  });

  it('names the handshake and every hub message, with its target and invocation id', () => {
    expect(decoded.map((d) => d.label)).toEqual([
      'handshake json v2',
      'handshake accepted',
      'Invocation SendMessage #0',
      'Invocation ReceiveMessage',
      'Completion SendMessage #0 · result',
      'StreamInvocation Counter #1',
      'StreamItem Counter #1 + StreamItem Counter #1',
      'CancelInvocation Counter #1',
      'Completion Counter #1 · error: Stream canceled',
      'Invocation Upload #2',
      'StreamItem Upload #3',
      'Completion Upload #3',
      'Completion Upload #2 · result',
      'Ping',
      'Ping',
      'Close · error: Server is shutting down · may reconnect',
    ]);
    expect(decoded.flatMap(codes)).toEqual([]);
  });

  it('shows an invocation with its type named and its arguments parsed', () => {
    expect(decoded[2]!.tree).toEqual({
      type: '1 Invocation',
      target: 'SendMessage',
      arguments: ['ada', 'hello'],
      invocationId: '0',
      headers: {},
    });
    expect(decoded[2]!.name).toBe('SendMessage');
  });

  it('splits a message at its record separators: two stream items in one message', () => {
    expect(decoded[6]!.kind).toBe('StreamItem+StreamItem');
    expect(decoded[6]!.tree).toEqual([
      { type: '2 StreamItem', invocationId: '1', item: 0, headers: {} },
      { type: '2 StreamItem', invocationId: '1', item: 1, headers: {} },
    ]);
  });

  it('links an invocation to its completion, and a stream to its items, cancel and completion', () => {
    const linkedTo = (i: number) =>
      decoded.flatMap((d, j) => (d.links.includes(decoded[i]!.links[0]!) ? [j] : []));
    expect(linkedTo(2)).toEqual([2, 4]);
    expect(linkedTo(5)).toEqual([5, 6, 7, 8]);
    expect(linkedTo(9)).toEqual([9, 12]);
  });

  it("links a stream the client uploads to its invocation by the stream's id", () => {
    const upload = decoded[9]!.links[1]!;
    expect(decoded.flatMap((d, j) => (d.links.includes(upload) ? [j] : []))).toEqual([9, 10, 11]);
  });
});

describe('SignalR order and form warnings', () => {
  it('warns of a completion for an invocation id nothing awaits', () => {
    const decoded = decodeAll([...messages.slice(0, 2), messages[4]!]);
    expect(codes(decoded[2]!)).toEqual(['UNKNOWN_INVOCATION']);
  });

  it("warns of a client message before the server's handshake response", () => {
    const decoded = decodeAll([messages[0]!, messages[2]!]);
    expect(codes(decoded[1]!)).toEqual(['BEFORE_HANDSHAKE_RESPONSE']);
  });

  it('shows a refused handshake with its error', () => {
    const decoded = decodeAll([
      messages[0]!,
      { dir: 'server', data: `{"error":"Requested protocol 'json' is not available."}${RS}` },
    ]);
    expect(decoded[1]!.label).toBe("handshake refused · Requested protocol 'json' is not available.");
    expect(codes(decoded[1]!)).toEqual(['HANDSHAKE_REFUSED']);
  });

  it('warns of a record without its separator and of a message after Close', () => {
    const decoded = decodeAll([
      ...messages.slice(0, 2),
      messages[15]!,
      { dir: 'server', data: '{"type":6}' },
    ]);
    expect(codes(decoded[3]!)).toEqual(['AFTER_CLOSE', 'UNTERMINATED_RECORD']);
  });

  it('warns of a stream item for an invocation that is not a stream', () => {
    const item = `{"type":2,"invocationId":"0","item":1}${RS}`;
    const decoded = decodeAll([...messages.slice(0, 3), { dir: 'server', data: item }]);
    expect(codes(decoded[3]!)).toEqual(['ITEM_FOR_NON_STREAM']);
  });

  it('names the binary messages of a connection that chose the MessagePack hub protocol, without reading them', () => {
    const decoded = decodeAll([
      { dir: 'client', data: `{"protocol":"messagepack","version":1}${RS}` },
      { dir: 'server', data: `{}${RS}` },
      { dir: 'client', data: new Uint8Array([0x02, 0x91, 0x06]) },
    ]);
    expect(decoded[0]!.label).toBe('handshake messagepack v1');
    expect(decoded[2]!.label).toBe('MessagePack · 3 B');
    expect(codes(decoded[2]!)).toEqual([]);
  });

  it('does not take an arbitrary JSON text for a SignalR handshake', () => {
    const protocol = new ConnectionProtocol({ subprotocol: null, path: '/' }, [signalR]);
    expect(protocol.decode({ dir: 'client', data: '{"protocol":"json"}' })).toBeNull();
  });
});
