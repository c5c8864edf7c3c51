// Where UTF-8 goes wrong, byte by byte, so a view can point at the offending bytes rather than
// only say that a text is bad. The ranges are those of RFC 3629 §4 (no overlong forms, no
// surrogates, nothing past U+10FFFF), the same rules the strict TextDecoder applies.

/**
 * The first ill-formed sequence in `bytes` as [start, end): from its lead byte up to and
 * including the byte that broke it, or to the end when the bytes stop inside it. Null when the
 * bytes are valid UTF-8.
 */
export function firstInvalidUtf8(bytes: Uint8Array): [number, number] | null {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) need = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      need = 2;
      if (lead === 0xe0) low = 0xa0; // below is an overlong form
      if (lead === 0xed) high = 0x9f; // above is a surrogate, U+D800-U+DFFF
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      need = 3;
      if (lead === 0xf0) low = 0x90; // below is an overlong form
      if (lead === 0xf4) high = 0x8f; // above is past U+10FFFF
    } else return [i, i + 1];
    for (let k = 1; k <= need; k++) {
      const j = i + k;
      if (j >= n) return [i, n];
      const next = bytes[j]!;
      if (next < low || next > high) return [i, j + 1];
      low = 0x80;
      high = 0xbf;
    }
    i += need + 1;
  }
  return null;
}
