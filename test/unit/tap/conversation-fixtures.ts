// One echo connection's bytes for the tap's unit tests: its OPEN meta, RFC 6455 §1.3's handshake,
// then a masked "Hello" from the client (§5.7).
import type { OpenMeta } from '../../../core/tap/raw-records';
import { hex } from '../wire/helpers';

export const meta: OpenMeta = {
  kind: 'echo',
  path: '/echo',
  remote: '127.0.0.1:5000',
  local: '127.0.0.1:8765',
  maxPayload: 1 << 20,
  payloadCap: 1024,
};

export const REQUEST = new TextEncoder().encode(
  'GET /echo HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
);

export const RESPONSE = new TextEncoder().encode(
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
);

export const MASKED_HELLO = hex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
