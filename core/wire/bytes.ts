// Small byte helpers that work the same in Node and in the browser (no Buffer here).

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array, separator = ''): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0 && separator) out += separator;
    out += HEX[bytes[i]!];
  }
  return out;
}

/** Parses hex, ignoring whitespace and `0x` prefixes; returns null when it is not hex. */
export function fromHex(text: string): Uint8Array | null {
  const clean = text.replace(/0x/gi, '').replace(/[\s,:]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += `${B64[n >> 18]}${B64[(n >> 12) & 63]}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${B64[n >> 18]}${B64[(n >> 12) & 63]}${B64[(n >> 6) & 63]}=`;
  }
  return out;
}

export function fromBase64(text: string): Uint8Array | null {
  const clean = text.replace(/\s/g, '');
  // Padding is one or two `=` at the very end, after at least two data characters ("A===" is not base64).
  if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(clean)) {
    return null;
  }
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((clean.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    const n =
      (B64.indexOf(clean[i]!) << 18) |
      (B64.indexOf(clean[i + 1]!) << 12) |
      ((B64.indexOf(clean[i + 2]!) & 63) << 6) |
      (B64.indexOf(clean[i + 3]!) & 63);
    if (o < out.length) out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  return out;
}

export function concatBytes(parts: readonly Uint8Array[], total?: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const size = total ?? parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const utf8Encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is part of the text, not a marker to strip; the text must say what
// the bytes say.
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossyDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Decodes UTF-8, or returns null when the bytes are not valid UTF-8 (RFC 3629). */
export function decodeUtf8Strict(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

/** Decodes UTF-8, replacing bad sequences with U+FFFD: for showing bytes, never for validating. */
export function decodeUtf8Lossy(bytes: Uint8Array): string {
  return lossyDecoder.decode(bytes);
}

/**
 * XORs `data` with the 4-byte masking key in place, starting `phase` bytes into the key
 * (RFC 6455 §5.3: octet i of the payload is XORed with octet i mod 4 of the key).
 */
export function applyMask(data: Uint8Array, key: Uint8Array, phase = 0): void {
  const length = data.length;
  let i = 0;
  if (length >= 32) {
    // Byte by byte up to a 4-byte boundary of the underlying buffer, then four bytes at a time
    // through an Int32Array over the same memory, then the tail byte by byte.
    const lead = (4 - (data.byteOffset & 3)) & 3;
    for (; i < lead; i++) data[i]! ^= key[(i + phase) & 3]!;
    // The key as it lines up from data[i] on, read as one word in the platform's own byte order,
    // the same order the Int32Array view reads the data in.
    const word = new Uint8Array(4);
    for (let b = 0; b < 4; b++) word[b] = key[(i + b + phase) & 3]!;
    const mask = new Int32Array(word.buffer)[0]!;
    const words = (length - i) >> 2;
    const view = new Int32Array(data.buffer, data.byteOffset + i, words);
    for (let w = 0; w < words; w++) view[w]! ^= mask;
    i += words * 4;
  }
  for (; i < length; i++) data[i]! ^= key[(i + phase) & 3]!;
}
