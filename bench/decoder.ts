// Decode throughput of our FrameDecoder against ws's own Receiver, on the same pre-built byte
// streams fed in socket-sized chunks. Run alone with `npx tsx bench/decoder.ts`; `bench/run.ts`
// prints it with the other figures.
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { Direction } from '../core/wire/direction';
import { FrameDecoder } from '../core/wire/frame-decoder';
import { encodeFrame } from '../core/wire/frame-encoder';
import { Opcode } from '../core/wire/opcodes';
import { median } from './median';

export interface DecoderBenchRow {
  name: string;
  oursMBps: number;
  wsMBps: number;
}

export interface DecoderBenchOptions {
  /** Timed runs per decoder and stream; the median is reported. */
  repetitions?: number;
  /** Bytes per chunk, as a socket would deliver them. */
  chunkSize?: number;
}

// ws's package exports only its entry point; its own files resolve relative to that entry.
const wsRequire = createRequire(createRequire(import.meta.url).resolve('ws'));
const Receiver = wsRequire('./lib/receiver.js') as new (options: { isServer: boolean }) => Writable;

interface Stream {
  name: string;
  /** Client streams are masked and read by a server; server streams are not. */
  sender: Direction;
  bytes: Uint8Array;
  messages: number;
}

function buildStreams(): Stream[] {
  // Fixed masking keys so every run sees the same bytes.
  let seed = 0x2545f491;
  const mask = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return Uint8Array.of(seed >>> 24, seed >>> 16, seed >>> 8, seed);
  };
  const join = (frames: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(frames.reduce((sum, frame) => sum + frame.length, 0));
    let offset = 0;
    for (const frame of frames) {
      out.set(frame, offset);
      offset += frame.length;
    }
    return out;
  };
  const small = Array.from({ length: 10_000 }, (_, i) =>
    encodeFrame(
      { opcode: Opcode.TEXT, payload: `message number ${String(i).padStart(5, '0')}`, mask: true },
      mask,
    ),
  );
  const big = new Uint8Array(64 * 1024).map((_, i) => (i * 31) & 0xff);
  const large = Array.from({ length: 200 }, () =>
    encodeFrame({ opcode: Opcode.BINARY, payload: big, mask: true }, mask),
  );
  const unmasked = Array.from({ length: 200 }, () => encodeFrame({ opcode: Opcode.BINARY, payload: big }));
  return [
    {
      name: '10 000 masked 20-byte text frames',
      sender: 'client',
      bytes: join(small),
      messages: small.length,
    },
    { name: '200 masked 64 KiB binary frames', sender: 'client', bytes: join(large), messages: large.length },
    {
      name: '200 unmasked 64 KiB binary frames',
      sender: 'server',
      bytes: join(unmasked),
      messages: unmasked.length,
    },
  ];
}

/** Fresh Buffer chunks for one run: ws unmasks in place, so no run may see another's chunks. */
function chunksOf(bytes: Uint8Array, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) {
    chunks.push(Buffer.from(bytes.subarray(offset, offset + size)));
  }
  return chunks;
}

function runOurs(stream: Stream, chunks: Buffer[]): number {
  const decoder = new FrameDecoder({ sender: stream.sender });
  let messages = 0;
  const start = performance.now();
  for (const chunk of chunks) {
    for (const event of decoder.push(chunk)) {
      if (event.type === 'message') messages++;
      else if (event.type === 'error') throw new Error(`our decoder failed: ${event.error.message}`);
    }
  }
  const elapsed = performance.now() - start;
  if (messages !== stream.messages)
    throw new Error(`our decoder saw ${messages} of ${stream.messages} messages`);
  return elapsed;
}

function runWs(stream: Stream, chunks: Buffer[]): number {
  const receiver = new Receiver({ isServer: stream.sender === 'client' });
  let messages = 0;
  let failure: Error | null = null;
  receiver.on('message', () => messages++);
  receiver.on('error', (error: Error) => {
    failure = error;
  });
  const start = performance.now();
  // With synchronous events (ws's default) each write is read before write() returns.
  for (const chunk of chunks) receiver.write(chunk);
  const elapsed = performance.now() - start;
  if (failure) throw failure;
  if (messages !== stream.messages) throw new Error(`ws saw ${messages} of ${stream.messages} messages`);
  return elapsed;
}

export async function benchDecoder(options: DecoderBenchOptions = {}): Promise<DecoderBenchRow[]> {
  const repetitions = options.repetitions ?? 9;
  const chunkSize = options.chunkSize ?? 16 * 1024;
  const rows: DecoderBenchRow[] = [];
  for (const stream of buildStreams()) {
    const ours: number[] = [];
    const theirs: number[] = [];
    // Two untimed rounds to warm up the JIT, then alternate so drift hits both sides alike.
    for (let round = -2; round < repetitions; round++) {
      const a = runOurs(stream, chunksOf(stream.bytes, chunkSize));
      const b = runWs(stream, chunksOf(stream.bytes, chunkSize));
      if (round >= 0) {
        ours.push(a);
        theirs.push(b);
      }
      // Let ws's deferred stream callbacks and the garbage collector run between rounds.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const megabytes = stream.bytes.length / 1e6;
    rows.push({
      name: stream.name,
      oursMBps: megabytes / (median(ours) / 1000),
      wsMBps: megabytes / (median(theirs) / 1000),
    });
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const fmt = (n: number, digits = 0) =>
    n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  console.log("Decoder: the same byte streams through our FrameDecoder and ws's Receiver, 16 KiB chunks");
  console.log('| stream | ours MB/s | ws MB/s | ours/ws |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of await benchDecoder()) {
    console.log(
      `| ${row.name} | ${fmt(row.oursMBps)} | ${fmt(row.wsMBps)} | ${fmt(row.oursMBps / row.wsMBps, 2)}x |`,
    );
  }
}
