import { describe, expect, it } from 'vitest';
import { ConnectionProtocol } from '../../../core/protocols/detect';
import { MAX_BUFFERED_BYTES } from '../../../core/protocols/message-units';
import type { DecodedMessage, ProtocolMessage } from '../../../core/protocols/protocol';
import { readStompFrame, stomp } from '../../../core/protocols/stomp';
import { utf8 } from '../../../core/wire/bytes';
import { contextOf, loadTraffic, messagesOf } from './recorded-traffic';

const traffic = loadTraffic('stomp');
const session = traffic.connections[0]!;

function decodeAll(messages: ProtocolMessage[]): DecodedMessage[] {
  const decoder = stomp.create();
  return messages.map((m) => decoder.decode(m));
}

const codes = (d: DecodedMessage) => d.warnings.map((w) => w.code);

describe('STOMP decoder on frames written by @stomp/stompjs', () => {
  const protocol = new ConnectionProtocol(contextOf(session));
  const decoded = messagesOf(session).map((m) => protocol.decode(m)!);

  it('is chosen by the negotiated v12.stomp subprotocol', () => {
    expect(protocol.protocol?.id).toBe('stomp');
  });

  it('names every frame by its command, and a bare EOL as a heart-beat', () => {
    expect(decoded.map((d) => d.kind)).toEqual([
      'CONNECT',
      'CONNECTED',
      'SUBSCRIBE',
      'SEND',
      'MESSAGE',
      'RECEIPT',
      'ACK',
      'SEND',
      'heart-beat',
      'UNSUBSCRIBE',
      'DISCONNECT',
      'RECEIPT',
    ]);
    expect(decoded.flatMap(codes)).toEqual([]);
  });

  it('labels frames with their destination, subscription and version', () => {
    expect(decoded[0]!.label).toBe('CONNECT accepts 1.2,1.1,1.0');
    expect(decoded[1]!.label).toBe('CONNECTED 1.2 heart-beat 0,20');
    expect(decoded[2]!.label).toBe('SUBSCRIBE /topic/chat · sub-0');
    expect(decoded[4]!.label).toBe('MESSAGE /topic/chat · sub-0 · 21 B');
    expect(decoded[4]!.name).toBe('/topic/chat');
    expect(decoded[9]!.label).toBe('UNSUBSCRIBE /topic/chat · sub-0');
  });

  it('reads headers and the body, up to content-length and the NULL', () => {
    expect(decoded[3]!.tree).toEqual({
      command: 'SEND',
      headers: { destination: '/topic/chat', receipt: 'r-1', 'content-length': '21' },
      body: 'hello: world\nline two',
    });
  });

  it('shows a binary body, NULL octets included, as bytes', () => {
    expect(decoded[7]!.tree).toMatchObject({ body: { hex: '00 01 02 ff', bytes: 4 } });
  });

  it('links a SUBSCRIBE to its MESSAGEs and UNSUBSCRIBE, and the MESSAGE to its ACK', () => {
    const withSub = decoded.filter((d) => d.links.includes('sub:sub-0')).map((d) => d.kind);
    expect(withSub).toEqual(['SUBSCRIBE', 'MESSAGE', 'ACK', 'UNSUBSCRIBE']);
    const acked = decoded.filter((d) => d.links.includes('ack:a-1')).map((d) => d.kind);
    expect(acked).toEqual(['MESSAGE', 'ACK']);
  });

  it('links each RECEIPT to the frame that asked for it', () => {
    expect(decoded.filter((d) => d.links.includes('receipt:r-1')).map((d) => d.kind)).toEqual([
      'SEND',
      'RECEIPT',
    ]);
    expect(decoded.filter((d) => d.links.includes('receipt:close-0')).map((d) => d.kind)).toEqual([
      'DISCONNECT',
      'RECEIPT',
    ]);
  });

  it('labels an ERROR with its message header', () => {
    const [error] = decodeAll(messagesOf(traffic.connections[1]!));
    expect(error!.kind).toBe('ERROR');
    expect(error!.label).toBe('ERROR · malformed frame received · 14 B');
  });
});

describe('STOMP framing', () => {
  const messages = messagesOf(session);
  const send = messages[3]!.data as string;

  it('reads a frame split over two WebSocket messages once the NULL arrives', () => {
    const decoded = decodeAll([
      ...messages.slice(0, 3),
      { dir: 'client', data: send.slice(0, 30) },
      { dir: 'client', data: send.slice(30) },
    ]);
    expect(decoded[3]!.kind).toBe('partial');
    expect(decoded[3]!.label).toBe('part of a frame · 30 bytes so far');
    expect(decoded[4]!.kind).toBe('SEND');
    expect(decoded[4]!.tree).toMatchObject({ body: 'hello: world\nline two' });
  });

  it('reads two frames and a heart-beat in one WebSocket message', () => {
    const subscribe = messages[2]!.data as string;
    const decoded = decodeAll([...messages.slice(0, 2), { dir: 'client', data: `${subscribe}${send}\n` }]);
    expect(decoded[2]!.kind).toBe('SUBSCRIBE+SEND');
    expect(decoded[2]!.label).toBe('SUBSCRIBE /topic/chat · sub-0 + SEND /topic/chat · 21 B');
    expect(decoded[2]!.links).toEqual(['sub:sub-0', 'receipt:r-1']);
  });

  it('stops following a direction whose frame never ends, rather than hold its bytes without bound', () => {
    const endless = new Uint8Array(MAX_BUFFERED_BYTES + 1).fill(0x41);
    const decoded = decodeAll([
      ...messages.slice(0, 2),
      { dir: 'client', data: 'SEND\ndestination:/q\n\n' },
      { dir: 'client', data: endless },
      messages[2]!,
      messages[4]!,
    ]);
    expect(codes(decoded[3]!)).toEqual(['STREAM_LOST']);
    expect(decoded[4]!.label).toBe('not decoded · stream lost');
    expect(codes(decoded[4]!)).toEqual([]);
    // The other direction is still read.
    expect(decoded[5]!.kind).toBe('MESSAGE');
  });

  it('accepts CRLF line ends and unescapes 1.2 header values', () => {
    const read = readStompFrame(utf8('MESSAGE\r\nsubscription:a\\cb\r\nx:1\\n2\\\\\r\n\r\nhi\0'), 0, true);
    expect(read && 'frame' in read ? read.frame.headers : null).toEqual([
      ['subscription', 'a:b'],
      ['x', '1\n2\\'],
    ]);
  });

  it('leaves CONNECT headers as they are, and reports an undefined escape elsewhere', () => {
    const connect = readStompFrame(utf8('CONNECT\npasscode:a\\tb\n\n\0'), 0, true);
    expect(connect && 'frame' in connect ? connect.frame.headers : null).toEqual([['passcode', 'a\\tb']]);
    const send = readStompFrame(utf8('SEND\ndestination:a\\tb\n\n\0'), 0, true);
    expect(send && 'frame' in send ? send.frame.problems[0] : null).toMatch(/undefined escape sequence/);
  });
});

describe('STOMP order warnings', () => {
  const messages = messagesOf(session);

  it('warns of a client frame before CONNECT and a server frame before CONNECTED', () => {
    const decoded = decodeAll([messages[2]!, messages[4]!]);
    expect(codes(decoded[0]!)).toEqual(['BEFORE_CONNECT']);
    expect(codes(decoded[1]!)).toEqual(['BEFORE_CONNECTED']);
  });

  it('warns of a MESSAGE for a subscription the client never made', () => {
    const decoded = decodeAll([messages[0]!, messages[1]!, messages[4]!]);
    expect(codes(decoded[2]!)).toEqual(['UNKNOWN_SUBSCRIPTION']);
  });

  it('warns of a frame after DISCONNECT and a missing destination', () => {
    const decoded = decodeAll([
      messages[0]!,
      messages[1]!,
      messages[10]!,
      { dir: 'client', data: 'SEND\ncontent-length:0\n\n\0' },
    ]);
    expect(codes(decoded[3]!)).toEqual(['MISSING_HEADER', 'AFTER_DISCONNECT']);
  });

  it('keeps a label on one line when a header value holds an escaped newline', () => {
    const [error] = decodeAll([{ dir: 'server', data: 'ERROR\nmessage:bad\\nframe\n\n\0' }]);
    expect(error!.label).toBe('ERROR · bad\\u000aframe');
    expect(error!.tree).toMatchObject({ headers: { message: 'bad\nframe' } });
  });

  it('warns of a second RECEIPT for one receipt id', () => {
    const decoded = decodeAll([...messages.slice(0, 6), messages[5]!]);
    expect(codes(decoded[5]!)).toEqual([]);
    expect(codes(decoded[6]!)).toEqual(['UNKNOWN_RECEIPT']);
  });

  it('warns of a server frame after ERROR, since ERROR ends the connection', () => {
    const error = messagesOf(traffic.connections[1]!)[0]!;
    const decoded = decodeAll([
      messages[0]!,
      messages[1]!,
      error,
      { dir: 'server', data: 'RECEIPT\nreceipt-id:x\n\n\0' },
    ]);
    expect(codes(decoded[3]!)).toEqual(['AFTER_ERROR', 'UNKNOWN_RECEIPT']);
  });

  it('recognises a STOMP connection by its CONNECT frame when no subprotocol was negotiated', () => {
    const protocol = new ConnectionProtocol({ subprotocol: null, path: '/ws' }, [stomp]);
    expect(protocol.decode(messages[0]!)?.kind).toBe('CONNECT');
  });
});
