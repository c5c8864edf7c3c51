// The records a stream decoder would only count, left out before they reach it. Once an EVICTED
// record stands in for a connection's start, the decoder decodes nothing more of it: it counts its
// CLIENT and SERVER bytes for the close event and reads nothing else of them. A reader that hands
// records to a decoder elsewhere (the server's JSON tap, to its decode worker) copies each record
// it sends; with this filter it copies only the records the decoder reads, and sends the counts
// instead. That matters after a gap: every long connection is then undecoded, and a subscriber
// sent nothing for them would otherwise copy the whole of their traffic to be counted.
//
// It mirrors TapStreamDecoder (stream-decoder.ts): it marks a connection where the decoder gives
// it no decoder (EVICTED) and forgets it where the decoder does (OPEN, END).
import { RECORD_HEADER_BYTES, RecordKind } from './raw-records';

/** Bytes of a connection the decoder only counts, to be added to its count (`TapStreamDecoder.skipped`). */
export interface SkippedBytes {
  conn: number;
  client: number;
  server: number;
}

export class UndecodedFilter {
  private readonly counting = new Map<number, SkippedBytes>();

  /**
   * `bytes` (whole records, back to back) as the decoder should get them, in order: runs of the
   * records it reads, and before the END of each connection it only counts, that connection's
   * count. The runs are copied into memory of their own, to be sent elsewhere, unless `copy` is
   * false: then they are views of `bytes`, for a decoder on this thread.
   */
  split(bytes: Uint8Array, copy = true): (Uint8Array | SkippedBytes)[] {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: (Uint8Array | SkippedBytes)[] = [];
    let runStart = 0;
    let at = 0;
    const endRun = (): void => {
      if (at <= runStart) return;
      const run = bytes.subarray(runStart, at);
      // A copy of its own even when `bytes` is a Node Buffer, whose slice() is a view.
      out.push(copy ? new Uint8Array(run) : run);
    };
    while (at + RECORD_HEADER_BYTES <= bytes.length) {
      const kind = view.getUint8(at);
      const conn = view.getUint32(at + 4, true);
      const size = RECORD_HEADER_BYTES + view.getUint32(at + 16, true);
      const counted = this.counting.get(conn);
      if (kind === RecordKind.EVICTED) {
        this.counting.set(conn, { conn, client: 0, server: 0 });
      } else if (kind === RecordKind.OPEN) {
        this.counting.delete(conn);
      } else if (counted && (kind === RecordKind.CLIENT || kind === RecordKind.SERVER)) {
        endRun();
        counted[kind === RecordKind.CLIENT ? 'client' : 'server'] += size - RECORD_HEADER_BYTES;
        at += size;
        runStart = at;
        continue;
      } else if (counted && kind === RecordKind.END) {
        endRun();
        runStart = at;
        if (counted.client + counted.server > 0) out.push(counted);
        this.counting.delete(conn);
      }
      at += size;
    }
    // A cut record at the end goes on to the decoder as it is, to be found broken there.
    at = bytes.length;
    endRun();
    return out;
  }
}
