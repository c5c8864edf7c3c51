// The tap's worker thread: decodes every connection's bytes with the same ConnectionDecoder the
// exports use, keeps the history, and writes the JSON batches, so that this work is not done on
// the thread that serves the sockets. It answers each message in the order it came.
import { parentPort, workerData } from 'node:worker_threads';
import { ConnectionDecoder } from './connection-decoder';
import { EventLog } from './event-log';
import {
  BYTES_ROW,
  type FromTapWorker,
  type TapOp,
  type TapWorkerOptions,
  type ToTapWorker,
} from './tap-protocol';

const options = workerData as TapWorkerOptions;
const utf8 = new TextEncoder();
const log = new EventLog(options);
const decoders = new Map<string, ConnectionDecoder>();
/** Connection numbers (as byte rows name them) to their decoders. */
const byId = new Map<number, ConnectionDecoder>();
const idOf = new Map<string, number>();
/** Connections whose bytes were skipped: the rest of their stream cannot be decoded. */
const skipped = new Set<string>();
let listened = false;

function reply(message: FromTapWorker): void {
  parentPort!.postMessage(message);
}

function readRow(rows: Float64Array, row: number, arena: Uint8Array): void {
  const at = row * BYTES_ROW;
  const decoder = byId.get(rows[at]!);
  if (!decoder || skipped.has(decoder.conn)) return;
  const t = rows[at + 2]!;
  const bytes = arena.subarray(rows[at + 3]!, rows[at + 4]!);
  if (rows[at + 1] === 1) decoder.readClient(t, bytes);
  else decoder.readServer(t, bytes);
}

function apply(op: TapOp): void {
  switch (op.op) {
    case 'open': {
      log.publish(op.event, listened);
      const conn = op.event.conn;
      const decoder = new ConnectionDecoder({
        conn,
        ...op.decoder,
        publish: (event) => log.publish(event, listened),
      });
      decoders.set(conn, decoder);
      byId.set(op.id, decoder);
      idOf.set(conn, op.id);
      break;
    }
    case 'finish': {
      decoders.get(op.conn)?.finish(op.t);
      decoders.delete(op.conn);
      const id = idOf.get(op.conn);
      if (id !== undefined) byId.delete(id);
      idOf.delete(op.conn);
      skipped.delete(op.conn);
      break;
    }
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
      listened = message.listened;
      const before = log.published;
      const arena = message.arena ? new Uint8Array(message.arena) : new Uint8Array(0);
      // Byte rows and other ops, merged back into the order they happened in.
      let next = 0;
      for (let row = 0; row <= message.rows; row++) {
        try {
          while (next < message.ops.length && message.ops[next]!.at === row) apply(message.ops[next++]!);
          if (row < message.rows) readRow(message.bytes, row, arena);
        } catch (error) {
          // The decoders never throw on bad bytes; this would be a bug of ours. Say so and go on.
          console.error('tap worker:', error);
        }
      }
      const count = log.published - before;
      // Always answered, even if writing the JSON failed: the socket thread counts on the bytes
      // being acknowledged to know how far behind the tap is.
      // Encoded here, and the bytes moved, not copied: the socket thread only frames them.
      const json = attempt(() => {
        const batch = log.takeBatch();
        return batch ? utf8.encode(batch.json) : null;
      });
      const events: FromTapWorker = {
        type: 'events',
        json: json ?? null,
        count,
        doneBytes: message.arena?.byteLength ?? 0,
      };
      parentPort!.postMessage(events, json ? [json.buffer as ArrayBuffer] : []);
      break;
    }
    case 'history':
      reply({
        type: 'history',
        id: message.id,
        ...(attempt(() => log.historyBatches()) ?? { chunks: [], count: 0 }),
      });
      break;
    case 'drain':
      reply({ type: 'drained', id: message.id });
      break;
  }
});

reply({ type: 'ready' });
