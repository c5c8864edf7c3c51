import { describe, expect, it } from 'vitest';
import type { ConnectionEvent, TapFrameEvent, TapMessageEvent } from '../../../core/tap/events';
import type { Direction } from '../../../core/wire/direction';
import { encodeFrame } from '../../../core/wire/frame-encoder';
import { replayRecording } from '../../../server/export/replay';
import { client, compress, recording, requestHead, responseHead, server } from './fixtures';

const deflateHeader = 'Sec-WebSocket-Extensions: permessage-deflate';
const summary = (events: ConnectionEvent[]): string[] =>
  events.map((e) =>
    e.type === 'frame'
      ? `${e.dir} ${e.opcodeName}${e.fin ? '' : '…'}`
      : e.type === 'message'
        ? `${e.dir} message`
        : e.type,
  );
const withoutTime = (events: ConnectionEvent[]) => events.map(({ t: _t, ...rest }) => rest);

describe('replaying a recorded connection', () => {
  it('gives the tap’s events in the tap’s order: open, handshake, frames, messages, close', () => {
    const replayed = replayRecording(
      recording([
        ['client', 100, requestHead('/echo?fragment=3')],
        ['server', 101, responseHead()],
        ['client', 110, client({ opcode: 1, payload: 'hello' })],
        ['server', 111, server({ opcode: 1, payload: 'Ser', fin: false })],
        ['server', 112, server({ opcode: 9, payload: 'wslab' })],
        ['server', 113, server({ opcode: 0, payload: 'ver', fin: true })],
        ['client', 114, client({ opcode: 10, payload: 'wslab' })],
        ['client', 120, client({ opcode: 8, payload: Uint8Array.of(0x0f, 0xa1, 0x62, 0x79, 0x65) })],
        ['server', 121, server({ opcode: 8, payload: Uint8Array.of(0x0f, 0xa1) })],
      ]),
    );
    expect(summary(replayed.events)).toEqual([
      'open',
      'handshake',
      'client text',
      'client message',
      'server text…',
      'server ping',
      'server continuation',
      'server message',
      'client pong',
      'client close',
      'server close',
      'close',
    ]);
    expect(replayed.events[0]).toEqual({
      type: 'open',
      conn: 'c1',
      t: 100,
      remote: '127.0.0.1:40000',
      path: '/echo',
      kind: 'echo',
      query: { fragment: '3' },
    });
    const message = replayed.events.find(
      (e): e is TapMessageEvent => e.type === 'message' && e.dir === 'server',
    );
    expect(message).toMatchObject({ text: 'Server', frames: 2, t: 113 });
    expect(replayed.events.at(-1)).toEqual({
      type: 'close',
      conn: 'c1',
      t: 200,
      code: 4001,
      reason: 'bye',
      initiator: 'client',
      clean: true,
      bytes: { client: 11 + 11 + 11, server: 5 + 7 + 5 + 4 },
    });
  });

  it('takes the open event’s query from the recording when it kept one', () => {
    const replayed = replayRecording(
      recording([['client', 100, requestHead('/proxy?target=ws://a.test')]], {
        kind: 'proxy',
        path: '/proxy',
        query: { target: 'ws://a.test/' },
      }),
    );
    expect(replayed.events[0]).toMatchObject({
      type: 'open',
      kind: 'proxy',
      query: { target: 'ws://a.test/' },
    });
  });

  it('shows the client’s mask key and header bytes, and the payload unmasked', () => {
    const replayed = replayRecording(
      recording([
        ['client', 100, requestHead()],
        ['server', 101, responseHead()],
        ['client', 102, client({ opcode: 2, payload: Uint8Array.of(1, 2, 3) })],
      ]),
    );
    const frame = replayed.events.find((e): e is TapFrameEvent => e.type === 'frame')!;
    expect(frame).toMatchObject({
      masked: true,
      maskKey: '11223344',
      headerHex: '828311223344',
      payloadLength: 3,
      payload: { base64: 'AQID', truncated: false },
    });
  });

  it('reads heads and frames however the chunks split them', () => {
    const whole = [
      ['client', 100, requestHead()],
      ['server', 101, new TextEncoder().encode(responseHead())],
      ['client', 102, client({ opcode: 1, payload: 'split me anywhere' })],
      ['server', 103, server({ opcode: 1, payload: 'fine' })],
    ] as const;
    const byteByByte = whole.flatMap(([dir, t, bytes]) => {
      const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
      return [...data].map((b) => [dir, t, Uint8Array.of(b)] as [Direction, number, Uint8Array]);
    });
    const a = replayRecording(recording(whole.map(([d, t, b]) => [d, t, b])));
    const b = replayRecording(recording(byteByByte));
    expect(withoutTime(b.events)).toEqual(withoutTime(a.events));
  });

  it('finds frames that came in the same chunk as the 101', () => {
    const head = new TextEncoder().encode(responseHead());
    const frame = server({ opcode: 1, payload: 'welcome' });
    const both = new Uint8Array(head.length + frame.length);
    both.set(head);
    both.set(frame, head.length);
    const replayed = replayRecording(
      recording([
        ['client', 100, requestHead()],
        ['server', 101, both],
      ]),
    );
    expect(replayed.response?.head?.status).toBe(101);
    expect(replayed.events.find((e) => e.type === 'message')).toMatchObject({ text: 'welcome' });
  });

  it('inflates when the 101 accepted permessage-deflate, following context takeover', () => {
    const text = 'the quick brown fox jumps over the lazy dog; '.repeat(10);
    // The second message refers back into the first one's window (RFC 7692 §7.2.1), so it is
    // smaller, and inflates only for a reader that kept the window.
    const first = compress(text);
    const second = compress(text, text);
    expect(second.length).toBeLessThan(first.length);
    const replayed = replayRecording(
      recording([
        ['client', 100, requestHead('/echo', [deflateHeader])],
        ['server', 101, responseHead([deflateHeader])],
        ['client', 102, client({ opcode: 1, rsv1: true, payload: first })],
        ['client', 103, client({ opcode: 1, rsv1: true, payload: second })],
      ]),
    );
    expect(replayed.deflate).toMatchObject({ clientMaxWindowBits: 15, serverNoContextTakeover: false });
    const messages = replayed.events.filter((e): e is TapMessageEvent => e.type === 'message');
    expect(messages.map((m) => [m.compressed, m.text, m.size, m.compressedSize])).toEqual([
      [true, text, text.length, first.length],
      [true, text, text.length, second.length],
    ]);
    const frame = replayed.events.find((e): e is TapFrameEvent => e.type === 'frame')!;
    expect(frame.rsv1).toBe(true);
    expect(Buffer.from(frame.payload.base64!, 'base64')).toEqual(Buffer.from(first));
  });

  it('reports bad bytes as the tap does, and never throws', () => {
    const replayed = replayRecording(
      recording([
        ['client', 100, requestHead()],
        ['server', 101, responseHead()],
        ['client', 102, encodeFrame({ opcode: 1, payload: 'unmasked', mask: false })],
      ]),
    );
    expect(replayed.events.find((e) => e.type === 'error')).toMatchObject({
      code: 'EXPECTED_MASK',
      dir: 'client',
      closeCode: 1002,
      message: expect.stringMatching(/^client frame at byte 0: /),
    });
    expect(() => replayRecording(recording([['client', 1, 'not http at all\r\n\r\n']]))).not.toThrow();
  });

  it('says what is still open and how many bytes never made a frame', () => {
    const frame = client({ opcode: 1, payload: 'cut short' });
    const replayed = replayRecording(
      recording(
        [
          ['client', 100, requestHead()],
          ['server', 101, responseHead()],
          ['client', 102, frame.subarray(0, 5)],
        ],
        { closedAt: null, truncated: true },
      ),
    );
    expect(replayed.events.some((e) => e.type === 'close')).toBe(false);
    expect(replayed.incomplete).toEqual({ client: 5, server: 0 });
    expect(replayed.truncated).toBe(true);
  });

  it('keeps whole payloads unless asked for the tap’s cap', () => {
    const big = 'x'.repeat(70_000);
    const chunks: [Direction, number, string | Uint8Array][] = [
      ['client', 100, requestHead()],
      ['server', 101, responseHead()],
      ['server', 102, server({ opcode: 1, payload: big })],
    ];
    const whole = replayRecording(recording(chunks));
    const capped = replayRecording(recording(chunks), { payloadCap: 65536 });
    const frameOf = (events: ConnectionEvent[]) =>
      events.find((e): e is TapFrameEvent => e.type === 'frame')!;
    expect(frameOf(whole.events).payload).toEqual({ text: big, truncated: false });
    expect(frameOf(capped.events).payload).toEqual({ text: big.slice(0, 65536), truncated: true });
    expect(frameOf(capped.events).payloadLength).toBe(70_000);
  });
});
