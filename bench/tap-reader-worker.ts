// A tap subscriber in its own thread: JSON (`/tap`) parses every event; raw (`/tap?format=raw`)
// walks every record, as the page does before it decodes them.
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { WebSocket } from 'ws';
import { readRecords } from '../core/tap/raw-records';
import { workerInput } from '../server/ts-worker';
import { threadCpuMs } from './thread-cpu';

const { port, format } = workerInput<{ port: number; format: 'raw' | 'json' }>();
const socket = new WebSocket(`ws://127.0.0.1:${port}/tap${format === 'raw' ? '?format=raw' : ''}`);
let events = 0;
socket.on('message', (data: Buffer) => {
  if (format === 'raw') for (const _record of readRecords(data)) events++;
  else events += (JSON.parse(String(data)) as unknown[]).length;
});
socket.on('open', () => parentPort!.postMessage({ ready: true }));
parentPort!.on('message', (message) => {
  // `busy`: how long this thread has worked so far, in ms, to charge the reader's share.
  if (message === 'busy') {
    parentPort!.postMessage({ busyMs: threadCpuMs() ?? performance.eventLoopUtilization().active });
    return;
  }
  parentPort!.postMessage({ events });
  socket.close();
});
