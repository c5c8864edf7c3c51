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

// The one base64 codec (RFC 4648), for payloads, handshake keys and Live API audio alike.
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const STANDARD = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) STANDARD[B64.charCodeAt(i)] = i;
// RFC 4648 §5's URL-safe alphabet, accepted beside the standard one.
const EITHER = STANDARD.slice();
EITHER['-'.charCodeAt(0)] = 62;
EITHER['_'.charCodeAt(0)] = 63;

const B64_CODES = new Uint8Array(64);
for (let i = 0; i < 64; i++) B64_CODES[i] = B64.charCodeAt(i);
// Base64 is ASCII: written as character codes into one buffer, then turned into a string at once
// by the platform's decoder, instead of a string grown four characters at a time. The buffer is
// kept for the next call: the tap makes the base64 of every binary payload it sends as JSON, and
// a new buffer each time was that much more memory for the allocator to take back.
const asciiDecoder = new TextDecoder('latin1');
let scratch = new Uint8Array(1024);
// Past this, a buffer is made for the one call and not kept.
const SCRATCH_MAX = 1 << 20;

export function toBase64(bytes: Uint8Array): string {
  const length = Math.ceil(bytes.length / 3) * 4;
  if (length > scratch.length && length <= SCRATCH_MAX)
    scratch = new Uint8Array(Math.min(SCRATCH_MAX, Math.max(length, 2 * scratch.length)));
  const out = length <= scratch.length ? scratch : new Uint8Array(length);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = B64_CODES[n >> 18]!;
    out[o++] = B64_CODES[(n >> 12) & 63]!;
    out[o++] = B64_CODES[(n >> 6) & 63]!;
    out[o++] = B64_CODES[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out[o++] = B64_CODES[n >> 18]!;
    out[o++] = B64_CODES[(n >> 12) & 63]!;
    out[o++] = rest === 2 ? B64_CODES[(n >> 6) & 63]! : 61; // '='
    out[o++] = 61;
  }
  return asciiDecoder.decode(out.subarray(0, length));
}

/**
 * Which base64 a decoder accepts. `standard`: RFC 4648 §4, padded, as the tap, HAR files and
 * handshake keys carry it. `protobuf`: what protobuf's JSON mapping accepts for bytes fields (the
 * Live API's audio): the standard or the URL-safe alphabet, padding optional.
 */
export type Base64Form = 'standard' | 'protobuf';

/**
 * Decodes base64 strictly; null for anything else (whitespace, a character outside the alphabet,
 * padding anywhere but the end, a length no encoder produces), where a lenient decoder would
 * silently skip characters.
 */
export function fromBase64(text: string, form: Base64Form = 'standard'): Uint8Array | null {
  let end = text.length;
  if (end % 4 === 0) {
    if (text.endsWith('==')) end -= 2;
    else if (text.endsWith('=')) end -= 1;
  } else if (form === 'standard') {
    return null;
  }
  if (end % 4 === 1) return null;
  const table = form === 'standard' ? STANDARD : EITHER;
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let at = 0;
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? table[code]! : -1;
    if (value < 0) return null;
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (buffer >> bits) & 0xff;
    }
  }
  return out;
}

/** How many bytes a base64 string stands for, from its length alone (without decoding it). */
export function base64ByteLength(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((text.length * 3) / 4) - padding);
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
