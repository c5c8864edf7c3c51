import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyMask,
  decodeUtf8Lossy,
  decodeUtf8Strict,
  fromBase64,
  fromHex,
  toBase64,
  toHex,
  utf8,
} from '../../../core/wire/bytes';
import { closeCodeInfo, describeClose, isValidCloseCode } from '../../../core/wire/close-codes';

// ws's package exports only its entry point; its own files resolve relative to that entry.
const wsRequire = createRequire(createRequire(import.meta.url).resolve('ws'));
const wsValidation = wsRequire('./lib/validation.js') as {
  isValidStatusCode(code: number): boolean;
  isValidUTF8(bytes: Buffer): boolean;
};

describe('byte helpers', () => {
  it('writes and reads hex like Buffer does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const hex = Buffer.from(bytes).toString('hex');
        expect(toHex(bytes)).toBe(hex);
        expect(fromHex(hex)).toEqual(bytes);
        expect(fromHex(toHex(bytes, ' '))).toEqual(bytes);
      }),
    );
    expect(fromHex('0x81 0x05')).toEqual(Uint8Array.of(0x81, 0x05));
    expect(fromHex('8')).toBeNull();
    expect(fromHex('zz')).toBeNull();
  });

  it('writes and reads base64 like Buffer does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const base64 = Buffer.from(bytes).toString('base64');
        expect(toBase64(bytes)).toBe(base64);
        expect(fromBase64(base64)).toEqual(bytes);
      }),
    );
  });

  it('writes base64 right whatever the length before, the buffer it reuses growing and big payloads included', () => {
    for (const size of [10, 5000, 3, 700_000, 2_000_000, 7, 800_001, 1]) {
      const bytes = new Uint8Array(size).map((_, i) => (i * 31 + size) & 0xff);
      expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    }
  });

  it('refuses text that is not base64, misplaced padding included', () => {
    for (const text of [
      'A===',
      '====',
      'Q===',
      '=AAA',
      'AA=A',
      'QUJ',
      'QU!D',
      'QQ=',
      'AA AA',
      'AAé=',
      '-_8=',
    ]) {
      expect(fromBase64(text), text).toBeNull();
    }
    expect(fromBase64('')).toEqual(new Uint8Array(0));
  });

  it('accepts the URL-safe alphabet and missing padding in the protobuf form, as protobuf JSON does', () => {
    expect(fromBase64('-_8', 'protobuf')).toEqual(Uint8Array.of(0xfb, 0xff));
    expect(fromBase64('AAE', 'protobuf')).toEqual(Uint8Array.of(0, 1));
    expect(fromBase64('AAE=', 'protobuf')).toEqual(Uint8Array.of(0, 1));
    expect(fromBase64('', 'protobuf')).toEqual(new Uint8Array(0));
  });

  it.each([
    ['a character outside the alphabet', 'AA*A'],
    ['padding in the middle', 'AA==AAAA'],
    ['a length no encoding produces', 'AAAAA'],
    ['whitespace', 'AA AA'],
    ['a non-ASCII letter', 'AAé='],
  ])('rejects %s in the protobuf form instead of skipping it', (_name, text) => {
    expect(fromBase64(text, 'protobuf')).toBeNull();
  });

  it('masks with the key at any phase, and masking twice gives the bytes back (RFC 6455 §5.3)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.nat(3),
        fc.nat(7),
        (bytes, key, phase, offset) => {
          // At an odd offset into a bigger buffer, so an aligned fast path cannot be taken for granted.
          const backing = new Uint8Array(bytes.length + offset);
          const data = backing.subarray(offset);
          data.set(bytes);
          applyMask(data, key, phase);
          expect(data).toEqual(Uint8Array.from(bytes, (byte, i) => byte ^ key[(i + phase) % 4]!));
          applyMask(data, key, phase);
          expect(data).toEqual(bytes);
        },
      ),
    );
  });

  it('validates UTF-8 exactly as ws does', () => {
    const interesting = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.string({ unit: 'binary' }).map((text) => utf8(text)),
      fc
        .tuple(fc.string({ unit: 'binary', maxLength: 10 }), fc.nat(20), fc.integer({ min: 0, max: 255 }))
        .map(([text, at, byte]) => {
          const bytes = utf8(text);
          if (bytes.length > 0) bytes[at % bytes.length] = byte;
          return bytes;
        }),
    );
    fc.assert(
      fc.property(interesting, (bytes) => {
        expect(decodeUtf8Strict(bytes) !== null).toBe(wsValidation.isValidUTF8(Buffer.from(bytes)));
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes text with a leading U+FEFF kept, strictly and lossily', () => {
    const bytes = Uint8Array.of(0xef, 0xbb, 0xbf, 0x68, 0x69);
    expect(decodeUtf8Strict(bytes)).toBe('\ufeffhi');
    expect(decodeUtf8Lossy(bytes)).toBe('\ufeffhi');
    expect(decodeUtf8Lossy(Uint8Array.of(0x68, 0xff))).toBe('h\ufffd');
  });
});

describe('close codes', () => {
  it('allows on the wire exactly the codes ws allows, over the whole 16-bit range', () => {
    const disagree: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      if (isValidCloseCode(code) !== wsValidation.isValidStatusCode(code)) disagree.push(code);
    }
    expect(disagree).toEqual([]);
  });

  it('says a code may go on the wire exactly when isValidCloseCode does, over the whole 16-bit range', () => {
    const disagree: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const info = closeCodeInfo(code);
      if (info.code !== code || info.onWire !== isValidCloseCode(code)) disagree.push(code);
    }
    expect(disagree).toEqual([]);
  });

  it('names library, private and invalid codes', () => {
    expect(closeCodeInfo(3001)).toMatchObject({ name: 'registered', onWire: true });
    expect(closeCodeInfo(4242)).toMatchObject({ name: 'private', onWire: true });
    expect(closeCodeInfo(5000)).toMatchObject({ name: 'invalid', onWire: false });
  });

  it('describes a close in one line', () => {
    expect(describeClose(1000)).toBe('1000 normal');
    expect(describeClose(4000, 'bye')).toBe('4000 private "bye"');
    expect(describeClose(null)).toBe('no status code');
  });
});
