// Exports under load: one is built at a time, none grows past the ceiling, and a file is sent at
// the pace its client reads it.
import { once } from 'node:events';
import { createServer, get as httpGet, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app';
import { copyJournalInTurns, exportable } from '../../server/export/journal-recordings';
import type { RunningServer } from '../../server/server';
import { localPortOf, nextMessages, openEcho, startTestServer, TapRecorder } from './harness';

let server: RunningServer;
let small = '';
// Recorded bytes under the 1 MiB ceiling below, but its HAR (base64, twice each way) over it.
let medium = '';
// Far more than loopback's socket buffers hold: a client that does not read stalls its export.
const MESSAGES = 20;
const MESSAGE_BYTES = 1_000_000;

beforeAll(async () => {
  server = await startTestServer();
  const tap = await TapRecorder.open(server);
  const echo = await openEcho(server);
  const replies = nextMessages(echo, MESSAGES);
  for (let i = 0; i < MESSAGES; i++) echo.send(Buffer.alloc(MESSAGE_BYTES, i));
  await replies;
  echo.close();
  const middling = await openEcho(server);
  medium = await tap.connOf(localPortOf(middling));
  const echoed = nextMessages(middling, 1);
  middling.send(Buffer.alloc(300_000, 7));
  await echoed;
  middling.close();
  const little = await openEcho(server);
  small = await tap.connOf(localPortOf(little));
  const reply = nextMessages(little, 1);
  little.send('hi');
  await reply;
  little.close();
  tap.close();
});
afterAll(async () => {
  await server.close();
});

function request(port: number, path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path }, resolve).on('error', reject);
  });
}

async function readAll(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('exports, one at a time', () => {
  it('answers 429 with Retry-After and the reason while another export is being sent', async () => {
    // Its headers are here and its body is not read: the server is still sending it.
    const first = await request(server.port, '/api/export.pcapng');
    expect(first.statusCode).toBe(200);
    const length = Number(first.headers['content-length']);
    expect(length).toBeGreaterThan(2 * MESSAGES * MESSAGE_BYTES);

    const second = await request(server.port, '/api/export.har');
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('5');
    expect(JSON.parse(String(await readAll(second)))).toEqual({
      error: 'another export is being built; one is built at a time, try again in a few seconds',
    });

    expect((await readAll(first)).length).toBe(length);
    const third = await request(server.port, `/api/export.har?conn=${small}`);
    expect(third.statusCode).toBe(200);
    const body = await readAll(third);
    expect(body.length).toBe(Number(third.headers['content-length']));
    expect(JSON.parse(String(body)).log.entries).toHaveLength(1);
  });
});

describe('the export ceiling', () => {
  let app: Server;
  let port: number;
  beforeAll(async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    app = createServer(
      createApp({
        projectRoot: root,
        webRoot: `${root}no-such-web-root`,
        lessonsDir: `${root}lessons`,
        allowedHosts: [],
        health: () => ({}),
        exportSource: {
          copy: async () => ({
            records: await copyJournalInTurns(server.hub.journal),
            epoch: performance.timeOrigin,
          }),
          has: (conn) => exportable(server.hub.journal, conn),
        },
        exportCeilingBytes: 1024 * 1024,
      }),
    );
    app.listen(0, '127.0.0.1');
    await once(app, 'listening');
    port = (app.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => app.close(resolve));
  });

  it('refuses an export over it with 413 and the reason, as JSON', async () => {
    for (const format of ['har', 'pcapng']) {
      const response = await request(port, `/api/export.${format}`);
      expect(response.statusCode).toBe(413);
      const { error } = JSON.parse(String(await readAll(response))) as { error: string };
      expect(error).toMatch(
        new RegExp(`^the ${format} export would be over 1\\.0 MiB, the most an export may be`),
      );
      expect(error).toMatch(/export one connection with \?conn=/);
    }
  });

  it('gives up building a file that grows past it, with 413', async () => {
    const response = await request(port, `/api/export.har?conn=${medium}`);
    expect(response.statusCode).toBe(413);
    const { error } = JSON.parse(String(await readAll(response))) as { error: string };
    expect(error).toMatch(
      /^the har export would be over 1\.0 MiB, the most an export may be \(it had reached \d+\.\d MiB\)/,
    );
    const pcapng = await request(port, `/api/export.pcapng?conn=${medium}`);
    expect(pcapng.statusCode).toBe(200);
    expect((await readAll(pcapng)).length).toBe(Number(pcapng.headers['content-length']));
  });

  it('still sends an export under it', async () => {
    const response = await request(port, `/api/export.pcapng?conn=${small}`);
    expect(response.statusCode).toBe(200);
    expect((await readAll(response)).length).toBe(Number(response.headers['content-length']));
  });
});
