import { describe, expect, it } from 'vitest';
import { ConnectionDecoder, type DecodedEvent } from '../../../core/tap/connection-decoder';
import type { ConnectionEvent } from '../../../core/tap/events';
import { concat, hex } from '../wire/helpers';

// The server accepts messages of up to 4 bytes; the client sends 8 in one frame, then a ping,
// then answers the server's close 1009 with its own (masked with a zero key: the bytes show).
const TOO_BIG = hex('82 88 00000000 0102030405060708');
const CLIENT_PING = hex('89 82 00000000 6869');
const CLIENT_CLOSE = hex('88 82 00000000 03f1');
const SERVER_CLOSE = hex('88 02 03f1');
const CLIENT_BYTES = concat(TOO_BIG, CLIENT_PING, CLIENT_CLOSE);

function decoder(): ConnectionDecoder {
  return new ConnectionDecoder({
    conn: 'c1',
    maxPayload: 4,
    payloadCap: 1024,
    inflater: null,
    request: { head: { method: 'GET', path: '/echo', httpVersion: '1.1', headers: [] }, raw: '' },
  });
}

const plain = (events: DecodedEvent[]): ConnectionEvent[] =>
  events.map((event) => ('toJSON' in event ? event.toJSON() : event));

/**
 * Feeds the client's bytes in chunks of `size`; the server's close goes out once the server has
 * refused the message, as `ws` does.
 */
function run(size: number): ConnectionEvent[] {
  const connection = decoder();
  const events: ConnectionEvent[] = [];
  connection.readServer(0, new TextEncoder().encode('HTTP/1.1 101 Switching Protocols\r\n\r\n'));
  let closed = false;
  for (let at = 0; at < CLIENT_BYTES.length; at += size) {
    events.push(...plain(connection.readClient(1, CLIENT_BYTES.subarray(at, at + size))));
    if (!closed && events.some((e) => e.type === 'error')) {
      closed = true;
      events.push(...plain(connection.readServer(2, SERVER_CLOSE)));
    }
  }
  events.push(...plain(connection.finish(3)));
  return events;
}

describe('a connection closed for a message too big', () => {
  it('still sees the client answer the close, so the close is clean as the browser reports it (RFC 6455 §7.1.5)', () => {
    // The refused frame comes in its own chunk: the server closes before the client's ping comes.
    const events = run(TOO_BIG.length);
    expect(events.filter((e) => e.type === 'error').map((e) => e.type === 'error' && e.code)).toEqual([
      'MESSAGE_TOO_BIG',
    ]);
    const frames = events.flatMap((e) =>
      e.type === 'frame' ? [[e.dir, e.opcodeName, e.closeCode ?? null]] : [],
    );
    expect(frames).toEqual([
      ['client', 'binary', null],
      ['server', 'close', 1009],
      ['client', 'ping', null],
      ['client', 'close', 1009],
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'close', code: 1009, initiator: 'server', clean: true });
  });

  it('finds the same frames however the client’s bytes are cut', () => {
    const whole = run(CLIENT_BYTES.length).filter((e) => e.type !== 'frame' || e.dir === 'client');
    for (const size of [1, 2, 3, 5, 7, 11, 13]) {
      const cut = run(size).filter((e) => e.type !== 'frame' || e.dir === 'client');
      expect(
        cut.map((e) => [e.type, e.type === 'frame' ? [e.opcodeName, e.offset, e.payloadLength] : null]),
      ).toEqual(
        whole.map((e) => [e.type, e.type === 'frame' ? [e.opcodeName, e.offset, e.payloadLength] : null]),
      );
      expect(cut.at(-1)).toMatchObject({ type: 'close', clean: true });
    }
  });

  it('calls it not clean when the client never answers the close', () => {
    const connection = decoder();
    connection.readServer(0, new TextEncoder().encode('HTTP/1.1 101 Switching Protocols\r\n\r\n'));
    connection.readClient(1, concat(TOO_BIG, CLIENT_PING));
    connection.readServer(2, SERVER_CLOSE);
    expect(plain(connection.finish(3)).at(-1)).toMatchObject({ type: 'close', code: 1009, clean: false });
  });
});
