// Runs one echo server in its own thread, so the load generator does not share its event loop.
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { WebSocketServer } from 'ws';
import { echoReply } from '../server/echo';
import { startServer } from '../server/server';
import { workerInput } from '../server/ts-worker';
import { threadCpuMs } from './thread-cpu';

const { kind } = workerInput<{ kind: 'bare' | 'wslab' }>();

/** How long this thread has been busy, in ms: the server's own CPU cost. */
function reportBusy(): void {
  parentPort!.postMessage({ busyMs: threadCpuMs() ?? performance.eventLoopUtilization().active });
}

if (kind === 'bare') {
  // The baseline: plain `ws` doing the same work, with no capture and no tap.
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    perMessageDeflate: false,
    maxPayload: 1024 * 1024,
  });
  wss.on('connection', (socket) => {
    socket.on('message', (data: Buffer, isBinary) =>
      socket.send(isBinary ? data : echoReply(data.toString()), { binary: isBinary }),
    );
  });
  wss.on('listening', () => {
    const address = wss.address() as { port: number };
    parentPort!.postMessage({ port: address.port });
  });
  parentPort!.on('message', (message) => {
    if (message === 'busy') reportBusy();
    else if (message === 'drain') parentPort!.postMessage({ drained: true });
    else wss.close(() => process.exit(0));
  });
} else {
  const server = await startServer({ port: 0, host: '127.0.0.1' });
  parentPort!.postMessage({ port: server.port });
  parentPort!.on('message', (message) => {
    if (message === 'busy') reportBusy();
    // Until the whole journal has been sent to the subscriber: the tap's work is all counted.
    else if (message === 'drain')
      void server.hub.flush().then(() => parentPort!.postMessage({ drained: true }));
    else server.close().then(() => process.exit(0));
  });
}
