// What a soak attack is, and the clients several of them share. Each attack runs against a fresh
// server in its own process (bench/tap-memory-server.ts) and stops by itself: bounded in bytes,
// connections and time.
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { encodeFrame } from '../core/wire/frame-encoder';
import { Opcode } from '../core/wire/opcodes';
import { pausedUpgrade } from './tap-memory';
import type { TapMemorySample } from './tap-memory-server';

export const MIB = 1024 * 1024;

export interface SoakContext {
  port: number;
  /** performance.now() past which the attack starts nothing new. */
  deadline: number;
  /** The server's memory now; `gc` collects the garbage first. */
  sample(what: 'sample' | 'gc'): Promise<TapMemorySample>;
}

export interface AttackOutcome {
  /** What happened, in a sentence, for the table. */
  note: string;
  /** The attack's own target (statuses, close codes, bytes leaked), where it has one. */
  ownTarget?: { met: boolean; what: string };
}

export interface Attack {
  name: string;
  /** The server's peak RSS must stay under this. */
  rssLimitMb: number;
  /** How long the attack may run; it checks `deadline` and stops by itself. */
  limitMs: number;
  run(context: SoakContext): Promise<AttackOutcome>;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Whether `promise` settles (resolved or rejected) within `ms`; the timer does not outlive the answer. */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface FloodFigures {
  /** Bytes of frames the client's kernel took. */
  sentBytes: number;
  /** Seconds from the first frame until the server last took more of them. */
  flowingSeconds: number;
  seconds: number;
}

// A fixed key is enough here: the server checks that client frames are masked (RFC 6455 §5.1),
// not how unpredictable the key is, and one premasked frame can then be written again and again.
const FIXED_MASK = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

/** One masked binary frame of `size` bytes, ready to be written as often as wanted. */
export function maskedBinaryFrame(size: number): Buffer {
  const frame = encodeFrame({
    opcode: Opcode.BINARY,
    payload: new Uint8Array(size).fill(0x61),
    mask: FIXED_MASK,
  });
  return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
}

/**
 * A client that opens `path` and writes `totalBytes` of 1 MiB binary messages, never reading a
 * reply: its writes wait for its socket to drain, so once the server stops reading, it waits until
 * `deadline`.
 */
export async function unreadFlood(
  port: number,
  path: string,
  totalBytes: number,
  deadline: number,
): Promise<FloodFigures> {
  const socket: Socket = await pausedUpgrade(port, path);
  socket.on('error', () => {});
  const frame = maskedBinaryFrame(MIB);
  const started = performance.now();
  let lastProgress = started;
  let written = 0;
  while (written < totalBytes && !socket.destroyed) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    written += frame.length;
    if (socket.write(frame)) lastProgress = performance.now();
    else if (await within(once(socket, 'drain'), left)) lastProgress = performance.now();
    else break;
  }
  const sentBytes = written - socket.writableLength;
  const seconds = (performance.now() - started) / 1000;
  socket.destroy();
  return { sentBytes, flowingSeconds: (lastProgress - started) / 1000, seconds };
}

export const mib = (bytes: number): string => (bytes / MIB).toFixed(1);
