// The echo server stays bounded under abuse: a client that sends without reading, a reply cut into
// too many frames, a flood of delayed messages. Each stalls or closes only the client that asked.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { TapFrameEvent } from '../../core/tap/events';
import type { RunningServer } from '../../server/server';
import { localPortOf, nextMessages, openEcho, serveWithTap, type TapRecorder } from './harness';

const MiB = 1024 * 1024;

let server: RunningServer;
let tap: TapRecorder;

serveWithTap({}, (started, recorder) => {
  server = started;
  tap = recorder;
});

/** Polls `read` until it has not changed for a while, and returns that value (bounded: 30 s). */
async function settled(read: () => number): Promise<number> {
  const deadline = Date.now() + 30_000;
  let last = read();
  let unchanged = 0;
  while (unchanged < 5) {
    if (Date.now() > deadline) throw new Error(`still changing after 30 s: ${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = read();
    unchanged = now === last ? unchanged + 1 : 0;
    last = now;
  }
  return last;
}

/** Polls until `check` holds (bounded: 10 s). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Sends `count` binary messages of 1 MiB, message i filled with the byte i. */
function flood(client: WebSocket, count: number): void {
  for (let i = 0; i < count; i++) client.send(Buffer.alloc(MiB, i));
}

async function answers(text: string): Promise<string> {
  const other = await openEcho(server);
  const reply = nextMessages(other, 1);
  other.send(text);
  const [message] = await reply;
  other.close();
  return String(message!.data);
}

/** How many of the client's messages the server has read: the tap sees what it reads. */
function readByServer(conn: string): number {
  return tap.of(conn).filter((e) => e.type === 'message' && e.dir === 'client').length;
}

function echoCount(): number {
  return (server.health().connections as { echo: number }).echo;
}

describe('the echo server under abuse', () => {
  it('stops reading a client that sends without reading, and loses nothing once it reads', async () => {
    const flooder = await openEcho(server);
    const conn = await tap.connOf(localPortOf(flooder));
    // This client stops reading: the server's replies back up towards it.
    flooder.pause();
    flood(flooder, 40);

    // The server stopped reading too: the rest of what the client sent waits in TCP and in the client.
    expect(await settled(() => readByServer(conn))).toBeLessThan(20);
    expect(flooder.bufferedAmount).toBeGreaterThan(8 * MiB);
    expect(await answers('still there?')).toBe("Server received: 'still there?'");

    const replies = nextMessages(flooder, 40);
    flooder.resume();
    const got = await replies;
    expect(got.map((m) => [m.isBinary, m.data.length, m.data[0], m.data.at(-1)])).toEqual(
      Array.from({ length: 40 }, (_, i) => [true, MiB, i, i]),
    );
    flooder.close();
  });

  it('cleans up a stalled client that disconnects', async () => {
    const before = await settled(echoCount);
    const flooder = await openEcho(server);
    const conn = await tap.connOf(localPortOf(flooder));
    flooder.pause();
    flood(flooder, 40);
    expect(await settled(() => readByServer(conn))).toBeLessThan(20);
    expect(echoCount()).toBe(before + 1);

    flooder.terminate();
    await eventually(() => echoCount() === before, 'the server forgets the connection');
  });

  it('closes with 1009 naming fragment when a reply would take more than 4096 frames', async () => {
    const client = await openEcho(server, '?fragment=1');
    client.send(Buffer.alloc(64 * 1024));
    const [code, reason] = await once(client, 'close');
    expect(code).toBe(1009);
    expect(String(reason)).toBe('fragment=1 allows replies of at most 4096 bytes (4096 frames)');
  });

  it('sends a 1 MiB reply as 4096 frames of 256 bytes, whole and in order, while others are answered', async () => {
    const big = await openEcho(server, '?fragment=256');
    const conn = await tap.connOf(localPortOf(big));
    const other = await openEcho(server);
    const otherConn = await tap.connOf(localPortOf(other));
    const payload = Buffer.alloc(MiB);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + (i >> 8)) & 0xff;

    // The other client keeps eight messages in flight for as long as the big reply takes.
    let done = false;
    other.on('message', () => {
      if (!done) other.send('ping-pong');
    });
    for (let i = 0; i < 8; i++) other.send('ping-pong');

    const reply = nextMessages(big, 1);
    big.send(payload);
    const [message] = await reply;
    done = true;
    expect(message!.isBinary).toBe(true);
    expect(message!.data.equals(payload)).toBe(true);

    const serverFrames = (id: string): TapFrameEvent[] =>
      tap.of(id).filter((e): e is TapFrameEvent => e.type === 'frame' && e.dir === 'server');
    await tap.waitFor((e) => e.type === 'message' && e.conn === conn && e.dir === 'server');
    const frames = serverFrames(conn);
    expect(frames).toHaveLength(4096);
    expect(frames[0]).toMatchObject({ opcodeName: 'binary', fin: false, payloadLength: 256 });
    expect(frames.slice(1).every((f) => f.opcodeName === 'continuation')).toBe(true);
    expect(frames.map((f) => f.fin).lastIndexOf(false)).toBe(4094);
    // Written in batches: the other connection's replies went out between the first and last frame.
    const during = serverFrames(otherConn).filter((f) => f.t > frames[0]!.t && f.t < frames.at(-1)!.t);
    expect(during.length).toBeGreaterThan(0);
    big.close();
    other.close();
  });

  it('holds a fragmented reply back for a client that does not read, and sends it whole later', async () => {
    const flooder = await openEcho(server, '?fragment=1024');
    const conn = await tap.connOf(localPortOf(flooder));
    flooder.pause();
    flood(flooder, 24);
    expect(await settled(() => readByServer(conn))).toBeLessThan(20);

    const replies = nextMessages(flooder, 24);
    flooder.resume();
    const got = await replies;
    expect(got.map((m) => [m.data.length, m.data[0], m.data.at(-1)])).toEqual(
      Array.from({ length: 24 }, (_, i) => [MiB, i, i]),
    );
    flooder.close();
  });

  it('stalls a client that floods with delay=60000 instead of holding every message', async () => {
    const flooder = await openEcho(server, '?delay=60000');
    const conn = await tap.connOf(localPortOf(flooder));
    flood(flooder, 40);
    expect(await settled(() => readByServer(conn))).toBeLessThan(20);
    expect(flooder.bufferedAmount).toBeGreaterThan(8 * MiB);
    expect(await answers('not me')).toBe("Server received: 'not me'");
    flooder.terminate();
  });
});
