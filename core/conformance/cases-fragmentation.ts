// Group 5: fragmentation (RFC 6455 §5.4). A message is a first frame with its opcode and FIN clear,
// continuations (opcode 0), and a last one with FIN set; control frames may come in between but
// are never fragmented themselves (§5.5).
import { encodeClosePayload } from '../wire/frame-encoder';
import { Opcode } from '../wire/opcodes';
import {
  type CaseFrame,
  type Chop,
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

const CHOPS: readonly [Chop, string][] = [
  [WHOLE, 'in one write'],
  [PER_FRAME, 'one write per frame'],
  [OCTETS, 'octet by octet'],
];

const text = (payload: string, fin = true): CaseFrame => ({ opcode: Opcode.TEXT, payload, fin });
const more = (payload: string, fin = true): CaseFrame => ({ opcode: Opcode.CONTINUATION, payload, fin });
const ping = (payload: string): CaseFrame => ({ opcode: Opcode.PING, payload });

/** The same frames sent three ways, ids `first`, `first+1`, `first+2`. */
function threeWays(
  first: number,
  title: string,
  frames: CaseFrame[],
  expect: ConformanceCase['expect'],
): ConformanceCase[] {
  return CHOPS.map(([chop, how], i) => ({
    id: `5.${first + i}`,
    title: `${title}, ${how}`,
    section: '§5.4',
    frames,
    chop,
    expect,
  }));
}

const fiveFragments = [
  text('fragment1', false),
  more('fragment2', false),
  ping('pongme 1!'),
  more('fragment3', false),
  more('fragment4', false),
  ping('pongme 2!'),
  more('fragment5'),
];

const cases: ConformanceCase[] = [
  {
    id: '5.1',
    title: 'A ping in two fragments fails the connection: control frames are never fragmented',
    section: '§5.5',
    frames: [{ opcode: Opcode.PING, payload: 'fragment1', fin: false }, more('fragment2')],
    chop: WHOLE,
    expect: { replies: [], ending: PROTOCOL_ERROR },
  },
  {
    id: '5.2',
    title: 'A pong in two fragments fails the connection',
    section: '§5.5',
    frames: [{ opcode: Opcode.PONG, payload: 'fragment1', fin: false }, more('fragment2')],
    chop: WHOLE,
    expect: { replies: [], ending: PROTOCOL_ERROR },
  },
  ...threeWays(
    3,
    'A text in two fragments is echoed as one message',
    [text('fragment1', false), more('fragment2')],
    {
      replies: [echoText('fragment1fragment2')],
      ending: STAY_OPEN,
    },
  ),
  ...threeWays(
    6,
    'A text in two fragments with a ping between: the pong comes first, then the whole text',
    [text('fragment1', false), ping('pongme!'), more('fragment2')],
    { replies: [pong('pongme!'), echoText('fragment1fragment2')], ending: STAY_OPEN },
  ),
  ...threeWays(
    9,
    'A continuation with FIN set and nothing to continue fails the connection',
    [more('fragment1'), text('fragment2', false), more('fragment3')],
    { replies: [], ending: PROTOCOL_ERROR },
  ),
  ...threeWays(
    12,
    'A continuation with FIN clear and nothing to continue fails the connection',
    [more('fragment1', false), text('fragment2', false), more('fragment3')],
    { replies: [], ending: PROTOCOL_ERROR },
  ),
  {
    id: '5.15',
    title: 'A text in two fragments, then a continuation with nothing to continue: echoed, then failed',
    section: '§5.4',
    frames: [text('fragment1', false), more('fragment2'), more('fragment3', false), text('fragment4')],
    chop: WHOLE,
    expect: { replies: [echoText('fragment1fragment2')], ending: PROTOCOL_ERROR },
  },
  {
    id: '5.16',
    title: 'A continuation with FIN clear first, then a fragmented text, twice, fails the connection',
    section: '§5.4',
    frames: [
      more('fragment1', false),
      text('fragment2', false),
      more('fragment3'),
      more('fragment1', false),
      text('fragment2', false),
      more('fragment3'),
    ],
    chop: WHOLE,
    expect: { replies: [], ending: PROTOCOL_ERROR },
  },
  {
    id: '5.17',
    title: 'A continuation with FIN set first, then a fragmented text, twice, fails the connection',
    section: '§5.4',
    frames: [
      more('fragment1'),
      text('fragment2', false),
      more('fragment3'),
      more('fragment1'),
      text('fragment2', false),
      more('fragment3'),
    ],
    chop: WHOLE,
    expect: { replies: [], ending: PROTOCOL_ERROR },
  },
  {
    id: '5.18',
    title: 'A new text frame before the fragmented one ended fails the connection',
    section: '§5.4',
    frames: [text('fragment1', false), text('fragment2')],
    chop: WHOLE,
    expect: { replies: [], ending: PROTOCOL_ERROR },
  },
  {
    id: '5.19',
    title: 'A text in five fragments with two pings between, 50 ms apart: both pongs, then the text',
    section: '§5.4',
    frames: fiveFragments,
    chop: PER_FRAME,
    pauseMs: 50,
    expect: {
      replies: [
        pong('pongme 1!'),
        pong('pongme 2!'),
        echoText('fragment1fragment2fragment3fragment4fragment5'),
      ],
      ending: STAY_OPEN,
    },
  },
  {
    id: '5.20',
    title: 'The same five fragments and two pings, octet by octet',
    section: '§5.4',
    frames: fiveFragments,
    chop: OCTETS,
    expect: {
      replies: [
        pong('pongme 1!'),
        pong('pongme 2!'),
        echoText('fragment1fragment2fragment3fragment4fragment5'),
      ],
      ending: STAY_OPEN,
    },
  },
  {
    id: '5.21',
    title: 'A text in three empty fragments is echoed as an empty text',
    section: '§5.4',
    frames: [text('', false), more('', false), more('')],
    chop: WHOLE,
    expect: { replies: [echoText('')], ending: STAY_OPEN },
  },
  {
    id: '5.22',
    title: 'A text whose first and last fragments are empty is echoed whole',
    section: '§5.4',
    frames: [text('', false), more('middle', false), more('')],
    chop: WHOLE,
    expect: { replies: [echoText('middle')], ending: STAY_OPEN },
  },
  {
    id: '5.23',
    title: 'A binary in three fragments is echoed as one binary message',
    section: '§5.4',
    frames: [
      { opcode: Opcode.BINARY, payload: Uint8Array.of(1, 2), fin: false },
      { opcode: Opcode.CONTINUATION, payload: Uint8Array.of(3, 4), fin: false },
      { opcode: Opcode.CONTINUATION, payload: Uint8Array.of(0xff) },
    ],
    chop: PER_FRAME,
    expect: { replies: [echoBinary(Uint8Array.of(1, 2, 3, 4, 0xff))], ending: STAY_OPEN },
  },
  {
    id: '5.24',
    title: 'A text in 64 one-byte fragments is echoed whole',
    section: '§5.4',
    frames: Array.from({ length: 64 }, (_, i) => ({
      opcode: i === 0 ? Opcode.TEXT : Opcode.CONTINUATION,
      payload: String.fromCharCode(0x41 + (i % 26)),
      fin: i === 63,
    })),
    chop: WHOLE,
    expect: {
      replies: [
        echoText(Array.from({ length: 64 }, (_, i) => String.fromCharCode(0x41 + (i % 26))).join('')),
      ],
      ending: STAY_OPEN,
    },
  },
  {
    id: '5.25',
    title: 'An unsolicited pong between fragments is ignored and the text echoed',
    section: '§5.5.3',
    frames: [text('fragment1', false), { opcode: Opcode.PONG, payload: 'unsolicited' }, more('fragment2')],
    chop: WHOLE,
    expect: { replies: [echoText('fragment1fragment2')], ending: STAY_OPEN },
  },
  {
    id: '5.26',
    title: 'A close frame in two fragments fails the connection',
    section: '§5.5',
    frames: [
      { opcode: Opcode.CLOSE, payload: encodeClosePayload(1000), fin: false },
      { opcode: Opcode.CONTINUATION, payload: 'bye' },
    ],
    chop: WHOLE,
    expect: { replies: [], ending: PROTOCOL_ERROR },
  },
];

export const fragmentationCases: readonly ConformanceCase[] = cases;
