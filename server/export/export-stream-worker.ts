// Builds an export (HAR or pcapng) off the sockets' thread: a whole session's HAR can take most
// of a second to write, and the echo, the proxy and the tap must not wait for it. It gets a
// copy of the journal's records, sorts them into recordings, says how big the file is (or that it is over the ceiling), then
// sends one chunk each time it is asked for one: the response's pace, not the worker's, decides
// how much of the file is in flight.
import { parentPort } from 'node:worker_threads';
import { workerInput } from '../ts-worker';
import type { ExportJob, WorkerReply } from './export-off-thread';
import { chunksOf, exportPieces } from './export-pieces';
import { recordingsFromRecords } from './journal-recordings';

const job = workerInput<ExportJob>();
const port = parentPort!;
const recorder = recordingsFromRecords(job.records, job.epoch, job.options.conn);
const built = exportPieces(recorder, job.format, job.options, job.ceilingBytes);
const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(message, transfer);

if (!built.ok) {
  reply({ type: 'too-big', bytes: built.bytes });
} else {
  reply({ type: 'ready', bytes: built.bytes });
  const chunks = chunksOf(built.pieces);
  port.on('message', () => {
    const next = chunks.next();
    if (next.done) {
      reply({ type: 'end' });
      port.close();
      return;
    }
    reply({ type: 'chunk', data: next.value }, [next.value.buffer as ArrayBuffer]);
  });
}
