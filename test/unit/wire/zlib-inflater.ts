// zlib as the reference the differential tests and the inflate benchmark compare core/ with: a
// permessage-deflate sender (`send`) and receiver (`createZlibInflater`).
import { constants, createDeflateRaw, type DeflateRaw, inflateRawSync } from 'node:zlib';
import type {
  InflateParams,
  InflateResult,
  InflaterFactory,
  MessageInflate,
} from '../../../core/wire/inflate';

// RFC 7692 §7.2.2: the sender removed the last four octets of the flush, 00 00 ff ff; put them back.
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/**
 * Inflates one direction's compressed messages, following that direction's context takeover.
 * zlib's synchronous API keeps no state between calls, so the sliding window is carried by hand:
 * the last 2^windowBits bytes of output become the dictionary of the next message, which is what
 * a compressor that keeps its context refers back into (RFC 7692 §7.2.1, RFC 1951 §2).
 */
class MessageInflater implements MessageInflate {
  private window: Buffer = Buffer.alloc(0);
  private readonly windowSize: number;
  private readonly noContextTakeover: boolean;
  private readonly maxOutput: number;

  constructor(params: InflateParams) {
    this.windowSize = 1 << params.windowBits;
    this.noContextTakeover = params.noContextTakeover;
    this.maxOutput = params.maxOutput;
  }

  inflate(compressed: Uint8Array): InflateResult {
    let data: Buffer;
    try {
      data = inflateRawSync(Buffer.concat([compressed, TAIL]), {
        // zlib's raw inflate accepts any window up to 15 bits; a smaller sender window is a subset.
        windowBits: 15,
        // The message ends on a sync flush, not on a final block: do not expect a stream end.
        finishFlush: constants.Z_SYNC_FLUSH,
        ...(this.window.length > 0 ? { dictionary: this.window } : {}),
        ...(this.maxOutput > 0 ? { maxOutputLength: this.maxOutput + 1 } : {}),
      });
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      const tooBig = err.code === 'ERR_BUFFER_TOO_LARGE';
      return {
        ok: false,
        tooBig,
        message: tooBig ? `inflates to more than ${this.maxOutput} bytes` : err.message,
      };
    }
    if (this.maxOutput > 0 && data.length > this.maxOutput) {
      return { ok: false, tooBig: true, message: `inflates to more than ${this.maxOutput} bytes` };
    }
    if (!this.noContextTakeover) {
      const joined = this.window.length > 0 ? Buffer.concat([this.window, data]) : data;
      this.window = Buffer.from(joined.subarray(Math.max(0, joined.length - this.windowSize)));
    }
    return { ok: true, data };
  }
}

/** zlib's inflate, as a reference the tap's own inflater is compared with. */
export const createZlibInflater: InflaterFactory = (params) => new MessageInflater(params);

export interface SenderOptions {
  windowBits?: number;
  level?: number;
  strategy?: number;
  memLevel?: number;
  /** Keep the compressor's context between messages (RFC 7692 §7.2.1); true unless said. */
  contextTakeover?: boolean;
}

/**
 * Compresses messages as a permessage-deflate sender does (RFC 7692 §7.2.1): a sync flush after
 * each message, its trailing 00 00 ff ff removed, one compressor for all of them under context
 * takeover and a new one per message without.
 */
export async function send(
  messages: readonly Uint8Array[],
  options: SenderOptions = {},
): Promise<Uint8Array[]> {
  const { contextTakeover = true, ...zlibOptions } = options;
  let deflate: DeflateRaw | null = null;
  const out: Uint8Array[] = [];
  for (const message of messages) {
    if (!deflate || !contextTakeover) {
      deflate?.close();
      deflate = createDeflateRaw(zlibOptions);
    }
    const stream = deflate;
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => chunks.push(chunk);
    stream.on('data', onData);
    stream.write(message);
    await new Promise<void>((resolve) => stream.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    stream.off('data', onData);
    const flushed = Buffer.concat(chunks);
    if (!flushed.subarray(-4).equals(TAIL)) throw new Error('a sync flush must end in 00 00 ff ff');
    out.push(Uint8Array.from(flushed.subarray(0, -4)));
  }
  deflate?.close();
  return out;
}
