// Classroom mode: two learners on one server, each with a session of their own (a cookie from
// `GET /`), must never see each other's connections — on the tap in either format, in the history
// a late subscriber is greeted with (EVICTED records included), or in the exports — and a
// snippet's socket, which carries a run capability instead of the cookie, must count as its
// learner's and only while the run lasts.
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RUN_CAPABILITY_PARAM } from '../../core/routes';
import type { ConnectionEvent, TapEvent } from '../../core/tap/events';
import { parseHelloBody, RECORD_HEADER_BYTES, RecordKind, readRecords } from '../../core/tap/raw-records';
import { TapStreamDecoder } from '../../core/tap/stream-decoder';
import { createInflater } from '../../core/wire/inflate';
import type { RunningServer } from '../../server/server';
import { TAPS_PER_LEARNER, type TapFormat } from '../../server/tap/hub';
import { WORKBENCH_CONTROLS_PER_LEARNER } from '../../server/workbench/workbench';
import { learnerCookie } from './classroom-client';
import { localPortOf, nextMessages, startTestServer, wsUrl } from './harness';

/** A learner's tap: events decoded as the page decodes them, waited for by predicate. */
class LearnerTap {
  readonly events: TapEvent[] = [];
  readonly rawKinds: number[] = [];
  /** The raw HELLO's count of history bytes, and the bytes of records sent since (EVICTED aside). */
  announced = -1;
  recordBytes = 0;

  private constructor(readonly socket: WebSocket) {}

  static async open(
    server: RunningServer,
    format: TapFormat,
    headers: Record<string, string>,
  ): Promise<LearnerTap> {
    const socket = new WebSocket(wsUrl(server, format === 'raw' ? '/tap?format=raw' : '/tap'), { headers });
    const tap = new LearnerTap(socket);
    const decoder = new TapStreamDecoder({ inflater: createInflater });
    socket.on('message', (data: Buffer) => {
      if (format === 'json') tap.events.push(...(JSON.parse(String(data)) as TapEvent[]));
      else
        for (const record of readRecords(data)) {
          tap.rawKinds.push(record.kind);
          if (record.kind === RecordKind.HELLO) tap.announced = parseHelloBody(record.body)!.history;
          else if (record.kind !== RecordKind.EVICTED)
            tap.recordBytes += RECORD_HEADER_BYTES + record.body.length;
          for (const event of decoder.decode(record))
            tap.events.push('toJSON' in event ? event.toJSON() : event);
        }
    });
    await once(socket, 'open');
    return tap;
  }

  /** The remote ports of every connection this tap has been told about. */
  get ports(): Set<number> {
    const ports = new Set<number>();
    for (const event of this.events) {
      if (event.type === 'open') {
        ports.add(Number(String(event.remote).split(':').pop()));
      }
    }
    return ports;
  }

  opens(): ConnectionEvent[] {
    return this.events.filter((e): e is ConnectionEvent => e.type === 'open');
  }

  async waitFor(match: (event: TapEvent) => boolean, timeoutMs = 5000): Promise<TapEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out; the tap saw ${this.events.length} events`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async waitForPort(port: number): Promise<void> {
    await this.waitFor(
      (e) => e.type === 'open' && String((e as { remote: string }).remote).endsWith(`:${port}`),
    );
  }

  close(): void {
    this.socket.close();
  }
}

const session = (server: RunningServer): Promise<string> => learnerCookie(server.url);

async function openEchoAs(
  server: RunningServer,
  headers: Record<string, string>,
  query = '',
): Promise<WebSocket> {
  const socket = new WebSocket(wsUrl(server, `/echo${query}`), { headers });
  await once(socket, 'open');
  return socket;
}

/** The status an upgrade is refused with, and the reason in its body. */
async function refusal(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const socket = new WebSocket(url, { headers });
  socket.on('error', () => {});
  const [, response] = (await once(socket, 'unexpected-response')) as [unknown, IncomingMessage];
  let body = '';
  for await (const chunk of response) body += String(chunk);
  return { status: response.statusCode ?? 0, body };
}

async function capabilityFor(server: RunningServer, cookie: string): Promise<string> {
  const response = await fetch(`${server.url}api/run-capability`, {
    method: 'POST',
    headers: { Cookie: cookie },
  });
  expect(response.status).toBe(200);
  const answer = (await response.json()) as { capability: string; expiresAt: number };
  // Its learner id, then 128 random bits: the id is what a load balancer routes the snippet by.
  expect(answer.capability).toMatch(/^l\d+\.[\w-]{22}$/);
  expect(answer.expiresAt).toBeGreaterThan(Date.now());
  return answer.capability;
}

async function exported(server: RunningServer, format: 'har' | 'pcapng', cookie: string, conn?: string) {
  const query = conn ? `?conn=${conn}` : '';
  return fetch(`${server.url}api/export.${format}${query}`, { headers: { Cookie: cookie } });
}

async function echoOnce(socket: WebSocket, text: string): Promise<void> {
  const reply = nextMessages(socket, 1);
  socket.send(text);
  await reply;
}

describe('a classroom server with two learners', () => {
  let server: RunningServer;
  let alice: string;
  let bob: string;
  let aliceTaps: LearnerTap[];
  let bobTaps: LearnerTap[];
  let alicePort: number;
  let bobPort: number;
  let aliceConn: string;
  let bobConn: string;

  beforeAll(async () => {
    server = await startTestServer({ classroom: true, decodeTapOffThread: false });
    alice = await session(server);
    bob = await session(server);
    expect(alice).not.toBe(bob);
    aliceTaps = [
      await LearnerTap.open(server, 'json', { Cookie: alice }),
      await LearnerTap.open(server, 'raw', { Cookie: alice }),
    ];
    bobTaps = [
      await LearnerTap.open(server, 'json', { Cookie: bob }),
      await LearnerTap.open(server, 'raw', { Cookie: bob }),
    ];
    const a = await openEchoAs(server, { Cookie: alice });
    const b = await openEchoAs(server, { Cookie: bob });
    alicePort = localPortOf(a);
    bobPort = localPortOf(b);
    await echoOnce(a, 'alpha: my password is hunter2');
    await echoOnce(b, 'bravo: my password is swordfish');
    for (const tap of aliceTaps) await tap.waitForPort(alicePort);
    for (const tap of bobTaps) await tap.waitForPort(bobPort);
    aliceConn = (
      aliceTaps[0]!
        .opens()
        .find((e) => String((e as { remote: string }).remote).endsWith(`:${alicePort}`)) as ConnectionEvent
    ).conn;
    bobConn = (
      bobTaps[0]!
        .opens()
        .find((e) => String((e as { remote: string }).remote).endsWith(`:${bobPort}`)) as ConnectionEvent
    ).conn;
    a.close(1000);
    b.close(1000);
    await aliceTaps[0]!.waitFor((e) => e.type === 'close' && e.conn === aliceConn);
    await bobTaps[0]!.waitFor((e) => e.type === 'close' && e.conn === bobConn);
    await server.hub.flush();
  });

  afterAll(async () => {
    for (const tap of [...aliceTaps, ...bobTaps]) tap.close();
    await server.close();
  });

  it('shows each learner only their own connections on the live tap, as JSON and as raw records', () => {
    for (const tap of aliceTaps) {
      expect(tap.ports.has(alicePort)).toBe(true);
      expect(tap.ports.has(bobPort)).toBe(false);
      expect(JSON.stringify(tap.events)).not.toContain('swordfish');
    }
    for (const tap of bobTaps) {
      expect(tap.ports.has(bobPort)).toBe(true);
      expect(tap.ports.has(alicePort)).toBe(false);
      expect(JSON.stringify(tap.events)).not.toContain('hunter2');
    }
  });

  it("greets a learner who subscribes late with their own history and none of the other's", async () => {
    for (const format of ['json', 'raw'] as const) {
      const late = await LearnerTap.open(server, format, { Cookie: bob });
      await late.waitFor((e) => e.type === 'close' && e.conn === bobConn);
      expect(late.ports).toEqual(new Set([bobPort]));
      expect(JSON.stringify(late.events)).not.toContain('hunter2');
      if (format === 'raw') {
        // The page counts what it is sent against the HELLO's history to know where live begins:
        // the count must be of this learner's records only.
        await server.hub.flush();
        expect(late.announced).toBeGreaterThan(0);
        expect(late.recordBytes).toBe(late.announced);
      }
      late.close();
    }
  });

  it('exports only the caller’s connections, as HAR and as pcapng', async () => {
    const har = await (await exported(server, 'har', alice)).text();
    expect(har).toContain('hunter2');
    expect(har).not.toContain('swordfish');
    // The server's replies cross unmasked (RFC 6455 §5.1), so the capture holds them as text.
    const pcap = Buffer.from(await (await exported(server, 'pcapng', bob)).arrayBuffer());
    expect(pcap.includes("Server received: 'bravo: my password is swordfish'")).toBe(true);
    expect(pcap.includes('hunter2')).toBe(false);
  });

  it("answers 404 for another learner's connection asked for by id", async () => {
    expect((await exported(server, 'har', alice, bobConn)).status).toBe(404);
    expect((await exported(server, 'har', bob, bobConn)).status).toBe(200);
  });

  it('answers 401 on the tap and the exports without a session', async () => {
    const tap = await refusal(wsUrl(server, '/tap'));
    expect(tap.status).toBe(401);
    expect(tap.body).toContain('open the page on this server first');
    expect(
      (await refusal(wsUrl(server, '/tap?format=raw'), { Cookie: 'wslab_session=AAAAAAAAAAAAAAAAAAAAAA' }))
        .status,
    ).toBe(401);
    const har = await fetch(`${server.url}api/export.har`);
    expect(har.status).toBe(401);
    expect(((await har.json()) as { error: string }).error).toContain('session');
    expect((await fetch(`${server.url}api/export.pcapng`)).status).toBe(401);
  });

  it('shows the instructor every learner', async () => {
    const socket = new WebSocket(wsUrl(server, `/tap?token=${server.instructorToken}`));
    const events: TapEvent[] = [];
    socket.on('message', (data: Buffer) => events.push(...(JSON.parse(String(data)) as TapEvent[])));
    await once(socket, 'open');
    const deadline = Date.now() + 5000;
    while (!events.some((e) => e.type === 'live') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const ports = events
      .filter((e) => e.type === 'open')
      .map((e) =>
        Number(
          String((e as { remote: string }).remote)
            .split(':')
            .pop(),
        ),
      );
    expect(ports).toContain(alicePort);
    expect(ports).toContain(bobPort);
    socket.close();
  });

  it("tags a snippet's socket with its run capability's learner and never shows the capability", async () => {
    const capability = await capabilityFor(server, alice);
    const snippet = await openEchoAs(server, {}, `?${RUN_CAPABILITY_PARAM}=${capability}&delay=0`);
    const port = localPortOf(snippet);
    await echoOnce(snippet, 'from the sandbox');
    await aliceTaps[0]!.waitForPort(port);
    await aliceTaps[1]!.waitForPort(port);
    await server.hub.flush();
    expect(bobTaps[0]!.ports.has(port)).toBe(false);
    expect(bobTaps[1]!.ports.has(port)).toBe(false);
    const open = aliceTaps[0]!
      .opens()
      .find((e) => String((e as { remote: string }).remote).endsWith(`:${port}`))!;
    const handshake = await aliceTaps[0]!.waitFor((e) => e.type === 'handshake' && e.conn === open.conn);
    expect(JSON.stringify([open, handshake])).not.toContain(capability);
    expect(JSON.stringify(open)).not.toContain(RUN_CAPABILITY_PARAM);
    snippet.close();
  });

  it("refuses another learner's capability and one whose run has ended", async () => {
    const capability = await capabilityFor(server, alice);
    const stolen = await refusal(wsUrl(server, `/echo?${RUN_CAPABILITY_PARAM}=${capability}`), {
      Cookie: bob,
    });
    expect(stolen.status).toBe(403);
    expect(stolen.body).toContain("another learner's session");

    const end = await fetch(`${server.url}api/run-capability/end`, {
      method: 'POST',
      headers: { Cookie: alice, 'Content-Type': 'application/json' },
      body: JSON.stringify({ capability }),
    });
    expect(end.status).toBe(204);
    const ended = await refusal(wsUrl(server, `/echo?${RUN_CAPABILITY_PARAM}=${capability}`));
    expect(ended.status).toBe(403);
    expect(ended.body).toContain('has ended');

    const made = await refusal(wsUrl(server, `/echo?${RUN_CAPABILITY_PARAM}=AAAAAAAAAAAAAAAAAAAAAA`));
    expect(made.status).toBe(403);
    expect(made.body).toContain('not one this server issued');
  });

  it("does not let one learner end another's run", async () => {
    const capability = await capabilityFor(server, alice);
    await fetch(`${server.url}api/run-capability/end`, {
      method: 'POST',
      headers: { Cookie: bob, 'Content-Type': 'application/json' },
      body: JSON.stringify({ capability }),
    });
    const snippet = await openEchoAs(server, {}, `?${RUN_CAPABILITY_PARAM}=${capability}`);
    snippet.close();
  });

  it('refuses /proxy, over WebSocket and over HTTP, naming --allow-proxy', async () => {
    const ws = await refusal(wsUrl(server, `/proxy?target=${encodeURIComponent(wsUrl(server, '/echo'))}`), {
      Cookie: alice,
    });
    expect(ws.status).toBe(403);
    expect(ws.body).toContain('--allow-proxy');
    const http = await fetch(`${server.url}proxy?target=${encodeURIComponent(server.url)}`, {
      headers: { Cookie: alice },
    });
    expect(http.status).toBe(403);
    expect(await http.text()).toContain('--allow-proxy');
  });

  it("keeps the workbench to this server's own endpoints and tags its connections", async () => {
    const control = new WebSocket(wsUrl(server, '/workbench'), { headers: { Cookie: alice } });
    const replies: { type: string; code?: string; message?: string; conn?: string }[] = [];
    control.on('message', (data: Buffer) => replies.push(JSON.parse(String(data))));
    await once(control, 'open');
    const reply = async (type: string) => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const found = replies.find((r) => r.type === type);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no ${type} reply: ${JSON.stringify(replies)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    control.send(JSON.stringify({ type: 'open', target: 'ws://127.0.0.2:9/elsewhere' }));
    const refused = await reply('error');
    expect(refused.code).toBe('FORBIDDEN_TARGET');
    expect(refused.message).toContain('--allow-proxy');
    replies.length = 0;
    control.send(JSON.stringify({ type: 'check', target: 'ws://127.0.0.2:9/elsewhere', cases: ['5'] }));
    const notChecked = await reply('error');
    expect(notChecked.code).toBe('FORBIDDEN_TARGET');
    expect(notChecked.message).toContain('--allow-proxy');
    control.send(JSON.stringify({ type: 'open', target: wsUrl(server, '/echo') }));
    const opened = await reply('opened');
    await aliceTaps[0]!.waitFor((e) => e.type === 'open' && e.conn === opened.conn);
    await server.hub.flush();
    expect(bobTaps[0]!.events.some((e) => 'conn' in e && e.conn === opened.conn)).toBe(false);
    control.close();
  });
});

describe('the taps of a class', () => {
  it('are more than one person’s 32, but at most a few for each learner', async () => {
    const server = await startTestServer({ classroom: true, decodeTapOffThread: false });
    const sockets: WebSocket[] = [];
    try {
      // Every learner's page has a tap: a class of 40 is past the single-user cap.
      for (let i = 0; i < 40; i++) {
        const tap = new WebSocket(wsUrl(server, '/tap?format=raw'), {
          headers: { Cookie: await session(server) },
        });
        sockets.push(tap);
        await once(tap, 'open');
      }
      const greedy = await session(server);
      for (let i = 0; i < TAPS_PER_LEARNER; i++) {
        const tap = new WebSocket(wsUrl(server, '/tap'), { headers: { Cookie: greedy } });
        sockets.push(tap);
        await once(tap, 'open');
      }
      const more = await refusal(wsUrl(server, '/tap'), { Cookie: greedy });
      expect(more.status).toBe(503);
      expect(more.body).toMatch(/you have 4 taps open already .*close a tab/);
      // One learner's share is theirs alone: the next learner still gets a tap.
      const next = new WebSocket(wsUrl(server, '/tap'), { headers: { Cookie: await session(server) } });
      sockets.push(next);
      await once(next, 'open');
      // A tab closed gives the learner its tap back.
      sockets[40]!.close();
      await once(sockets[40]!, 'close');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const again = new WebSocket(wsUrl(server, '/tap'), { headers: { Cookie: greedy } });
      sockets.push(again);
      await once(again, 'open');
    } finally {
      for (const socket of sockets) socket.terminate();
      await server.close();
    }
  });
});

describe('the workbench of a class', () => {
  it('has room for a class doing the workbench lesson at once, but only a few sockets for each learner', async () => {
    const server = await startTestServer({ classroom: true });
    const sockets: WebSocket[] = [];
    const control = async (cookie: string): Promise<void> => {
      const socket = new WebSocket(wsUrl(server, '/workbench'), { headers: { Cookie: cookie } });
      sockets.push(socket);
      await once(socket, 'open');
    };
    try {
      // Past the single-user cap of 16: each learner's page has its own.
      for (let i = 0; i < 20; i++) await control(await session(server));
      const greedy = await session(server);
      for (let i = 0; i < WORKBENCH_CONTROLS_PER_LEARNER; i++) await control(greedy);
      const more = await refusal(wsUrl(server, '/workbench'), { Cookie: greedy });
      expect(more.status).toBe(503);
      expect(more.body).toMatch(/you have 4 workbench sockets open already/);
      await control(await session(server));
    } finally {
      for (const socket of sockets) socket.terminate();
      await server.close();
    }
  });
});

describe('a classroom server whose history has evicted connections', () => {
  it('sends a late learner the EVICTED records of their own connections only', async () => {
    const server = await startTestServer({
      classroom: true,
      historyBytes: 64 * 1024,
      decodeTapOffThread: false,
    });
    try {
      const alice = await session(server);
      const bob = await session(server);
      const a = await openEchoAs(server, { Cookie: alice });
      const b = await openEchoAs(server, { Cookie: bob });
      // Each sends far more than the history holds, so both OPEN records leave it while both
      // connections stay open: a late subscriber is told of them by EVICTED records.
      for (let i = 0; i < 40; i++) {
        await echoOnce(a, `alpha ${i} ${'a'.repeat(2000)}`);
        await echoOnce(b, `bravo ${i} ${'b'.repeat(2000)}`);
      }
      expect(server.hub.journal.stats().evictedBytes).toBeGreaterThan(0);
      const late = await LearnerTap.open(server, 'raw', { Cookie: bob });
      const deadline = Date.now() + 5000;
      while (!late.rawKinds.includes(RecordKind.EVICTED) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await server.hub.flush();
      expect(late.rawKinds).toContain(RecordKind.EVICTED);
      expect(late.ports).toEqual(new Set([localPortOf(b)]));
      expect(JSON.stringify(late.events)).not.toContain('alpha');
      late.close();
      a.close();
      b.close();
    } finally {
      await server.close();
    }
  });
});

describe('a single-user server (loopback, no --classroom)', () => {
  it('sets no cookie and shows every connection to a tap without one', async () => {
    const server = await startTestServer();
    try {
      const page = await fetch(server.url);
      await page.arrayBuffer();
      expect(page.headers.get('set-cookie')).toBeNull();
      const tap = await LearnerTap.open(server, 'json', {});
      const echo = await openEchoAs(server, {});
      await tap.waitForPort(localPortOf(echo));
      const answer = await fetch(`${server.url}api/run-capability`, { method: 'POST' });
      expect(await answer.json()).toEqual({ capability: null, expiresAt: null });
      echo.close();
      tap.close();
    } finally {
      await server.close();
    }
  });
});

describe('a classroom server started with --allow-proxy', () => {
  it("relays /proxy, over WebSocket and over HTTP, as the learner's own connections", async () => {
    const upstream = await startTestServer();
    const server = await startTestServer({ classroom: true, allowProxy: true, decodeTapOffThread: false });
    try {
      const alice = await session(server);
      const bob = await session(server);
      const aliceTap = await LearnerTap.open(server, 'json', { Cookie: alice });
      const bobTap = await LearnerTap.open(server, 'json', { Cookie: bob });
      const target = encodeURIComponent(`ws://127.0.0.1:${upstream.port}/echo`);
      const relayed = new WebSocket(wsUrl(server, `/proxy?target=${target}`), { headers: { Cookie: alice } });
      await once(relayed, 'open');
      await echoOnce(relayed, 'through the relay');
      await aliceTap.waitFor((e) => e.type === 'open' && e.kind === 'proxy');
      const root = encodeURIComponent(`ws://127.0.0.1:${upstream.port}`);
      const http = await fetch(`${server.url}proxy/healthz?target=${root}`, { headers: { Cookie: alice } });
      expect(http.status).toBe(200);
      await aliceTap.waitFor((e) => e.type === 'open' && e.kind === 'http');
      await server.hub.flush();
      expect(bobTap.events.some((e) => e.type === 'open')).toBe(false);
      relayed.close();
      aliceTap.close();
      bobTap.close();
    } finally {
      await server.close();
      await upstream.close();
    }
  });
});
