import { describe, expect, it } from 'vitest';
import { ConnectionProtocol, detectByContext, detectByMessage } from '../../../core/protocols/detect';

describe('choosing a connection’s protocol', () => {
  it('takes the negotiated subprotocol first, whatever the path says', () => {
    expect(detectByContext({ subprotocol: 'graphql-transport-ws', path: '/socket.io/?EIO=4' })?.id).toBe(
      'graphql-ws',
    );
    expect(detectByContext({ subprotocol: null, path: '/socket.io/?EIO=4&transport=websocket' })?.id).toBe(
      'socket.io',
    );
    expect(detectByContext({ subprotocol: 'chat', path: '/echo' })).toBeNull();
  });

  it('recognises a protocol from a handshake message only in the direction that sends it', () => {
    expect(detectByMessage({ dir: 'server', data: '0{"sid":"a"}' })?.id).toBe('socket.io');
    expect(detectByMessage({ dir: 'client', data: '0{"sid":"a"}' })).toBeNull();
    expect(detectByMessage({ dir: 'client', data: 'hello' })).toBeNull();
  });

  it('stops looking after the first messages, so a plain connection costs nothing later', () => {
    const connection = new ConnectionProtocol({ subprotocol: null, path: '/echo' });
    expect(connection.decode({ dir: 'client', data: 'hi' })).toBeNull();
    expect(connection.listening).toBe(true);
    expect(connection.decode({ dir: 'server', data: "Server received: 'hi'" })).toBeNull();
    expect(connection.listening).toBe(false);
    // An open packet this late is someone's text, not a session starting.
    expect(connection.decode({ dir: 'server', data: '0{"sid":"a"}' })).toBeNull();
    expect(connection.protocol).toBeNull();
  });
});
