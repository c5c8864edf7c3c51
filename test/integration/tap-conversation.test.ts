import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { TapCloseEvent, TapFrameEvent, TapHandshakeEvent, TapMessageEvent } from '../../core/tap/events';
import type { RunningServer } from '../../server/server';
import {
  clientFrame,
  localPortOf,
  nextMessages,
  openEcho,
  RawClient,
  serveWithTap,
  startTestServer,
  TapRecorder,
} from './harness';

let server: RunningServer;
let tap: TapRecorder;

// The JSON tap, and the raw tap decoded as the page decodes it: the whole conversation both ways.
describe.each([['json'], ['raw']] as const)('the tap during a whole conversation, %s', (format) => {
  serveWithTap(
    {},
    (started, recorder) => {
      server = started;
      tap = recorder;
    },
    format,
  );

  it('reports the open, the 101 handshake with a matching accept, and masked client frames', async () => {
    const client = await openEcho(server);
    const conn = await tap.connOf(localPortOf(client));
    client.send('hello');
    const [reply] = await once(client, 'message');
    expect(String(reply)).toBe("Server received: 'hello'");

    await tap.waitFor((e) => e.type === 'frame' && e.conn === conn && e.dir === 'server');
    const events = tap.of(conn);
    expect(events[0]).toMatchObject({ type: 'open', path: '/echo', kind: 'echo' });
    const handshake = events.find((e): e is TapHandshakeEvent => e.type === 'handshake')!;
    expect(handshake.response.status).toBe(101);
    expect(handshake.accept.ok).toBe(true);
    expect(handshake.request.headers.map(([name]) => name.toLowerCase())).toContain('sec-websocket-key');
    expect(handshake.response.raw).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);

    const frames = events.filter((e): e is TapFrameEvent => e.type === 'frame');
    const sent = frames.find((f) => f.dir === 'client')!;
    expect(sent).toMatchObject({
      opcodeName: 'text',
      masked: true,
      fin: true,
      payloadLength: 5,
      payload: { text: 'hello' },
    });
    expect(sent.maskKey).toMatch(/^[0-9a-f]{8}$/);
    expect(sent.headerHex).toBe(`8185${sent.maskKey}`);
    const answered = frames.find((f) => f.dir === 'server')!;
    expect(answered).toMatchObject({ opcodeName: 'text', masked: false, maskKey: null });
    expect(answered.payload.text).toBe("Server received: 'hello'");

    const messages = await tap.waitFor((e) => e.type === 'message' && e.conn === conn, 2);
    expect(messages.map((m) => (m as TapMessageEvent).dir)).toEqual(['client', 'server']);
    client.close();
  });

  it('echoes binary byte for byte and reports it as base64', async () => {
    const client = await openEcho(server);
    const conn = await tap.connOf(localPortOf(client));
    const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
    client.send(bytes);
    const [reply, isBinary] = await once(client, 'message');
    expect(isBinary).toBe(true);
    expect(Buffer.compare(reply as Buffer, bytes)).toBe(0);
    const [message] = await tap.waitFor((e) => e.type === 'message' && e.conn === conn && e.dir === 'server');
    expect(message).toMatchObject({ opcodeName: 'binary', size: 6, base64: bytes.toString('base64') });
    client.close();
  });

  it('reports the 16-bit and 64-bit length forms of a 70 000-byte message', async () => {
    const client = await openEcho(server);
    const conn = await tap.connOf(localPortOf(client));
    const replies = nextMessages(client, 2);
    client.send(Buffer.alloc(70_000, 7));
    client.send(Buffer.alloc(300, 8));
    expect((await replies).map((r) => r.data.length)).toEqual([70_000, 300]);
    const frames = (await tap.waitFor(
      (e) => e.type === 'frame' && e.conn === conn && e.dir === 'client',
      2,
    )) as TapFrameEvent[];
    // 127 + mask bit: a 64-bit length; 126 + mask bit: a 16-bit length (RFC 6455 §5.2).
    expect(frames[0]!.headerHex.slice(0, 4)).toBe('82ff');
    expect(frames[0]!.payloadLength).toBe(70_000);
    expect(frames[0]!.headerHex).toHaveLength(28);
    expect(frames[1]!.headerHex.slice(0, 8)).toBe(`82fe${(300).toString(16).padStart(4, '0')}`);
    expect(frames[1]!.headerHex).toHaveLength(16);
    client.close();
  });

  it('caps the payload kept in an event but keeps the byte count exact', async () => {
    const capped = await startTestServer({ payloadCap: 16 });
    const cappedTap = await TapRecorder.open(capped);
    const client = await openEcho(capped);
    client.send('x'.repeat(100));
    await once(client, 'message');
    const [frame] = (await cappedTap.waitFor(
      (e) => e.type === 'frame' && e.dir === 'client',
    )) as TapFrameEvent[];
    expect(frame!.payloadLength).toBe(100);
    expect(frame!.payload).toEqual({ text: 'x'.repeat(16), truncated: true });
    client.close();
    cappedTap.close();
    await capped.close();
  });

  it('follows a fragmented message sent frame by frame, with a ping between the fragments', async () => {
    const raw = await RawClient.connect(server.port);
    raw.write(RawClient.handshake());
    expect(await raw.readHead()).toMatch(/^HTTP\/1\.1 101/);
    const conn = await tap.connOf(raw.localPort);
    raw.write(clientFrame({ opcode: 1, payload: 'Hel', fin: false }));
    raw.write(clientFrame({ opcode: 9, payload: 'are you there' }));
    raw.write(clientFrame({ opcode: 0, payload: 'lo', fin: true }));
    const [message] = await tap.waitFor((e) => e.type === 'message' && e.conn === conn && e.dir === 'client');
    expect(message).toMatchObject({ text: 'Hello', frames: 2, size: 5 });
    const frames = (await tap.waitFor((e) => e.type === 'frame' && e.conn === conn, 5)) as TapFrameEvent[];
    expect(frames.map((f) => `${f.dir}:${f.opcodeName}:${f.fin}`)).toEqual(
      expect.arrayContaining([
        'client:text:false',
        'client:ping:true',
        'client:continuation:true',
        'server:pong:true',
      ]),
    );
    const pong = frames.find((f) => f.opcodeName === 'pong')!;
    expect(pong.payload.text).toBe('are you there');
    raw.destroy();
  });

  it('reports a clean close started by the client', async () => {
    const client = await openEcho(server);
    const conn = await tap.connOf(localPortOf(client));
    client.close(1000, 'done');
    await once(client, 'close');
    const [close] = (await tap.waitFor((e) => e.type === 'close' && e.conn === conn)) as TapCloseEvent[];
    expect(close).toMatchObject({ code: 1000, reason: 'done', initiator: 'client', clean: true });
    const frames = tap.of(conn).filter((e): e is TapFrameEvent => e.type === 'frame');
    expect(frames.map((f) => [f.dir, f.opcodeName, f.closeCode])).toEqual([
      ['client', 'close', 1000],
      ['server', 'close', 1000],
    ]);
  });

  it('reports 1006 with no initiator when the TCP connection just drops', async () => {
    const client = await openEcho(server);
    const conn = await tap.connOf(localPortOf(client));
    client.terminate();
    const [close] = (await tap.waitFor((e) => e.type === 'close' && e.conn === conn)) as TapCloseEvent[];
    expect(close).toMatchObject({ code: 1006, initiator: 'none', clean: false });
  });

  it('sees a frame that arrives in the same TCP segment as the upgrade request', async () => {
    const raw = await RawClient.connect(server.port);
    // One write: the head and a masked text frame together, so the frame reaches ws in `head`.
    raw.write(
      Buffer.concat([Buffer.from(RawClient.handshake()), clientFrame({ opcode: 1, payload: 'early' })]),
    );
    expect(await raw.readHead()).toMatch(/^HTTP\/1\.1 101/);
    const conn = await tap.connOf(raw.localPort);
    const reply = await raw.readBytes(2 + "Server received: 'early'".length);
    expect(reply.subarray(2).toString()).toBe("Server received: 'early'");
    const frames = (await tap.waitFor((e) => e.type === 'frame' && e.conn === conn, 2)) as TapFrameEvent[];
    expect(frames.filter((f) => f.dir === 'client')).toHaveLength(1);
    expect(frames[0]).toMatchObject({
      dir: 'client',
      masked: true,
      maskKey: '11223344',
      payload: { text: 'early' },
    });
    raw.destroy();
  });
});
