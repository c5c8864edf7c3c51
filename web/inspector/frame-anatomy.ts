// A frame taken apart (RFC 6455 §5.2): the header bit by bit, a hex dump coloured by field, the
// masked and unmasked payload side by side, and a close frame's code with its meaning. A frame that
// broke a rule says which, and the bits and bytes at fault are marked. Every byte shown is a byte
// from the wire: a payload the tap carries as base64 is decoded, never re-encoded from text.
import type { TapFrameEvent, TapMessageEvent } from '../../core/tap/events';
import { applyMask, fromHex, toHex } from '../../core/wire/bytes';
import { closeCodeInfo } from '../../core/wire/close-codes';
import { announcedLengthForm, extendedLengthBytes } from '../../core/wire/frame-header';
import { isControlOpcode, Opcode } from '../../core/wire/opcodes';
import { type FrameField, ProtocolErrors } from '../../core/wire/protocol-errors';
import { payloadBytes } from '../lib/bytes';
import { h } from '../lib/dom';
import './frame-anatomy.css';

const DUMP_LIMIT = 512;
const XOR_ROWS = 16;

const OPCODE_MEANING: Record<number, string> = {
  [Opcode.CONTINUATION]: 'continuation: more of the message before it',
  [Opcode.TEXT]: 'text: UTF-8 data',
  [Opcode.BINARY]: 'binary: any bytes',
  [Opcode.CLOSE]: 'close: starts or answers the closing handshake',
  [Opcode.PING]: 'ping: asks for a pong',
  [Opcode.PONG]: 'pong: answers a ping',
};

type Field = 'fin' | 'rsv' | 'opcode' | 'mask' | 'len' | 'ext' | 'key' | 'payload';

interface Bit {
  value: number;
  field: Field;
}

function bitsOf(byte: number, fields: Field[]): Bit[] {
  return fields.map((field, i) => ({ value: (byte >> (7 - i)) & 1, field }));
}

/** What a violation marks: header bits by byte (bit 0 = most significant), and byte ranges. */
interface Fault {
  /** Bits of header byte 0 and byte 1 at fault. */
  bits: [Set<number>, Set<number>];
  /** The extended length bytes are at fault. */
  extendedLength: boolean;
  /** Payload bytes at fault, [start, end). */
  payload: [number, number] | null;
}

const NO_FAULT: Fault = { bits: [new Set(), new Set()], extendedLength: false, payload: null };

/** Turns the fields a rule is about (core/wire/protocol-errors.ts) into bits and bytes to mark. */
function faultOf(event: TapFrameEvent): Fault {
  const violation = event.violation;
  if (!violation) return NO_FAULT;
  const entry = Object.hasOwn(ProtocolErrors, violation.code) ? ProtocolErrors[violation.code] : null;
  const fields: readonly FrameField[] = entry?.fields ?? [];
  const byte0 = new Set<number>();
  const byte1 = new Set<number>();
  // Of the RSV bits a rule names, the ones actually set are the ones at fault.
  const rsv = [event.rsv1, event.rsv2, event.rsv3];
  for (const field of fields) {
    if (field === 'fin') byte0.add(0);
    else if (field === 'rsv1' || field === 'rsv2' || field === 'rsv3') {
      const n = Number(field.slice(3));
      if (rsv[n - 1]) byte0.add(n);
    } else if (field === 'opcode') for (const bit of [4, 5, 6, 7]) byte0.add(bit);
    else if (field === 'mask') byte1.add(0);
    else if (field === 'length') for (const bit of [1, 2, 3, 4, 5, 6, 7]) byte1.add(bit);
  }
  return {
    bits: [byte0, byte1],
    extendedLength: fields.includes('length'),
    payload: violation.payloadRange ?? null,
  };
}

const AT_FAULT = ' at-fault';

function bitRow(label: string, bits: Bit[], note: string, fault: Set<number> = new Set()): HTMLElement {
  return h(
    'div',
    { className: 'bit-row' },
    h('span', { className: 'bit-label' }, label),
    h(
      'span',
      { className: 'bits' },
      ...bits.map((bit, i) =>
        h(
          'span',
          {
            className: `bit f-${bit.field}${fault.has(i) ? AT_FAULT : ''}`,
            title: bit.field,
            'data-at-fault': fault.has(i),
          },
          String(bit.value),
        ),
      ),
    ),
    h('span', { className: 'bit-note' }, note),
  );
}

/**
 * What the FIN bit says for this frame. Only data messages can be fragmented; a control frame is
 * never fragmented (RFC 6455 §5.5), so on close, ping and pong FIN is always 1 and ends nothing
 * but the frame itself.
 */
export function finMeaning(opcode: number, fin: boolean): string {
  if (isControlOpcode(opcode))
    return fin ? 'always 1: a control frame is never fragmented' : 'a control frame must not be fragmented';
  if (opcode === Opcode.CONTINUATION) return fin ? 'last frame of the message' : 'more frames follow';
  return fin ? 'the whole message in one frame' : 'first frame of a message, more frames follow';
}

/** The header bytes with what each field says. */
function headerDiagram(event: TapFrameEvent, header: Uint8Array, fault: Fault): HTMLElement {
  const b0 = header[0] ?? 0;
  const b1 = header[1] ?? 0;
  const len7 = b1 & 0x7f;
  const rows: HTMLElement[] = [
    bitRow(
      'byte 0',
      bitsOf(b0, ['fin', 'rsv', 'rsv', 'rsv', 'opcode', 'opcode', 'opcode', 'opcode']),
      `FIN=${event.fin ? 1 : 0} (${finMeaning(event.opcode, event.fin)}), ` +
        `RSV1-3=${+event.rsv1}${+event.rsv2}${+event.rsv3}${compressed(event) ? ' (RSV1: compressed, RFC 7692)' : ''}, ` +
        `opcode=0x${event.opcode.toString(16)} ${event.opcodeName}`,
      fault.bits[0],
    ),
    bitRow(
      'byte 1',
      bitsOf(b1, ['mask', 'len', 'len', 'len', 'len', 'len', 'len', 'len']),
      `MASK=${event.masked ? 1 : 0} (${event.masked ? 'a masking key follows' : 'no masking key'}), payload len=${len7}` +
        (len7 === 126
          ? ' → the next 2 bytes hold the length'
          : len7 === 127
            ? ' → the next 8 bytes hold the length'
            : ''),
      fault.bits[1],
    ),
  ];
  let at = 2;
  const extBytes = extendedLengthBytes(announcedLengthForm(len7));
  if (extBytes > 0) {
    const ext = header.subarray(at, at + extBytes);
    rows.push(
      h(
        'div',
        { className: 'bit-row' },
        h('span', { className: 'bit-label' }, `bytes ${at}-${at + extBytes - 1}`),
        h(
          'span',
          {
            className: `bytes f-ext${fault.extendedLength ? AT_FAULT : ''}`,
            'data-at-fault': fault.extendedLength,
          },
          toHex(ext, ' '),
        ),
        h('span', { className: 'bit-note' }, `extended payload length = ${event.payloadLength} (big-endian)`),
      ),
    );
    at += extBytes;
  }
  if (event.masked) {
    rows.push(
      h(
        'div',
        { className: 'bit-row' },
        h('span', { className: 'bit-label' }, `bytes ${at}-${at + 3}`),
        h(
          'span',
          { className: 'bytes f-key', 'data-testid': 'mask-key' },
          toHex(header.subarray(at, at + 4), ' '),
        ),
        h(
          'span',
          { className: 'bit-note' },
          `masking key ${event.maskKey ?? ''} (RFC 6455 §5.3: client frames are masked)`,
        ),
      ),
    );
  }
  return h(
    'div',
    { className: 'anatomy-header', role: 'group', 'aria-label': 'Header, bit by bit' },
    ...rows,
  );
}

function fieldOfHeaderByte(index: number, header: Uint8Array): Field {
  if (index === 0) return 'opcode';
  if (index === 1) return 'len';
  const len7 = (header[1] ?? 0) & 0x7f;
  const ext = extendedLengthBytes(announcedLengthForm(len7));
  return index < 2 + ext ? 'ext' : 'key';
}

function headerByteAtFault(index: number, header: Uint8Array, fault: Fault): boolean {
  if (index < 2) return fault.bits[index]!.size > 0;
  return fault.extendedLength && fieldOfHeaderByte(index, header) === 'ext';
}

function inRange(range: [number, number] | null, i: number): boolean {
  return range !== null && i >= range[0] && i < range[1];
}

/** What each colour of a frame's bytes is, under a hex dump (the workbench's too). */
export function byteLegend(): HTMLElement {
  return h(
    'div',
    { className: 'legend' },
    ...(
      [
        ['opcode', 'FIN, RSV, opcode'],
        ['len', 'MASK, length'],
        ['ext', 'extended length'],
        ['key', 'masking key'],
        ['payload', 'payload as sent'],
      ] as const
    ).map(([field, text]) => h('span', { className: `legend-item f-${field}` }, text)),
  );
}

function hexDump(header: Uint8Array, wirePayload: Uint8Array, more: number, fault: Fault): HTMLElement {
  const cells: HTMLElement[] = [];
  for (const [i, byte] of header.entries()) {
    const bad = headerByteAtFault(i, header, fault);
    cells.push(
      h(
        'span',
        {
          className: `hex f-${fieldOfHeaderByte(i, header)}${bad ? AT_FAULT : ''}`,
          'data-at-fault': bad,
        },
        byte.toString(16).padStart(2, '0'),
      ),
    );
  }
  for (const [i, byte] of wirePayload.subarray(0, DUMP_LIMIT).entries()) {
    const bad = inRange(fault.payload, i);
    cells.push(
      h(
        'span',
        { className: `hex f-payload${bad ? AT_FAULT : ''}`, 'data-at-fault': bad },
        byte.toString(16).padStart(2, '0'),
      ),
    );
  }
  return h(
    'div',
    {
      className: 'hex-dump',
      role: 'group',
      'aria-label': 'The frame as bytes on the wire',
      'data-testid': 'hex-dump',
    },
    h('div', { className: 'hex-cells' }, ...cells),
    more > 0 ? h('div', { className: 'muted' }, `… ${more} more payload bytes not shown`) : null,
    byteLegend(),
  );
}

function printable(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '·';
}

function xorTable(unmasked: Uint8Array, key: Uint8Array, fault: Fault): HTMLElement {
  const rows = Array.from(unmasked.subarray(0, XOR_ROWS), (plain, i) => {
    const k = key[i % 4]!;
    const bad = inRange(fault.payload, i);
    return h(
      'tr',
      { className: bad ? AT_FAULT.trim() : '', 'data-at-fault': bad },
      h('td', {}, String(i)),
      h('td', { className: 'f-payload' }, (plain ^ k).toString(16).padStart(2, '0')),
      h('td', { className: 'f-key' }, k.toString(16).padStart(2, '0')),
      h('td', {}, plain.toString(16).padStart(2, '0')),
      h('td', {}, printable(plain)),
    );
  });
  return h(
    'table',
    { className: 'xor-table', 'aria-label': 'Unmasking, byte by byte', 'data-testid': 'xor-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'i'),
        h('th', {}, 'on the wire'),
        h('th', {}, 'key[i mod 4]'),
        h('th', {}, '= XOR'),
        h('th', {}, 'char'),
      ),
    ),
    h('tbody', {}, ...rows),
  );
}

/** RSV1 means compressed only where an extension gave it that meaning; otherwise it is a fault. */
function compressed(event: TapFrameEvent): boolean {
  return event.rsv1 && event.violation?.code !== 'UNEXPECTED_RSV_1';
}

/**
 * RFC 7692 §6: RSV1 on a message's first frame says its payload is DEFLATE output. The frame
 * carries the compressed bytes; the message, once inflated, is what the application saw.
 */
function compression(event: TapFrameEvent, message: TapMessageEvent | undefined): HTMLElement {
  const wire = message?.compressedSize;
  const known = message !== undefined && wire !== undefined;
  const ratio = known && message.size > 0 ? wire / message.size : null;
  const inflated =
    message?.text ??
    (message?.base64 !== undefined ? toHex(payloadBytes(message).subarray(0, 256), ' ') : '');
  return h(
    'div',
    {
      className: 'compression',
      'data-testid': 'compression',
      'data-compressed-size': known ? String(wire) : '',
      'data-size': known ? String(message.size) : '',
    },
    h(
      'p',
      {},
      h('strong', {}, 'RSV1 is set: compressed with permessage-deflate'),
      ' (RFC 7692 §6). The payload below is DEFLATE output, as it crossed the wire; the message',
      event.fin ? '' : ' (continued in the frames that follow)',
      ' is inflated by the receiver.',
    ),
    known
      ? h(
          'p',
          { 'data-testid': 'compression-ratio' },
          `${wire} B on the wire → ${message.size} B inflated: ratio ${wire} / ${message.size} = ${ratio === null ? '—' : `${(ratio * 100).toFixed(1)} %`}` +
            (ratio !== null && ratio >= 1 ? ' (compression made it no smaller)' : ''),
        )
      : h('p', { className: 'muted' }, 'The inflated message has not been reported yet.'),
    inflated
      ? h(
          'div',
          {},
          h(
            'div',
            { className: 'muted' },
            message?.text !== undefined ? 'Inflated message (text)' : 'Inflated message (hex)',
          ),
          h('pre', { className: 'payload', 'data-testid': 'inflated-payload' }, inflated),
        )
      : null,
    message?.truncated
      ? h('p', { className: 'muted' }, 'The tap kept only the start of the inflated message.')
      : null,
  );
}

/** The rule the frame broke, where the RFC states it, and what the receiver does about it. */
function violationInfo(event: TapFrameEvent): HTMLElement | null {
  const violation = event.violation;
  if (!violation) return null;
  const close = closeCodeInfo(violation.closeCode);
  return h(
    'div',
    {
      className: 'violation',
      role: 'note',
      'data-testid': 'violation',
      'data-code': violation.code,
      'data-section': violation.section,
      'data-close-code': String(violation.closeCode),
    },
    h(
      'p',
      {},
      h('strong', {}, `Breaks RFC 6455 ${violation.section}: ${violation.code}`),
      ` — ${violation.message}.`,
    ),
    h(
      'p',
      {},
      `The receiver fails the connection with close code ${violation.closeCode} (${close.name}) and ` +
        'reads nothing after this frame (RFC 6455 §7.1.7). The bits and bytes at fault are marked below.',
    ),
  );
}

/**
 * Where the message's JSON view goes. That view (tree, audio, players) loads on the first frame
 * selected, not with the page, so the slot fills in a moment later.
 */
function messageJsonSlot(event: TapFrameEvent, message: TapMessageEvent | undefined): HTMLElement {
  const slot = h('div', { className: 'message-json-slot' });
  void import('./message-view').then(({ renderMessageJson }) => {
    const view = renderMessageJson(event, message);
    if (view) slot.replaceWith(view);
    else slot.remove();
  });
  return slot;
}

/**
 * `fold`: given, the parts that show how the frame crossed the wire (header bits, hex dump,
 * masking, compression) go into what it makes of them, after what the frame says (the
 * inspector-first view folds them away).
 */
export function renderAnatomy(
  event: TapFrameEvent,
  laneLabel: string,
  message?: TapMessageEvent,
  fold?: (wire: HTMLElement[]) => HTMLElement,
): HTMLElement {
  const header = fromHex(event.headerHex) ?? new Uint8Array(0);
  // The tap gives text only when the bytes alone are UTF-8, so encoding it again gives them back.
  const unmasked = payloadBytes(event.payload);
  const key = event.maskKey ? fromHex(event.maskKey) : null;
  const wire = unmasked.slice();
  if (key) applyMask(wire, key);
  const fault = faultOf(event);
  // Bytes that crossed the wire: all of the payload, or for a frame at fault cut short, what came.
  const arrived = event.payloadReceived ?? event.payloadLength;
  const more = Math.max(0, arrived - Math.min(wire.length, DUMP_LIMIT));
  const arrow = event.dir === 'client' ? '→ client to server' : '← server to client';

  const sections: (HTMLElement | null)[] = [
    h(
      'p',
      { className: 'anatomy-title' },
      h('span', { className: `badge op-${event.opcodeName}` }, event.opcodeName),
      ` ${arrow}, ${laneLabel} ${event.conn}, frame #${event.seq}, ${event.payloadLength} B payload, ` +
        `${header.length} B header. `,
      h('span', { className: 'muted' }, OPCODE_MEANING[event.opcode] ?? 'a reserved opcode (RFC 6455 §5.2)'),
    ),
    violationInfo(event),
  ];
  const wireParts: HTMLElement[] = [headerDiagram(event, header, fault), hexDump(header, wire, more, fault)];
  if (!fold) sections.push(...wireParts);
  // Unfolded, the masking and compression explanations sit where they always have.
  const wireSections = fold ? wireParts : sections;

  if (event.opcodeName === 'close') {
    const code = event.closeCode;
    const info = code === null || code === undefined ? null : closeCodeInfo(code);
    sections.push(
      h(
        'div',
        { className: 'close-info', 'data-testid': 'close-info' },
        info
          ? h(
              'p',
              {},
              h('strong', {}, `close code ${code}: ${info.name}`),
              ` — ${info.meaning}.`,
              event.violation?.code === 'INVALID_UTF8_CLOSE_REASON'
                ? ' The reason bytes are not UTF-8; they are shown as bytes.'
                : event.closeReason
                  ? ` Reason: ${JSON.stringify(event.closeReason)}.`
                  : ' No reason given.',
            )
          : h(
              'p',
              {},
              'An empty close body: no code, which the other side reports as 1005 (no status received).',
            ),
        info
          ? h(
              'p',
              { className: 'muted' },
              'The body is the 2-byte code, big-endian, then the UTF-8 reason (RFC 6455 §5.5.1).',
            )
          : null,
      ),
    );
  }

  if (key && unmasked.length > 0) {
    wireSections.push(
      h(
        'div',
        { className: 'xor' },
        h(
          'p',
          {},
          'The client masked its payload (RFC 6455 §5.3): each byte on the wire is the payload byte XOR ',
          h('code', {}, 'key[i mod 4]'),
          `, with key ${toHex(key, ' ')}. XOR again with the same key gives the payload back.`,
        ),
        xorTable(unmasked, key, fault),
        unmasked.length > XOR_ROWS
          ? h('p', { className: 'muted' }, `First ${XOR_ROWS} of ${unmasked.length} bytes.`)
          : null,
      ),
    );
  } else if (!event.masked) {
    wireSections.push(
      h(
        'p',
        { className: 'muted' },
        event.dir === 'server' ? 'Server frames are never masked (RFC 6455 §5.1).' : 'Not masked.',
      ),
    );
  }

  if (compressed(event)) wireSections.push(compression(event, message));

  const payloadText =
    event.payload.text ?? (event.payload.base64 !== undefined ? toHex(unmasked.subarray(0, 256), ' ') : '');
  // Text, pings and pongs usually carry text; when these bytes alone are not UTF-8 (a fragment
  // cut inside a character, a ping carrying bytes) they are shown as the bytes they are.
  const mayBeText = ['text', 'continuation', 'ping', 'pong'].includes(event.opcodeName);
  if (payloadText && event.opcodeName !== 'close') {
    sections.push(
      h(
        'div',
        {},
        h(
          'div',
          { className: 'muted' },
          compressed(event)
            ? 'Payload (compressed, hex, unmasked)'
            : event.payload.text !== undefined
              ? 'Payload (text)'
              : mayBeText
                ? 'Payload (hex: these bytes on their own are not UTF-8 text)'
                : 'Payload (hex)',
        ),
        h('pre', { className: 'payload', 'data-testid': 'anatomy-payload' }, payloadText),
      ),
    );
  }
  if (event.payloadReceived !== undefined) {
    sections.push(
      h(
        'p',
        { className: 'muted', 'data-testid': 'payload-received' },
        `Only ${event.payloadReceived} of the ${event.payloadLength} payload bytes the header announces ` +
          'crossed the wire before the reader stopped.',
      ),
    );
  } else if (event.payload.truncated) {
    sections.push(
      h(
        'p',
        { className: 'muted' },
        'The tap kept only the start of this payload; the lengths above are exact.',
      ),
    );
  }
  if (event.opcodeName === 'text' || event.opcodeName === 'binary')
    sections.push(messageJsonSlot(event, message));
  if (fold) sections.push(fold(wireParts));
  return h(
    'div',
    {
      className: 'anatomy',
      'data-opcode': event.opcodeName,
      'data-mask-key': event.maskKey ?? '',
      'data-rsv1': String(event.rsv1),
      'data-violation': event.violation?.code ?? '',
    },
    ...sections,
  );
}
