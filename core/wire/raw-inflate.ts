// An RFC 1951 (DEFLATE) decoder over Uint8Array, so the page can inflate permessage-deflate
// messages (RFC 7692) itself: the browser has no synchronous inflate, and core/ may use no zlib.
//
// Huffman codes are read through lookup tables indexed by the next bits of input, as zlib's
// inflate does: one table read gives a code's symbol and length. Codes longer than the table's
// root bits (rare: the longest codes are the least frequent) take a second read in a sub-table.

/** Output of one message: buffer[floor, start) is history its back-references may reach. */
export interface InflateTarget {
  buffer: Uint8Array;
  /** The earliest byte a back-reference may reach. */
  floor: number;
  /** Where this message's output begins. */
  start: number;
  /** Where it ends, once inflated. */
  end: number;
}

export type RawInflateStatus = { ok: true } | { ok: false; message: string; tooBig: boolean };

// RFC 1951 §3.2.5: lengths 3-258 and distances 1-32768 as a base and a count of extra bits.
// biome-ignore format: the tables read as the RFC prints them
const LENGTH_BASE = Uint16Array.of(
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
  258,
);
// biome-ignore format: the tables read as the RFC prints them
const LENGTH_EXTRA = Uint8Array.of(
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
);
// biome-ignore format: the tables read as the RFC prints them
const DISTANCE_BASE = Uint16Array.of(
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
);
// biome-ignore format: the tables read as the RFC prints them
const DISTANCE_EXTRA = Uint8Array.of(
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
);
// RFC 1951 §3.2.7: the order in which a dynamic block lists its code length code lengths.
const CODE_LENGTH_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

const MAX_BITS = 15;
const END_OF_BLOCK = 256;

// A table entry is one int: bits 0-3 the code's length, bit 4 set for a link to a sub-table, and
// the rest the symbol (or the sub-table's offset, with its index bits in bits 0-3). Zero is no code.
const LINK = 16;
const VALUE_SHIFT = 5;

const LITERAL_ROOT = 10;
const DISTANCE_ROOT = 8;
const CODE_LENGTH_ROOT = 7;

// One set of tables serves every inflater: an inflate runs to its end without yielding, and a
// table per connection would cost a connection over 100 KiB. Sub-tables take at most 2^15 entries.
const literalTable = new Int32Array((1 << LITERAL_ROOT) + (1 << MAX_BITS));
const distanceTable = new Int32Array((1 << DISTANCE_ROOT) + (1 << MAX_BITS));
const codeLengthTable = new Int32Array(1 << CODE_LENGTH_ROOT);
// Literal/length then distance code lengths of a dynamic block: at most 286 + 30 (§3.2.7).
const codeLengths = new Uint8Array(286 + 30);
const lengthCounts = new Uint16Array(MAX_BITS + 1);
const nextCode = new Uint16Array(MAX_BITS + 2);

const OVERSUBSCRIBED = -1;
const INCOMPLETE = -2;

/**
 * Builds the decoding table of the canonical Huffman code with these code lengths (RFC 1951
 * §3.2.2) and returns its root bits, or OVERSUBSCRIBED / INCOMPLETE. Like zlib, an incomplete
 * code is refused unless it is a single code of one bit (`allowSingle`): the case §3.2.7 allows
 * for a block with one distance code. No code at all leaves a table where every entry is invalid.
 */
function buildTable(
  lengths: Uint8Array,
  offset: number,
  count: number,
  table: Int32Array,
  root: number,
  allowSingle: boolean,
): number {
  lengthCounts.fill(0);
  let max = 0;
  for (let symbol = 0; symbol < count; symbol++) {
    const length = lengths[offset + symbol]!;
    lengthCounts[length]!++;
    if (length > max) max = length;
  }
  if (max === 0) {
    table[0] = 0;
    table[1] = 0;
    return 1;
  }
  let left = 1;
  for (let length = 1; length <= MAX_BITS; length++) {
    left = (left << 1) - lengthCounts[length]!;
    if (left < 0) return OVERSUBSCRIBED;
  }
  if (left > 0 && !(allowSingle && max === 1)) return INCOMPLETE;

  nextCode[1] = 0;
  for (let length = 1; length < MAX_BITS; length++) {
    nextCode[length + 1] = (nextCode[length]! + lengthCounts[length]!) << 1;
  }
  const rootBits = Math.min(root, max);
  const rootSize = 1 << rootBits;
  const subBits = max - rootBits;
  table.fill(0, 0, rootSize);
  let nextSub = rootSize;
  for (let symbol = 0; symbol < count; symbol++) {
    const length = lengths[offset + symbol]!;
    if (length === 0) continue;
    // Codes are packed starting with their most significant bit (§3.1.1), so the table is
    // indexed by the code's bits reversed.
    let code = nextCode[length]!++;
    let reversed = 0;
    for (let i = 0; i < length; i++) {
      reversed = (reversed << 1) | (code & 1);
      code >>>= 1;
    }
    const entry = (symbol << VALUE_SHIFT) | length;
    if (length <= rootBits) {
      for (let i = reversed; i < rootSize; i += 1 << length) table[i] = entry;
      continue;
    }
    const prefix = reversed & (rootSize - 1);
    let link = table[prefix]!;
    if ((link & LINK) === 0) {
      link = (nextSub << VALUE_SHIFT) | LINK | subBits;
      table.fill(0, nextSub, nextSub + (1 << subBits));
      table[prefix] = link;
      nextSub += 1 << subBits;
    }
    const base = link >>> VALUE_SHIFT;
    for (let i = reversed >>> rootBits; i < 1 << subBits; i += 1 << (length - rootBits))
      table[base + i] = entry;
  }
  return rootBits;
}

interface FixedTables {
  literal: Int32Array;
  literalBits: number;
  distance: Int32Array;
  distanceBits: number;
}
let fixedTables: FixedTables | null = null;

// RFC 1951 §3.2.6: the fixed codes, built once on first use.
function fixed(): FixedTables {
  if (fixedTables) return fixedTables;
  const lengths = new Uint8Array(288 + 32);
  lengths.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288).fill(5, 288, 320);
  const literal = new Int32Array(1 << 9);
  const distance = new Int32Array(1 << 5);
  // Symbols 286-287 and distances 30-31 have codes but are invalid; the decoder refuses them.
  const literalBits = buildTable(lengths, 0, 288, literal, LITERAL_ROOT, false);
  const distanceBits = buildTable(lengths, 288, 32, distance, DISTANCE_ROOT, false);
  fixedTables = { literal, literalBits, distance, distanceBits };
  return fixedTables;
}

class InflateError extends Error {
  constructor(
    message: string,
    readonly tooBig = false,
  ) {
    super(message);
  }
}

const incomplete = (): InflateError => new InflateError('the compressed data ends in the middle of a block');

/** The state of one inflate: input with its bit buffer, and the output. */
class Inflation {
  private ip = 0;
  // Up to 31 bits not yet used, the next one in bit 0 (RFC 1951 §3.1.1 packs bits from the least
  // significant end). Bytes past the input's end read as zeros; `overrun` tells when any was used.
  private bitBuffer = 0;
  private bitCount = 0;

  private out: Uint8Array;
  private floor: number;
  private start: number;
  private op: number;

  constructor(
    private readonly input: Uint8Array,
    target: InflateTarget,
    private readonly maxOutput: number,
  ) {
    this.out = target.buffer;
    this.floor = target.floor;
    this.start = target.start;
    this.op = target.start;
  }

  run(target: InflateTarget): void {
    for (;;) {
      const last = this.bits(1);
      const type = this.bits(2);
      if (type === 0) this.stored();
      else if (type === 1) {
        const f = fixed();
        this.codes(f.literal, f.literalBits, f.distance, f.distanceBits);
      } else if (type === 2) this.codes(...this.dynamicTables());
      else throw new InflateError('invalid block type 3 (RFC 1951 §3.2.3 reserves it)');
      // RFC 7692 §7.2.3.4: a sender may end a message with a final block; what follows is not read.
      // Otherwise the message ends with the sync flush's empty stored block (§7.2.2), which
      // leaves the input used up at a block boundary.
      if (last || this.usedBits() + 7 >= this.input.length * 8) break;
    }
    target.buffer = this.out;
    target.floor = this.floor;
    target.start = this.start;
    target.end = this.op;
  }

  private usedBits(): number {
    return this.ip * 8 - this.bitCount;
  }

  private overrun(): boolean {
    return this.usedBits() > this.input.length * 8;
  }

  private bits(count: number): number {
    const input = this.input;
    while (this.bitCount < count) {
      this.bitBuffer |= (this.ip < input.length ? input[this.ip]! : 0) << this.bitCount;
      this.ip++;
      this.bitCount += 8;
    }
    const value = this.bitBuffer & ((1 << count) - 1);
    this.bitBuffer >>>= count;
    this.bitCount -= count;
    if (this.overrun()) throw incomplete();
    return value;
  }

  // RFC 1951 §3.2.4: a stored block starts at a byte boundary with LEN and its complement NLEN.
  private stored(): void {
    // Drop the bits up to the boundary, then give back the whole bytes read ahead.
    this.ip -= this.bitCount >>> 3;
    this.bitBuffer = 0;
    this.bitCount = 0;
    const input = this.input;
    let ip = this.ip;
    if (ip + 4 > input.length) throw incomplete();
    const length = input[ip]! | (input[ip + 1]! << 8);
    const complement = input[ip + 2]! | (input[ip + 3]! << 8);
    ip += 4;
    if (length !== (~complement & 0xffff)) {
      throw new InflateError(
        `stored block length ${length} does not match its complement ${complement} (RFC 1951 §3.2.4)`,
      );
    }
    if (ip + length > input.length) throw incomplete();
    if (this.op + length > this.writableEnd()) this.grow(this.op + length);
    this.out.set(input.subarray(ip, ip + length), this.op);
    this.op += length;
    this.ip = ip + length;
  }

  // RFC 1951 §3.2.7: a dynamic block sends its codes as code lengths, themselves Huffman coded.
  private dynamicTables(): [Int32Array, number, Int32Array, number] {
    const literals = this.bits(5) + 257;
    const distances = this.bits(5) + 1;
    const lengthCodes = this.bits(4) + 4;
    if (literals > 286 || distances > 30) {
      throw new InflateError(
        `${literals} literal/length and ${distances} distance codes: at most 286 and 30`,
      );
    }
    codeLengths.fill(0, 0, 19);
    for (let i = 0; i < lengthCodes; i++) codeLengths[CODE_LENGTH_ORDER[i]!] = this.bits(3);
    const codeLengthBits = buildTable(codeLengths, 0, 19, codeLengthTable, CODE_LENGTH_ROOT, false);
    if (codeLengthBits < 0) throw new InflateError('invalid code length code lengths');

    const total = literals + distances;
    let n = 0;
    while (n < total) {
      const symbol = this.symbol(codeLengthTable, codeLengthBits, 'code length');
      if (symbol < 16) {
        codeLengths[n++] = symbol;
        continue;
      }
      let value = 0;
      let repeat: number;
      if (symbol === 16) {
        if (n === 0) throw new InflateError('code length 16 repeats a previous length, but there is none');
        value = codeLengths[n - 1]!;
        repeat = 3 + this.bits(2);
      } else if (symbol === 17) repeat = 3 + this.bits(3);
      else repeat = 11 + this.bits(7);
      if (n + repeat > total) throw new InflateError('code lengths repeat past the number of codes');
      codeLengths.fill(value, n, n + repeat);
      n += repeat;
    }
    if (codeLengths[END_OF_BLOCK] === 0) throw new InflateError('the block has no end-of-block code');
    const literalBits = buildTable(codeLengths, 0, literals, literalTable, LITERAL_ROOT, true);
    if (literalBits < 0) {
      throw new InflateError(
        `${literalBits === INCOMPLETE ? 'incomplete' : 'oversubscribed'} literal/length code`,
      );
    }
    const distanceBits = buildTable(codeLengths, literals, distances, distanceTable, DISTANCE_ROOT, true);
    if (distanceBits < 0) {
      throw new InflateError(
        `${distanceBits === INCOMPLETE ? 'incomplete' : 'oversubscribed'} distance code`,
      );
    }
    return [literalTable, literalBits, distanceTable, distanceBits];
  }

  /** Reads one symbol the slow way, for a dynamic block's header. */
  private symbol(table: Int32Array, rootBits: number, what: string): number {
    while (this.bitCount < MAX_BITS) {
      this.bitBuffer |= (this.ip < this.input.length ? this.input[this.ip]! : 0) << this.bitCount;
      this.ip++;
      this.bitCount += 8;
    }
    let entry = table[this.bitBuffer & ((1 << rootBits) - 1)]!;
    if (entry & LINK) {
      entry = table[(entry >>> VALUE_SHIFT) + ((this.bitBuffer >>> rootBits) & ((1 << (entry & 15)) - 1))]!;
    }
    const length = entry & 15;
    if (length === 0) throw new InflateError(`invalid ${what} code`);
    this.bitBuffer >>>= length;
    this.bitCount -= length;
    if (this.overrun()) throw incomplete();
    return entry >>> VALUE_SHIFT;
  }

  // RFC 1951 §3.2.5: literals, and <length, backward distance> pairs, until end of block. The hot
  // loop: its state lives in locals and goes back to the fields only around grow(). The bit
  // refill is written out twice (before the literal/length code and before the distance code)
  // on purpose: a helper would have to return three locals, and this loop is where inflating
  // spends its time.
  private codes(literal: Int32Array, literalBits: number, distance: Int32Array, distanceBits: number): void {
    const input = this.input;
    const inputEnd = input.length;
    const literalMask = (1 << literalBits) - 1;
    const distanceMask = (1 << distanceBits) - 1;
    let ip = this.ip;
    let bitBuffer = this.bitBuffer;
    let bitCount = this.bitCount;
    let out = this.out;
    let op = this.op;
    let outEnd = this.writableEnd();
    let floor = this.floor;
    for (;;) {
      // Bytes read past the end are zeros; using any of their bits means the data was cut short.
      if (ip > inputEnd && bitCount < (ip - inputEnd) * 8) throw incomplete();
      if (bitCount < MAX_BITS) {
        if (ip + 3 <= inputEnd) {
          bitBuffer |= (input[ip]! | (input[ip + 1]! << 8)) << bitCount;
          ip += 2;
          bitCount += 16;
          if (bitCount < 24) {
            bitBuffer |= input[ip++]! << bitCount;
            bitCount += 8;
          }
        } else {
          do {
            bitBuffer |= (ip < inputEnd ? input[ip]! : 0) << bitCount;
            ip++;
            bitCount += 8;
          } while (bitCount < 24);
        }
      }
      let entry = literal[bitBuffer & literalMask]!;
      if (entry & LINK) {
        entry = literal[(entry >>> VALUE_SHIFT) + ((bitBuffer >>> literalBits) & ((1 << (entry & 15)) - 1))]!;
      }
      const codeLength = entry & 15;
      if (codeLength === 0) throw new InflateError('invalid literal/length code');
      bitBuffer >>>= codeLength;
      bitCount -= codeLength;
      const symbol = entry >>> VALUE_SHIFT;
      if (symbol < END_OF_BLOCK) {
        if (op === outEnd) {
          this.op = op;
          this.grow(op + 1);
          out = this.out;
          op = this.op;
          floor = this.floor;
          outEnd = this.writableEnd();
        }
        out[op++] = symbol;
        continue;
      }
      if (symbol === END_OF_BLOCK) {
        if (ip > inputEnd && bitCount < (ip - inputEnd) * 8) throw incomplete();
        break;
      }
      const lengthIndex = symbol - 257;
      if (lengthIndex >= 29) throw new InflateError(`invalid literal/length symbol ${symbol}`);
      let length = LENGTH_BASE[lengthIndex]!;
      const lengthExtra = LENGTH_EXTRA[lengthIndex]!;
      // After a refill to 24 bits and a code of at most 15, 5 extra bits are there.
      if (lengthExtra > 0) {
        length += bitBuffer & ((1 << lengthExtra) - 1);
        bitBuffer >>>= lengthExtra;
        bitCount -= lengthExtra;
      }
      if (bitCount < MAX_BITS) {
        if (ip + 3 <= inputEnd) {
          bitBuffer |= (input[ip]! | (input[ip + 1]! << 8)) << bitCount;
          ip += 2;
          bitCount += 16;
          if (bitCount < 24) {
            bitBuffer |= input[ip++]! << bitCount;
            bitCount += 8;
          }
        } else {
          do {
            bitBuffer |= (ip < inputEnd ? input[ip]! : 0) << bitCount;
            ip++;
            bitCount += 8;
          } while (bitCount < 24);
        }
      }
      entry = distance[bitBuffer & distanceMask]!;
      if (entry & LINK) {
        entry =
          distance[(entry >>> VALUE_SHIFT) + ((bitBuffer >>> distanceBits) & ((1 << (entry & 15)) - 1))]!;
      }
      const distanceLength = entry & 15;
      if (distanceLength === 0) throw new InflateError('invalid distance code');
      bitBuffer >>>= distanceLength;
      bitCount -= distanceLength;
      const distanceSymbol = entry >>> VALUE_SHIFT;
      if (distanceSymbol >= 30) throw new InflateError(`invalid distance symbol ${distanceSymbol}`);
      let back = DISTANCE_BASE[distanceSymbol]!;
      const distanceExtra = DISTANCE_EXTRA[distanceSymbol]!;
      if (distanceExtra > 0) {
        if (bitCount < distanceExtra) {
          do {
            bitBuffer |= (ip < inputEnd ? input[ip]! : 0) << bitCount;
            ip++;
            bitCount += 8;
          } while (bitCount < 24);
        }
        back += bitBuffer & ((1 << distanceExtra) - 1);
        bitBuffer >>>= distanceExtra;
        bitCount -= distanceExtra;
      }
      if (ip > inputEnd && bitCount < (ip - inputEnd) * 8) throw incomplete();
      if (back > op - floor) {
        throw new InflateError(
          `distance ${back} reaches back before the ${op - floor} bytes of window and output so far`,
        );
      }
      if (op + length > outEnd) {
        this.op = op;
        this.grow(op + length);
        out = this.out;
        op = this.op;
        floor = this.floor;
        outEnd = this.writableEnd();
      }
      // A distance shorter than the length repeats the last `back` bytes (§3.2.3), so a copy may
      // overlap what it writes: byte by byte for short copies, then runs of one byte and long
      // copies that do not overlap by fill() and copyWithin(), whose fixed cost pays off there.
      let from = op - back;
      if (length < 32) {
        const stop = op + length;
        while (op < stop) out[op++] = out[from++]!;
      } else if (back === 1) {
        out.fill(out[from]!, op, op + length);
        op += length;
      } else if (back >= length) {
        out.copyWithin(op, from, from + length);
        op += length;
      } else {
        const stop = op + length;
        while (op < stop) out[op++] = out[from++]!;
      }
    }
    this.ip = ip;
    this.bitBuffer = bitBuffer;
    this.bitCount = bitCount;
    this.op = op;
  }

  /** The end of the room for output: the buffer's, or the output limit's when that is nearer. */
  private writableEnd(): number {
    const end = this.out.length;
    return this.maxOutput > 0 ? Math.min(end, this.start + this.maxOutput) : end;
  }

  /**
   * Makes room up to `need` in a larger buffer, geometrically so that long outputs copy little,
   * and never past the output limit, so that a small bomb cannot make it allocate gigabytes.
   */
  private grow(need: number): void {
    if (this.maxOutput > 0 && need - this.start > this.maxOutput) {
      throw new InflateError(`inflates to more than ${this.maxOutput} bytes`, true);
    }
    const history = this.start - this.floor;
    let size = Math.max(need - this.floor, 2 * (this.out.length - this.floor), 4096);
    if (this.maxOutput > 0) size = Math.min(size, history + this.maxOutput);
    const next = new Uint8Array(size);
    next.set(this.out.subarray(this.floor, this.op));
    this.out = next;
    this.op -= this.floor;
    this.start = history;
    this.floor = 0;
  }
}

/**
 * Inflates raw DEFLATE data into `target`, after `target.start`; on success `target` says where
 * the output is (the buffer is replaced by a larger one when the output needs it). Never throws:
 * invalid data gives `ok: false` with what was wrong, and output beyond `maxOutput` bytes (when it
 * is above 0) gives `tooBig`.
 */
export function inflateRaw(input: Uint8Array, target: InflateTarget, maxOutput: number): RawInflateStatus {
  try {
    new Inflation(input, target, maxOutput).run(target);
    return { ok: true };
  } catch (error) {
    if (error instanceof InflateError) return { ok: false, message: error.message, tooBig: error.tooBig };
    throw error;
  }
}
