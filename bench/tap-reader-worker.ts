// A tap subscriber that reads and parses every event, in its own thread.
import { parentPort, workerData } from 'node:worker_threads';
import { WebSocket } from 'ws';

const socket = new WebSocket(`ws://127.0.0.1:${workerData.port}/tap`);
let events = 0;
socket.on('message', (data) => {
  events += (JSON.parse(String(data)) as unknown[]).length;
});
socket.on('open', () => parentPort!.postMessage({ ready: true }));
parentPort!.on('message', () => {
  parentPort!.postMessage({ events });
  socket.close();
});
