// The tap's worker thread: decodes every connection's bytes with the same ConnectionDecoder the
// exports use, keeps the history, and writes the JSON batches, so that this work is not done on
// the thread that serves the sockets. It answers each message in the order it came.
import { parentPort, workerData } from 'node:worker_threads';
import { ConnectionDecoder } from './connection-decoder';
import { EventLog } from './event-log';
import type { FromTapWorker, TapOp, TapWorkerOptions, ToTapWorker } from './tap-protocol';

const options = workerData as TapWorkerOptions;
const log = new EventLog(options);
const decoders = new Map<string, ConnectionDecoder>();
/** Connections whose bytes were skipped: the rest of their stream cannot be decoded. */
const skipped = new Set<string>();
let listened = false;

function reply(message: FromTapWorker): void {
  parentPort!.postMessage(message);
}

function apply(op: TapOp, arena: Uint8Array): void {
  switch (op.op) {
    case 'open': {
      log.publish(op.event, listened);
      const conn = op.event.conn;
      decoders.set(
        conn,
        new ConnectionDecoder({ conn, ...op.decoder, publish: (event) => log.publish(event, listened) }),
      );
      break;
    }
    case 'bytes': {
      if (skipped.has(op.conn)) break;
      const decoder = decoders.get(op.conn);
      const bytes = arena.subarray(op.start, op.end);
      if (op.client) decoder?.readClient(op.t, bytes);
      else decoder?.readServer(op.t, bytes);
      break;
    }
    case 'finish':
      decoders.get(op.conn)?.finish(op.t);
      decoders.delete(op.conn);
      skipped.delete(op.conn);
      break;
    case 'skipped':
      if (skipped.has(op.conn)) break;
      skipped.add(op.conn);
      log.publish(
        {
          type: 'error',
          conn: op.conn,
          t: op.t,
          code: 'TAP_BEHIND',
          message: `the tap fell behind under load and skipped ${op.bytes} bytes of this connection: its frames from here on are not shown (the connection itself is unaffected)`,
        },
        listened,
      );
      break;
    case 'event':
      log.publish(op.event, listened);
      break;
  }
}

parentPort!.on('message', (message: ToTapWorker) => {
  switch (message.type) {
    case 'ops': {
      listened = message.listened;
      const before = log.published;
      const arena = message.arena ? new Uint8Array(message.arena) : new Uint8Array(0);
      for (const op of message.ops) {
        try {
          apply(op, arena);
        } catch (error) {
          // The decoders never throw on bad bytes; this is a bug of ours. Say so and go on.
          console.error('tap worker:', error);
        }
      }
      const batch = log.takeBatch();
      const count = log.published - before;
      reply({ type: 'events', json: batch?.json ?? null, count, doneBytes: message.arena?.byteLength ?? 0 });
      break;
    }
    case 'history':
      reply({ type: 'history', id: message.id, ...log.historyBatches() });
      break;
    case 'drain':
      reply({ type: 'drained', id: message.id });
      break;
  }
});

reply({ type: 'ready' });
