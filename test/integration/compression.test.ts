import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { TapErrorEvent, TapFrameEvent, TapHandshakeEvent, TapMessageEvent } from '../../core/tap/events';
import type { RunningServer } from '../../server/server';
import {
  clientFrame,
  localPortOf,
  nextMessages,
  openEcho,
  RawClient,
  serveWithTap,
  type TapRecorder,
  wsUrl,
} from './harness';

let server: RunningServer;
let tap: TapRecorder;

serveWithTap({}, (started, recorder) => {
  server = started;
  tap = recorder;
});

async function deflateClient(
  query: string,
  options: ConstructorParameters<typeof WebSocket>[2] = {},
): Promise<WebSocket> {
  const client = new WebSocket(wsUrl(server, `/echo${query}`), { perMessageDeflate: true, ...options });
  await once(client, 'open');
  return client;
}

const text = 'the quick brown fox jumps over the lazy dog; '.repeat(20);

describe('permessage-deflate on the tap', () => {
  it('shows the negotiated parameters, RSV1, the compressed size and the inflated text', async () => {
    const client = await deflateClient('?deflate=1');
    const conn = await tap.connOf(localPortOf(client));
    const reply = nextMessages(client, 1);
    client.send(text);
    expect(String((await reply)[0]!.data)).toBe(`Server received: '${text}'`);

    const [handshake] = (await tap.waitFor(
      (e) => e.type === 'handshake' && e.conn === conn,
    )) as TapHandshakeEvent[];
    expect(handshake!.deflate).toMatchObject({ clientMaxWindowBits: 15, serverMaxWindowBits: 15 });
    const messages = (await tap.waitFor(
      (e) => e.type === 'message' && e.conn === conn,
      2,
    )) as TapMessageEvent[];
    const sent = messages.find((m) => m.dir === 'client')!;
    expect(sent).toMatchObject({ compressed: true, size: text.length, text });
    expect(sent.compressedSize).toBeLessThan(text.length / 4);
    const answered = messages.find((m) => m.dir === 'server')!;
    expect(answered).toMatchObject({ compressed: true, text: `Server received: '${text}'` });
    const frame = tap.of(conn).find((e): e is TapFrameEvent => e.type === 'frame' && e.dir === 'client')!;
    expect(frame).toMatchObject({ rsv1: true, payloadLength: sent.compressedSize });
    expect(frame.payload.base64).toBeDefined();
    client.close();
  });

  it('follows context takeover: the same message compresses smaller the second time', async () => {
    const client = await deflateClient('?deflate=1');
    const conn = await tap.connOf(localPortOf(client));
    const replies = nextMessages(client, 2);
    client.send(text);
    client.send(text);
    await replies;
    const sent = (await tap.waitFor(
      (e) => e.type === 'message' && e.conn === conn && e.dir === 'client',
      2,
    )) as TapMessageEvent[];
    expect(sent.map((m) => m.text)).toEqual([text, text]);
    expect(sent[1]!.compressedSize).toBeLessThan(sent[0]!.compressedSize!);
    client.close();
  });

  it('follows no_context_takeover: every message compresses alone', async () => {
    const client = await deflateClient('?deflate=1', {
      perMessageDeflate: { clientNoContextTakeover: true, serverNoContextTakeover: true },
    });
    const conn = await tap.connOf(localPortOf(client));
    const replies = nextMessages(client, 2);
    client.send(text);
    client.send(text);
    await replies;
    const [handshake] = (await tap.waitFor(
      (e) => e.type === 'handshake' && e.conn === conn,
    )) as TapHandshakeEvent[];
    expect(handshake!.deflate).toMatchObject({
      clientNoContextTakeover: true,
      serverNoContextTakeover: true,
    });
    const all = (await tap.waitFor((e) => e.type === 'message' && e.conn === conn, 4)) as TapMessageEvent[];
    const sent = all.filter((m) => m.dir === 'client');
    expect(sent[1]!.compressedSize).toBe(sent[0]!.compressedSize);
    const answered = all.filter((m) => m.dir === 'server');
    expect(answered.map((m) => m.text)).toEqual([`Server received: '${text}'`, `Server received: '${text}'`]);
    client.close();
  });

  it('follows a small negotiated window across several messages', async () => {
    const client = await deflateClient('?deflate=1', {
      perMessageDeflate: { clientMaxWindowBits: 9, serverMaxWindowBits: 10 },
    });
    const conn = await tap.connOf(localPortOf(client));
    const texts = Array.from({ length: 5 }, (_, i) => `${i}: ${text.slice(i * 40)}${'abc'.repeat(i * 100)}`);
    const replies = nextMessages(client, texts.length);
    for (const t of texts) client.send(t);
    await replies;
    const [handshake] = (await tap.waitFor(
      (e) => e.type === 'handshake' && e.conn === conn,
    )) as TapHandshakeEvent[];
    expect(handshake!.deflate).toMatchObject({ clientMaxWindowBits: 9, serverMaxWindowBits: 10 });
    const all = (await tap.waitFor((e) => e.type === 'message' && e.conn === conn, 10)) as TapMessageEvent[];
    expect(all.filter((m) => m.dir === 'client').map((m) => m.text)).toEqual(texts);
    expect(all.filter((m) => m.dir === 'server').map((m) => m.text)).toEqual(
      texts.map((t) => `Server received: '${t}'`),
    );
    client.close();
  });

  it('does not compress when the connection asks deflate=0, even if the client offers it', async () => {
    const client = await deflateClient('?deflate=0');
    const conn = await tap.connOf(localPortOf(client));
    const reply = nextMessages(client, 1);
    client.send(text);
    await reply;
    const [message] = (await tap.waitFor(
      (e) => e.type === 'message' && e.conn === conn,
    )) as TapMessageEvent[];
    expect(message).toMatchObject({ compressed: false, size: text.length });
    client.close();
  });

  it('reports a message that does not inflate as an error, and other connections carry on', async () => {
    const bystander = await openEcho(server);
    const raw = await RawClient.connect(server.port);
    raw.write(RawClient.handshake('/echo?deflate=1', ['Sec-WebSocket-Extensions: permessage-deflate']));
    expect(await raw.readHead()).toMatch(/permessage-deflate/);
    const conn = await tap.connOf(raw.localPort);
    // 0xff is not a valid DEFLATE block type.
    raw.write(clientFrame({ opcode: 1, rsv1: true, payload: Uint8Array.of(0xff, 0xff, 0xff) }));
    await raw.readToEnd();
    const [error] = (await tap.waitFor((e) => e.type === 'error' && e.conn === conn)) as TapErrorEvent[];
    expect(error).toMatchObject({ code: 'INFLATE_FAILED', closeCode: 1007, dir: 'client' });
    const reply = nextMessages(bystander, 1);
    bystander.send('still here');
    expect(String((await reply)[0]!.data)).toBe("Server received: 'still here'");
    bystander.close();
  });
});
