import { once } from 'node:events';
import { get } from 'node:http';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { TapErrorEvent, TapHandshakeEvent } from '../../core/tap/events';
import type { RunningServer } from '../../server/server';
import { RawClient, serveWithTap, type TapRecorder, wsUrl } from './harness';

let server: RunningServer;
let tap: TapRecorder;

serveWithTap({}, (started, recorder) => {
  server = started;
  tap = recorder;
});

async function rawHandshake(
  request: string,
): Promise<{ head: string; conn: string | null; client: RawClient }> {
  const client = await RawClient.connect(server.port);
  // Read now: once the server has closed a refused connection, the socket forgets its port.
  const localPort = client.localPort;
  client.write(request);
  const head = await client.readHead();
  const opens = await tap
    .waitFor((e) => e.type === 'open' && e.remote.endsWith(`:${localPort}`), 1, 1000)
    .catch(() => []);
  return { head, conn: opens.length > 0 ? (opens[0] as { conn: string }).conn : null, client };
}

describe('the opening handshake', () => {
  it("answers the seed article's plain client on / with 101 and the RFC's accept value", async () => {
    const { head, client } = await rawHandshake(RawClient.handshake('/'));
    expect(head).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    // RFC 6455 §1.3's worked example.
    expect(head).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    client.destroy();
  });

  it('refuses an unknown path with 404 and shows why on the tap', async () => {
    const { head, conn } = await rawHandshake(RawClient.handshake('/nope'));
    expect(head).toMatch(/^HTTP\/1\.1 404 /);
    const handshake = (
      (await tap.waitFor((e) => e.type === 'handshake' && e.conn === conn)) as TapHandshakeEvent[]
    )[0]!;
    expect(handshake.response.status).toBe(404);
    expect(handshake.rejected).toContain('/nope');
    expect(handshake.accept.ok).toBe(false);
    const error = ((await tap.waitFor((e) => e.type === 'error' && e.conn === conn)) as TapErrorEvent[])[0]!;
    expect(error.code).toBe('NOT_FOUND');
  });

  it.each([
    [
      'an Upgrade to another protocol',
      RawClient.handshake('/echo').replace('Upgrade: websocket', 'Upgrade: h2c'),
      400,
      /Upgrade/,
    ],
    [
      'a key that is not 16 bytes of base64',
      RawClient.handshake('/echo', [], 'short'),
      400,
      /Sec-WebSocket-Key/,
    ],
    ['a POST', RawClient.handshake('/echo').replace(/^GET/, 'POST'), 405, /GET/],
  ])('refuses %s', async (_name, request, status, why) => {
    const { head, conn } = await rawHandshake(request);
    expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    const handshake = (
      (await tap.waitFor((e) => e.type === 'handshake' && e.conn === conn)) as TapHandshakeEvent[]
    )[0]!;
    expect(handshake.rejected).toMatch(why);
    const error = ((await tap.waitFor((e) => e.type === 'error' && e.conn === conn)) as TapErrorEvent[])[0]!;
    expect(error.code).toBe('BAD_HANDSHAKE');
  });

  it('answers an unsupported version with 426 and the version it speaks (RFC 6455 §4.4)', async () => {
    const request = RawClient.handshake('/echo').replace(
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Version: 8',
    );
    const { head } = await rawHandshake(request);
    expect(head).toMatch(/^HTTP\/1\.1 426 /);
    expect(head).toContain('Sec-WebSocket-Version: 13');
  });

  it('refuses bad echo parameters with 400 and names the parameter', async () => {
    const { head, conn } = await rawHandshake(RawClient.handshake('/echo?fragment=zero'));
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    const handshake = (
      (await tap.waitFor((e) => e.type === 'handshake' && e.conn === conn)) as TapHandshakeEvent[]
    )[0]!;
    expect(handshake.rejected).toMatch(/fragment must be a whole number/);
  });

  it('keeps the request headers in wire order and case', async () => {
    const request = RawClient.handshake('/echo', ['X-Custom-CASE: Yes', 'x-lower: 1']);
    const { conn, client } = await rawHandshake(request);
    const handshake = (
      (await tap.waitFor((e) => e.type === 'handshake' && e.conn === conn)) as TapHandshakeEvent[]
    )[0]!;
    expect(handshake.request.headers.map(([name]) => name)).toEqual([
      'Host',
      'Upgrade',
      'Connection',
      'Sec-WebSocket-Key',
      'Sec-WebSocket-Version',
      'X-Custom-CASE',
      'x-lower',
    ]);
    expect(handshake.request.raw).toBe(request);
    client.destroy();
  });
});

describe('credentials never reach the tap', () => {
  it('redacts an Authorization header and a key in the URL, in events and in the recording', async () => {
    const secret = 'Sup3rSecret';
    const client = new WebSocket(wsUrl(server, '/echo'), { headers: { Authorization: `Bearer ${secret}` } });
    await once(client, 'open');
    const refused = await rawHandshake(RawClient.handshake(`/echo?key=${secret}`));
    expect(refused.head).toMatch(/^HTTP\/1\.1 400 /);
    await tap.waitFor((e) => e.type === 'handshake' && e.response.status === 400);
    await tap.waitFor(
      (e) => e.type === 'handshake' && e.response.status === 101 && JSON.stringify(e).includes('[redacted]'),
    );
    expect(JSON.stringify(tap.events)).not.toContain(secret);
    const recorded = server
      .recordings()
      .list()
      .flatMap((r) => r.chunks.map((c) => Buffer.from(c.bytes).toString('latin1')));
    expect(recorded.join('')).not.toContain(secret);
    client.close();
  });
});

describe('who may use the tap', () => {
  const tapRequest = (extra: string[], host = '127.0.0.1'): string =>
    RawClient.handshake('/tap', extra).replace('Host: 127.0.0.1', `Host: ${host}`);

  it('accepts a page from its own origin and a client that sends no Origin', async () => {
    const own = new WebSocket(wsUrl(server, '/tap'), { origin: `http://127.0.0.1:${server.port}` });
    await once(own, 'open');
    own.close();
    const none = new WebSocket(wsUrl(server, '/tap'));
    await once(none, 'open');
    none.close();
  });

  it('refuses a cross-site page with 403 and shows the refusal on the tap', async () => {
    const { head, conn } = await rawHandshake(tapRequest(['Origin: http://evil.example']));
    expect(head).toMatch(/^HTTP\/1\.1 403 /);
    const error = ((await tap.waitFor((e) => e.type === 'error' && e.conn === conn)) as TapErrorEvent[])[0]!;
    expect(error.code).toBe('FORBIDDEN_ORIGIN');
  });

  it('refuses the opaque origin of a sandboxed frame', async () => {
    const { head } = await rawHandshake(tapRequest(['Origin: null']));
    expect(head).toMatch(/^HTTP\/1\.1 403 /);
  });

  it('refuses a Host name that a DNS rebinding attack would use', async () => {
    const { head, conn } = await rawHandshake(tapRequest([], `attacker.example:${server.port}`));
    expect(head).toMatch(/^HTTP\/1\.1 403 /);
    const error = ((await tap.waitFor((e) => e.type === 'error' && e.conn === conn)) as TapErrorEvent[])[0]!;
    expect(error.code).toBe('FORBIDDEN_HOST');
  });

  it('refuses the same Host name on the HTTP API', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      get(
        { host: '127.0.0.1', port: server.port, path: '/api/lessons', headers: { Host: 'attacker.example' } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      ).on('error', reject);
    });
    expect(status).toBe(403);
  });

  it('tells a plain HTTP GET on a WebSocket path what the path is', async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/echo`);
    expect(response.status).toBe(426);
    expect(await response.text()).toMatch(/WebSocket endpoint/);
  });
});
