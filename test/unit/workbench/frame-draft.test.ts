import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/wire/bytes';
import { FrameDecoder } from '../../../core/wire/frame-decoder';
import {
  chopSizes,
  type DraftError,
  defaultDraft,
  draftBytes,
  draftWrites,
  type FrameDraft,
  pinMaskKey,
} from '../../../core/workbench/frame-draft';
import { WORKBENCH_PRESETS } from '../../../core/workbench/presets';
import { answeredFrame, buildScript, expectedFault, frameAt } from '../../../core/workbench/script';

const fixedKey = () => Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

/** A draft's bytes as hex, unmasked unless the test says otherwise. */
function hexOf(overrides: Partial<FrameDraft>): string {
  const built = draftBytes(defaultDraft({ mask: false, ...overrides }), fixedKey);
  if (!built.ok) throw new Error(built.error.message);
  return toHex(built.value, ' ');
}

function errorOf(overrides: Partial<FrameDraft>): DraftError {
  const built = draftBytes(defaultDraft({ mask: false, ...overrides }), fixedKey);
  if (built.ok) throw new Error(`expected an error, got ${toHex(built.value)}`);
  return built.error;
}

const text = (value: string) => ({ kind: 'text' as const, text: value });
const hex = (value: string) => ({ kind: 'hex' as const, hex: value });

describe('a frame draft', () => {
  it('encodes a final unmasked text frame with a 7-bit length', () => {
    expect(hexOf({ payload: text('Hi') })).toBe('81 02 48 69');
  });

  it('encodes FIN clear in the first bit', () => {
    expect(hexOf({ fin: false, payload: text('Hi') })).toBe('01 02 48 69');
  });

  it('encodes each of RSV1, RSV2 and RSV3 in its own bit', () => {
    expect(hexOf({ rsv1: true })).toBe('c1 00');
    expect(hexOf({ rsv2: true })).toBe('a1 00');
    expect(hexOf({ rsv3: true })).toBe('91 00');
  });

  it('encodes every opcode from 0x0 to 0xF, the reserved ones included', () => {
    for (let opcode = 0; opcode <= 0xf; opcode++) {
      expect(hexOf({ opcode })).toBe(`${(0x80 | opcode).toString(16)} 00`);
    }
  });

  it('masks with a typed key as RFC 6455 §5.7 shows for "Hello"', () => {
    expect(hexOf({ mask: true, maskKey: '37fa213d', payload: text('Hello') })).toBe(
      '81 85 37 fa 21 3d 7f 9f 4d 51 58',
    );
  });

  it('masks with a fresh key from the mask source when the key is random', () => {
    expect(hexOf({ mask: true, maskKey: 'random', payload: text('Hello') })).toBe(
      '81 85 37 fa 21 3d 7f 9f 4d 51 58',
    );
  });

  it('pins a random key to the one it drew, so the bytes stay the same', () => {
    const pinned = pinMaskKey(defaultDraft({ maskKey: 'random' }), fixedKey);
    expect(pinned.maskKey).toBe('37fa213d');
    expect(pinMaskKey(defaultDraft({ maskKey: '01020304' }), fixedKey).maskKey).toBe('01020304');
  });

  it('takes the payload as hex, spaces allowed', () => {
    expect(hexOf({ opcode: 2, payload: hex('de ad be ef') })).toBe('82 04 de ad be ef');
  });

  it('writes a short payload in a non-minimal 16-bit or 64-bit length form when asked', () => {
    expect(hexOf({ lengthForm: 16, payload: text('Hi') })).toBe('81 7e 00 02 48 69');
    expect(hexOf({ lengthForm: 64, payload: text('Hi') })).toBe('81 7f 00 00 00 00 00 00 00 02 48 69');
  });

  it('picks the 16-bit form for 126 bytes and the 64-bit form past 65535 when minimal', () => {
    expect(hexOf({ opcode: 9, payload: hex('00'.repeat(126)) }).slice(0, 11)).toBe('89 7e 00 7e');
    const big = draftBytes(defaultDraft({ mask: false, opcode: 2, payload: hex('00'.repeat(65536)) }));
    expect(big.ok && toHex(big.value.subarray(0, 10))).toBe('827f0000000000010000');
  });

  it('declares a length longer than the payload in each form', () => {
    expect(hexOf({ declaredLength: 10, payload: text('Hi') })).toBe('81 0a 48 69');
    expect(hexOf({ declaredLength: 300, payload: text('Hi') })).toBe('81 7e 01 2c 48 69');
    expect(hexOf({ declaredLength: 2 ** 40, payload: text('Hi') })).toBe(
      '81 7f 00 00 01 00 00 00 00 00 48 69',
    );
  });

  it('declares a length shorter than the payload and leaves the bytes past it unmasked', () => {
    // RFC 6455 §5.3: the receiver unmasks only the announced length; 0x69 is the next frame's start.
    expect(hexOf({ mask: true, maskKey: '37fa213d', declaredLength: 1, payload: text('Hi') })).toBe(
      '81 81 37 fa 21 3d 7f 69',
    );
  });

  it('refuses an opcode outside 0-15', () => {
    expect(errorOf({ opcode: 16 }).field).toBe('opcode');
    expect(errorOf({ opcode: -1 }).field).toBe('opcode');
  });

  it('refuses a payload that is not hex', () => {
    expect(errorOf({ payload: hex('zz') })).toEqual({
      field: 'payload',
      message: expect.stringMatching(/not hex/),
    });
    expect(errorOf({ payload: hex('abc') }).field).toBe('payload');
  });

  it('refuses a masking key that is not 4 bytes', () => {
    expect(errorOf({ mask: true, maskKey: '010203' }).field).toBe('maskKey');
    expect(errorOf({ mask: true, maskKey: 'not a key' }).field).toBe('maskKey');
  });

  it('ignores a bad key when the frame is not masked', () => {
    expect(hexOf({ mask: false, maskKey: 'xx', payload: text('a') })).toBe('81 01 61');
  });

  it('refuses a declared length that does not fit the chosen form', () => {
    expect(errorOf({ lengthForm: 7, declaredLength: 126 })).toEqual({
      field: 'declaredLength',
      message: expect.stringMatching(/7-bit length form \(at most 125/),
    });
    expect(errorOf({ lengthForm: 16, declaredLength: 65536 }).field).toBe('declaredLength');
    expect(errorOf({ declaredLength: -1 }).field).toBe('declaredLength');
    expect(errorOf({ declaredLength: 1.5 }).field).toBe('declaredLength');
    expect(errorOf({ declaredLength: Number.NaN }).message).toBe(
      'the declared length is a whole number of bytes, 0 or more',
    );
  });

  it('refuses a payload too long for a forced form unless a declared length lies about it', () => {
    expect(errorOf({ lengthForm: 7, payload: hex('00'.repeat(126)) }).field).toBe('lengthForm');
    expect(hexOf({ lengthForm: 7, declaredLength: 1, payload: hex('00'.repeat(126)) }).slice(0, 8)).toBe(
      '81 01 00',
    );
  });
});

describe('chopping a frame into TCP writes', () => {
  it('writes the whole frame at once by default', () => {
    const writes = draftWrites(defaultDraft({ mask: false, payload: text('Hi') }));
    expect(writes.ok && writes.value.map((w) => toHex(w))).toEqual(['81024869']);
  });

  it('writes every N bytes, the last write holding the rest', () => {
    const draft = defaultDraft({ mask: false, payload: text('Hey'), chop: { kind: 'every', size: 2 } });
    const writes = draftWrites(draft);
    expect(writes.ok && writes.value.map((w) => toHex(w))).toEqual(['8103', '4865', '79']);
  });

  it('splits at explicit offsets into the frame', () => {
    const draft = defaultDraft({ mask: false, payload: text('Hey'), chop: { kind: 'at', offsets: [1, 3] } });
    const writes = draftWrites(draft);
    expect(writes.ok && writes.value.map((w) => toHex(w))).toEqual(['81', '0348', '6579']);
  });

  it('refuses split points that are not increasing offsets inside the frame', () => {
    expect(chopSizes({ kind: 'at', offsets: [0] }, 5).ok).toBe(false);
    expect(chopSizes({ kind: 'at', offsets: [3, 2] }, 5).ok).toBe(false);
    expect(chopSizes({ kind: 'at', offsets: [5] }, 5).ok).toBe(false);
    expect(chopSizes({ kind: 'every', size: 0 }, 5)).toEqual({
      ok: false,
      error: { field: 'chop', message: expect.stringMatching(/N of 1 or more/) },
    });
  });
});

describe('a script of frames', () => {
  it('puts the frames one after another, each with its own writes, and knows where each is', () => {
    const built = buildScript(
      [
        defaultDraft({ mask: false, fin: false, payload: text('a') }),
        defaultDraft({ mask: false, opcode: 0, payload: text('b'), chop: { kind: 'every', size: 1 } }),
      ],
      fixedKey,
    );
    if (!built.ok) throw new Error(built.error.message);
    expect(toHex(built.value.bytes, ' ')).toBe('01 01 61 80 01 62');
    expect(built.value.writes).toEqual([3, 1, 1, 1]);
    expect(built.value.frames).toEqual([
      { start: 0, end: 3 },
      { start: 3, end: 6 },
    ]);
    expect([0, 1, 3, 4, 6, 99].map((n) => frameAt(built.value.frames, n))).toEqual([-1, 0, 0, 1, 1, 1]);
  });

  it('names the first frame that cannot be built', () => {
    const built = buildScript([defaultDraft(), defaultDraft({ opcode: 99 })]);
    expect(built.ok ? null : built.error).toMatchObject({ index: 1, field: 'opcode' });
  });
});

describe('the presets', () => {
  // The core decoder reads client bytes as ws's receiver does: the close code it names for a
  // preset's fault is the one a conforming server answers with.
  for (const preset of WORKBENCH_PRESETS) {
    it(`builds "${preset.title}", whose fault the decoder answers with ${preset.expectClose ?? 'no close'}`, () => {
      const built = buildScript(preset.drafts);
      if (!built.ok) throw new Error(built.error.message);
      const decoder = new FrameDecoder({ sender: 'client' });
      const events = decoder.push(built.value.bytes);
      const error = events.find((e) => e.type === 'error');
      expect(error?.type === 'error' ? error.error.closeCode : null).toBe(preset.expectClose);
    });
  }

  it('sends the 126-byte ping with a 16-bit length and the fixed key', () => {
    const preset = WORKBENCH_PRESETS.find((p) => p.id === 'long-ping')!;
    const built = draftBytes(preset.drafts[0]!);
    expect(built.ok && toHex(built.value.subarray(0, 8), ' ')).toBe('89 fe 00 7e 37 fa 21 3d');
  });
});

describe('what a conforming server should answer', () => {
  it('names the fragmented close as the fault even when the frame after it was sent too', () => {
    const built = buildScript(WORKBENCH_PRESETS.find((p) => p.id === 'fragmented-close')!.drafts);
    if (!built.ok) throw new Error(built.error.message);
    expect(expectedFault(built.value)).toMatchObject({
      frame: 0,
      code: 'FRAGMENTED_CONTROL',
      closeCode: 1002,
    });
    expect(answeredFrame(built.value, built.value.bytes.length, 1002)).toBe(0);
    // Another code than the fault's: the answer goes beside the last frame written.
    expect(answeredFrame(built.value, built.value.bytes.length, 1000)).toBe(1);
  });

  it('puts invalid UTF-8 split over two fragments on the second, where the message ends', () => {
    const built = buildScript(WORKBENCH_PRESETS.find((p) => p.id === 'utf8-split')!.drafts);
    if (!built.ok) throw new Error(built.error.message);
    expect(expectedFault(built.value)).toMatchObject({ frame: 1, closeCode: 1007 });
  });

  it('expects no fault from a valid script or a length that only lies longer', () => {
    const valid = buildScript(WORKBENCH_PRESETS[0]!.drafts);
    expect(valid.ok && expectedFault(valid.value)).toBeNull();
    const waiting = buildScript([defaultDraft({ declaredLength: 100, payload: text('Hi') })]);
    expect(waiting.ok && expectedFault(waiting.value)).toBeNull();
  });
});
