import { describe, expect, it } from 'vitest';
import type { TapFrameEvent, TapHandshakeEvent, TapOpenEvent } from '../../../core/tap/events';
import type { Direction } from '../../../core/wire/direction';
import type { Lane } from '../../../web/inspector/connections';
import type { FrameRow } from '../../../web/inspector/frame-store';
import { arrowOf, formatBytes, lifelinesOf, visibleRows } from '../../../web/inspector/sequence-layout';
import type { FragmentMark, SequenceItem } from '../../../web/inspector/sequence-track';
import { testLane } from './lane';

function opened(kind: TapOpenEvent['kind'], path: string, target?: string): Lane {
  return testLane({
    open: {
      type: 'open',
      conn: 'c1',
      t: 0,
      remote: '127.0.0.1:5000',
      path,
      kind,
      ...(target ? { query: { target } } : {}),
    },
  });
}

function handshake(status: number, rejected?: string): TapHandshakeEvent {
  return {
    type: 'handshake',
    conn: 'c1',
    t: 1,
    request: { method: 'GET', path: '/proxy?target=x', httpVersion: '1.1', headers: [], raw: '' },
    response: { status, reason: status === 101 ? 'Switching Protocols' : 'Forbidden', headers: [], raw: '' },
    accept: { key: '', expected: '', actual: null, ok: status === 101 },
    ...(rejected ? { rejected } : {}),
  };
}

function frameItem(
  lane: Lane,
  dir: Direction,
  opcode: number,
  text: string,
  fragment: FragmentMark = 'none',
  extra: Partial<TapFrameEvent> = {},
): SequenceItem {
  const names = ['continuation', 'text', 'binary', '', '', '', '', '', 'close', 'ping', 'pong'] as const;
  const event: TapFrameEvent = {
    type: 'frame',
    conn: 'c1',
    t: 2,
    dir,
    seq: 0,
    offset: 0,
    fin: fragment === 'none' || fragment === 'last',
    rsv1: false,
    rsv2: false,
    rsv3: false,
    opcode,
    opcodeName: names[opcode] as TapFrameEvent['opcodeName'],
    masked: dir === 'client',
    maskKey: null,
    payloadLength: new TextEncoder().encode(text).length,
    headerHex: '',
    payload: { text, truncated: false },
    ...extra,
  };
  const record: FrameRow = { id: 0, lane, event, message: opcode === 1 ? 0 : -1 };
  return { kind: 'frame', lane, t: 2, order: 0, record, fragment };
}

describe('sequence layout', () => {
  it('stands two lifelines apart, or three through the relay, inside the drawing', () => {
    expect(lifelinesOf(false).map((l) => l.name)).toEqual(['client', 'wslab']);
    expect(lifelinesOf(true).map((l) => l.name)).toEqual(['client', 'wslab', 'upstream']);
    for (const relayed of [false, true]) {
      const xs = lifelinesOf(relayed).map((l) => l.x);
      expect(xs).toEqual([...xs].sort());
      expect(Math.min(...xs)).toBeGreaterThan(0);
      expect(Math.max(...xs)).toBeLessThan(1);
    }
  });

  it('draws a client text frame rightwards as data, labelled with opcode, size and payload', () => {
    const lane = opened('echo', '/echo');
    const arrow = arrowOf(frameItem(lane, 'client', 1, 'hello'), false);
    expect(arrow.from).toBeLessThan(arrow.to);
    expect(arrow.style).toBe('data');
    expect(arrow.sender).toBe('client');
    expect(arrow.label).toBe('text 5 B · "hello"');
    expect(arrow.description).toContain('client to server, masked');
    // Centred on the arrow, as wide as the drawing allows.
    expect(arrow.labelFrom).toBeCloseTo(0);
    expect(arrow.labelTo).toBeCloseTo(1);
  });

  it('draws ping and pong as control frames and a close with its code, leftwards from the server', () => {
    const lane = opened('echo', '/echo');
    const ping = arrowOf(frameItem(lane, 'server', 9, ''), false);
    expect(ping.style).toBe('control');
    expect(ping.from).toBeGreaterThan(ping.to);
    const close = arrowOf(
      frameItem(lane, 'server', 8, '', 'none', { closeCode: 1000, closeReason: 'bye' }),
      false,
    );
    expect(close.style).toBe('close');
    expect(close.label).toBe('close 0 B · 1000 normal "bye"');
  });

  it('names the Live API kind and where a frame stands in a fragmented message', () => {
    const lane = opened('live', '/live');
    const item = frameItem(lane, 'client', 1, '{"realtimeInput":', 'first');
    if (item.kind === 'frame') item.record.liveLabel = 'realtimeInput · audio 40 ms';
    expect(arrowOf(item, false).label).toBe(
      'text 17 B · 1st fragment · realtimeInput · audio 40 ms · "{\\"realtimeInput\\":"',
    );
    if (item.kind === 'frame')
      item.record.messageEvent = {
        type: 'message',
        conn: 'c1',
        t: 3,
        dir: 'client',
        opcodeName: 'text',
        size: 40,
        frames: 3,
        compressed: false,
        truncated: false,
      };
    expect(arrowOf(item, false).label).toContain('1st of 3 frames');
    expect(arrowOf(frameItem(lane, 'client', 0, 'x', 'last'), false).label).toContain('last fragment');
  });

  it('relays a proxied frame from the client to the upstream through wslab', () => {
    const lane = opened('proxy', '/proxy', 'ws://127.0.0.1:9000/');
    const [client, wslab, upstream] = lifelinesOf(true).map((l) => l.x);
    const sent = arrowOf(frameItem(lane, 'client', 1, 'hi'), true);
    expect([sent.from, sent.via, sent.to]).toEqual([client, wslab, upstream]);
    const answer = arrowOf(frameItem(lane, 'server', 1, 'hi'), true);
    expect([answer.from, answer.via, answer.to]).toEqual([upstream, wslab, client]);
    // In the view of all lanes, a lane that does not go through the relay ends at wslab.
    const echo = arrowOf(frameItem(opened('echo', '/echo'), 'client', 1, 'hi'), true);
    expect([echo.from, echo.via, echo.to]).toEqual([client, null, wslab]);
    expect(arrowOf(frameItem(opened('echo', '/echo'), 'client', 1, 'hi'), true).labelTo).toBeCloseTo(
      wslab! + client!,
    );
  });

  it('shows the opening handshake as HTTP, and a refusal by wslab as never reaching the upstream', () => {
    const lane = opened('proxy', '/proxy');
    const ok = handshake(101);
    const [client, wslab, upstream] = lifelinesOf(true).map((l) => l.x);
    const request = arrowOf({ kind: 'request', lane, t: 1, order: 0, handshake: ok }, true);
    expect(request.style).toBe('http');
    expect(request.label).toBe('GET /proxy?target=x HTTP/1.1 · opening handshake');
    expect([request.from, request.to]).toEqual([client, upstream]);
    const answer = arrowOf({ kind: 'response', lane, t: 1, order: 0, handshake: ok }, true);
    expect(answer.label).toBe('101 Switching Protocols · accept ✓ · opening handshake');

    const refused = opened('rejected', '/proxy');
    const no = handshake(403, 'wslab relays only to loopback addresses');
    const asked = arrowOf({ kind: 'request', lane: refused, t: 1, order: 0, handshake: no }, true);
    expect([asked.from, asked.to]).toEqual([client, wslab]);
    const refusal = arrowOf({ kind: 'response', lane: refused, t: 1, order: 0, handshake: no }, true);
    expect(refusal.style).toBe('refusal');
    expect([refusal.from, refusal.to]).toEqual([wslab, client]);
    expect(refusal.label).toBe('403 Forbidden · refused: wslab relays only to loopback addresses');
  });

  it('shows a relayed HTTP exchange going through to the upstream and back, refused by no one', () => {
    const lane = opened('http', '/proxy/socket.io/');
    const poll: TapHandshakeEvent = {
      ...handshake(200),
      request: {
        method: 'POST',
        path: '/proxy/socket.io/?EIO=4',
        httpVersion: '1.1',
        headers: [],
        raw: '',
        body: { text: '40', truncated: false, size: 2 },
      },
      response: {
        status: 200,
        reason: 'OK',
        headers: [],
        raw: '',
        body: { text: 'ok', truncated: false, size: 2 },
      },
    };
    lane.handshake = poll;
    const [client, wslab, upstream] = lifelinesOf(true).map((l) => l.x);
    const request = arrowOf({ kind: 'request', lane, t: 1, order: 0, handshake: poll }, true);
    expect(request.label).toBe('POST /proxy/socket.io/?EIO=4 HTTP/1.1 · 2 B');
    expect([request.from, request.via, request.to]).toEqual([client, wslab, upstream]);
    const answer = arrowOf({ kind: 'response', lane, t: 1, order: 0, handshake: poll }, true);
    expect(answer.style).toBe('http');
    expect(answer.label).toBe('200 OK · 2 B');
    expect([answer.from, answer.to]).toEqual([upstream, client]);
  });

  it('ends a connection with a line across its lifelines saying how it closed', () => {
    const lane = opened('echo', '/echo');
    lane.handshake = handshake(101);
    const end = arrowOf(
      {
        kind: 'end',
        lane,
        t: 5,
        order: 0,
        close: {
          type: 'close',
          conn: 'c1',
          t: 5,
          code: 1006,
          reason: '',
          initiator: 'none',
          clean: false,
          bytes: { client: 0, server: 0 },
        },
      },
      false,
    );
    expect(end.style).toBe('end');
    expect(end.label).toBe('TCP closed · 1006 abnormal closure · no close frame, not clean');
  });

  it('reads only the rows a viewport shows, with one to spare each side', () => {
    expect(visibleRows(0, 360, 100_000, 36)).toEqual({ first: 0, last: 11 });
    expect(visibleRows(36 * 50_000, 360, 100_000, 36)).toEqual({ first: 49_999, last: 50_011 });
    expect(visibleRows(36 * 99_995, 360, 100_000, 36)).toEqual({ first: 99_994, last: 100_000 });
    expect(visibleRows(0, 360, 0, 36)).toEqual({ first: 0, last: 0 });
  });

  it('writes sizes in bytes until they are long, then in KiB and MiB', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(9999)).toBe('9999 B');
    expect(formatBytes(65_536)).toBe('64.0 KiB');
    expect(formatBytes(16 * 1024 * 1024)).toBe('16.0 MiB');
  });
});
