// Builds an export (HAR or pcapng) off the sockets' thread: a whole session's HAR can take most
// of a second to write, and the echo, the proxy and the tap must not wait for it. It gets a
// snapshot of the recordings, answers with the file's bytes (moved, not copied), and ends.
import { parentPort } from 'node:worker_threads';
import type { ExportFormat } from '../../core/routes';
import { workerInput } from '../ts-worker';
import { type RecordingSnapshot, SessionRecorder } from './recordings';
import { type ExportOptions, exportSession } from './session-export';

const job = workerInput<{
  snapshot: { epoch: number; recordings: RecordingSnapshot[] };
  format: ExportFormat;
  options: ExportOptions;
}>();
const body = exportSession(SessionRecorder.restore(job.snapshot), job.format, job.options);
parentPort!.postMessage(body, [body.buffer as ArrayBuffer]);
