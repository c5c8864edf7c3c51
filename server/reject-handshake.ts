import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HeaderList } from '../core/wire/handshake';

/**
 * Refuses an opening handshake with a plain HTTP answer and closes the socket, the way a server
 * must when it will not switch protocols (RFC 6455 §4.2.2: any status but 101). Returns the
 * answer's raw head so the tap can show exactly what was sent.
 */
export function rejectHandshake(
  socket: Duplex,
  status: number,
  reason: string,
  extraHeaders: HeaderList = [],
): string {
  const body = `${reason}\n`;
  const headers: HeaderList = [
    ['Connection', 'close'],
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', String(Buffer.byteLength(body))],
    ...extraHeaders,
  ];
  const head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${headers.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n`;
  if (socket.writable) {
    socket.write(head + body);
  }
  socket.destroy();
  return head;
}
