// A frame event as the tap sends one, for unit tests of the views that read them: the fields a
// test does not care about get the values of an unremarkable unfragmented frame.
import type { TapFrameEvent } from '../../../core/tap/events';
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
