import { describe, expect, it } from 'vitest';
import {
  ConnectionDecoder,
  type ConnectionDecoderOptions,
  type DecodedEvent,
} from '../../../core/tap/connection-decoder';
import type { ConnectionEvent } from '../../../core/tap/events';
import { createInflater, type InflateParams } from '../../../core/wire/inflate';
import { concat, hex, splitAt } from '../wire/helpers';

// The opening handshake of RFC 6455 §1.3, whose key and accept value the RFC spells out.
const REQUEST = [
  'GET /echo HTTP/1.1',
  'Host: 127.0.0.1:8765',
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Version: 13',
  '',
  '',
].join('\r\n');
const response = (...extra: string[]): string =>
  [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
    ...extra,
    '',
    '',
  ].join('\r\n');
const DEFLATE = 'Sec-WebSocket-Extensions: permessage-deflate';

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0));

// RFC 6455 §5.7: "Hello", unmasked (as a server sends it) and masked with key 37 fa 21 3d.
const SERVER_HELLO = hex('81 05 48656c6c6f');
const CLIENT_HELLO = hex('81 85 37fa213d 7f9f4d5158');
// Close 1000 (03 e8): from the client masked with key 12 34 56 78, from the server unmasked.
const CLIENT_CLOSE = hex('88 82 12345678 11dc');
const SERVER_CLOSE = hex('88 02 03e8');
// RFC 7692 §7.2.3.1 and §7.2.3.2: "Hello" compressed, then "Hello" again with the first as window.
const SERVER_HELLO_DEFLATED = hex('c1 07 f248cdc9c90700');
const SERVER_HELLO_AGAIN = hex('c1 05 f200110000');
// The first of those, masked by a client with key 37 fa 21 3d.
const CLIENT_HELLO_DEFLATED = hex('c1 87 37fa213d c5b2ecf4fefd21');

function decoder(options: Partial<ConnectionDecoderOptions> = {}): ConnectionDecoder {
  return new ConnectionDecoder({
    conn: 'c1',
    maxPayload: 1024,
    payloadCap: 1024,
    inflater: createInflater,
    ...options,
  });
}

const plain = (events: DecodedEvent[]): ConnectionEvent[] =>
  events.map((event) => ('toJSON' in event ? event.toJSON() : event));

/** A connection whose handshake is done, with the events that took. */
function opened(...extensions: string[]): ConnectionDecoder {
  const connection = decoder();
  connection.readClient(1, ascii(REQUEST));
  connection.readServer(2, ascii(response(...extensions)));
  return connection;
}

describe('ConnectionDecoder', () => {
  it('reads a handshake whose heads arrive split across chunks, and the frame sharing the last one', () => {
    const connection = decoder();
    const request = ascii(REQUEST);
    for (const chunk of splitAt(request, [3, 40, request.length - 1])) {
      expect(connection.readClient(1, chunk)).toEqual([]);
    }
    expect(connection.request?.head?.path).toBe('/echo');
    const answer = ascii(response());
    expect(connection.readServer(2, answer.subarray(0, 30))).toEqual([]);
    const events = plain(connection.readServer(3, concat(answer.subarray(30), SERVER_HELLO)));
    expect(events.map((event) => event.type)).toEqual(['handshake', 'frame', 'message']);
    expect(events[0]).toMatchObject({
      type: 'handshake',
      conn: 'c1',
      t: 3,
      request: { method: 'GET', path: '/echo', raw: REQUEST },
      response: { status: 101, reason: 'Switching Protocols' },
      accept: { key: 'dGhlIHNhbXBsZSBub25jZQ==', actual: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', ok: true },
    });
  });

  it('takes the request head the HTTP server already parsed, and reads frames from the first byte', () => {
    const connection = decoder({
      request: { head: { method: 'GET', path: '/', httpVersion: '1.1', headers: [] }, raw: 'GET / HTTP/1.1' },
    });
    expect(connection.readServer(1, ascii(response()))).toHaveLength(1);
    expect(plain(connection.readClient(2, CLIENT_HELLO)).map((event) => event.type)).toEqual([
      'frame',
      'message',
    ]);
  });

  it('decodes frames both ways: the client’s masked with its key, the server’s bare', () => {
    const connection = opened();
    const fromClient = plain(connection.readClient(5, CLIENT_HELLO));
    expect(fromClient[0]).toMatchObject({
      type: 'frame',
      dir: 'client',
      t: 5,
      fin: true,
      opcodeName: 'text',
      masked: true,
      maskKey: '37fa213d',
      payloadLength: 5,
      headerHex: '818537fa213d',
      payload: { text: 'Hello', truncated: false },
    });
    expect(fromClient[1]).toMatchObject({ type: 'message', dir: 'client', text: 'Hello', size: 5 });
    const fromServer = plain(connection.readServer(6, SERVER_HELLO));
    expect(fromServer[0]).toMatchObject({ type: 'frame', dir: 'server', masked: false, maskKey: null });
    expect(fromServer[1]).toMatchObject({ type: 'message', dir: 'server', text: 'Hello' });
  });

  it('hands back a frame split byte by byte only when its last byte arrives', () => {
    const connection = opened();
    const counts = Array.from(CLIENT_HELLO, (byte) => connection.readClient(5, Uint8Array.of(byte)).length);
    expect(counts).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
  });

  it('ends a close handshake with a clean close, initiated by the side that sent the first close', () => {
    const connection = opened();
    expect(plain(connection.readClient(7, CLIENT_CLOSE))[0]).toMatchObject({
      type: 'frame',
      opcodeName: 'close',
      closeCode: 1000,
    });
    connection.readServer(8, SERVER_CLOSE);
    expect(connection.finish(9)).toEqual([
      {
        type: 'close',
        conn: 'c1',
        t: 9,
        code: 1000,
        reason: '',
        initiator: 'client',
        clean: true,
        // WebSocket bytes, counted from the end of each side's HTTP head.
        bytes: { client: CLIENT_CLOSE.length, server: SERVER_CLOSE.length },
      },
    ]);
    expect(connection.finish(10)).toEqual([]);
  });

  it('calls a close answered by no close frame unclean, and no close frame at all 1006 from nobody', () => {
    const answeredNot = opened();
    answeredNot.readServer(7, SERVER_CLOSE);
    expect(answeredNot.finish(8)[0]).toMatchObject({ code: 1000, initiator: 'server', clean: false });
    expect(opened().finish(8)[0]).toMatchObject({ code: 1006, reason: '', initiator: 'none', clean: false });
  });

  it('reports an unmasked client frame as a protocol error with close code 1002 (RFC 6455 §5.1)', () => {
    const connection = opened();
    const events = plain(connection.readClient(5, SERVER_HELLO));
    expect(events.filter((event) => event.type === 'error')).toEqual([
      expect.objectContaining({ conn: 'c1', dir: 'client', code: 'EXPECTED_MASK', closeCode: 1002 }),
    ]);
    expect(events.some((event) => event.type === 'message')).toBe(false);
    // The decoder has failed that direction: later bytes give nothing, the other still decodes.
    expect(connection.readClient(6, CLIENT_HELLO)).toEqual([]);
    expect(plain(connection.readServer(7, SERVER_HELLO)).map((event) => event.type)).toEqual([
      'frame',
      'message',
    ]);
  });

  it('inflates permessage-deflate messages both ways, carrying the window between messages', () => {
    const connection = opened(DEFLATE);
    const fromClient = plain(connection.readClient(5, CLIENT_HELLO_DEFLATED));
    expect(fromClient[0]).toMatchObject({ type: 'frame', rsv1: true, payloadLength: 7 });
    expect(fromClient[1]).toMatchObject({
      type: 'message',
      text: 'Hello',
      size: 5,
      compressed: true,
      compressedSize: 7,
    });
    const fromServer = plain(connection.readServer(6, concat(SERVER_HELLO_DEFLATED, SERVER_HELLO_AGAIN)));
    expect(fromServer.filter((event) => event.type === 'message')).toEqual([
      expect.objectContaining({ text: 'Hello', compressedSize: 7 }),
      expect.objectContaining({ text: 'Hello', compressedSize: 5 }),
    ]);
  });

  it('makes each direction’s inflater with the parameters the 101 answer accepted', () => {
    const made: InflateParams[] = [];
    const connection = decoder({
      inflater: (params) => {
        made.push(params);
        return { inflate: () => ({ ok: true, data: ascii('inflated') }) };
      },
    });
    connection.readClient(1, ascii(REQUEST));
    connection.readServer(
      2,
      ascii(response(`${DEFLATE}; server_no_context_takeover; client_max_window_bits=10`)),
    );
    expect(made).toEqual([
      { windowBits: 10, noContextTakeover: false, maxOutput: 1024 },
      { windowBits: 15, noContextTakeover: true, maxOutput: 0 },
    ]);
    expect(plain(connection.readServer(3, SERVER_HELLO_DEFLATED))[1]).toMatchObject({ text: 'inflated' });
  });

  it('reports a compressed message that does not inflate with 1007, and stops inflating that direction', () => {
    const connection = opened(DEFLATE);
    // BFINAL 1, BTYPE 11: a block type RFC 1951 §3.2.3 reserves as an error.
    const [frame, error] = plain(connection.readServer(5, hex('c1 01 ff')));
    expect(frame).toMatchObject({ type: 'frame', rsv1: true });
    expect(error).toMatchObject({ type: 'error', code: 'INFLATE_FAILED', dir: 'server', closeCode: 1007 });
    expect(plain(connection.readServer(6, SERVER_HELLO_DEFLATED)).map((event) => event.type)).toEqual([
      'frame',
    ]);
  });

  it('without an inflater follows the frames of a compressed connection and gives no message for them', () => {
    const connection = decoder({ inflater: null });
    connection.readClient(1, ascii(REQUEST));
    connection.readServer(2, ascii(response(DEFLATE)));
    expect(plain(connection.readServer(3, SERVER_HELLO_DEFLATED)).map((event) => event.type)).toEqual([
      'frame',
    ]);
    expect(connection.betweenFrames).toBe(true);
    connection.readServer(4, SERVER_HELLO_DEFLATED.subarray(0, 3));
    expect(connection.betweenFrames).toBe(false);
  });

  // Engine.IO's answer to a request for a transport it does not know: a JSON body whose first
  // byte, read as a frame header, would set RSV1-3.
  const TRANSPORT_UNKNOWN = '{"code":0,"message":"Transport unknown"}';

  it('shows a refused answer with its body, and reads nothing after it as frames (RFC 6455 §4.1)', () => {
    const connection = decoder();
    connection.readClient(1, ascii(REQUEST));
    const head = `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${TRANSPORT_UNKNOWN.length}\r\n\r\n`;
    // The body comes in two chunks; the handshake is complete with its last byte.
    expect(connection.readServer(2, ascii(head + TRANSPORT_UNKNOWN.slice(0, 10)))).toEqual([]);
    const events = plain(connection.readServer(3, ascii(TRANSPORT_UNKNOWN.slice(10))));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'handshake',
      // The time of the head: the answer was given then, the body only followed it.
      t: 2,
      response: {
        status: 400,
        reason: 'Bad Request',
        body: { text: TRANSPORT_UNKNOWN, truncated: false, size: TRANSPORT_UNKNOWN.length },
      },
      accept: { ok: false },
    });
    // Whatever the client sends next is not a frame either: no frame, no protocol error.
    expect(connection.readClient(4, CLIENT_HELLO)).toEqual([]);
    expect(plain(connection.finish(5)).map((event) => event.type)).toEqual(['close']);
  });

  it('shows a refused answer without a Content-Length when the connection ends, its body cut at the cap', () => {
    const connection = decoder({ payloadCap: 8 });
    connection.readClient(1, ascii(REQUEST));
    expect(connection.readServer(2, ascii(`HTTP/1.1 404 Not Found\r\n\r\n${TRANSPORT_UNKNOWN}`))).toEqual([]);
    const [handshake, close] = plain(connection.finish(3));
    expect(handshake).toMatchObject({
      type: 'handshake',
      response: { status: 404, body: { text: '{"code":', truncated: true, size: TRANSPORT_UNKNOWN.length } },
    });
    expect(close).toMatchObject({ type: 'close', code: 1006 });
  });

  it('gives a refused answer with no body no body field', () => {
    const connection = decoder();
    connection.readClient(1, ascii(REQUEST));
    const [handshake] = plain(
      connection.readServer(2, ascii('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n')),
    );
    expect(handshake).toMatchObject({ type: 'handshake', response: { status: 403 } });
    expect(handshake).not.toHaveProperty('response.body');
  });

  // Socket.IO's long-poll POST carrying `42["chat","hi"]`, as /proxy relays it: a request that
  // asks no upgrade, so its body is HTTP, not frames. Its first byte, 0x34, read as a frame
  // header, would set RSV3 with opcode 4 (reserved): two protocol errors at once.
  const POLL_BODY = '42["chat","hi"]';
  const POLL_REQUEST = [
    'POST /proxy/socket.io/?EIO=4&transport=polling&sid=abc HTTP/1.1',
    'Host: 127.0.0.1:8765',
    'Content-Type: text/plain;charset=UTF-8',
    `Content-Length: ${POLL_BODY.length}`,
    '',
    '',
  ].join('\r\n');

  it('shows a plain HTTP request’s body with its answer, and reads neither as frames', () => {
    const connection = decoder();
    expect(connection.readClient(1, ascii(POLL_REQUEST + POLL_BODY.slice(0, 4)))).toEqual([]);
    expect(connection.readClient(2, ascii(POLL_BODY.slice(4)))).toEqual([]);
    const events = plain(
      connection.readServer(
        3,
        ascii('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nok'),
      ),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'handshake',
      request: { method: 'POST', body: { text: POLL_BODY, truncated: false, size: POLL_BODY.length } },
      response: { status: 200, body: { text: 'ok', size: 2 } },
    });
    expect(plain(connection.finish(4)).map((event) => event.type)).toEqual(['close']);
  });

  it('gives a request without a body no body field', () => {
    const connection = decoder();
    connection.readClient(
      1,
      ascii('GET /proxy/socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: h\r\n\r\n'),
    );
    const [handshake] = plain(
      connection.readServer(2, ascii('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')),
    );
    expect(handshake).not.toHaveProperty('request.body');
  });
});
