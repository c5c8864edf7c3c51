// Shared pieces for integration tests: a real server on a loopback port, a real tap subscriber,
// and raw TCP clients for the bytes a well-behaved library would never send.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { ConnectionEvent, TapEvent } from '../../core/tap/events';
import { parseHelloBody, RecordKind, readRecords } from '../../core/tap/raw-records';
import { TapStreamDecoder } from '../../core/tap/stream-decoder';
import { encodeFrame, type FrameSpec } from '../../core/wire/frame-encoder';
import { createInflater } from '../../core/wire/inflate';
import { type RunningServer, type ServerOptions, startServer } from '../../server/server';
import type { TapFormat } from '../../server/tap/hub';

export async function startTestServer(options: ServerOptions = {}): Promise<RunningServer> {
  return startServer({ port: 0, host: '127.0.0.1', ...options });
}

/**
 * A self-signed certificate and its key, made by openssl for a TLS server in a test: `names` are
 * its subjectAltNames (`DNS:localhost`, `IP:127.0.0.1`), the first DNS name its CN.
 */
export function selfSignedCertificate(names: string[]): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(path.join(tmpdir(), 'wslab-cert-'));
  try {
    const cn = names.find((name) => name.startsWith('DNS:'))?.slice(4) ?? 'localhost';
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        `/CN=${cn}`,
        '-addext',
        `subjectAltName=${names.join(',')}`,
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A plain `ws` echo server on a loopback port: no tapped endpoint of wslab sees its connections. */
export async function startPlainEcho(): Promise<{ port: number; close(): Promise<void> }> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    socket.on('error', () => {});
  });
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const client of server.clients) client.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export function wsUrl(server: RunningServer, path = '/echo'): string {
  return `ws://127.0.0.1:${server.port}${path}`;
}

/** A tap subscriber that keeps every event and can wait for the ones a test expects. */
export class TapRecorder {
  readonly events: TapEvent[] = [];
  readonly messages: TapEvent[][] = [];
  private waiters: (() => void)[] = [];
  readonly socket: WebSocket;

  private constructor(socket: WebSocket, format: TapFormat) {
    this.socket = socket;
    // The raw stream decoded here as the page decodes it, with the one decoder in core/.
    const decoder = new TapStreamDecoder({ inflater: createInflater });
    socket.on('message', (data: Buffer) => {
      const batch: TapEvent[] = [];
      if (format === 'json') batch.push(...(JSON.parse(String(data)) as TapEvent[]));
      else {
        for (const record of readRecords(data)) {
          if (record.kind === RecordKind.HELLO) {
            const hello = parseHelloBody(record.body)!;
            batch.push({ type: 'hello', ...hello, historyBytes: hello.history });
          }
          for (const event of decoder.decode(record)) batch.push('toJSON' in event ? event.toJSON() : event);
        }
      }
      this.messages.push(batch);
      this.events.push(...batch);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(server: RunningServer, format: TapFormat = 'json'): Promise<TapRecorder> {
    const socket = new WebSocket(wsUrl(server, format === 'raw' ? '/tap?format=raw' : '/tap'));
    const recorder = new TapRecorder(socket, format);
    await once(socket, 'open');
    await recorder.waitFor((e) => e.type === 'hello');
    return recorder;
  }

  of(conn: string): ConnectionEvent[] {
    return this.events.filter((e): e is ConnectionEvent => 'conn' in e && e.conn === conn);
  }

  /**
   * Other connections the tap opened from the same remote address while `conn` was open: a
   * second record of the same TCP connection. Matching by address alone is not enough, as the
   * kernel gives an ephemeral port out again once the connection that had it has gone.
   */
  twinsOf(conn: string): TapEvent[] {
    const start = this.events.findIndex((e) => e.type === 'open' && e.conn === conn);
    if (start < 0) throw new Error(`no open event for ${conn}`);
    const remote = (this.events[start] as { remote: string }).remote;
    const closed = this.events.findIndex((e, i) => i > start && e.type === 'close' && e.conn === conn);
    return this.events
      .slice(start + 1, closed < 0 ? undefined : closed)
      .filter((e) => e.type === 'open' && e.remote === remote);
  }

  /** Waits until `count` events match, and returns them. */
  async waitFor(match: (event: TapEvent) => boolean, count = 1, timeoutMs = 5000): Promise<TapEvent[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.filter(match);
      if (found.length >= count) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting for ${count} matching tap events; saw ${found.length} of ${this.events.length}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The id of the first connection opened whose path and remote port match. */
  async connOf(localPort: number): Promise<string> {
    const [open] = await this.waitFor((e) => e.type === 'open' && e.remote.endsWith(`:${localPort}`));
    return (open as ConnectionEvent).conn;
  }

  close(): void {
    this.socket.close();
  }
}

export async function openEcho(server: RunningServer, query = ''): Promise<WebSocket> {
  const socket = new WebSocket(wsUrl(server, `/echo${query}`));
  await once(socket, 'open');
  return socket;
}

export function localPortOf(socket: WebSocket): number {
  return (socket as unknown as { _socket: Socket })._socket.localPort!;
}

/** A client that speaks WebSocket by hand over TCP, to send exactly the bytes a test wants. */
export class RawClient {
  readonly socket: Socket;
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  ended = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on('close', () => {
      this.ended = true;
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on('error', () => {});
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.setNoDelay(true);
    return new RawClient(socket);
  }

  /** Everything received and not yet read. */
  get pending(): Buffer {
    return this.buffer;
  }

  get localPort(): number {
    return this.socket.localPort!;
  }

  static handshake(path = '/echo', extra: string[] = [], key = 'dGhlIHNhbXBsZSBub25jZQ=='): string {
    return [
      `GET ${path} HTTP/1.1`,
      'Host: 127.0.0.1',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${key}`,
      'Sec-WebSocket-Version: 13',
      ...extra,
      '',
      '',
    ].join('\r\n');
  }

  write(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  /** Waits for the HTTP answer to the handshake and returns it; what follows stays buffered. */
  async readHead(): Promise<string> {
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = this.buffer.subarray(0, end + 4).toString('latin1');
        this.buffer = this.buffer.subarray(end + 4);
        return head;
      }
      await this.next();
    }
  }

  /** Everything received until the server closes the TCP connection. */
  async readToEnd(): Promise<Buffer> {
    while (!this.ended) await this.next();
    return this.buffer;
  }

  async readBytes(count: number): Promise<Buffer> {
    while (this.buffer.length < count && !this.ended) await this.next();
    const out = this.buffer.subarray(0, count);
    this.buffer = this.buffer.subarray(count);
    return out;
  }

  private next(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('raw client: nothing arrived in 5 s')), 5000);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A masked client frame, as a client must send it (RFC 6455 §5.3). */
export function clientFrame(spec: Omit<FrameSpec, 'mask'> & { mask?: FrameSpec['mask'] }): Uint8Array {
  return encodeFrame({ mask: Uint8Array.of(0x11, 0x22, 0x33, 0x44), ...spec });
}

/** Collects the next `count` messages, attached before anything is sent so none is missed. */
export function nextMessages(
  socket: WebSocket,
  count: number,
): Promise<{ data: Buffer; isBinary: boolean }[]> {
  return new Promise((resolve, reject) => {
    const got: { data: Buffer; isBinary: boolean }[] = [];
    const onClose = (): void => reject(new Error(`closed after ${got.length} of ${count} messages`));
    const onMessage = (data: Buffer, isBinary: boolean): void => {
      got.push({ data, isBinary });
      if (got.length === count) {
        socket.off('message', onMessage);
        socket.off('close', onClose);
        resolve(got);
      }
    };
    socket.on('message', onMessage);
    socket.once('close', onClose);
  });
}

/**
 * One server and one tap subscriber for a whole test file: started before the first test,
 * closed after the last. `use` receives them.
 */
export function serveWithTap(
  options: ServerOptions,
  use: (server: RunningServer, tap: TapRecorder) => void,
  format: TapFormat = 'json',
): void {
  let server: RunningServer;
  let tap: TapRecorder;
  beforeAll(async () => {
    server = await startTestServer(options);
    tap = await TapRecorder.open(server, format);
    use(server, tap);
  });
  afterAll(async () => {
    tap.close();
    await server.close();
  });
}
