import { describe, expect, it } from 'vitest';
import { ConnectionProtocol } from '../../../core/protocols/detect';
import { graphqlWs } from '../../../core/protocols/graphql-ws';
import type { DecodedMessage, ProtocolMessage } from '../../../core/protocols/protocol';
import { contextOf, loadTraffic, messagesOf } from './recorded-traffic';

const connection = loadTraffic('graphql-ws').connections[0]!;

function decodeAll(messages: ProtocolMessage[]): DecodedMessage[] {
  const decoder = graphqlWs.create();
  return messages.map((m) => decoder.decode(m));
}

describe('graphql-ws decoder on traffic recorded from the graphql-ws client and server', () => {
  const protocol = new ConnectionProtocol(contextOf(connection));
  const decoded = messagesOf(connection).map((m) => protocol.decode(m)!);

  it('is chosen by the negotiated graphql-transport-ws subprotocol', () => {
    expect(connection.subprotocol).toBe('graphql-transport-ws');
    expect(protocol.protocol?.id).toBe('graphql-ws');
  });

  it('names every message, with the operation name on subscribe, next, error and complete', () => {
    const short = (d: DecodedMessage) => d.label.replace(/ · .*$/, '');
    expect(decoded.map(short)).toEqual([
      'connection_init',
      'connection_ack',
      'subscribe query Greeting',
      'next Greeting',
      'complete Greeting',
      'subscribe subscription Countdown',
      'next Countdown',
      'next Countdown',
      'next Countdown',
      'complete Countdown',
      'subscribe query Broken',
      'error Broken',
      'ping',
      'pong',
      'ping',
      'pong',
      'ping',
      'pong',
    ]);
    expect(decoded.flatMap((d) => d.warnings)).toEqual([]);
  });

  it('links a subscription to each of its messages by id', () => {
    const countdown = decoded.filter((d) => d.name === 'Countdown');
    expect(countdown).toHaveLength(5);
    const id = (connection.messages[5]!.text && JSON.parse(connection.messages[5]!.text).id) as string;
    expect(new Set(countdown.flatMap((d) => d.links))).toEqual(new Set([`op:${id}`]));
    expect(decoded[3]!.links).not.toEqual(countdown[0]!.links);
    expect(decoded[6]!.tree).toMatchObject({ type: 'next', payload: { data: { countdown: 2 } } });
  });
});

describe('graphql-ws order warnings', () => {
  const codes = (d: DecodedMessage[]) => d.map((m) => m.warnings.map((w) => w.code));

  it('warns about a subscribe before connection_ack, and a second connection_init', () => {
    const decoded = decodeAll([
      { dir: 'client', data: '{"type":"connection_init"}' },
      { dir: 'client', data: '{"id":"1","type":"subscribe","payload":{"query":"{ a }"}}' },
      { dir: 'server', data: '{"type":"connection_ack"}' },
      { dir: 'client', data: '{"type":"connection_init"}' },
    ]);
    expect(codes(decoded)).toEqual([[], ['SUBSCRIBE_BEFORE_ACK'], [], ['INIT_REPEATED']]);
    expect(decoded[1]!.name).toBe('anonymous');
  });

  it('warns about next for an unknown id, a duplicate id, and an unknown type', () => {
    const decoded = decodeAll([
      { dir: 'client', data: '{"type":"connection_init"}' },
      { dir: 'server', data: '{"type":"connection_ack"}' },
      { dir: 'server', data: '{"id":"9","type":"next","payload":{"data":{}}}' },
      { dir: 'client', data: '{"id":"1","type":"subscribe","payload":{"query":"subscription S { s }"}}' },
      { dir: 'client', data: '{"id":"1","type":"subscribe","payload":{"query":"subscription S { s }"}}' },
      { dir: 'client', data: '{"type":"start"}' },
      { dir: 'client', data: 'not json' },
    ]);
    expect(codes(decoded)).toEqual([
      [],
      [],
      ['UNKNOWN_ID'],
      [],
      ['DUPLICATE_ID'],
      ['UNKNOWN_TYPE'],
      ['UNREADABLE'],
    ]);
  });

  it('lets a client complete an operation the server has already completed', () => {
    const decoded = decodeAll([
      { dir: 'client', data: '{"type":"connection_init"}' },
      { dir: 'server', data: '{"type":"connection_ack"}' },
      {
        dir: 'client',
        data: '{"id":"1","type":"subscribe","payload":{"query":"{ a }","operationName":"A"}}',
      },
      { dir: 'server', data: '{"id":"1","type":"complete"}' },
      { dir: 'client', data: '{"id":"1","type":"complete"}' },
    ]);
    expect(codes(decoded).flat()).toEqual([]);
    expect(decoded[4]!.name).toBe('A');
  });
});
