// A JSON subscriber's memory for the JSON it has sent and its socket has not written yet: one
// block, used over and over. JSON is new bytes (a raw subscriber sends views of the journal
// instead), and a client that stops reading takes megabytes of it into its kernel buffers before
// its socket backs up. Made fresh for each turn, those bytes were garbage that stayed in the
// server's memory until a collection came round; here they are the same few hundred KiB again.
//
// The block is shared, so the tap's decode worker writes the JSON straight into it. It is made
// when first needed and grows, by doubling, to what the subscriber needs at once, up to its
// `maxBytes`: a subscriber sent a little at a time keeps a small one. JSON that does not fit goes
// out in memory of its own, as before.
//
// Windows are taken at the head and given back in the order they were taken, which is the order
// a socket writes them in (`ws` calls each send's callback in turn).

export interface RingWindow {
  buffer: SharedArrayBuffer;
  start: number;
  length: number;
}

/** A window taken from the ring: `used` gives back all but its first bytes, `release` the rest. */
export interface RingLease {
  used(bytes: number): void;
  release(): void;
}

interface Region {
  start: number;
  end: number;
  released: boolean;
}

// The first block: a subscriber sent a few events a turn never needs more.
const FIRST_BYTES = 16 * 1024;

export class OutputRing {
  private block: SharedArrayBuffer | null = null;
  // The regions of `block` not given back yet, in the order they were taken. A bigger block
  // starts a list of its own; the old one's regions are given back into the old list.
  private regions: Region[] = [];

  constructor(readonly maxBytes: number) {}

  /** The block's size (0 before the first is made): what the ring holds of memory. */
  get size(): number {
    return this.block?.byteLength ?? 0;
  }

  /** The longest free run of the block, for the next output whole; null when there is none. */
  free(): RingWindow | null {
    const buffer = this.block;
    if (buffer === null) return null;
    const size = buffer.byteLength;
    const { regions } = this;
    if (regions.length === 0) return { buffer, start: 0, length: size };
    const tail = regions[0]!.start;
    const last = regions[regions.length - 1]!;
    const head = last.end;
    let window: { start: number; length: number };
    // Wrapped (the newest region starts before the oldest): free only from the head to the tail,
    // which is nothing once they meet.
    if (last.start < tail) window = { start: head, length: tail - head };
    // Not wrapped: free after the head, and before the tail once the head wraps round.
    else if (size - head >= tail) window = { start: head, length: size - head };
    else window = { start: 0, length: tail };
    return window.length > 0 ? { buffer, ...window } : null;
  }

  /** Takes `window`, just given by `free()`, until the lease gives it back. */
  take(window: RingWindow): RingLease {
    const region: Region = { start: window.start, end: window.start + window.length, released: false };
    const regions = window.buffer === this.block ? this.regions : [];
    regions.push(region);
    return {
      used: (bytes) => {
        region.end = region.start + bytes;
      },
      release: () => {
        region.released = true;
        while (regions.length > 0 && regions[0]!.released) regions.shift();
      },
    };
  }

  /**
   * Output of `bytes` did not fit: a bigger block for the next, if the ring may grow and the
   * output did not fail only because the block was full.
   */
  missed(bytes: number): void {
    const size = this.size;
    if (bytes <= size || size >= this.maxBytes) return;
    let next = Math.max(FIRST_BYTES, size);
    while (next < bytes && next < this.maxBytes) next *= 2;
    this.block = new SharedArrayBuffer(Math.min(next, this.maxBytes));
    this.regions = [];
  }
}
