import { describe, expect, it } from 'vitest';
import { type ConformanceCase, type ExpectedReply, GROUPS, OCTETS } from '../../../core/conformance/case';
import { encodeCase, writesOf } from '../../../core/conformance/case-bytes';
import { CONFORMANCE_CASES, caseMatches, selectCases } from '../../../core/conformance/suite';
import { concatBytes, toHex } from '../../../core/wire/bytes';
import { FrameDecoder } from '../../../core/wire/frame-decoder';
import { Opcode } from '../../../core/wire/opcodes';

// A zero key leaves the payload as it is, so the hex below reads as the payload itself.
const ZERO_KEY = () => new Uint8Array(4);
const byId = (id: string): ConformanceCase => CONFORMANCE_CASES.find((c) => c.id === id)!;
const hexOf = (id: string): string[] => encodeCase(byId(id), ZERO_KEY).map((frame) => toHex(frame));

describe('the conformance case table', () => {
  it('holds at least 100 cases with unique, dotted ids, in every group of the suite', () => {
    expect(CONFORMANCE_CASES.length).toBeGreaterThanOrEqual(100);
    const ids = CONFORMANCE_CASES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[1-7](\.\d+)+$/);
    for (const group of Object.keys(GROUPS)) {
      expect(ids.filter((id) => id.split('.')[0] === group).length).toBeGreaterThanOrEqual(10);
    }
  });

  it('names an RFC 6455 section and a title for every case', () => {
    for (const c of CONFORMANCE_CASES) {
      expect(c.section, c.id).toMatch(/^§\d+(\.\d+)*$/);
      expect(c.title.length, c.id).toBeGreaterThan(10);
    }
  });

  it('builds the frames of the unmasked-text case byte for byte', () => {
    // FIN + text, no MASK bit, length 8, "unmasked".
    expect(hexOf('7.2.1')).toEqual(['8108756e6d61736b6564']);
  });

  it('builds a 126-byte ping with the 16-bit length form and a masking key', () => {
    const [frame] = hexOf('2.5');
    expect(frame!.slice(0, 16)).toBe('89fe007e00000000');
    expect(frame!.length / 2).toBe(4 + 4 + 126);
  });

  it('builds RSV2 on a text frame, a reserved opcode and a close with code 1005 as asked', () => {
    expect(hexOf('3.1.2')).toEqual(['a1850000000048656c6c6f']);
    expect(hexOf('4.1.1')).toEqual(['838000000000']);
    expect(hexOf('7.9.4')).toEqual(['88820000000003ed']);
  });

  it('builds a fragmented text with a ping between its fragments', () => {
    expect(hexOf('5.6')).toEqual([
      `0189${'00000000'}${toHex(new TextEncoder().encode('fragment1'))}`,
      `8987${'00000000'}${toHex(new TextEncoder().encode('pongme!'))}`,
      `8089${'00000000'}${toHex(new TextEncoder().encode('fragment2'))}`,
    ]);
  });

  it('writes a 64-bit length with its top bit set as raw bytes, key included', () => {
    expect(hexOf('1.3.3')).toEqual(['82ff800000000000000511223344']);
  });

  it('masks every frame with a fresh key unless the case says not to', () => {
    const keys: number[] = [];
    const frames = encodeCase(byId('5.6'), () => {
      keys.push(keys.length);
      return Uint8Array.of(1, 2, 3, 4);
    });
    expect(keys).toHaveLength(3);
    for (const frame of frames) expect(frame[1]! & 0x80).toBe(0x80);
  });

  it('cuts the bytes into one write, a write per frame, or n-byte writes', () => {
    const frames = [Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5)];
    expect(writesOf(frames, { kind: 'whole' }).map((w) => [...w])).toEqual([[1, 2, 3, 4, 5]]);
    expect(writesOf(frames, { kind: 'frames' }).map((w) => [...w])).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(writesOf(frames, OCTETS)).toHaveLength(5);
    expect(writesOf(frames, { kind: 'bytes', size: 2 }).map((w) => [...w])).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('picks cases by id, by group and by pattern', () => {
    expect(caseMatches('5.3', '5.*')).toBe(true);
    expect(caseMatches('5.3', '5')).toBe(true);
    expect(caseMatches('5.30', '5.3')).toBe(false);
    expect(caseMatches('6.17.2', '6.17')).toBe(true);
    expect(caseMatches('6.1.1', '*.1.1')).toBe(true);
    expect(selectCases(['7.1.1']).map((c) => c.id)).toEqual(['7.1.1']);
    expect(selectCases(['6.17']).length).toBe(7);
    expect(selectCases([]).length).toBe(CONFORMANCE_CASES.length);
    expect(selectCases(['9.*'])).toEqual([]);
  });
});

/**
 * What a strict server does with a case's bytes, found with the project's own decoder (RFC 6455
 * rules, no extension): the replies it owes, then how it ends. Each case's expectation must be
 * exactly this, or a correct server could not pass it.
 */
function strictAnswer(c: ConformanceCase): {
  replies: ExpectedReply[];
  ending: 'open' | 'answer-close' | number;
} {
  const decoder = new FrameDecoder({ sender: 'client' });
  const events = [...decoder.push(concatBytes(encodeCase(c))), ...decoder.end()];
  const replies: ExpectedReply[] = [];
  for (const event of events) {
    if (event.type === 'error') return { replies, ending: event.error.closeCode };
    if (event.type === 'message') {
      replies.push({ kind: 'echo', opcode: event.message.opcode, data: event.message.data });
    } else if (event.type === 'frame' && !event.frame.violation) {
      if (event.frame.opcode === Opcode.PING) replies.push({ kind: 'pong', payload: event.frame.payload });
      if (event.frame.opcode === Opcode.CLOSE) return { replies, ending: 'answer-close' };
    }
  }
  return { replies, ending: 'open' };
}

describe('every case expects what a strict server does', () => {
  for (const c of CONFORMANCE_CASES) {
    it(`${c.id}: ${c.title}`, () => {
      const strict = strictAnswer(c);
      // Optional pongs may be left out by a server (§5.5.3), but a strict one sends them.
      const expected = c.expect.replies.map((r) =>
        r.kind === 'pong' ? { kind: r.kind, payload: r.payload } : r,
      );
      expect(strict.replies).toEqual(expected);
      const { ending } = c.expect;
      if (typeof strict.ending === 'number') {
        expect(ending.kind).toBe('fail');
        if (ending.kind === 'fail') expect(ending.codes).toContain(strict.ending);
      } else {
        expect(ending.kind).toBe(strict.ending);
      }
    });
  }
});
