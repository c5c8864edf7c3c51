// The soak's plain HTTP clients: a GET read to the end, and an upgrade request that reports the
// status it got. Loopback only; each has a deadline.
import { request } from 'node:http';

export interface GetResult {
  status: number;
  /** Body bytes read. */
  bytes: number;
  retryAfter: string | undefined;
  ms: number;
}

const TIMEOUT_MS = 120_000;

/** GET `path` with these headers and read the whole body; status 0 when the request failed. */
export function httpGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<GetResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const failed = (): void =>
      resolve({ status: 0, bytes: 0, retryAfter: undefined, ms: performance.now() - started });
    const req = request(
      { host: '127.0.0.1', port, path, headers, agent: false, timeout: TIMEOUT_MS },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            bytes,
            retryAfter: res.headers['retry-after'],
            ms: performance.now() - started,
          }),
        );
        res.once('error', failed);
      },
    );
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', failed);
    req.end();
  });
}

/**
 * An opening handshake (RFC 6455 §4.1) for `path` with extra headers (an `Origin`, say): the status
 * the server answered, 101 included; 0 when the connection failed. The connection is then dropped.
 */
export function upgradeStatus(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      agent: false,
      timeout: 10_000,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version': '13',
        ...headers,
      },
    });
    req.once('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.once('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => resolve(0));
    req.end();
  });
}
