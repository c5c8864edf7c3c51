// Runs an export in a worker thread of its own, for the /api/export routes: the sockets' thread
// only copies the journal's records (and moves them to the worker, which sorts them into
// recordings), then passes the file on chunk by chunk, asking for the next one when the response
// has room for it.

import type { ExportFormat } from '../../core/routes';
import { startTsWorker } from '../ts-worker';
import type { ExportOptions } from './session-export';

/** What the worker is given. */
export interface ExportJob {
  /** The journal's records (`copyJournal`), and wall-clock ms at t = 0. */
  records: Uint8Array;
  epoch: number;
  format: ExportFormat;
  options: ExportOptions;
  ceilingBytes: number;
}

/** What the worker answers: the size first (or that it is too big), then a chunk per request. */
export type WorkerReply =
  | { type: 'ready'; bytes: number }
  | { type: 'too-big'; bytes: number }
  | { type: 'chunk'; data: Uint8Array }
  | { type: 'end' };

export type ExportBuild =
  | {
      ok: true;
      /** The file's exact size. */
      bytes: number;
      /** The file, chunk by chunk; each is asked of the worker when the previous one was taken. */
      chunks: AsyncIterable<Uint8Array>;
      /** Stops the worker (the client went away). */
      cancel(): void;
    }
  /** Over the ceiling: `bytes` is how big it had grown when the worker gave up. */
  | { ok: false; bytes: number };

export function exportOffThread(
  source: { records: Uint8Array; epoch: number },
  format: ExportFormat,
  options: ExportOptions,
  ceilingBytes: number,
): Promise<ExportBuild> {
  const transfer = [source.records.buffer as ArrayBuffer];
  const job: ExportJob = { ...source, format, options, ceilingBytes };
  const worker = startTsWorker(new URL('./export-stream-worker.ts', import.meta.url), job, transfer);
  // One reply is awaited at a time: the worker sends nothing it was not asked for after `ready`.
  let waiting: { resolve(reply: WorkerReply): void; reject(error: Error): void } | null = null;
  let failure: Error | null = null;
  const nextReply = (): Promise<WorkerReply> =>
    failure ? Promise.reject(failure) : new Promise((resolve, reject) => (waiting = { resolve, reject }));
  const fail = (error: Error): void => {
    failure ??= error;
    waiting?.reject(failure);
    waiting = null;
  };
  worker.on('message', (reply: WorkerReply) => {
    const current = waiting;
    waiting = null;
    current?.resolve(reply);
  });
  worker.once('error', fail);
  worker.once('exit', (code) => fail(new Error(`the export stopped (exit code ${code})`)));
  const stop = (): void => void worker.terminate();

  return nextReply().then((first): ExportBuild => {
    if (first.type === 'too-big') {
      stop();
      return { ok: false, bytes: first.bytes };
    }
    if (first.type !== 'ready') throw new Error(`the export worker said ${first.type} first`);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) {
          const reply = nextReply();
          worker.postMessage('next');
          const answer = await reply;
          if (answer.type === 'end') return;
          if (answer.type !== 'chunk') throw new Error(`the export worker said ${answer.type} mid-file`);
          yield answer.data;
        }
      } finally {
        stop();
      }
    }
    return { ok: true, bytes: first.bytes, chunks: chunks(), cancel: stop };
  });
}
