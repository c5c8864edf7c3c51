// Group 6: UTF-8 in text messages. RFC 6455 §5.6 and §8.1: a text message's data is UTF-8 (RFC 3629)
// and an endpoint that finds it is not MUST fail the connection, with 1007 (§7.4.1). The check is
// on the whole message, so a code point may be split between fragments; no case here asks a server
// to fail before the message's last frame (failing early is allowed, not required).
import { fromHex, utf8 } from '../wire/bytes';
import { Opcode } from '../wire/opcodes';
import {
  type CaseFrame,
  type ConformanceCase,
  echoText,
  INVALID_PAYLOAD,
  OCTETS,
  PER_FRAME,
  STAY_OPEN,
  WHOLE,
} from './case';

const hex = (text: string): Uint8Array => fromHex(text)!;
const KOSME = hex('cebae1bdb9cf83cebcceb5'); // κόσμε, the classic UTF-8 test word
const HELLO = 'Hello-µ@ßöäüàá-UTF-8!!';

const text = (payload: Uint8Array | string, fin = true): CaseFrame => ({ opcode: Opcode.TEXT, payload, fin });
const more = (payload: Uint8Array | string, fin = true): CaseFrame => ({
  opcode: Opcode.CONTINUATION,
  payload,
  fin,
});
const join = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
const spaced = (bytes: Uint8Array): string =>
  [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');

/** One byte per fragment: every multi-byte code point is cut between frames. */
function bytewise(bytes: Uint8Array): CaseFrame[] {
  return [...bytes].map((b, i) =>
    i === 0 ? text(Uint8Array.of(b), bytes.length === 1) : more(Uint8Array.of(b), i === bytes.length - 1),
  );
}

const fragmented: ConformanceCase[] = [
  {
    id: '6.1.1',
    title: 'An empty text is valid UTF-8 and is echoed',
    section: '§5.6',
    frames: [text('')],
    chop: WHOLE,
    expect: { replies: [echoText('')], ending: STAY_OPEN },
  },
  {
    id: '6.2.1',
    title: `Valid UTF-8 "${HELLO}" in one frame is echoed`,
    section: '§5.6',
    frames: [text(HELLO)],
    chop: WHOLE,
    expect: { replies: [echoText(HELLO)], ending: STAY_OPEN },
  },
  {
    id: '6.2.2',
    title: 'The same text in two fragments cut between code points is echoed',
    section: '§5.4',
    frames: [text('Hello-µ@ßöä', false), more('üàá-UTF-8!!')],
    chop: PER_FRAME,
    expect: { replies: [echoText(HELLO)], ending: STAY_OPEN },
  },
  {
    id: '6.2.3',
    title: 'The same text in one frame sent octet by octet is echoed',
    section: '§5.6',
    frames: [text(HELLO)],
    chop: OCTETS,
    expect: { replies: [echoText(HELLO)], ending: STAY_OPEN },
  },
  {
    id: '6.2.4',
    title: 'κόσμε in one-byte fragments, each cutting a code point, is valid when joined and echoed',
    section: '§5.4',
    frames: bytewise(KOSME),
    chop: WHOLE,
    expect: { replies: [echoText(KOSME)], ending: STAY_OPEN },
  },
  {
    id: '6.2.5',
    title: 'An emoji (f0 9f 98 80) cut in half between two fragments is valid when joined and echoed',
    section: '§5.4',
    frames: [text(join(utf8('smile '), hex('f09f')), false), more(join(hex('9880'), utf8(' joined')))],
    chop: PER_FRAME,
    expect: { replies: [echoText('smile 😀 joined')], ending: STAY_OPEN },
  },
  {
    id: '6.3.1',
    title: 'κόσμε followed by a surrogate (ed a0 80) and "edited" fails the connection with 1007',
    section: '§8.1',
    frames: [text(hex('cebae1bdb9cf83cebcceb5eda080656469746564'))],
    chop: WHOLE,
    expect: { replies: [], ending: INVALID_PAYLOAD },
  },
  {
    id: '6.3.2',
    title: 'The same invalid text in one-byte fragments fails the connection with 1007',
    section: '§8.1',
    frames: bytewise(hex('cebae1bdb9cf83cebcceb5eda080656469746564')),
    chop: WHOLE,
    expect: { replies: [], ending: INVALID_PAYLOAD },
  },
  {
    id: '6.4.1',
    title: 'Invalid UTF-8 (f4 90 80 80, past U+10FFFF) in the first of two fragments fails with 1007',
    section: '§8.1',
    frames: [text(join(KOSME, hex('f4908080')), false), more('edited')],
    chop: PER_FRAME,
    expect: { replies: [], ending: INVALID_PAYLOAD },
  },
  {
    id: '6.4.2',
    title: 'A surrogate split across two fragments (ed | a0 80) fails with 1007',
    section: '§8.1',
    frames: [text(join(utf8('ab'), hex('ed')), false), more(join(hex('a080'), utf8('cd')))],
    chop: PER_FRAME,
    expect: { replies: [], ending: INVALID_PAYLOAD },
  },
  {
    id: '6.4.3',
    title: 'A valid first fragment and an invalid byte (ff) in the last fails with 1007',
    section: '§8.1',
    frames: [text('all good so far ', false), more(hex('ff'))],
    chop: PER_FRAME,
    expect: { replies: [], ending: INVALID_PAYLOAD },
  },
  {
    id: '6.4.4',
    title: 'A code point past U+10FFFF spread over three fragments (f4 | 90 | 80 80) fails with 1007',
    section: '§8.1',
    frames: [text(hex('f4'), false), more(hex('90'), false), more(hex('8080'))],
    chop: WHOLE,
    expect: { replies: [], ending: INVALID_PAYLOAD },
  },
  {
    id: '6.4.5',
    title:
      'A message that ends in the middle of a code point (e2 82, then an empty last fragment) fails with 1007',
    section: '§8.1',
    frames: [text(join(utf8('price: '), hex('e282')), false), more('')],
    chop: WHOLE,
    expect: { replies: [], ending: INVALID_PAYLOAD },
  },
];

// Single messages, one frame each: [group, label, hex, valid]. The sequences follow Markus Kuhn's
// UTF-8 decoder stress test, which the well-known suite's group 6 is built from; RFC 3629 §4 says
// which are valid.
const TABLE: readonly (readonly [string, string, string, boolean])[] = [
  ['6.5', 'κόσμε', 'cebae1bdb9cf83cebcceb5', true],
  ['6.6', 'U+0000, the first 1-byte sequence', '00', true],
  ['6.6', 'U+0080, the first 2-byte sequence', 'c280', true],
  ['6.6', 'U+0800, the first 3-byte sequence', 'e0a080', true],
  ['6.6', 'U+10000, the first 4-byte sequence', 'f0908080', true],
  ['6.7', 'U+007F, the last 1-byte sequence', '7f', true],
  ['6.7', 'U+07FF, the last 2-byte sequence', 'dfbf', true],
  ['6.7', 'U+FFFF, the last 3-byte sequence', 'efbfbf', true],
  ['6.7', 'U+10FFFF, the last code point', 'f48fbfbf', true],
  ['6.8', 'U+D7FF, just below the surrogates', 'ed9fbf', true],
  ['6.8', 'U+E000, just above the surrogates', 'ee8080', true],
  ['6.8', 'U+FFFD, the replacement character', 'efbfbd', true],
  ['6.8', 'U+FEFF, a byte order mark, at the start', 'efbbbf424f4d', true],
  ['6.9', 'U+110000, just past the last code point', 'f4908080', false],
  ['6.9', 'a 4-byte form of U+1FFFFF', 'f7bfbfbf', false],
  ['6.9', 'a 5-byte sequence', 'f888808080', false],
  ['6.9', 'a 5-byte sequence of U+3FFFFFF', 'fbbfbfbfbf', false],
  ['6.9', 'a 6-byte sequence', 'fc8480808080', false],
  ['6.9', 'a 6-byte sequence of U+7FFFFFFF', 'fdbfbfbfbfbf', false],
  ['6.10', 'a lone continuation byte 80', '80', false],
  ['6.10', 'a lone continuation byte bf', 'bf', false],
  ['6.10', 'two continuation bytes', '80bf', false],
  ['6.10', 'three continuation bytes', '80bf80', false],
  ['6.10', 'four continuation bytes', '80bf80bf', false],
  ['6.10', 'continuation bytes after valid text', '48656c6c6f80bf', false],
  ['6.11', 'a lone 2-byte start (df) before a space', 'df20', false],
  ['6.11', 'a lone 3-byte start (e0) before a space', 'e020', false],
  ['6.11', 'a lone 3-byte start (ef) before a space', 'ef20', false],
  ['6.11', 'a lone 4-byte start (f0) before a space', 'f020', false],
  ['6.11', 'a lone 4-byte start (f4) before a space', 'f420', false],
  ['6.12', 'a 2-byte sequence missing its last byte', 'df', false],
  ['6.12', 'a 3-byte sequence missing its last byte', 'efbf', false],
  ['6.12', 'a 4-byte sequence missing its last byte', 'f48fbf', false],
  ['6.12', 'a truncated sequence between letters', '41e28241', false],
  ['6.13', 'the impossible byte fe', 'fe', false],
  ['6.13', 'the impossible byte ff', 'ff', false],
  ['6.13', 'fe fe ff ff', 'fefeffff', false],
  ['6.13', 'the byte c0, which only starts overlong forms', 'c0', false],
  ['6.13', 'the byte c1, which only starts overlong forms', 'c1', false],
  ['6.13', 'the byte f5, which only starts code points past U+10FFFF', 'f5', false],
  ['6.14', '"/" as an overlong 2-byte form', 'c0af', false],
  ['6.14', '"/" as an overlong 3-byte form', 'e080af', false],
  ['6.14', '"/" as an overlong 4-byte form', 'f08080af', false],
  ['6.14', '"/" as an overlong 5-byte form', 'f8808080af', false],
  ['6.14', '"/" as an overlong 6-byte form', 'fc80808080af', false],
  ['6.15', 'the largest overlong 2-byte form', 'c1bf', false],
  ['6.15', 'the largest overlong 3-byte form', 'e09fbf', false],
  ['6.15', 'the largest overlong 4-byte form', 'f08fbfbf', false],
  ['6.16', 'NUL as an overlong 2-byte form', 'c080', false],
  ['6.16', 'NUL as an overlong 3-byte form', 'e08080', false],
  ['6.16', 'NUL as an overlong 4-byte form', 'f0808080', false],
  ['6.17', 'the surrogate U+D800', 'eda080', false],
  ['6.17', 'the surrogate U+DB7F', 'edadbf', false],
  ['6.17', 'the surrogate U+DB80', 'edae80', false],
  ['6.17', 'the surrogate U+DBFF', 'edafbf', false],
  ['6.17', 'the surrogate U+DC00', 'edb080', false],
  ['6.17', 'the surrogate U+DF80', 'edbe80', false],
  ['6.17', 'the surrogate U+DFFF', 'edbfbf', false],
  ['6.18', 'the surrogate pair U+D800 U+DC00 (CESU-8)', 'eda080edb080', false],
  ['6.18', 'the surrogate pair U+DBFF U+DFFF (CESU-8)', 'edafbfedbfbf', false],
  ['6.19', 'the noncharacter U+FFFE', 'efbfbe', true],
  ['6.19', 'the noncharacter U+FDD0', 'efb790', true],
  ['6.19', 'the noncharacter U+1FFFE', 'f09fbfbe', true],
  ['6.19', 'the noncharacter U+10FFFE', 'f48fbfbe', true],
];

function tableCases(): ConformanceCase[] {
  const counts = new Map<string, number>();
  return TABLE.map(([group, label, hexText, valid]) => {
    const n = (counts.get(group) ?? 0) + 1;
    counts.set(group, n);
    const bytes = hex(hexText);
    return {
      id: `${group}.${n}`,
      title: valid
        ? `Valid: ${label} (${spaced(bytes)}) is echoed`
        : `Invalid: ${label} (${spaced(bytes)}) fails the connection with 1007`,
      section: valid ? '§5.6' : '§8.1',
      frames: [text(bytes)],
      chop: WHOLE,
      expect: valid
        ? { replies: [echoText(bytes)], ending: STAY_OPEN }
        : { replies: [], ending: INVALID_PAYLOAD },
    };
  });
}

export const utf8Cases: readonly ConformanceCase[] = [...fragmented, ...tableCases()];
