// Group 7: the closing handshake. RFC 6455 §5.5.1: an endpoint that receives a close frame and has
// not sent one MUST answer with a close frame (typically echoing the code) and then send nothing
// more; the body is empty or a 2-byte code (§7.4) and a UTF-8 reason; control frames hold at most
// 125 bytes (§5.5).
import { utf8 } from '../wire/bytes';
import { encodeClosePayload, type FrameSpec } from '../wire/frame-encoder';
import { Opcode } from '../wire/opcodes';
import {
  type CaseEnding,
  type ConformanceCase,
  echoText,
  INVALID_PAYLOAD,
  PER_FRAME,
  PROTOCOL_ERROR,
  WHOLE,
} from './case';

const close = (code?: number, reason = ''): FrameSpec => ({
  opcode: Opcode.CLOSE,
  payload: encodeClosePayload(code, reason),
});
const closeBody = (payload: Uint8Array): FrameSpec => ({ opcode: Opcode.CLOSE, payload });
/** §5.5.1: the answer "typically" echoes the code; 1000 (normal) says as much. */
const answered = (code: number): CaseEnding => ({ kind: 'answer-close', codes: [code, 1000] });
// An empty close has no code to echo: the answer may be empty too, or say 1000.
const ANSWER_EMPTY: CaseEnding = { kind: 'answer-close', codes: [null, 1000] };

const afterClose: ConformanceCase[] = [
  {
    id: '7.1.1',
    title: 'A text, then a close: the text is echoed and the close answered',
    section: '§5.5.1',
    frames: [{ opcode: Opcode.TEXT, payload: 'Hello World!' }, close(1000)],
    chop: WHOLE,
    expect: { replies: [echoText('Hello World!')], ending: answered(1000) },
  },
  {
    id: '7.1.2',
    title: 'Two close frames: only the first is answered',
    section: '§5.5.1',
    frames: [close(1000), close(1000)],
    chop: WHOLE,
    expect: { replies: [], ending: answered(1000) },
  },
  {
    id: '7.1.3',
    title: 'A close, then a ping: the close is answered, the ping is not',
    section: '§5.5.1',
    frames: [close(1000), { opcode: Opcode.PING, payload: 'not to be answered' }],
    chop: WHOLE,
    expect: { replies: [], ending: answered(1000) },
  },
  {
    id: '7.1.4',
    title: 'A close, then a text: the close is answered, the text is not echoed',
    section: '§5.5.1',
    frames: [close(1000), { opcode: Opcode.TEXT, payload: 'not to be echoed' }],
    chop: WHOLE,
    expect: { replies: [], ending: answered(1000) },
  },
  {
    id: '7.1.5',
    title: 'A text fragment, a close, then the last fragment: the close is answered, nothing echoed',
    section: '§5.5.1',
    frames: [
      { opcode: Opcode.TEXT, payload: 'fragment1', fin: false },
      close(1000),
      { opcode: Opcode.CONTINUATION, payload: 'fragment2' },
    ],
    chop: WHOLE,
    expect: { replies: [], ending: answered(1000) },
  },
  {
    id: '7.1.6',
    title: 'A 64 KiB text, a close, then a ping, one write per frame: echoed, the close answered',
    section: '§5.5.1',
    frames: [
      { opcode: Opcode.TEXT, payload: 'BAsd7&jh23'.repeat(6554) },
      close(1000),
      { opcode: Opcode.PING, payload: 'not to be answered' },
    ],
    chop: PER_FRAME,
    expect: { replies: [echoText('BAsd7&jh23'.repeat(6554))], ending: answered(1000) },
  },
];

const unmasked: ConformanceCase[] = [
  {
    id: '7.2.1',
    title: 'An unmasked text from the client fails the connection: clients MUST mask',
    section: '§5.1',
    frames: [{ opcode: Opcode.TEXT, payload: 'unmasked', mask: false }],
    chop: WHOLE,
    expect: { replies: [], ending: PROTOCOL_ERROR },
  },
  {
    id: '7.2.2',
    title: 'An unmasked ping from the client fails the connection, and is not answered',
    section: '§5.1',
    frames: [{ opcode: Opcode.PING, payload: 'unmasked', mask: false }],
    chop: WHOLE,
    expect: { replies: [], ending: PROTOCOL_ERROR },
  },
  {
    id: '7.2.3',
    title: 'An unmasked close from the client fails the connection',
    section: '§5.1',
    frames: [{ ...close(1000), mask: false }],
    chop: WHOLE,
    expect: { replies: [], ending: PROTOCOL_ERROR },
  },
  {
    id: '7.2.4',
    title: 'A masked text, then an unmasked one: the first is echoed, then the connection fails',
    section: '§5.1',
    frames: [
      { opcode: Opcode.TEXT, payload: 'masked' },
      { opcode: Opcode.TEXT, payload: 'unmasked', mask: false },
    ],
    chop: PER_FRAME,
    expect: { replies: [echoText('masked')], ending: PROTOCOL_ERROR },
  },
];

const bodies: ConformanceCase[] = [
  {
    id: '7.3.1',
    title: 'A close with no body is answered',
    section: '§5.5.1',
    frames: [close()],
    chop: WHOLE,
    expect: { replies: [], ending: ANSWER_EMPTY },
  },
  {
    id: '7.3.2',
    title: 'A close with a 1-byte body fails the connection: a code takes two bytes',
    section: '§5.5.1',
    frames: [closeBody(Uint8Array.of(0x03))],
    chop: WHOLE,
    expect: { replies: [], ending: PROTOCOL_ERROR },
  },
  {
    id: '7.3.3',
    title: 'A close with code 1000 and no reason is answered',
    section: '§5.5.1',
    frames: [close(1000)],
    chop: WHOLE,
    expect: { replies: [], ending: answered(1000) },
  },
  {
    id: '7.3.4',
    title: 'A close with code 1000 and a reason is answered',
    section: '§5.5.1',
    frames: [close(1000, 'Hello World!')],
    chop: WHOLE,
    expect: { replies: [], ending: answered(1000) },
  },
  {
    id: '7.3.5',
    title: 'A close with a 123-byte reason, the most that fits, is answered',
    section: '§5.5',
    frames: [close(1000, '*'.repeat(123))],
    chop: WHOLE,
    expect: { replies: [], ending: answered(1000) },
  },
  {
    id: '7.3.6',
    title: 'A close with a 124-byte reason (126 bytes of payload) fails the connection',
    section: '§5.5',
    frames: [close(1000, '*'.repeat(124))],
    chop: WHOLE,
    expect: { replies: [], ending: PROTOCOL_ERROR },
  },
  {
    id: '7.5.1',
    title: 'A close whose reason is not UTF-8 fails the connection with 1007',
    section: '§5.5.1',
    frames: [closeBody(Uint8Array.from([0x03, 0xe8, ...utf8('bad '), 0xce, 0xba, 0xed, 0xa0, 0x80]))],
    chop: WHOLE,
    expect: { replies: [], ending: INVALID_PAYLOAD },
  },
  {
    id: '7.5.2',
    title: 'A close whose reason ends in the middle of a code point fails the connection with 1007',
    section: '§5.5.1',
    frames: [closeBody(Uint8Array.from([0x03, 0xe8, ...utf8('cut '), 0xe2, 0x82]))],
    chop: WHOLE,
    expect: { replies: [], ending: INVALID_PAYLOAD },
  },
];

// §7.4.1 defines 1000-1003 and 1007-1011; IANA registered 1012-1014 since (§11.7); 3000-3999 are
// for libraries and 4000-4999 private (§7.4.2). Each may be sent and must be answered.
const VALID = [
  1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999,
];
// Never on the wire: below 1000 unused, 1004 reserved, 1005/1006/1015 only describe a close
// locally (§7.4.1), 1016-2999 unassigned for this protocol's use (§7.4.2), above 4999 undefined.
const INVALID = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];

const codes: ConformanceCase[] = [
  ...VALID.map(
    (code, i): ConformanceCase => ({
      id: `7.7.${i + 1}`,
      title: `A close with the valid code ${code} is answered`,
      section: code >= 3000 ? '§7.4.2' : '§7.4.1',
      frames: [close(code)],
      chop: WHOLE,
      expect: { replies: [], ending: answered(code) },
    }),
  ),
  ...INVALID.map(
    (code, i): ConformanceCase => ({
      id: `7.9.${i + 1}`,
      title: `A close with code ${code}, which no close frame may carry, fails the connection`,
      section: '§7.4',
      frames: [closeBody(Uint8Array.of(code >> 8, code & 0xff))],
      chop: WHOLE,
      expect: { replies: [], ending: PROTOCOL_ERROR },
    }),
  ),
];

export const closingCases: readonly ConformanceCase[] = [...afterClose, ...unmasked, ...bodies, ...codes];
