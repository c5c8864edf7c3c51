// Groups 3 and 4: reserved bits and reserved opcodes. RFC 6455 §5.2: RSV1-3 MUST be 0 unless an
// extension defines them (the runner offers none), and a reserved opcode MUST fail the connection.
import { encodeClosePayload } from '../wire/frame-encoder';
import { Opcode } from '../wire/opcodes';
import {
  type CaseFrame,
  type ConformanceCase,
  echoText,
  OCTETS,
  PER_FRAME,
  PROTOCOL_ERROR,
  WHOLE,
} from './case';

type Bit = 'rsv1' | 'rsv2' | 'rsv3';
const BITS: readonly Bit[] = ['rsv1', 'rsv2', 'rsv3'];
const NAMES: Record<Bit, string> = { rsv1: 'RSV1', rsv2: 'RSV2', rsv3: 'RSV3' };

// Each kind of frame a bit can be set on. The close carries a code, so that a server that ignores
// the bits and answers it normally is seen closing with 1000 where 1002 was due.
const KINDS: readonly { name: string; frame: CaseFrame }[] = [
  { name: 'a text frame', frame: { opcode: Opcode.TEXT, payload: 'Hello' } },
  { name: 'a binary frame', frame: { opcode: Opcode.BINARY, payload: Uint8Array.of(1, 2, 3) } },
  { name: 'a ping', frame: { opcode: Opcode.PING, payload: 'ping' } },
  { name: 'a close frame', frame: { opcode: Opcode.CLOSE, payload: encodeClosePayload(1000) } },
];

const grid: ConformanceCase[] = KINDS.flatMap((kind, k) =>
  BITS.map((bit, b) => ({
    id: `3.${k + 1}.${b + 1}`,
    title: `${NAMES[bit]} set on ${kind.name} fails the connection`,
    section: '§5.2',
    frames: [{ ...kind.frame, [bit]: true }],
    chop: WHOLE,
    expect: { replies: [], ending: PROTOCOL_ERROR },
  })),
);

// The well-known suite's sequences: a good message first (echoed), then the bad frame, then a
// ping that must not be answered because the connection has already failed.
const sequences: ConformanceCase[] = [
  {
    id: '3.5.1',
    title: 'A text, then a text with RSV2 set, then a ping: the first is echoed, then the connection fails',
    section: '§5.2',
    frames: [
      { opcode: Opcode.TEXT, payload: 'Hello, world!' },
      { opcode: Opcode.TEXT, payload: 'Hello, world!', rsv2: true },
      { opcode: Opcode.PING, payload: 'not to be answered' },
    ],
    chop: WHOLE,
    expect: { replies: [echoText('Hello, world!')], ending: PROTOCOL_ERROR },
  },
  {
    id: '3.5.2',
    title: 'The same with RSV1 and RSV3, one write per frame',
    section: '§5.2',
    frames: [
      { opcode: Opcode.TEXT, payload: 'Hello, world!' },
      { opcode: Opcode.TEXT, payload: 'Hello, world!', rsv1: true, rsv3: true },
      { opcode: Opcode.PING, payload: 'not to be answered' },
    ],
    chop: PER_FRAME,
    expect: { replies: [echoText('Hello, world!')], ending: PROTOCOL_ERROR },
  },
  {
    id: '3.5.3',
    title: 'The same with all three bits set, octet by octet',
    section: '§5.2',
    frames: [
      { opcode: Opcode.TEXT, payload: 'Hello, world!' },
      { opcode: Opcode.TEXT, payload: 'Hello, world!', rsv1: true, rsv2: true, rsv3: true },
      { opcode: Opcode.PING, payload: 'not to be answered' },
    ],
    chop: OCTETS,
    expect: { replies: [echoText('Hello, world!')], ending: PROTOCOL_ERROR },
  },
  {
    id: '3.5.4',
    title: 'RSV1 on the continuation of a fragmented text fails the connection',
    section: '§5.2',
    frames: [
      { opcode: Opcode.TEXT, payload: 'frag', fin: false },
      { opcode: Opcode.CONTINUATION, payload: 'ment', rsv1: true },
    ],
    chop: WHOLE,
    expect: { replies: [], ending: PROTOCOL_ERROR },
  },
];

const RESERVED = [0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf] as const;

// Every reserved opcode, in the suite's five shapes: alone and empty, alone with a payload, after
// a good text and before a ping (one write, then octet by octet), and with a payload per frame.
function opcodeCase(opcode: number, index: number): ConformanceCase {
  const control = opcode >= 0x8;
  const id = `4.${control ? 2 : 1}.${index + 1}`;
  const name = `0x${opcode.toString(16).toUpperCase()}`;
  const kind = control ? 'control' : 'data';
  const shape = index % 5;
  const bad: CaseFrame = shape === 0 ? { opcode } : { opcode, payload: 'reserved payload' };
  if (shape <= 1) {
    return {
      id,
      title: `Reserved ${kind} opcode ${name}${shape === 0 ? '' : ' with a payload'} fails the connection`,
      section: '§5.2',
      frames: [bad],
      chop: WHOLE,
      expect: { replies: [], ending: PROTOCOL_ERROR },
    };
  }
  const chop = shape === 2 ? WHOLE : shape === 3 ? PER_FRAME : OCTETS;
  const how = shape === 2 ? '' : shape === 3 ? ', one write per frame' : ', octet by octet';
  return {
    id,
    title: `A text, reserved opcode ${name}, a ping${how}: the text is echoed, then the connection fails`,
    section: '§5.2',
    frames: [
      { opcode: Opcode.TEXT, payload: 'Hello, world!' },
      bad,
      { opcode: Opcode.PING, payload: 'not to be answered' },
    ],
    chop,
    expect: { replies: [echoText('Hello, world!')], ending: PROTOCOL_ERROR },
  };
}

const opcodes: ConformanceCase[] = [
  ...RESERVED.slice(0, 5).map((opcode, i) => opcodeCase(opcode, i)),
  ...RESERVED.slice(5).map((opcode, i) => opcodeCase(opcode, i)),
  {
    id: '4.3.1',
    title: 'Reserved opcode 0x3 between the fragments of a text fails the connection',
    section: '§5.4',
    frames: [
      { opcode: Opcode.TEXT, payload: 'frag', fin: false },
      { opcode: 0x3, payload: 'x' },
      { opcode: Opcode.CONTINUATION, payload: 'ment' },
    ],
    chop: WHOLE,
    expect: { replies: [], ending: PROTOCOL_ERROR },
  },
  {
    id: '4.3.2',
    title: 'Reserved control opcode 0xB between the fragments of a text fails the connection',
    section: '§5.4',
    frames: [
      { opcode: Opcode.TEXT, payload: 'frag', fin: false },
      { opcode: 0xb, payload: 'x' },
      { opcode: Opcode.CONTINUATION, payload: 'ment' },
    ],
    chop: WHOLE,
    expect: { replies: [], ending: PROTOCOL_ERROR },
  },
];

export const reservedBitCases: readonly ConformanceCase[] = [...grid, ...sequences];
export const opcodeCases: readonly ConformanceCase[] = opcodes;
