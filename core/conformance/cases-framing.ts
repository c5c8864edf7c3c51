// Groups 1 and 2: messages of every length form (RFC 6455 §5.2) and pings and pongs (§5.5.2-3).
import { Opcode } from '../wire/opcodes';
import {
  type ConformanceCase,
  echoBinary,
  echoText,
  OCTETS,
  PER_FRAME,
  PROTOCOL_ERROR,
  pong,
  STAY_OPEN,
  WHOLE,
} from './case';

/** n bytes of 0xfe: a binary payload that is not UTF-8, so it cannot pass for text by accident. */
export const binaryOf = (n: number): Uint8Array => new Uint8Array(n).fill(0xfe);
export const textOf = (n: number): string => '*'.repeat(n);

// 0-125 fit the 7-bit length, 126-65535 need the 16-bit form, 65536 the 64-bit one (§5.2);
// 125/126, 127 and 65535/65536 sit on the boundaries between them.
const LENGTHS = [0, 125, 126, 127, 128, 65535, 65536] as const;

function lengthCases(group: '1.1' | '1.2'): ConformanceCase[] {
  const text = group === '1.1';
  const kind = text ? 'text' : 'binary';
  const opcode = text ? Opcode.TEXT : Opcode.BINARY;
  const payload = (n: number) => (text ? textOf(n) : binaryOf(n));
  const echo = (n: number) => (text ? echoText(textOf(n)) : echoBinary(binaryOf(n)));
  const cases: ConformanceCase[] = LENGTHS.map((n, i) => ({
    id: `${group}.${i + 1}`,
    title: `A ${n}-byte ${kind} message is echoed`,
    section: '§5.2',
    frames: [{ opcode, payload: payload(n) }],
    chop: WHOLE,
    expect: { replies: [echo(n)], ending: STAY_OPEN },
  }));
  cases.push(
    {
      id: `${group}.8`,
      title: `A 65536-byte ${kind} message, in 997-byte writes, is echoed`,
      section: '§5.2',
      frames: [{ opcode, payload: payload(65536) }],
      chop: { kind: 'bytes', size: 997 },
      expect: { replies: [echo(65536)], ending: STAY_OPEN },
    },
    {
      id: `${group}.9`,
      title: `A 125-byte ${kind} message, sent octet by octet, is echoed`,
      section: '§5.2',
      frames: [{ opcode, payload: payload(125) }],
      chop: OCTETS,
      expect: { replies: [echo(125)], ending: STAY_OPEN },
    },
  );
  return cases;
}

const several: ConformanceCase[] = [
  {
    id: '1.3.1',
    title: 'Five text messages in one write are echoed in order',
    section: '§5.4',
    frames: ['one', 'two', 'three', 'four', 'five'].map((payload) => ({ opcode: Opcode.TEXT, payload })),
    chop: WHOLE,
    expect: { replies: ['one', 'two', 'three', 'four', 'five'].map((t) => echoText(t)), ending: STAY_OPEN },
  },
  {
    id: '1.3.2',
    title: 'A text, a binary and a text message are echoed in order, each with its own type',
    section: '§5.6',
    frames: [
      { opcode: Opcode.TEXT, payload: 'first' },
      { opcode: Opcode.BINARY, payload: Uint8Array.of(0x00, 0xff, 0x10) },
      { opcode: Opcode.TEXT, payload: 'third' },
    ],
    chop: PER_FRAME,
    expect: {
      replies: [echoText('first'), echoBinary(Uint8Array.of(0x00, 0xff, 0x10)), echoText('third')],
      ending: STAY_OPEN,
    },
  },
  {
    id: '1.3.3',
    // §5.2: "the most significant bit MUST be 0". A server may also call such a length too big to
    // handle (1009, as `ws` does): either close tells the client what went wrong.
    title: 'A 64-bit length with its most significant bit set fails the connection',
    section: '§5.2',
    frames: [{ raw: Uint8Array.of(0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 5, 0x11, 0x22, 0x33, 0x44) }],
    chop: WHOLE,
    expect: { replies: [], ending: { kind: 'fail', codes: [1002, 1009] } },
  },
];

const PING_BINARY = Uint8Array.of(0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff);
const tenPings = Array.from({ length: 10 }, (_, i) => `ping ${i + 1}`);

const pingPong: ConformanceCase[] = [
  {
    id: '2.1',
    title: 'A ping with no payload is answered by a pong with no payload',
    section: '§5.5.2',
    frames: [{ opcode: Opcode.PING }],
    chop: WHOLE,
    expect: { replies: [pong()], ending: STAY_OPEN },
  },
  {
    id: '2.2',
    title: 'A ping with a text payload is answered by a pong with the same payload',
    section: '§5.5.3',
    frames: [{ opcode: Opcode.PING, payload: 'Hello, world!' }],
    chop: WHOLE,
    expect: { replies: [pong('Hello, world!')], ending: STAY_OPEN },
  },
  {
    id: '2.3',
    title: 'A ping with a binary payload is answered by a pong with the same bytes',
    section: '§5.5.3',
    frames: [{ opcode: Opcode.PING, payload: PING_BINARY }],
    chop: WHOLE,
    expect: { replies: [pong(PING_BINARY)], ending: STAY_OPEN },
  },
  {
    id: '2.4',
    title: 'A ping with 125 bytes, the most a control frame holds, is answered',
    section: '§5.5',
    frames: [{ opcode: Opcode.PING, payload: binaryOf(125) }],
    chop: WHOLE,
    expect: { replies: [pong(binaryOf(125))], ending: STAY_OPEN },
  },
  {
    id: '2.5',
    title: 'A ping with 126 bytes fails the connection: control frames hold at most 125',
    section: '§5.5',
    frames: [{ opcode: Opcode.PING, payload: binaryOf(126) }],
    chop: WHOLE,
    expect: { replies: [], ending: PROTOCOL_ERROR },
  },
  {
    id: '2.6',
    title: 'A 125-byte ping sent octet by octet is answered',
    section: '§5.5.2',
    frames: [{ opcode: Opcode.PING, payload: binaryOf(125) }],
    chop: OCTETS,
    expect: { replies: [pong(binaryOf(125))], ending: STAY_OPEN },
  },
  {
    id: '2.7',
    title: 'An unsolicited pong with no payload is ignored',
    section: '§5.5.3',
    frames: [{ opcode: Opcode.PONG }],
    chop: WHOLE,
    expect: { replies: [], ending: STAY_OPEN },
  },
  {
    id: '2.8',
    title: 'An unsolicited pong with a payload is ignored',
    section: '§5.5.3',
    frames: [{ opcode: Opcode.PONG, payload: 'unsolicited pong payload' }],
    chop: WHOLE,
    expect: { replies: [], ending: STAY_OPEN },
  },
  {
    id: '2.9',
    title: 'An unsolicited pong, then a ping: only the ping is answered',
    section: '§5.5.3',
    frames: [
      { opcode: Opcode.PONG, payload: 'unsolicited pong payload' },
      { opcode: Opcode.PING, payload: 'ping payload' },
    ],
    chop: WHOLE,
    expect: { replies: [pong('ping payload')], ending: STAY_OPEN },
  },
  {
    id: '2.10',
    // §5.5.3: an endpoint MAY answer only the most recent of several pings it has not answered yet.
    title: 'Ten pings in a row: the last at least is answered, in order',
    section: '§5.5.3',
    frames: tenPings.map((payload) => ({ opcode: Opcode.PING, payload })),
    chop: WHOLE,
    expect: { replies: tenPings.map((p, i) => pong(p, i < 9)), ending: STAY_OPEN },
  },
  {
    id: '2.11',
    title: 'Ten pings in a row, sent octet by octet: the last at least is answered',
    section: '§5.5.3',
    frames: tenPings.map((payload) => ({ opcode: Opcode.PING, payload })),
    chop: OCTETS,
    expect: { replies: tenPings.map((p, i) => pong(p, i < 9)), ending: STAY_OPEN },
  },
  {
    id: '2.12',
    title: 'A ping carrying bytes that are not UTF-8 is answered: control payloads are not text',
    section: '§5.5.2',
    frames: [{ opcode: Opcode.PING, payload: Uint8Array.of(0xc0, 0xaf, 0xff) }],
    chop: WHOLE,
    expect: { replies: [pong(Uint8Array.of(0xc0, 0xaf, 0xff))], ending: STAY_OPEN },
  },
];

export const framingCases: readonly ConformanceCase[] = [
  ...lengthCases('1.1'),
  ...lengthCases('1.2'),
  ...several,
];
export const pingPongCases: readonly ConformanceCase[] = pingPong;
