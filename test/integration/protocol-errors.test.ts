import { describe, expect, it } from 'vitest';
import type { TapCloseEvent, TapErrorEvent, TapEvent, TapFrameEvent } from '../../core/tap/events';
import { fromBase64, toHex, utf8 } from '../../core/wire/bytes';
import { FrameDecoder } from '../../core/wire/frame-decoder';
import { encodeClosePayload, encodeFrame } from '../../core/wire/frame-encoder';
import { ProtocolErrors } from '../../core/wire/protocol-errors';
import type { RunningServer } from '../../server/server';
import { clientFrame, nextMessages, openEcho, RawClient, serveWithTap, type TapRecorder } from './harness';

const MAX_PAYLOAD = 4096;
let server: RunningServer;
let tap: TapRecorder;

const bytes = (...parts: (number[] | Uint8Array)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => [...p]));

// Each row is bytes a client sends after a good handshake, the error the tap must name and the
// close code the server must answer with. (A masked *server* frame cannot be provoked from a
// client; the decoder's unit tests cover it.)
const cases: { name: string; code: string; closeCode: number; send: Uint8Array[] }[] = [
  {
    name: 'an unmasked client frame',
    code: 'EXPECTED_MASK',
    closeCode: 1002,
    send: [encodeFrame({ opcode: 1, payload: 'hi' })],
  },
  {
    name: 'a reserved opcode',
    code: 'RESERVED_OPCODE',
    closeCode: 1002,
    send: [clientFrame({ opcode: 3, payload: 'x' })],
  },
  {
    name: 'RSV1 without an extension',
    code: 'UNEXPECTED_RSV_1',
    closeCode: 1002,
    send: [clientFrame({ opcode: 1, rsv1: true, payload: 'x' })],
  },
  {
    name: 'RSV2 without an extension',
    code: 'UNEXPECTED_RSV_2_3',
    closeCode: 1002,
    send: [clientFrame({ opcode: 1, rsv2: true, payload: 'x' })],
  },
  {
    name: 'a fragmented ping',
    code: 'FRAGMENTED_CONTROL',
    closeCode: 1002,
    send: [clientFrame({ opcode: 9, fin: false })],
  },
  {
    name: 'a ping with 126 bytes of payload',
    code: 'CONTROL_PAYLOAD_TOO_LONG',
    closeCode: 1002,
    send: [clientFrame({ opcode: 9, payload: new Uint8Array(126) })],
  },
  {
    name: 'a close frame with a one-byte body',
    code: 'INVALID_CLOSE_PAYLOAD',
    closeCode: 1002,
    send: [clientFrame({ opcode: 8, payload: Uint8Array.of(3) })],
  },
  {
    name: 'a continuation with nothing to continue',
    code: 'UNEXPECTED_CONTINUATION',
    closeCode: 1002,
    send: [clientFrame({ opcode: 0, payload: 'x' })],
  },
  {
    name: 'a new text frame inside a fragmented message',
    code: 'EXPECTED_CONTINUATION',
    closeCode: 1002,
    send: [clientFrame({ opcode: 1, payload: 'a', fin: false }), clientFrame({ opcode: 1, payload: 'b' })],
  },
  {
    name: 'invalid UTF-8 in a text message',
    code: 'INVALID_UTF8',
    closeCode: 1007,
    send: [clientFrame({ opcode: 1, payload: Uint8Array.of(0x68, 0xff, 0xfe) })],
  },
  {
    name: 'invalid UTF-8 in a close reason',
    code: 'INVALID_UTF8_CLOSE_REASON',
    closeCode: 1007,
    send: [clientFrame({ opcode: 8, payload: bytes(encodeClosePayload(1000), [0xc3, 0x28]) })],
  },
  {
    name: 'a close code no endpoint may send',
    code: 'INVALID_CLOSE_CODE',
    closeCode: 1002,
    send: [clientFrame({ opcode: 8, payload: encodeClosePayload(1005) })],
  },
  {
    name: 'a 64-bit length with the top bit set',
    code: 'LENGTH_OUT_OF_RANGE',
    closeCode: 1009,
    send: [bytes([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1], [1, 2, 3, 4])],
  },
  {
    name: 'a message over the size limit',
    code: 'MESSAGE_TOO_BIG',
    closeCode: 1009,
    send: [clientFrame({ opcode: 2, payload: new Uint8Array(MAX_PAYLOAD + 1) })],
  },
];

// The JSON tap, and the raw tap decoded as the page decodes it, under the same bad input.
describe.each([['json'], ['raw']] as const)('bad input from a client, %s tap', (format) => {
  serveWithTap(
    { maxPayload: MAX_PAYLOAD },
    (started, recorder) => {
      server = started;
      tap = recorder;
    },
    format,
  );

  it.each(cases)(
    'answers $name with close $closeCode, shows the offending frame with its violation, then reports $code',
    async (c) => {
      const bystander = await openEcho(server);
      const raw = await RawClient.connect(server.port);
      raw.write(RawClient.handshake());
      expect(await raw.readHead()).toMatch(/^HTTP\/1\.1 101/);
      const conn = await tap.connOf(raw.localPort);
      for (const chunk of c.send) raw.write(chunk);

      // The server fails the connection (RFC 6455 §7.1.7): a close frame with the code, then TCP closes.
      const answer = await raw.readToEnd();
      const closeFrames = new FrameDecoder({ sender: 'server' })
        .push(answer)
        .flatMap((e) => (e.type === 'frame' && e.frame.close ? [e.frame.close] : []));
      expect(closeFrames[0]?.code).toBe(c.closeCode);

      const [error] = (await tap.waitFor((e) => e.type === 'error' && e.conn === conn)) as TapErrorEvent[];
      expect(error).toMatchObject({ code: c.code, closeCode: c.closeCode, dir: 'client' });

      // The frame at fault is on the tap, before the error, as the bytes the client sent.
      const events = tap.of(conn);
      const faulty = events.filter(
        (e): e is TapFrameEvent => e.type === 'frame' && e.violation !== undefined,
      );
      expect(faulty).toHaveLength(1);
      const [frame] = faulty;
      expect(frame!.violation).toMatchObject({
        code: c.code,
        closeCode: c.closeCode,
        section: ProtocolErrors[c.code as keyof typeof ProtocolErrors].section,
      });
      expect(events.indexOf(frame!)).toBeLessThan(events.indexOf(error!));
      expect(toHex(c.send.at(-1)!).startsWith(frame!.headerHex)).toBe(true);
      const [close] = (await tap.waitFor((e) => e.type === 'close' && e.conn === conn)) as TapCloseEvent[];
      expect(close).toMatchObject({ code: c.closeCode, initiator: 'server' });

      const reply = nextMessages(bystander, 1);
      bystander.send('still here');
      expect(String((await reply)[0]!.data)).toBe("Server received: 'still here'");
      bystander.close();
    },
  );
});

describe('exact payloads on the tap', () => {
  serveWithTap({ maxPayload: MAX_PAYLOAD }, (started, recorder) => {
    server = started;
    tap = recorder;
  });

  const payloadOf = (event: TapEvent) => {
    const { payload } = event as TapFrameEvent;
    return payload.text !== undefined ? utf8(payload.text) : fromBase64(payload.base64 ?? '');
  };

  it('shows a ping carrying bytes and a text fragment split inside "é" as the bytes sent', async () => {
    const raw = await RawClient.connect(server.port);
    raw.write(RawClient.handshake());
    expect(await raw.readHead()).toMatch(/^HTTP\/1\.1 101/);
    const conn = await tap.connOf(raw.localPort);
    raw.write(clientFrame({ opcode: 9, payload: Uint8Array.of(0xff, 0x00, 0xc3) }));
    raw.write(clientFrame({ opcode: 1, fin: false, payload: Uint8Array.of(0x61, 0xc3) }));
    raw.write(clientFrame({ opcode: 0, payload: Uint8Array.of(0xa9) }));
    const isClient = (e: TapEvent) => 'conn' in e && e.conn === conn && 'dir' in e && e.dir === 'client';
    const [message] = await tap.waitFor((e) => e.type === 'message' && isClient(e));
    const frames = tap.of(conn).filter((e): e is TapFrameEvent => e.type === 'frame' && isClient(e));
    expect(frames.map((f) => f.opcodeName)).toEqual(['ping', 'text', 'continuation']);
    expect(frames.map((f) => f.payload.text)).toEqual([undefined, undefined, undefined]);
    expect(frames.map((f) => toHex(payloadOf(f) ?? new Uint8Array(0)))).toEqual(['ff00c3', '61c3', 'a9']);
    expect(message).toMatchObject({ text: 'aé', size: 3, frames: 2 });
    raw.destroy();
  });
});
