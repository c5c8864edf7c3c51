// A frame taken apart (RFC 6455 §5.2): the header bit by bit, a hex dump coloured by field, the
// masked and unmasked payload side by side, and a close frame's code with its meaning.
import type { TapFrameEvent, TapMessageEvent } from '../../core/tap/events';
import { applyMask, fromHex, toHex } from '../../core/wire/bytes';
import { closeCodeInfo } from '../../core/wire/close-codes';
import { announcedLengthForm, extendedLengthBytes } from '../../core/wire/frame-header';
import { Opcode } from '../../core/wire/opcodes';
import { payloadBytes } from '../lib/bytes';
import { h } from '../lib/dom';

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

function bitRow(label: string, bits: Bit[], note: string): HTMLElement {
  return h(
    'div',
    { className: 'bit-row' },
    h('span', { className: 'bit-label' }, label),
    h(
      'span',
      { className: 'bits' },
      ...bits.map((bit) =>
        h('span', { className: `bit f-${bit.field}`, title: bit.field }, String(bit.value)),
      ),
    ),
    h('span', { className: 'bit-note' }, note),
  );
}

/** The header bytes with what each field says. */
function headerDiagram(event: TapFrameEvent, header: Uint8Array): HTMLElement {
  const b0 = header[0] ?? 0;
  const b1 = header[1] ?? 0;
  const len7 = b1 & 0x7f;
  const rows: HTMLElement[] = [
    bitRow(
      'byte 0',
      bitsOf(b0, ['fin', 'rsv', 'rsv', 'rsv', 'opcode', 'opcode', 'opcode', 'opcode']),
      `FIN=${event.fin ? 1 : 0} (${event.fin ? 'last frame of the message' : 'more frames follow'}), ` +
        `RSV1-3=${+event.rsv1}${+event.rsv2}${+event.rsv3}${event.rsv1 ? ' (RSV1: compressed, RFC 7692)' : ''}, ` +
        `opcode=0x${event.opcode.toString(16)} ${event.opcodeName}`,
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
        h('span', { className: 'bytes f-ext' }, toHex(ext, ' ')),
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

function hexDump(header: Uint8Array, wirePayload: Uint8Array, more: number): HTMLElement {
  const cells: HTMLElement[] = [];
  for (const [i, byte] of header.entries()) {
    cells.push(
      h('span', { className: `hex f-${fieldOfHeaderByte(i, header)}` }, byte.toString(16).padStart(2, '0')),
    );
  }
  for (const byte of wirePayload.subarray(0, DUMP_LIMIT)) {
    cells.push(h('span', { className: 'hex f-payload' }, byte.toString(16).padStart(2, '0')));
  }
  return h(
    'div',
    { className: 'hex-dump', role: 'group', 'aria-label': 'The frame as bytes on the wire' },
    h('div', { className: 'hex-cells' }, ...cells),
    more > 0 ? h('div', { className: 'muted' }, `… ${more} more payload bytes not shown`) : null,
    h(
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
    ),
  );
}

function printable(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '·';
}

function xorTable(unmasked: Uint8Array, key: Uint8Array): HTMLElement {
  const rows = Array.from(unmasked.subarray(0, XOR_ROWS), (plain, i) => {
    const k = key[i % 4]!;
    return h(
      'tr',
      {},
      h('td', {}, String(i)),
      h('td', { className: 'f-payload' }, (plain ^ k).toString(16).padStart(2, '0')),
      h('td', { className: 'f-key' }, k.toString(16).padStart(2, '0')),
      h('td', {}, plain.toString(16).padStart(2, '0')),
      h('td', {}, printable(plain)),
    );
  });
  return h(
    'table',
    { className: 'xor-table', 'aria-label': 'Unmasking, byte by byte' },
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

export function renderAnatomy(
  event: TapFrameEvent,
  laneLabel: string,
  message?: TapMessageEvent,
): HTMLElement {
  const header = fromHex(event.headerHex) ?? new Uint8Array(0);
  const unmasked = payloadBytes(event.payload);
  const key = event.maskKey ? fromHex(event.maskKey) : null;
  const wire = unmasked.slice();
  if (key) applyMask(wire, key);
  const more = Math.max(0, event.payloadLength - Math.min(wire.length, DUMP_LIMIT));
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
    headerDiagram(event, header),
    hexDump(header, wire, more),
  ];

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
              event.closeReason ? ` Reason: ${JSON.stringify(event.closeReason)}.` : ' No reason given.',
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
    sections.push(
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
        xorTable(unmasked, key),
        unmasked.length > XOR_ROWS
          ? h('p', { className: 'muted' }, `First ${XOR_ROWS} of ${unmasked.length} bytes.`)
          : null,
      ),
    );
  } else if (!event.masked) {
    sections.push(
      h(
        'p',
        { className: 'muted' },
        event.dir === 'server' ? 'Server frames are never masked (RFC 6455 §5.1).' : 'Not masked.',
      ),
    );
  }

  if (event.rsv1) sections.push(compression(event, message));

  const payloadText =
    event.payload.text ?? (event.payload.base64 !== undefined ? toHex(unmasked.subarray(0, 256), ' ') : '');
  if (payloadText && event.opcodeName !== 'close') {
    sections.push(
      h(
        'div',
        {},
        h(
          'div',
          { className: 'muted' },
          event.rsv1
            ? 'Payload (compressed, hex, unmasked)'
            : event.payload.text !== undefined
              ? 'Payload (text)'
              : 'Payload (hex)',
        ),
        h('pre', { className: 'payload' }, payloadText),
      ),
    );
  }
  if (event.payload.truncated) {
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
  return h(
    'div',
    {
      className: 'anatomy',
      'data-opcode': event.opcodeName,
      'data-mask-key': event.maskKey ?? '',
      'data-rsv1': String(event.rsv1),
    },
    ...sections,
  );
}
