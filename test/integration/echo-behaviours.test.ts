import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { TapCloseEvent, TapFrameEvent } from '../../core/tap/events';
import type { RunningServer } from '../../server/server';
import { localPortOf, nextMessages, openEcho, serveWithTap, type TapRecorder } from './harness';

let server: RunningServer;
let tap: TapRecorder;

serveWithTap({}, (started, recorder) => {
  server = started;
  tap = recorder;
});

describe('echo behaviours chosen by query parameters', () => {
  it('fragment=N sends the reply as N-byte continuation frames', async () => {
    const client = await openEcho(server, '?fragment=5');
    const conn = await tap.connOf(localPortOf(client));
    const reply = nextMessages(client, 1);
    client.send('abcdefgh');
    expect(String((await reply)[0]!.data)).toBe("Server received: 'abcdefgh'");
    const [message] = await tap.waitFor((e) => e.type === 'message' && e.conn === conn && e.dir === 'server');
    const expected = "Server received: 'abcdefgh'";
    expect(message).toMatchObject({ frames: Math.ceil(expected.length / 5), text: expected });
    const frames = tap.of(conn).filter((e): e is TapFrameEvent => e.type === 'frame' && e.dir === 'server');
    expect(frames[0]).toMatchObject({ opcodeName: 'text', fin: false, payloadLength: 5 });
    expect(frames.at(-1)).toMatchObject({ opcodeName: 'continuation', fin: true });
    client.close();
  });

  it('ping=MS pings the client, which answers with pongs on its own', async () => {
    const client = await openEcho(server, '?ping=50');
    const conn = await tap.connOf(localPortOf(client));
    await tap.waitFor(
      (e) => e.type === 'frame' && e.conn === conn && e.opcodeName === 'pong' && e.dir === 'client',
      2,
    );
    const ping = tap.of(conn).find((e): e is TapFrameEvent => e.type === 'frame' && e.opcodeName === 'ping')!;
    expect(ping).toMatchObject({ dir: 'server', masked: false, payload: { text: 'wslab' } });
    client.close();
  });

  it('dropAfter=N replies to N messages, then drops TCP with no close frame: 1006', async () => {
    const client = await openEcho(server, '?dropAfter=2');
    const conn = await tap.connOf(localPortOf(client));
    const replies = nextMessages(client, 2).catch(() => []);
    client.send('one');
    client.send('two');
    const [code] = await once(client, 'close');
    expect(code).toBe(1006);
    expect(await replies).toHaveLength(2);
    const [close] = (await tap.waitFor((e) => e.type === 'close' && e.conn === conn)) as TapCloseEvent[];
    expect(close).toMatchObject({ code: 1006, initiator: 'none', clean: false });
  });

  it('closeCode and closeReason make the server start the closing handshake', async () => {
    const client = await openEcho(server, '?closeAfter=1&closeCode=4001&closeReason=enough');
    const conn = await tap.connOf(localPortOf(client));
    client.send('hi');
    const [code, reason] = await once(client, 'close');
    expect(code).toBe(4001);
    expect(String(reason)).toBe('enough');
    const [close] = (await tap.waitFor((e) => e.type === 'close' && e.conn === conn)) as TapCloseEvent[];
    expect(close).toMatchObject({ code: 4001, reason: 'enough', initiator: 'server', clean: true });
  });

  it('greet and tick make the server speak without being asked', async () => {
    // Listen before the connection opens: the greeting may arrive in the same read as the 101.
    const client = new WebSocket(`ws://127.0.0.1:${server.port}/echo?greet=1&tick=50`);
    const got = await nextMessages(client, 3);
    expect(String(got[0]!.data)).toMatch(/^Welcome/);
    expect(got.slice(1).map((m) => String(m.data))).toEqual(['tick 1', 'tick 2']);
    client.close();
  });

  it('delay=MS holds each reply back', async () => {
    const client = await openEcho(server, '?delay=200');
    const conn = await tap.connOf(localPortOf(client));
    const reply = nextMessages(client, 1);
    client.send('later');
    await reply;
    await tap.waitFor((e) => e.type === 'frame' && e.conn === conn && e.dir === 'server');
    const frames = tap.of(conn).filter((e): e is TapFrameEvent => e.type === 'frame');
    const sent = frames.find((f) => f.dir === 'client')!;
    const answered = frames.find((f) => f.dir === 'server')!;
    // Ordering of tap timestamps, not wall-clock speed: the reply left at least 200 ms later.
    expect(answered.t - sent.t).toBeGreaterThanOrEqual(190);
    client.close();
  });

  it('dropAfter=N counts replies, not messages, when replies are delayed', async () => {
    const client = await openEcho(server, '?delay=100&dropAfter=2');
    const replies: string[] = [];
    client.on('message', (data: Buffer) => replies.push(String(data)));
    client.send('one');
    client.send('two');
    client.send('three');
    const [code] = await once(client, 'close');
    expect(code).toBe(1006);
    expect(replies).toEqual(["Server received: 'one'", "Server received: 'two'"]);
  });

  it('never mixes a tick into the frames of a fragmented reply, even while the client lags', async () => {
    const client = await openEcho(server, '?fragment=1000&tick=50');
    const conn = await tap.connOf(localPortOf(client));
    // Not reading for a while leaves a reply waiting half-sent (1 000-byte frames: a batch of 1 024
    // frames ends inside a 1 MiB reply), with ticks falling due meanwhile.
    client.pause();
    for (let i = 0; i < 8; i++) client.send(Buffer.alloc(1024 * 1024, i));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ticks: string[] = [];
    const echoed: Buffer[] = [];
    const replies = new Promise<void>((resolve) => {
      client.on('message', (data: Buffer, isBinary: boolean) => {
        if (!isBinary) ticks.push(String(data));
        else if (echoed.push(data) === 8) resolve();
      });
    });
    client.resume();
    await replies;
    client.close();
    expect(echoed.map((data) => [data.length, data[0], data.at(-1)])).toEqual(
      Array.from({ length: 8 }, (_, i) => [1024 * 1024, i, i]),
    );
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks).toEqual(ticks.map((_, i) => `tick ${i + 1}`));
    // RFC 6455 §5.4: a data frame with a new opcode may only follow a frame with FIN set.
    await tap.waitFor((e) => e.type === 'message' && e.conn === conn && e.dir === 'server', 8 + ticks.length);
    const frames = tap.of(conn).filter((e): e is TapFrameEvent => e.type === 'frame' && e.dir === 'server');
    const misplaced = frames.filter(
      (frame, i) => (frame.opcodeName !== 'continuation') !== (i === 0 || frames[i - 1]!.fin),
    );
    expect(misplaced).toEqual([]);
  });

  it('refuses a close code that may not be sent, naming the rule', async () => {
    const refused = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/echo?closeCode=1006`);
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c;
        });
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      });
      ws.on('error', () => {});
    });
    expect(refused).toMatch(/^400 closeCode 1006 may not be sent/);
  });
});
