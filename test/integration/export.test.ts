// The exports against what the tap showed: one real conversation (text, binary, a fragmented
// reply, pings, a 70 000-byte message, permessage-deflate, closes with codes), then the HAR's
// frame-level record must equal the tap's events, and tshark must dissect the pcapng into the
// same frames.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Har } from '../../core/har/har-format';
import { importHar } from '../../core/har/har-import';
import type { ConnectionEvent, PayloadView, TapFrameEvent, TapMessageEvent } from '../../core/tap/events';
import type { Direction } from '../../core/wire/direction';
import type { RunningServer } from '../../server/server';
import { readPackets, readSegment, reassemble } from '../unit/export/pcap-reader';
import { localPortOf, nextMessages, openEcho, startTestServer, TapRecorder, wsUrl } from './harness';

let server: RunningServer;
let tap: TapRecorder;
let dir: string;
/** The three connections of the conversation, by what they show. */
const conns = { plain: '', fragmented: '', deflated: '' };
const big = 'x'.repeat(70_000);

async function closeAndWait(socket: WebSocket, conn: string, code: number, reason = ''): Promise<void> {
  socket.close(code, reason);
  await tap.waitFor((e) => e.type === 'close' && e.conn === conn);
}

beforeAll(async () => {
  server = await startTestServer();
  tap = await TapRecorder.open(server);
  dir = await mkdtemp(join(tmpdir(), 'wslab-export-'));

  // Text, binary and a message past the tap's 64 KiB payload cap; the server pings every 50 ms.
  const plain = await openEcho(server, '?ping=50');
  conns.plain = await tap.connOf(localPortOf(plain));
  const replies = nextMessages(plain, 3);
  plain.send('hello');
  plain.send(Buffer.from([0, 1, 2, 255]));
  plain.send(big);
  await replies;
  await tap.waitFor((e) => e.type === 'frame' && e.conn === conns.plain && e.opcodeName === 'pong');
  await closeAndWait(plain, conns.plain, 4001, 'done');

  // Replies in 4-byte frames: continuation frames, FIN on the last.
  const fragmented = await openEcho(server, '?fragment=4');
  conns.fragmented = await tap.connOf(localPortOf(fragmented));
  const fragments = nextMessages(fragmented, 2);
  fragmented.send('fragment me');
  fragmented.send(Buffer.from('0123456789'));
  await fragments;
  await closeAndWait(fragmented, conns.fragmented, 1000);

  // permessage-deflate both ways, context kept between messages.
  const deflated = new WebSocket(wsUrl(server, '/echo?deflate=1'), { perMessageDeflate: { threshold: 0 } });
  await once(deflated, 'open');
  conns.deflated = await tap.connOf(localPortOf(deflated));
  const inflated = nextMessages(deflated, 3);
  deflated.send('compress me, compress me, compress me');
  deflated.send('compress me, compress me, compress me');
  deflated.send(Buffer.alloc(300, 7));
  await inflated;
  await closeAndWait(deflated, conns.deflated, 1000, 'bye');
});

afterAll(async () => {
  tap.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function get(path: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${server.port}${path}`);
}

async function har(query = ''): Promise<Har> {
  const response = await get(`/api/export.har${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Har;
}

async function pcapng(query = ''): Promise<Uint8Array> {
  const response = await get(`/api/export.pcapng${query}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/x-pcapng');
  return new Uint8Array(await response.arrayBuffer());
}

function bytesOf(view: { text?: string; base64?: string }): Buffer {
  return view.text !== undefined ? Buffer.from(view.text) : Buffer.from(view.base64 ?? '', 'base64');
}

/**
 * An exported event against the tap's: equal in every field, except that the export keeps whole
 * payloads where the tap cut them at its cap, and its `t` is when the bytes were recorded, a moment
 * before the tap stamped the event.
 */
function expectSameEvent(exported: ConnectionEvent, tapped: ConnectionEvent): void {
  expect(exported.type).toBe(tapped.type);
  expect(exported.t).toBeLessThanOrEqual(tapped.t);
  expect(tapped.t - exported.t).toBeLessThan(50);
  const strip = (event: ConnectionEvent, payload: boolean): Record<string, unknown> => {
    const { t: _t, ...rest } = event as unknown as Record<string, unknown>;
    if (payload) for (const key of ['payload', 'text', 'base64', 'truncated']) delete rest[key];
    return rest;
  };
  const view = (e: ConnectionEvent): PayloadView | null =>
    e.type === 'frame' ? e.payload : e.type === 'message' ? e : null;
  const tappedView = view(tapped);
  if (tappedView?.truncated) {
    const whole = bytesOf(view(exported)!);
    const cut = bytesOf(tappedView);
    expect(view(exported)!.truncated).toBe(false);
    expect(whole.subarray(0, cut.length).equals(cut)).toBe(true);
    expect(strip(exported, true)).toEqual(strip(tapped, true));
  } else {
    expect(strip(exported, false)).toEqual(strip(tapped, false));
  }
}

describe('GET /api/export.har', () => {
  it('holds one entry per connection whose _wslab events are the tap’s, frame for frame', async () => {
    const log = (await har()).log;
    expect(log.creator.name).toBe('wslab');
    for (const conn of Object.values(conns)) {
      const entry = log.entries.find((e) => e._wslab.conn === conn);
      expect(entry, conn).toBeDefined();
      const tapped = tap.of(conn);
      expect(entry!._wslab.events.map((e) => e.type)).toEqual(tapped.map((e) => e.type));
      entry!._wslab.events.forEach((event, i) => {
        expectSameEvent(event, tapped[i]!);
      });
    }
  });

  it('shows what each connection was about: pings, fragments, RSV1, close codes, the big message whole', async () => {
    const log = (await har()).log;
    const events = (conn: string) => log.entries.find((e) => e._wslab.conn === conn)!._wslab.events;
    const frames = (conn: string) => events(conn).filter((e): e is TapFrameEvent => e.type === 'frame');
    expect(frames(conns.plain).some((f) => f.opcodeName === 'ping' && f.dir === 'server')).toBe(true);
    expect(frames(conns.plain).find((f) => f.payloadLength === 70_000)).toMatchObject({
      dir: 'client',
      payload: { text: big, truncated: false },
    });
    expect(events(conns.plain).at(-1)).toMatchObject({
      type: 'close',
      code: 4001,
      reason: 'done',
      clean: true,
    });
    const reply = frames(conns.fragmented).filter((f) => f.dir === 'server' && f.opcode !== 8);
    expect(reply.slice(0, 3).map((f) => [f.opcodeName, f.fin])).toEqual([
      ['text', false],
      ['continuation', false],
      ['continuation', false],
    ]);
    expect(
      frames(conns.deflated)
        .filter((f) => f.opcode === 1)
        .every((f) => f.rsv1),
    ).toBe(true);
    expect(log.entries.find((e) => e._wslab.conn === conns.deflated)!._wslab.deflate).not.toBeNull();
  });

  it('lists the tap’s messages in _webSocketMessages as Chrome writes them', async () => {
    const log = (await har()).log;
    for (const conn of Object.values(conns)) {
      const entry = log.entries.find((e) => e._wslab.conn === conn)!;
      const messages = tap.of(conn).filter((e): e is TapMessageEvent => e.type === 'message');
      expect(
        entry._webSocketMessages.map((m) => [
          m.type,
          m.opcode,
          bytesOf(m.opcode === 1 ? { text: m.data } : { base64: m.data }).length,
        ]),
      ).toEqual(
        messages.map((m) => [
          m.dir === 'client' ? 'send' : 'receive',
          m.opcodeName === 'text' ? 1 : 2,
          m.size,
        ]),
      );
      entry._webSocketMessages.forEach((m, i) => {
        const wall = (log._wslab.epoch + messages[i]!.t) / 1000;
        expect(Math.abs(m.time - wall)).toBeLessThan(0.05);
      });
    }
    const deflated = log.entries.find((e) => e._wslab.conn === conns.deflated)!;
    expect(deflated._webSocketMessages[0]).toMatchObject({
      type: 'send',
      opcode: 1,
      data: 'compress me, compress me, compress me',
    });
    expect(deflated.request.url).toBe(`ws://127.0.0.1:${server.port}/echo?deflate=1`);
    expect(deflated.response.status).toBe(101);
  });

  it('imports back into the same events', async () => {
    const response = await get(`/api/export.har?conn=${conns.fragmented}`);
    const result = importHar(await response.text());
    if (!result.ok) throw new Error(result.error);
    expect(result.connections.map((c) => c.conn)).toEqual([conns.fragmented]);
    expect(result.connections[0]!.events.map((e) => e.type)).toEqual(
      tap.of(conns.fragmented).map((e) => e.type),
    );
  });

  it('exports one connection with ?conn=, and says why when there is no such recording', async () => {
    const response = await get(`/api/export.har?conn=${conns.fragmented}`);
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="wslab-${conns.fragmented}.har"`,
    );
    const log = ((await response.json()) as Har).log;
    expect(log.entries.map((e) => e._wslab.conn)).toEqual([conns.fragmented]);

    const missing = await get('/api/export.har?conn=c999');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toMatch(/no recording of connection c999/);
    const bad = await get('/api/export.pcapng?conn=../etc');
    expect(bad.status).toBe(400);
  });

  it('is behind the API’s Host check', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      httpRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/api/export.har',
          headers: { Host: 'attacker.example' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403);
  });
});

describe('GET /api/export.pcapng', () => {
  it('carries each connection’s recorded bytes, in order, in a TCP stream with the real ports', async () => {
    const packets = readPackets(await pcapng()).map((p) => readSegment(p.data));
    for (const conn of Object.values(conns)) {
      const [recording] = server.recordings().list(conn);
      const clientPort = Number(recording!.remote.split(':').at(-1));
      const mine = packets.filter((s) => s.srcPort === clientPort || s.dstPort === clientPort);
      expect(mine[0]).toMatchObject({
        src: '127.0.0.1',
        srcPort: clientPort,
        dstPort: server.port,
        flags: { syn: true },
      });
      const expected = (dir: Direction) =>
        Buffer.concat(recording!.chunks.filter((c) => c.dir === dir).map((c) => c.bytes));
      const streams = reassemble(mine, clientPort);
      expect(Buffer.from(streams.client).equals(expected('client'))).toBe(true);
      expect(Buffer.from(streams.server).equals(expected('server'))).toBe(true);
      expect(mine.at(-1)!.flags).toMatchObject({ ack: true, fin: false });
      expect(mine.filter((s) => s.flags.fin)).toHaveLength(2);
    }
  });

  it('exports one connection with ?conn=', async () => {
    const packets = readPackets(await pcapng(`?conn=${conns.plain}`)).map((p) => readSegment(p.data));
    const ports = new Set(packets.map((s) => (s.srcPort === server.port ? s.dstPort : s.srcPort)));
    expect(ports.size).toBe(1);
    // The 70 000-byte message does not fit one segment.
    expect(Math.max(...packets.map((s) => s.payload.length))).toBeLessThanOrEqual(65495);
  });
});

// ---- tshark ----

interface Dissected {
  conn: string;
  dir: Direction;
  opcode: number;
  masked: boolean;
  payloadLength: number;
  payload: Buffer;
}

async function tshark(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tshark', args, { maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
        reject(new Error('tshark is not installed; install it with: apt-get install -y tshark'));
      } else if (error) {
        // Running as root makes tshark warn on stderr; only the exit status counts.
        reject(new Error(`tshark ${args.join(' ')} failed (${error.message}): ${stderr}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

type Layers = Record<string, unknown>;
const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Every WebSocket frame tshark finds, in order, with the connection it belongs to. */
function dissect(json: string, connOfPort: Map<number, string>): Dissected[] {
  const out: Dissected[] = [];
  for (const packet of JSON.parse(json) as { _source: { layers: Layers } }[]) {
    const layers = packet._source.layers;
    const tcp = list(layers.tcp as Layers | Layers[])[0]!;
    const srcPort = Number(tcp['tcp.srcport']);
    const dstPort = Number(tcp['tcp.dstport']);
    const dir = srcPort === server.port ? 'server' : 'client';
    const conn = connOfPort.get(dir === 'server' ? dstPort : srcPort);
    if (!conn) continue;
    for (const ws of list(layers.websocket as Layers | Layers[])) {
      const length =
        ws['websocket.payload_length_ext_64'] ??
        ws['websocket.payload_length_ext_16'] ??
        ws['websocket.payload_length'];
      const raw = list(ws['websocket.payload_raw'] as unknown[])[0];
      out.push({
        conn,
        dir,
        opcode: Number(ws['websocket.opcode']),
        masked: ws['websocket.mask'] === '1' || ws['websocket.mask'] === 'True',
        payloadLength: Number(length),
        payload: Buffer.from(typeof raw === 'string' ? raw : '', 'hex'),
      });
    }
  }
  return out;
}

describe('the pcapng in tshark', () => {
  it('dissects as WebSocket with every frame’s opcode, mask bit, length and unmasked payload as the tap showed', async () => {
    const file = join(dir, 'session.pcapng');
    await writeFile(file, await pcapng());
    const json = await tshark([
      '-r',
      file,
      '-d',
      `tcp.port==${server.port},http`,
      '-T',
      'json',
      '--no-duplicate-keys',
      '-x',
      '-j',
      'tcp websocket',
    ]);
    const connOfPort = new Map(
      Object.values(conns).map((conn) => [
        Number(server.recordings().list(conn)[0]!.remote.split(':').at(-1)),
        conn,
      ]),
    );
    const dissected = dissect(json, connOfPort);
    for (const conn of Object.values(conns)) {
      for (const dir of ['client', 'server'] as const) {
        const tapped = tap.of(conn).filter((e): e is TapFrameEvent => e.type === 'frame' && e.dir === dir);
        const seen = dissected.filter((d) => d.conn === conn && d.dir === dir);
        expect(tapped.length, `${conn} ${dir}`).toBeGreaterThan(1);
        expect(
          seen.map((d) => [d.opcode, d.masked, d.payloadLength]),
          `${conn} ${dir}`,
        ).toEqual(tapped.map((f) => [f.opcode, f.masked, f.payloadLength]));
        seen.forEach((d, i) => {
          const shown = bytesOf(tapped[i]!.payload);
          // The tap cuts payloads at its cap; tshark has them whole.
          expect(d.payload.length, `${conn} ${dir} frame ${i}`).toBe(tapped[i]!.payloadLength);
          expect(d.payload.subarray(0, shown.length).equals(shown), `${conn} ${dir} frame ${i}`).toBe(true);
        });
      }
    }
    expect(dissected.some((d) => d.payloadLength === 70_000)).toBe(true);
  });

  it('finds every IPv4 and TCP checksum good, and no sequence trouble', async () => {
    const file = join(dir, 'checksums.pcapng');
    await writeFile(file, await pcapng());
    const fields = await tshark([
      '-r',
      file,
      '-o',
      'ip.check_checksum:TRUE',
      '-o',
      'tcp.check_checksum:TRUE',
      '-T',
      'fields',
      '-e',
      'ip.checksum.status',
      '-e',
      'tcp.checksum.status',
    ]);
    const rows = fields.trim().split('\n');
    expect(rows.length).toBeGreaterThan(20);
    // Wireshark's checksum status: 1 is good (0 bad, 2 unverified).
    expect(new Set(rows)).toEqual(new Set(['1\t1']));
    const problems = await tshark([
      '-r',
      file,
      '-d',
      `tcp.port==${server.port},http`,
      '-Y',
      'tcp.analysis.flags && !tcp.analysis.window_update',
    ]);
    expect(problems.trim()).toBe('');
  });
});
