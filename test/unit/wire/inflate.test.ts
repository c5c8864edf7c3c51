// core/'s MessageInflater against node:zlib: what zlib's deflate produced, ours inflates back
// exactly, message by message, with and without context takeover (RFC 7692 §7.2.1); invalid data
// and decompression bombs give `ok: false`, never an exception.
import { createHash } from 'node:crypto';
import { constants, deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type InflateResult, MessageInflater } from '../../../core/wire/inflate';
import { hex } from './helpers';
import { createZlibInflater, type SenderOptions, send } from './zlib-inflater';

const KIB = 1024;
const MIB = 1024 * KIB;

function inflateAll(inflater: MessageInflater, compressed: readonly Uint8Array[]): InflateResult[] {
  return compressed.map((message) => inflater.inflate(message));
}

function dataOf(result: InflateResult): Uint8Array {
  if (!result.ok) throw new Error(`inflate failed: ${result.message}`);
  return result.data;
}

/**
 * Compares inflated messages with the originals by content; vitest's deep equality walks large
 * byte arrays element by element, which takes seconds a megabyte.
 */
function expectMessages(actual: readonly Uint8Array[], expected: readonly Uint8Array[]): void {
  const summary = (messages: readonly Uint8Array[]) =>
    messages.map((message) =>
      message.length > 64
        ? `${message.length} bytes, sha256 ${createHash('sha256').update(message).digest('hex')}`
        : message,
    );
  expect(summary(actual)).toEqual(summary(expected));
}

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

// A fixed pseudo-random generator: the same bytes on every run.
function randomBytes(size: number, seed = 1): Uint8Array {
  let state = (seed * 0x9e3779b9 + 1) >>> 0;
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    // xorshift32: its bytes do not compress, where a linear congruential generator's repeat.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

function repetitive(size: number): Uint8Array {
  const phrase = text('the quick brown fox jumps over the lazy dog; ');
  return Uint8Array.from({ length: size }, (_, i) => phrase[i % phrase.length]!);
}

const CHAT = [
  'Hello',
  'Hello',
  'Hello, world',
  '{"type":"chat","text":"Hello, world"}',
  '{"type":"chat","text":"Hello, world again"}',
  '',
  "Server received: 'Hello'",
].map(text);

describe('MessageInflater on the RFC 7692 §7.2.3 examples', () => {
  it('inflates "Hello" compressed in one DEFLATE block (§7.2.3.1)', () => {
    expect(dataOf(new MessageInflater(15, false, 0).inflate(hex('f2 48 cd c9 c9 07 00')))).toEqual(
      text('Hello'),
    );
  });

  it('inflates a second "Hello" that refers back into the first message (§7.2.3.2)', () => {
    const inflater = new MessageInflater(15, false, 0);
    expect(dataOf(inflater.inflate(hex('f2 48 cd c9 c9 07 00')))).toEqual(text('Hello'));
    expect(dataOf(inflater.inflate(hex('f2 00 11 00 00')))).toEqual(text('Hello'));
  });

  it('refuses that back-reference without context takeover', () => {
    const inflater = new MessageInflater(15, true, 0);
    expect(dataOf(inflater.inflate(hex('f2 48 cd c9 c9 07 00')))).toEqual(text('Hello'));
    const second = inflater.inflate(hex('f2 00 11 00 00'));
    expect(second).toMatchObject({ ok: false, tooBig: false });
    expect(second.ok ? '' : second.message).toMatch(/distance 5 reaches back before the 1 bytes/);
  });

  it('inflates a stored block (§7.2.3.3)', () => {
    expect(
      dataOf(new MessageInflater(15, false, 0).inflate(hex('00 05 00 fa ff 48 65 6c 6c 6f 00'))),
    ).toEqual(text('Hello'));
  });

  it('inflates a message that ends with a final block and ignores what follows it (§7.2.3.4)', () => {
    const inflater = new MessageInflater(15, false, 0);
    expect(dataOf(inflater.inflate(hex('f3 48 cd c9 c9 07 00 00')))).toEqual(text('Hello'));
    // The window still holds the message for the next one.
    expect(dataOf(inflater.inflate(hex('f2 00 11 00 00')))).toEqual(text('Hello'));
  });

  it('inflates a message of two DEFLATE blocks (§7.2.3.5)', () => {
    expect(
      dataOf(new MessageInflater(15, false, 0).inflate(hex('f2 48 05 00 00 00 ff ff ca c9 c9 07 00'))),
    ).toEqual(text('Hello'));
  });

  it('inflates the compressed empty message 00 (§7.2.3.6)', () => {
    expect(dataOf(new MessageInflater(15, false, 0).inflate(hex('00')))).toEqual(new Uint8Array(0));
  });
});

describe('MessageInflater against zlib', () => {
  it('inflates an empty message and short texts', async () => {
    const compressed = await send(CHAT);
    expectMessages(inflateAll(new MessageInflater(15, false, 0), compressed).map(dataOf), CHAT);
  });

  it.each([
    ['1 MiB of random bytes', randomBytes(MIB)],
    ['1 MiB of repetitive text', repetitive(MIB)],
    ['1 MiB of zeros', new Uint8Array(MIB)],
  ])('inflates %s in one message', async (_name, data) => {
    const [compressed] = await send([data]);
    expectMessages([dataOf(new MessageInflater(15, false, 0).inflate(compressed!))], [data]);
  });

  it.each([8, 9, 10, 11, 12, 13, 14, 15])(
    'inflates messages under context takeover with a %i-bit window',
    async (windowBits) => {
      const messages = [repetitive(3000), randomBytes(700, windowBits), repetitive(5000), ...CHAT];
      const compressed = await send(messages, { windowBits });
      expectMessages(inflateAll(new MessageInflater(windowBits, false, 0), compressed).map(dataOf), messages);
    },
  );

  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])('inflates what compression level %i produced', async (level) => {
    const messages = [repetitive(20 * KIB), randomBytes(10 * KIB, level), ...CHAT];
    const compressed = await send(messages, { level });
    expectMessages(inflateAll(new MessageInflater(15, false, 0), compressed).map(dataOf), messages);
  });

  it.each([
    ['Z_HUFFMAN_ONLY', constants.Z_HUFFMAN_ONLY],
    ['Z_RLE', constants.Z_RLE],
    ['Z_FIXED', constants.Z_FIXED],
    ['Z_FILTERED', constants.Z_FILTERED],
  ])('inflates what the %s strategy produced', async (_name, strategy) => {
    const messages = [repetitive(20 * KIB), new Uint8Array(5000), randomBytes(3000), ...CHAT];
    const compressed = await send(messages, { strategy });
    expectMessages(inflateAll(new MessageInflater(15, false, 0), compressed).map(dataOf), messages);
  });

  it('inflates what the smallest memory level produced', async () => {
    const messages = [repetitive(50 * KIB), randomBytes(20 * KIB)];
    const compressed = await send(messages, { memLevel: 1 });
    expectMessages(inflateAll(new MessageInflater(15, false, 0), compressed).map(dataOf), messages);
  });

  it('inflates messages compressed without context takeover, with or without keeping a window', async () => {
    const messages = [repetitive(3000), repetitive(3000), ...CHAT];
    const compressed = await send(messages, { contextTakeover: false });
    expectMessages(inflateAll(new MessageInflater(15, true, 0), compressed).map(dataOf), messages);
    expectMessages(inflateAll(new MessageInflater(15, false, 0), compressed).map(dataOf), messages);
  });

  it('follows back-references into earlier messages, as far back as the window', async () => {
    // 20 KiB that does not compress, then the same bytes again: the second message is nothing but
    // back-references into the first, and a compressor's window of 32 KiB reaches all of it.
    const first = randomBytes(20 * KIB);
    const compressed = await send([first, first, first]);
    expect(compressed[1]!.length).toBeLessThan(200);
    expectMessages(inflateAll(new MessageInflater(15, false, 0), compressed).map(dataOf), [
      first,
      first,
      first,
    ]);
    // Alone, the second message refers to bytes that are not there.
    expect(new MessageInflater(15, false, 0).inflate(compressed[1]!)).toMatchObject({ ok: false });
  });

  it('keeps the window across many small messages and one large one', async () => {
    const messages = [
      ...Array.from({ length: 300 }, (_, i) => text(`message ${i % 17} of many, all alike`)),
      repetitive(2 * MIB),
      ...Array.from({ length: 300 }, (_, i) => text(`message ${i % 17} of many, all alike`)),
    ];
    const compressed = await send(messages);
    expectMessages(inflateAll(new MessageInflater(15, false, 0), compressed).map(dataOf), messages);
  });

  it('inflates back exactly any messages compressed with context takeover (property)', async () => {
    const message = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }),
      // Repeats within and across messages make back-references.
      fc
        .tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 200 }))
        .map(([unit, times]) =>
          Uint8Array.from({ length: unit.length * times }, (_, i) => unit[i % unit.length]!),
        ),
      fc.constantFrom(...CHAT),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { maxLength: 12 }),
        fc.integer({ min: 8, max: 15 }),
        fc.integer({ min: 0, max: 9 }),
        async (messages, windowBits, level) => {
          const compressed = await send(messages, { windowBits, level });
          expectMessages(
            inflateAll(new MessageInflater(windowBits, false, 0), compressed).map(dataOf),
            messages,
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('MessageInflater on invalid data', () => {
  const failure = (compressed: Uint8Array, inflater = new MessageInflater(15, false, 0)) => {
    const result = inflater.inflate(compressed);
    if (result.ok) throw new Error(`inflated ${result.data.length} bytes`);
    expect(result.tooBig).toBe(false);
    return result.message;
  };

  it('refuses block type 3', () => {
    // BFINAL 1, BTYPE 11 (RFC 1951 §3.2.3).
    expect(failure(hex('07'))).toMatch(/invalid block type 3/);
  });

  it('refuses a stored block whose length does not match its complement', () => {
    expect(failure(hex('01 05 00 fa fe 48 65 6c 6c 6f'))).toMatch(/stored block length 5 does not match/);
  });

  it('refuses a stored block cut short', () => {
    expect(failure(hex('01 0a 00 f5 ff 48 65'))).toMatch(/ends in the middle of a block/);
  });

  it('refuses data cut short in a Huffman block', async () => {
    const [compressed] = await send([repetitive(10 * KIB)]);
    for (const cut of [1, 2, 5, Math.floor(compressed!.length / 2)]) {
      expect(failure(compressed!.subarray(0, cut))).toMatch(/ends in the middle of a block|invalid/);
    }
  });

  it('refuses a back-reference before the start of the output', () => {
    // A fixed block whose first code is length 3, distance 1 (RFC 1951 §3.2.6): 0000001 then 00000.
    expect(failure(hex('03 02 00'))).toMatch(/distance 1 reaches back before the 0 bytes/);
  });

  it('refuses literal/length symbol 286 and distance symbol 30 in a fixed block', () => {
    // BFINAL 1, BTYPE 01, then the 8-bit code 11000110 (symbol 286), sent most significant bit first.
    expect(failure(hex('1b 03'))).toMatch(/invalid literal\/length symbol 286/);
    // Literal 'a' (code 10010001), then symbol 257 (0000001: length 3) and distance code 11110 (30).
    expect(failure(hex('4b 04 3e 00'))).toMatch(/invalid distance symbol 30/);
  });

  it('refuses a dynamic block with an oversubscribed code length code', () => {
    // BFINAL 1, BTYPE 10, HLIT 0, HDIST 0, HCLEN 0 (4 code length codes), each of length 1.
    expect(failure(hex('05 00 92 04'))).toMatch(/invalid code length code lengths/);
  });

  it('refuses a dynamic block without an end-of-block code', () => {
    // Literals 0 and 1 get one-bit codes, every other literal/length code (256 included) none.
    const bits: number[] = [];
    const put = (value: number, count: number) => {
      for (let i = 0; i < count; i++) bits.push((value >>> i) & 1);
    };
    put(1, 1); // BFINAL
    put(2, 2); // BTYPE 10
    put(0, 5); // HLIT: 257
    put(0, 5); // HDIST: 1
    put(14, 4); // HCLEN: 18 code length codes, in the order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1
    // Code length code lengths: 18 and 1 get one bit each, the others none.
    for (const symbol of [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1]) {
      put(symbol === 18 || symbol === 1 ? 1 : 0, 3);
    }
    // Canonical codes: symbol 1 is 0, symbol 18 is 1. Lengths: 1 for literals 0 and 1, then zeros
    // for the remaining 256 codes (end-of-block included) by 18 with 138 and 118 zeros.
    put(0, 1);
    put(0, 1);
    put(1, 1);
    put(127, 7);
    put(1, 1);
    put(107, 7);
    const bytes = new Uint8Array(Math.ceil(bits.length / 8));
    bits.forEach((bit, i) => {
      bytes[i >> 3]! |= bit << (i & 7);
    });
    expect(failure(bytes)).toMatch(/no end-of-block code/);
  });

  it('never throws and always ends, whatever the bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const result = new MessageInflater(15, false, MIB).inflate(bytes);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the window of earlier messages after a failed one', () => {
    const inflater = new MessageInflater(15, false, 0);
    expect(dataOf(inflater.inflate(hex('f2 48 cd c9 c9 07 00')))).toEqual(text('Hello'));
    failure(hex('07'), inflater);
    expect(dataOf(inflater.inflate(hex('f2 00 11 00 00')))).toEqual(text('Hello'));
  });
});

describe('MessageInflater output limit', () => {
  it('inflates a message of exactly maxOutput bytes and refuses one byte more', async () => {
    const [exact, over] = await send([repetitive(10_000), repetitive(10_001)], { contextTakeover: false });
    expectMessages([dataOf(new MessageInflater(15, false, 10_000).inflate(exact!))], [repetitive(10_000)]);
    expect(new MessageInflater(15, false, 10_000).inflate(over!)).toEqual({
      ok: false,
      tooBig: true,
      message: 'inflates to more than 10000 bytes',
    });
  });

  it('stops a decompression bomb at the limit without allocating its whole output', () => {
    // 64 MiB of zeros compress to about 64 KiB; inflating it all would take 64 MiB.
    const bomb = deflateRawSync(new Uint8Array(64 * MIB), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
    const compressed = bomb.subarray(0, -4);
    const inflater = new MessageInflater(15, false, MIB);
    const before = process.memoryUsage().arrayBuffers;
    const result = inflater.inflate(compressed);
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(result).toEqual({ ok: false, tooBig: true, message: `inflates to more than ${MIB} bytes` });
    // Array buffers are freed only by a collection, so this counts every output buffer allocated.
    expect(grown).toBeLessThan(3 * MIB);
  });
});

describe('MessageInflater and the server tap inflater (zlib)', () => {
  const compare = async (messages: Uint8Array[], options: SenderOptions, maxOutput = 0) => {
    const windowBits = options.windowBits ?? 15;
    const noContextTakeover = options.contextTakeover === false;
    const compressed = await send(messages, options);
    const ours = new MessageInflater(windowBits, noContextTakeover, maxOutput);
    const zlib = createZlibInflater({ windowBits, noContextTakeover, maxOutput });
    for (const message of compressed) {
      const a = ours.inflate(message);
      const b = zlib.inflate(message);
      expect({ ok: a.ok, tooBig: a.ok ? false : a.tooBig }).toEqual({
        ok: b.ok,
        tooBig: b.ok ? false : b.tooBig,
      });
      if (a.ok && b.ok) expectMessages([a.data], [Uint8Array.from(b.data)]);
    }
  };

  it.each([8, 11, 15])(
    'gives the same messages with a %i-bit window and context takeover',
    async (windowBits) => {
      await compare([repetitive(40 * KIB), randomBytes(3000), repetitive(4000), ...CHAT], { windowBits });
    },
  );

  it('gives the same messages without context takeover', async () => {
    await compare([repetitive(40 * KIB), repetitive(40 * KIB), ...CHAT], { contextTakeover: false });
  });

  it('agrees on which messages are too big', async () => {
    await compare(
      [repetitive(5000), repetitive(20_000), new Uint8Array(8192), new Uint8Array(8193)],
      {},
      8192,
    );
  });

  it('gives the same messages for any sequence (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 3000 }), fc.constantFrom(...CHAT)), { maxLength: 8 }),
        fc.integer({ min: 8, max: 15 }),
        fc.boolean(),
        async (messages, windowBits, contextTakeover) => {
          await compare(messages, { windowBits, contextTakeover });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('agrees that invalid data is invalid', () => {
    const ours = new MessageInflater(15, false, 0);
    const zlib = createZlibInflater({ windowBits: 15, noContextTakeover: false, maxOutput: 0 });
    for (const bad of ['07', '01 05 00 fa fe 48 65 6c 6c 6f', '03 02 00', '1b 03', '05 00 92 04']) {
      expect(ours.inflate(hex(bad)).ok, bad).toBe(false);
      expect(zlib.inflate(hex(bad)).ok, bad).toBe(false);
    }
  });
});
