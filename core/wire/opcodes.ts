// RFC 6455 §5.2 and §11.8: the frame opcodes. 0x3-0x7 are reserved for further non-control
// frames and 0xB-0xF for further control frames; a peer that sees one MUST fail the connection.
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

export type OpcodeName = 'continuation' | 'text' | 'binary' | 'close' | 'ping' | 'pong';

const NAMES = new Map<number, OpcodeName>([
  [Opcode.CONTINUATION, 'continuation'],
  [Opcode.TEXT, 'text'],
  [Opcode.BINARY, 'binary'],
  [Opcode.CLOSE, 'close'],
  [Opcode.PING, 'ping'],
  [Opcode.PONG, 'pong'],
]);

/** The opcode's name, or `reserved-0xN` for the values RFC 6455 §5.2 keeps back. */
export function opcodeName(opcode: number): OpcodeName | `reserved-0x${string}` {
  return NAMES.get(opcode) ?? `reserved-0x${(opcode & 0xf).toString(16)}`;
}

// RFC 6455 §5.5: control frames have the high bit of the opcode set.
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}
