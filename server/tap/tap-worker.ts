// The tap's worker thread: runs the TapEngine on what the sockets' thread hands over
// (tap-thread.ts), so that decoding and JSON are not done on the thread that serves the sockets.
// It answers each message in the order it came.
import { parentPort } from 'node:worker_threads';
import { workerInput } from '../ts-worker';
import type { EventLogOptions } from './event-log';
import { TapEngine } from './tap-engine';
import { BYTES_ROW, type FromTapWorker, type TapOp, type ToTapWorker } from './tap-protocol';

const engine = new TapEngine(workerInput<EventLogOptions>());
const utf8 = new TextEncoder();

function reply(message: FromTapWorker, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(message, transfer);
}

function apply(op: TapOp): void {
  switch (op.op) {
    case 'open':
      engine.open(op.id, op.event, op.decoder);
      break;
    case 'finish':
      engine.finish(op.conn, op.t);
      break;
    case 'skipped':
      engine.skip(op.conn, op.t, op.bytes);
      break;
    case 'event':
      engine.event(op.event);
      break;
  }
}

/** Runs `work`; a failure (a bug of ours) is logged and gives undefined, and the worker goes on. */
function attempt<T>(work: () => T): T | undefined {
  try {
    return work();
  } catch (error) {
    console.error('tap worker:', error);
    return undefined;
  }
}

parentPort!.on('message', (message: ToTapWorker) => {
  switch (message.type) {
    case 'ops': {
      engine.listened = message.listened;
      const before = engine.published;
      const arena = message.arena ? new Uint8Array(message.arena) : new Uint8Array(0);
      const rows = message.bytes;
      // Byte rows and other ops, merged back into the order they happened in.
      let next = 0;
      for (let row = 0; row <= message.rows; row++) {
        try {
          while (next < message.ops.length && message.ops[next]!.at === row) apply(message.ops[next++]!);
          if (row < message.rows) {
            const at = row * BYTES_ROW;
            engine.bytes(
              rows[at]!,
              rows[at + 1] === 1,
              rows[at + 2]!,
              arena.subarray(rows[at + 3]!, rows[at + 4]!),
            );
          }
        } catch (error) {
          // The decoders never throw on bad bytes; this would be a bug of ours. Say so and go on.
          console.error('tap worker:', error);
        }
      }
      // Always answered, even if writing the JSON failed: the socket thread counts on the bytes
      // being acknowledged to know how far behind the tap is. The JSON is encoded here and its
      // bytes moved, not copied: the socket thread only frames them.
      const json = attempt(() => {
        const batch = engine.takeBatch();
        return batch === null ? null : utf8.encode(batch);
      });
      reply(
        {
          type: 'events',
          json: json ?? null,
          count: engine.published - before,
          doneBytes: message.arena?.byteLength ?? 0,
        },
        json ? [json.buffer as ArrayBuffer] : [],
      );
      break;
    }
    case 'history':
      reply({
        type: 'history',
        id: message.id,
        ...(attempt(() => engine.history()) ?? { chunks: [], count: 0 }),
      });
      break;
    case 'drain':
      reply({ type: 'drained', id: message.id });
      break;
  }
});

reply({ type: 'ready' });
