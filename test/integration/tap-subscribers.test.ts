import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type {
  TapDroppedEvent,
  TapErrorEvent,
  TapEvent,
  TapHelloEvent,
  TapLiveEvent,
} from '../../core/tap/events';
import { FrameDecoder } from '../../core/wire/frame-decoder';
import type { RunningServer } from '../../server/server';
import {
  clientFrame,
  localPortOf,
  nextMessages,
  openEcho,
  RawClient,
  startTestServer,
  TapRecorder,
  wsUrl,
} from './harness';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function chat(client: WebSocket, count: number, size: number): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    const batch = Math.min(50, count - i);
    const replies = nextMessages(client, batch);
    for (let j = 0; j < batch; j++) client.send('m'.repeat(size));
    await replies;
  }
}

describe('tap subscribers', () => {
  it('decodes JSON subscribers in the worker it starts for the first of them, not for raw ones', async () => {
    server = await startTestServer({ decodeTapOffThread: true });
    const client = await openEcho(server);
    await chat(client, 3, 4);
    await TapRecorder.open(server, 'raw');
    expect(server.hub.decoderStarted).toBe(false);
    const tap = await TapRecorder.open(server);
    expect(server.hub.decoderStarted).toBe(true);
    await tap.waitFor((e) => e.type === 'live');
    await chat(client, 1, 5);
    const [message] = await tap.waitFor((e) => e.type === 'message' && e.text === 'mmmmm');
    expect(message).toMatchObject({ type: 'message', text: 'mmmmm' });
    client.close();
  });

  it('greets a new JSON subscriber with hello, replays the history in order, then says it is live', async () => {
    server = await startTestServer();
    const client = await openEcho(server);
    await chat(client, 5, 3);
    const tap = await TapRecorder.open(server);
    const hello = tap.events[0] as TapHelloEvent;
    expect(hello).toMatchObject({ type: 'hello', version: 1 });
    expect(hello.historyBytes).toBeGreaterThan(0);
    const [live] = (await tap.waitFor((e) => e.type === 'live')) as TapLiveEvent[];
    const replayed = tap.events.slice(1, tap.events.indexOf(live!));
    expect(live!.history).toBe(replayed.length);
    // The whole conversation so far: open, handshake, five messages each way (a frame and a message each).
    expect(replayed.map((e) => e.type)).toEqual([
      'open',
      'handshake',
      ...Array(20)
        .fill(0)
        .map((_, i) => (i % 2 ? 'message' : 'frame')),
    ]);
    const times = replayed.map((e) => (e as { t: number }).t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    client.close();
    tap.close();
  });

  it('sends events in batches, several events to a JSON array', async () => {
    server = await startTestServer();
    const tap = await TapRecorder.open(server);
    const before = tap.messages.length;
    const client = await openEcho(server);
    await chat(client, 1, 3);
    await tap.waitFor((e) => e.type === 'message' && e.dir === 'server');
    const batches = tap.messages.slice(before);
    expect(batches.every(Array.isArray)).toBe(true);
    expect(batches.some((batch) => batch.length > 1)).toBe(true);
    client.close();
    tap.close();
  });

  it('refuses a format it does not have with 400, and a subscriber past the cap with 503', async () => {
    server = await startTestServer({ maxTapSubscribers: 1 });
    const bad = await RawClient.connect(server.port);
    bad.write(RawClient.handshake('/tap?format=xml'));
    expect(await bad.readHead()).toMatch(/^HTTP\/1\.1 400 /);
    bad.destroy();
    const first = await TapRecorder.open(server);
    // Its reason is on the tap (in the history the first subscriber is replayed).
    const [refused] = (await first.waitFor(
      (e) => e.type === 'error' && e.code === 'BAD_PARAMETER',
    )) as TapErrorEvent[];
    expect(refused!.message).toMatch(/format=xml is not a tap format/);
    const second = await RawClient.connect(server.port);
    second.write(RawClient.handshake('/tap?format=raw'));
    const head = await second.readHead();
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head).toMatch(/Retry-After: 5/i);
    second.destroy();
    // The refusal itself is on the tap, with its code.
    await first.waitFor((e) => e.type === 'error' && e.code === 'TAP_FULL');
    first.close();
  });

  it('labels a connection whose start left the history instead of decoding it from the middle', async () => {
    // The smallest journal: one segment. A connection that outgrows it loses its start.
    server = await startTestServer({ historyBytes: 2 * 1024 * 1024 });
    const client = await openEcho(server);
    await chat(client, 60, 60_000); // about 7 MB both ways
    const tap = await TapRecorder.open(server);
    const conn = await tap.connOf(localPortOf(client));
    const [error] = (await tap.waitFor((e) => e.type === 'error' && e.conn === conn)) as TapErrorEvent[];
    expect(error).toMatchObject({ code: 'EVICTED' });
    expect(error!.message).toMatch(/^evicted \d+ bytes/);
    await tap.waitFor((e) => e.type === 'live');
    // Nothing of it is decoded: no frame, no message, no handshake from the middle of the stream.
    expect(tap.of(conn).map((e) => e.type)).toEqual(['open', 'error']);
    client.close();
    const [close] = await tap.waitFor((e) => e.type === 'close' && e.conn === conn);
    expect(close).toMatchObject({ code: 1006, initiator: 'none' });
    tap.close();
  }, 30_000);

  it('keeps what waits for subscribers that never read within their limit, history included', async () => {
    const limit = 256 * 1024;
    server = await startTestServer({ tapBufferLimit: limit });
    const client = await openEcho(server);
    await chat(client, 200, 20_000); // 8 MB of history
    const stalled: RawClient[] = [];
    for (let i = 0; i < 10; i++) {
      const subscriber = await RawClient.connect(server.port);
      subscriber.write(RawClient.handshake(i % 2 ? '/tap?format=raw' : '/tap'));
      expect(await subscriber.readHead()).toMatch(/^HTTP\/1\.1 101/);
      subscriber.socket.pause();
      stalled.push(subscriber);
    }
    await chat(client, 100, 20_000); // and more, live
    await new Promise((resolve) => setTimeout(resolve, 300));
    const queued = (server.health().tap as { queuedBytes: number }).queuedBytes;
    // Each holds at most its limit (plus one read's overshoot), however much history there is.
    expect(queued).toBeLessThanOrEqual(10 * (limit + 512 * 1024));
    // And the server still echoes for everyone else.
    await chat(client, 5, 10);
    client.close();
    for (const subscriber of stalled) subscriber.destroy();
  }, 30_000);

  it('tells a subscriber that fell behind what it missed, and serves everyone else', async () => {
    server = await startTestServer({ tapBufferLimit: 64 * 1024, historyBytes: 2 * 1024 * 1024 });
    const reader = await TapRecorder.open(server, 'raw');

    // A subscriber that stops reading: the server stops sending to it at its limit.
    const stalled = new WebSocket(wsUrl(server, '/tap'));
    const received: TapEvent[] = [];
    stalled.on('message', (data) => received.push(...(JSON.parse(String(data)) as TapEvent[])));
    await once(stalled, 'open');
    stalled.pause();

    const client = await openEcho(server);
    await chat(client, 3000, 1000);
    await reader.waitFor((e) => e.type === 'message' && e.dir === 'server', 3000, 20_000);

    // It reads again: what it missed is said, once it has room, though no more traffic comes.
    stalled.resume();
    for (let tries = 0; !received.some((e) => e.type === 'dropped') && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const dropped = received.find((e) => e.type === 'dropped') as TapDroppedEvent | undefined;
    expect(dropped?.bytes).toBeGreaterThan(0);
    client.close();
    reader.close();
    stalled.close();
  }, 60_000);

  it('sends a JSON subscriber no more than its limit past what its client says it has read', async () => {
    const limit = 64 * 1024;
    server = await startTestServer({ tapBufferLimit: limit });
    // A client that reads every byte but answers no ping, as a WebSocket client must (RFC 6455 §5.5.2).
    const silent = await RawClient.connect(server.port);
    silent.write(RawClient.handshake('/tap'));
    expect(await silent.readHead()).toMatch(/^HTTP\/1\.1 101/);
    const reader = await TapRecorder.open(server);
    const client = await openEcho(server);
    await chat(client, 400, 1000); // about 1.6 MB of JSON for a reader of every event
    await reader.waitFor((e) => e.type === 'message' && e.dir === 'server', 400, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const frames = new FrameDecoder({ sender: 'server' }).push(silent.pending);
    const pings = frames.filter((e) => e.type === 'frame' && e.frame.opcode === 0x9);
    const sent = frames
      .filter((e) => e.type === 'message')
      .reduce((total, e) => total + (e.type === 'message' ? e.message.data.length : 0), 0);
    // Its limit, then the one turn that was under way; the pings said how much had gone.
    expect(sent).toBeLessThanOrEqual(limit + 512 * 1024);
    expect(sent).toBeLessThan(1_000_000);
    expect(pings.length).toBeGreaterThan(0);

    // It answers the last ping: the server goes on from there.
    const last = pings[pings.length - 1]!;
    const payload = last.type === 'frame' ? last.frame.payload : new Uint8Array(0);
    silent.write(clientFrame({ opcode: 0xa, payload }));
    const before = silent.pending.length;
    for (let tries = 0; silent.pending.length === before && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(silent.pending.length).toBeGreaterThan(before);
    client.close();
    reader.close();
    silent.destroy();
  }, 30_000);

  // A history of a connection whose start was evicted is only counted, and makes next to no JSON.
  // The subscriber must not learn from it that the journal makes little JSON: read at that rate,
  // one turn of live chat made several times its limit.
  for (const decodeTapOffThread of [true, false]) {
    it(`holds a JSON subscriber to its limit on live traffic after a history it only counted (${decodeTapOffThread ? 'in the worker' : 'on the sockets’ thread'})`, async () => {
      const limit = 64 * 1024;
      server = await startTestServer({
        tapBufferLimit: limit,
        historyBytes: 2 * 1024 * 1024,
        decodeTapOffThread,
      });
      const long = await openEcho(server);
      await chat(long, 500, 10_000); // 10 MB both ways: the journal keeps the last 2 MiB of it
      const silent = await RawClient.connect(server.port);
      silent.write(RawClient.handshake('/tap'));
      expect(await silent.readHead()).toMatch(/^HTTP\/1\.1 101/);
      const reader = await TapRecorder.open(server);
      await reader.waitFor((e) => e.type === 'live');
      const client = await openEcho(server);
      await chat(client, 400, 1000); // about 1.6 MB of JSON for a reader of every event
      // The long connection's messages are not decoded (its start is gone): these are the chat's.
      await reader.waitFor((e) => e.type === 'message' && e.dir === 'server', 400, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const frames = new FrameDecoder({ sender: 'server' }).push(silent.pending);
      const messages = frames.filter((e) => e.type === 'message');
      const sent = messages.reduce(
        (total, e) => total + (e.type === 'message' ? e.message.data.length : 0),
        0,
      );
      const events = messages.flatMap((e) =>
        e.type === 'message'
          ? (JSON.parse(new TextDecoder().decode(e.message.data)) as { type: string }[])
          : [],
      );
      // It got the history (counted, not decoded) and then live events, as far as its limit allows.
      expect(events.some((e) => e.type === 'live')).toBe(true);
      expect(events.some((e) => e.type === 'message')).toBe(true);
      // Its limit, and what one read at a ratio learnt from decoded bytes may make over it (before,
      // with the ratio learnt from counted bytes: 2.5 times the limit).
      expect(sent).toBeLessThanOrEqual(limit + limit / 2);
      long.close();
      client.close();
      reader.close();
      silent.destroy();
    }, 60_000);
  }

  it('does not count a new subscriber as behind while its history replay drains', async () => {
    server = await startTestServer({ tapBufferLimit: 64 * 1024 });
    const client = await openEcho(server);
    await chat(client, 1000, 2000); // a history of several megabytes
    const late = await TapRecorder.open(server);
    const probe = nextMessages(client, 1);
    client.send('live after replay');
    await probe;
    await late.waitFor(
      (e) => e.type === 'message' && e.dir === 'server' && e.text === "Server received: 'live after replay'",
    );
    expect(late.events.some((e) => e.type === 'dropped')).toBe(false);
    client.close();
    late.close();
  }, 30_000);

  it('ignores whatever a subscriber sends, and a subscriber that floods it changes nothing for others', async () => {
    server = await startTestServer();
    const reader = await TapRecorder.open(server);
    const noisy = new WebSocket(wsUrl(server, '/tap'));
    await once(noisy, 'open');
    noisy.send('{"type":"not a command"');
    noisy.send(Buffer.from([0xff, 0x00, 0x13]));
    noisy.send('x'.repeat(200 * 1024)); // over the tap's 64 KiB limit: this subscriber is closed with 1009
    const [code] = await once(noisy, 'close');
    expect(code).toBe(1009);

    const client = await openEcho(server);
    await chat(client, 3, 5);
    await reader.waitFor((e) => e.type === 'message' && e.dir === 'server', 3);
    client.close();
    reader.close();
  });
});
