// "Clean" means what the browser's CloseEvent.wasClean means (RFC 6455 §7.1.5, §7.1.7): the
// closing handshake completed, a close frame each way, before the TCP connection closed. These run
// against the real server with real ws clients, including lesson 10's message one byte too big.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { TapCloseEvent, TapFrameEvent } from '../../core/tap/events';
import type { RunningServer } from '../../server/server';
import { localPortOf, openEcho, serveWithTap, type TapRecorder } from './harness';

const MiB = 1024 * 1024;

let server: RunningServer;
let tap: TapRecorder;

const closeFrames = (conn: string) =>
  tap.of(conn).filter((e): e is TapFrameEvent => e.type === 'frame' && e.opcodeName === 'close');

async function closeOf(conn: string): Promise<TapCloseEvent> {
  const [close] = await tap.waitFor((e) => e.type === 'close' && e.conn === conn, 1, 10_000);
  return close as TapCloseEvent;
}

describe.each(['json', 'raw'] as const)('the tap (%s) on how a connection closed', (format) => {
  serveWithTap(
    { maxPayload: MiB },
    (started, recorder) => {
      server = started;
      tap = recorder;
    },
    format,
  );

  it('calls a close the client started and the server answered clean', async () => {
    const client = await openEcho(server);
    const conn = await tap.connOf(localPortOf(client));
    client.close(1000, 'done');
    await once(client, 'close');
    const close = await closeOf(conn);
    expect(close).toMatchObject({ code: 1000, initiator: 'client', clean: true });
  });

  it('calls the 1009 close of a message one byte over the limit clean: both close frames crossed the wire', async () => {
    const client = await openEcho(server);
    const conn = await tap.connOf(localPortOf(client));
    client.send(Buffer.alloc(MiB + 1));
    const [code] = await once(client, 'close');
    expect(code).toBe(1009);
    const close = await closeOf(conn);
    // The server refused the message and closed; the client answered with its own close frame,
    // which the server no longer read but which did cross the wire: the browser says wasClean.
    expect(closeFrames(conn).map((f) => [f.dir, f.closeCode])).toEqual([
      ['server', 1009],
      ['client', 1009],
    ]);
    expect(close).toMatchObject({ code: 1009, initiator: 'server', clean: true });
  });

  it('calls a dropped connection with no close frame not clean', async () => {
    const client = await openEcho(server);
    const conn = await tap.connOf(localPortOf(client));
    client.terminate();
    const close = await closeOf(conn);
    expect(close).toMatchObject({ code: 1006, initiator: 'none', clean: false });
  });
});
