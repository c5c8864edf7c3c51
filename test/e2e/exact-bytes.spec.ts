// The inspector shows the bytes that crossed the wire and nothing else: a ping carrying bytes and
// a text fragment cut inside "é" are shown as their own bytes (never as U+FFFD re-encoded), and a
// frame that broke a rule is shown as a frame, with the rule and the offending bits marked. The
// frames are sent by a raw TCP client here, since no well-behaved library sends them.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { Locator, Page } from '@playwright/test';
import type { TapEvent, TapFrameEvent, TapOpenEvent } from '../../core/tap/events';
import { encodeFrame, type FrameSpec } from '../../core/wire/frame-encoder';
import { expect, type NodeTap, test } from './fixtures';

const KEY = Uint8Array.of(0x01, 0x02, 0x03, 0x04);

/** A client frame, masked with a fixed key so the bytes on the wire are known. */
const clientFrame = (spec: Omit<FrameSpec, 'mask'>) => encodeFrame({ ...spec, mask: KEY });

/** Opens a WebSocket to the echo server by hand and returns the socket and its tap connection id. */
async function rawConnection(port: number, tap: NodeTap): Promise<{ socket: Socket; conn: string }> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.setNoDelay(true);
  const head = new Promise<string>((resolve) => {
    let seen = '';
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.includes('\r\n\r\n')) resolve(seen);
    });
  });
  socket.write(
    [
      'GET /echo HTTP/1.1',
      'Host: 127.0.0.1',
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      '',
      '',
    ].join('\r\n'),
  );
  expect(await head).toMatch(/^HTTP\/1\.1 101/);
  const localPort = socket.localPort!;
  const open = await tap.find(
    (event: TapEvent): event is TapOpenEvent =>
      event.type === 'open' && event.remote.endsWith(`:${localPort}`),
  );
  return { socket, conn: open.conn };
}

/** Selects the client's frame of that connection and returns the frame detail. */
async function showFrame(app: Page, conn: string, opcode: string, nth = 0): Promise<Locator> {
  const row = app
    .locator(`[data-testid="frame-row"][data-conn="${conn}"][data-dir="client"][data-opcode="${opcode}"]`)
    .nth(nth);
  // A message sent in several frames is one folded row: open it to reach its frames.
  const folded = app.locator(
    `[data-testid="message-row"][data-conn="${conn}"][data-dir="client"][aria-expanded="false"]`,
  );
  await expect(row.or(folded).first()).toBeVisible();
  if ((await folded.count()) > 0) await folded.first().click();
  await row.click();
  const detail = app.getByTestId('frame-detail');
  await expect(detail.locator('.anatomy')).toHaveAttribute('data-opcode', opcode);
  return detail;
}

/** The payload bytes of the hex dump, as the wire carried them (masked). */
const wirePayload = (detail: Locator) => detail.locator('[data-testid="hex-dump"] .hex.f-payload');

test('a ping carrying bytes and a text fragment split inside "é" show their true bytes', async ({
  app,
  server,
  tap,
}) => {
  const { socket, conn } = await rawConnection(server.port, tap);
  socket.write(clientFrame({ opcode: 9, payload: Uint8Array.of(0xff, 0x00, 0xc3) }));
  // "aé" is 61 c3 a9: the first fragment ends inside the 2-byte sequence of "é".
  socket.write(clientFrame({ opcode: 1, fin: false, payload: Uint8Array.of(0x61, 0xc3) }));
  socket.write(clientFrame({ opcode: 0, payload: Uint8Array.of(0xa9) }));
  await tap.find(
    (event: TapEvent): event is TapFrameEvent =>
      event.type === 'frame' && event.conn === conn && event.opcodeName === 'continuation',
  );

  const ping = await showFrame(app, conn, 'ping');
  // On the wire each byte is XORed with key[i mod 4] (RFC 6455 §5.3): ff^01 00^02 c3^03.
  await expect(wirePayload(ping)).toHaveText(['fe', '02', 'c0']);
  await expect(ping.getByTestId('anatomy-payload')).toHaveText('ff 00 c3');
  await expect(ping.getByTestId('xor-table').locator('tbody tr')).toHaveCount(3);
  await expect(ping.getByTestId('xor-table').locator('tbody tr').nth(2)).toContainText('c0');
  await expect(ping).toContainText('not UTF-8');

  const first = await showFrame(app, conn, 'text');
  await expect(wirePayload(first)).toHaveText(['60', 'c1']);
  await expect(first.getByTestId('anatomy-payload')).toHaveText('61 c3');

  const second = await showFrame(app, conn, 'continuation');
  await expect(wirePayload(second)).toHaveText(['a8']);
  await expect(second.getByTestId('anatomy-payload')).toHaveText('a9');
  socket.destroy();
});

test('a frame with RSV1 set on a connection without compression is shown with the violation marked', async ({
  app,
  server,
  tap,
}) => {
  const { socket, conn } = await rawConnection(server.port, tap);
  socket.write(clientFrame({ opcode: 1, rsv1: true, payload: 'x' }));
  await tap.find(
    (event: TapEvent): event is TapFrameEvent =>
      event.type === 'frame' && event.conn === conn && event.violation !== undefined,
  );

  // The row says it at a glance: a warning mark, and the rule in its title.
  const row = app.locator(`[data-testid="frame-row"][data-conn="${conn}"][data-opcode="text"]`);
  await expect(row).toHaveAttribute('data-warning-level', 'error');
  await expect(row).toHaveAttribute('title', /UNEXPECTED_RSV_1 \(RFC 6455 §5\.2, close 1002\)/);
  await expect(row).toContainText('⚠');

  const detail = await showFrame(app, conn, 'text');
  const violation = detail.getByTestId('violation');
  await expect(violation).toBeVisible();
  await expect(violation).toHaveAttribute('data-code', 'UNEXPECTED_RSV_1');
  await expect(violation).toHaveAttribute('data-section', '§5.2');
  await expect(violation).toHaveAttribute('data-close-code', '1002');
  await expect(violation).toContainText('UNEXPECTED_RSV_1');
  await expect(violation).toContainText('1002');
  // Only the RSV1 bit is marked in the header, and byte 0 (c1) in the hex dump.
  const marked = detail.locator('.bit[data-at-fault]');
  await expect(marked).toHaveCount(1);
  await expect(marked).toHaveClass(/f-rsv/);
  await expect(marked).toHaveText('1');
  await expect(detail.locator('[data-testid="hex-dump"] .hex[data-at-fault]')).toHaveText(['c1']);
  // Not described as compressed: nothing was negotiated.
  await expect(detail.getByTestId('compression')).toHaveCount(0);
  socket.destroy();
});
