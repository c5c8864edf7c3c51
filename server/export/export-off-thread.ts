// Runs exportSession in a worker thread of its own, for the /api/export routes: the sockets'
// thread only copies the journal's records into recordings (and moves them to the worker).

import type { ExportFormat } from '../../core/routes';
import { startTsWorker } from '../ts-worker';
import type { SessionRecorder } from './recordings';
import type { ExportOptions } from './session-export';

export function exportOffThread(
  recorder: SessionRecorder,
  format: ExportFormat,
  options: ExportOptions = {},
): Promise<Uint8Array> {
  const snapshot = recorder.snapshot(options.conn);
  const transfer = snapshot.recordings.map((recording) => recording.data.buffer as ArrayBuffer);
  return new Promise((resolve, reject) => {
    const worker = startTsWorker(
      new URL('./export-worker.ts', import.meta.url),
      { snapshot, format, options },
      transfer,
    );
    worker.once('message', (body: Uint8Array) => {
      resolve(body);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the export stopped (exit code ${code})`)));
  });
}
