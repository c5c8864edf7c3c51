import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { TapDroppedEvent, TapErrorEvent, TapEvent, TapHelloEvent } from '../../core/tap/events';
import { FrameDecoder } from '../../core/wire/frame-decoder';
import type { RunningServer } from '../../server/server';
import {
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
  it.each([
    ["on the sockets' thread", false],
    ['in a worker thread', true],
  ])(
    'greets a new subscriber with hello, then replays the recent history in order (tap %s)',
    async (_where, tapThread) => {
      server = await startTestServer({ historySize: 10, tapThread });
      const client = await openEcho(server);
      await chat(client, 5, 3);
      const tap = await TapRecorder.open(server);
      const hello = tap.events[0] as TapHelloEvent;
      expect(hello).toMatchObject({ type: 'hello', version: 1, history: 10 });
      await tap.waitFor(() => true, 11);
      const replayed = tap.events.slice(1, 11);
      // The ring keeps the newest 10: all of them from the echo conversation, oldest first.
      const times = replayed.map((e) => (e as { t: number }).t);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(replayed.at(-1)).toMatchObject({ type: 'message', dir: 'server' });
      client.close();
      tap.close();
    },
  );

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

  it('skips a connection its worker thread cannot keep up with, says so, and the connection itself carries on', async () => {
    // A backlog this small is exceeded by one 100 KB message: the tap skips that connection.
    server = await startTestServer({ tapBacklogBytes: 16 * 1024, tapThread: true });
    const tap = await TapRecorder.open(server);
    const flooded = await openEcho(server);
    const big = 'b'.repeat(100_000);
    const reply = nextMessages(flooded, 1);
    flooded.send(big);
    expect(String((await reply)[0]!.data)).toBe(`Server received: '${big}'`);
    const [error] = (await tap.waitFor(
      (e) => e.type === 'error' && e.code === 'TAP_BEHIND',
    )) as TapErrorEvent[];
    expect(error!.message).toMatch(/skipped \d+ bytes of this connection/);
    // Other connections are still shown in full.
    const other = await openEcho(server);
    await chat(other, 1, 3);
    const otherConn = await tap.connOf(localPortOf(other));
    expect(otherConn).not.toBe(error!.conn);
    await tap.waitFor((e) => e.type === 'message' && e.conn === otherConn, 2);
    flooded.close();
    other.close();
    tap.close();
  });

  it('goes on with a new worker if the tap worker dies, and the sockets never notice', async () => {
    server = await startTestServer({ tapThread: true });
    const before = await openEcho(server);
    await chat(before, 1, 3);
    // What a crash in the worker looks like from outside: the thread is gone.
    const thread = server.hub.feed as unknown as { worker: { terminate(): Promise<number> } };
    await thread.worker.terminate();
    // The connection that was open keeps echoing…
    await chat(before, 2, 3);
    // …and a new subscriber sees new connections in full.
    const tap = await TapRecorder.open(server);
    const after = await openEcho(server);
    await chat(after, 1, 3);
    const conn = await tap.connOf(localPortOf(after));
    await tap.waitFor((e) => e.type === 'message' && e.conn === conn && e.dir === 'server');
    before.close();
    after.close();
    tap.close();
  });

  it('skips a subscriber that stops reading, tells it how much it missed, and serves everyone else', async () => {
    server = await startTestServer({ tapBufferLimit: 64 * 1024 });
    const reader = await TapRecorder.open(server);

    // A subscriber that never reads: its kernel buffers fill, then the server's queue for it.
    const stalled = await RawClient.connect(server.port);
    stalled.write(RawClient.handshake('/tap'));
    expect(await stalled.readHead()).toMatch(/^HTTP\/1\.1 101/);
    stalled.socket.pause();

    const client = await openEcho(server);
    await chat(client, 3000, 1000);
    await reader.waitFor((e) => e.type === 'message' && e.dir === 'server', 3000, 20_000);

    stalled.socket.resume();
    // Decode all the stalled subscriber has received since its handshake; it must include `dropped`.
    const findDropped = (): TapDroppedEvent | undefined => {
      for (const event of new FrameDecoder({ sender: 'server' }).push(stalled.pending)) {
        if (event.type !== 'message' || event.message.text === undefined) continue;
        const found = (JSON.parse(event.message.text) as TapEvent[]).find((e) => e.type === 'dropped');
        if (found) return found as TapDroppedEvent;
      }
      return undefined;
    };
    let dropped = findDropped();
    // No more traffic: the notice must still arrive once the subscriber has room.
    for (let tries = 0; !dropped && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      dropped = findDropped();
    }
    expect(dropped?.count).toBeGreaterThan(0);
    client.close();
    reader.close();
    stalled.destroy();
  }, 60_000);

  it('does not count a new subscriber as behind while its history replay drains', async () => {
    server = await startTestServer({ tapBufferLimit: 64 * 1024, historySize: 5000 });
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
