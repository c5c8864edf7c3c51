// The bytes of the frame being built, coloured field by field with the inspector's own anatomy
// classes (web/inspector/frame-anatomy.css), so a byte looks the same before it is sent and after.
import { announcedLengthForm, extendedLengthBytes } from '../../core/wire/frame-header';
import { opcodeName } from '../../core/wire/opcodes';
import { byteLegend } from '../inspector/frame-anatomy';
import { h } from '../lib/dom';
import '../inspector/frame-anatomy.css';

const SHOWN = 256;

type Field = 'fin' | 'rsv' | 'opcode' | 'mask' | 'len' | 'ext' | 'key' | 'payload';

function bitRow(label: string, byte: number, fields: Field[], note: string): HTMLElement {
  return h(
    'div',
    { className: 'bit-row' },
    h('span', { className: 'bit-label' }, label),
    h(
      'span',
      { className: 'bits' },
      ...fields.map((field, i) =>
        h('span', { className: `bit f-${field}`, title: field }, String((byte >> (7 - i)) & 1)),
      ),
    ),
    h('span', { className: 'bit-note' }, note),
  );
}

/** What the first two bytes say, bit by bit, and every byte of the frame coloured by its field. */
export function renderDraftBytes(bytes: Uint8Array): HTMLElement {
  const b0 = bytes[0] ?? 0;
  const b1 = bytes[1] ?? 0;
  const len7 = b1 & 0x7f;
  const masked = (b1 & 0x80) !== 0;
  const ext = extendedLengthBytes(announcedLengthForm(len7));
  const headerEnd = 2 + ext + (masked ? 4 : 0);
  let declared = len7;
  if (ext > 0) {
    declared = 0;
    for (let i = 2; i < 2 + ext; i++) declared = declared * 256 + (bytes[i] ?? 0);
  }
  const payloadEnd = headerEnd + declared;

  const cells: HTMLElement[] = [];
  for (const [i, byte] of bytes.subarray(0, SHOWN).entries()) {
    const field: Field =
      i === 0 ? 'opcode' : i === 1 ? 'len' : i < 2 + ext ? 'ext' : i < headerEnd ? 'key' : 'payload';
    const beyond = i >= payloadEnd;
    cells.push(
      h(
        'span',
        {
          className: `hex f-${field}${beyond ? ' wb-beyond' : ''}`,
          title: beyond
            ? 'past the declared length: the server reads this as the start of the next frame'
            : field,
        },
        byte.toString(16).padStart(2, '0'),
      ),
    );
  }
  const opcode = b0 & 0x0f;
  const lengthNote =
    len7 === 126
      ? '126 → a 16-bit length follows'
      : len7 === 127
        ? '127 → a 64-bit length follows'
        : String(len7);
  return h(
    'div',
    { className: 'wb-bytes', 'data-testid': 'wb-bytes', 'data-hex': Array.from(bytes, hex2).join('') },
    bitRow(
      'byte 0',
      b0,
      ['fin', 'rsv', 'rsv', 'rsv', 'opcode', 'opcode', 'opcode', 'opcode'],
      `FIN=${b0 >> 7}, RSV1-3=${(b0 >> 6) & 1}${(b0 >> 5) & 1}${(b0 >> 4) & 1}, opcode=0x${opcode.toString(16)} ${opcodeName(opcode)}`,
    ),
    bitRow(
      'byte 1',
      b1,
      ['mask', 'len', 'len', 'len', 'len', 'len', 'len', 'len'],
      `MASK=${masked ? 1 : 0}, length=${lengthNote}`,
    ),
    h(
      'div',
      { className: 'hex-cells', role: 'group', 'aria-label': `The frame's ${bytes.length} bytes` },
      ...cells,
    ),
    bytes.length > SHOWN ? h('div', { className: 'muted' }, `… ${bytes.length - SHOWN} more bytes`) : null,
    h(
      'p',
      { className: 'muted wb-sizes' },
      `${bytes.length} B: ${headerEnd} B header, ${Math.max(0, Math.min(bytes.length, payloadEnd) - headerEnd)} B payload` +
        (declared !== bytes.length - headerEnd ? `, declared length ${declared}` : ''),
    ),
    byteLegend(),
  );
}

function hex2(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
