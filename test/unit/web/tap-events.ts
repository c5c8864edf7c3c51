// Tap events as the tap sends them, for unit tests of the views that read them: the fields a
// test does not care about get the values of an unremarkable connection and frame.
import type { TapFrameEvent, TapHandshakeEvent, TapOpenEvent } from '../../../core/tap/events';
import { opcodeName } from '../../../core/wire/opcodes';

export function testFrame(fields: Partial<TapFrameEvent> = {}): TapFrameEvent {
  const dir = fields.dir ?? 'server';
  const opcode = fields.opcode ?? 1;
  const payload = fields.payload ?? { text: '', truncated: false };
  const size = payload.text !== undefined ? payload.text.length : atob(payload.base64 ?? '').length;
  return {
    type: 'frame',
    conn: 'c1',
    t: 0,
    dir,
    seq: 0,
    offset: 0,
    fin: true,
    rsv1: false,
    rsv2: false,
    rsv3: false,
    opcode,
    opcodeName: opcodeName(opcode) as TapFrameEvent['opcodeName'],
    masked: dir === 'client',
    maskKey: null,
    payloadLength: size,
    headerHex: '',
    payload,
    ...fields,
  };
}

export function testOpen(conn: string, kind: TapOpenEvent['kind'] = 'echo', path = '/echo'): TapOpenEvent {
  return { type: 'open', conn, t: 0, remote: '127.0.0.1:50000', path, kind };
}

/** The opening handshake of `conn`: answered 101, or refused with `status`. */
export function testHandshake(conn: string, t = 1, status = 101): TapHandshakeEvent {
  return {
    type: 'handshake',
    conn,
    t,
    request: { method: 'GET', path: '/echo', httpVersion: '1.1', headers: [], raw: '' },
    response: { status, reason: status === 101 ? 'Switching Protocols' : 'Forbidden', headers: [], raw: '' },
    accept: { key: '', expected: '', actual: null, ok: status === 101 },
  };
}
