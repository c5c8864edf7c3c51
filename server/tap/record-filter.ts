// Classroom mode: a learner's tap is sent only the records of their own connections. The journal's
// records are back to back (core/tap/raw-records.ts); this copies the ones a reader may see.
import { RECORD_HEADER_BYTES } from '../../core/tap/raw-records';

/** Connection number → may this reader see its records. */
export type ConnFilter = (conn: number) => boolean;

/**
 * The records of `bytes` (whole records, back to back) whose connection `keep` accepts, copied
 * into memory of their own: a foreign record never rides along in a view of the journal.
 */
export function keepRecords(bytes: Uint8Array, keep: ConnFilter): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const spans: number[] = [];
  let total = 0;
  let at = 0;
  while (at + RECORD_HEADER_BYTES <= bytes.length) {
    const size = RECORD_HEADER_BYTES + view.getUint32(at + 16, true);
    if (keep(view.getUint32(at + 4, true))) {
      // Runs of one reader's records are copied as one span.
      const last = spans.length - 2;
      if (last >= 0 && spans[last]! + spans[last + 1]! === at) spans[last + 1]! += size;
      else spans.push(at, size);
      total += size;
    }
    at += size;
  }
  const out = new Uint8Array(total);
  let to = 0;
  for (let i = 0; i < spans.length; i += 2) {
    out.set(bytes.subarray(spans[i]!, spans[i]! + spans[i + 1]!), to);
    to += spans[i + 1]!;
  }
  return out;
}
