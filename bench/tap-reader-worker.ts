// A tap subscriber that reads and parses every event, in its own thread.
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { WebSocket } from 'ws';
import { workerInput } from '../server/ts-worker';
import { threadCpuMs } from './thread-cpu';

const { port } = workerInput<{ port: number }>();
const socket = new WebSocket(`ws://127.0.0.1:${port}/tap`);
let events = 0;
socket.on('message', (data) => {
  events += (JSON.parse(String(data)) as unknown[]).length;
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
