// Lesson 10: flow control — bufferedAmount, pacing, and the largest message the server takes.
const KiB = 1024;
const MiB = 1024 * KiB;
const CHUNK = new Uint8Array(32 * KiB);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function open(url) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => resolve(socket);
    socket.onerror = () => reject(new Error(`could not connect to ${url}`));
  });
}

function nextMessage(socket) {
  return new Promise((resolve) => {
    socket.addEventListener('message', (event) => resolve(event.data), { once: true });
  });
}

function closed(socket) {
  return new Promise((resolve) => socket.addEventListener('close', resolve, { once: true }));
}

// Step 1: send sixteen chunks at once and watch the queue fill up, then drain.
async function burst(socket) {
  for (let i = 1; i <= 16; i++) {
    socket.send(CHUNK);
    console.log(`burst: chunk ${i} queued, bufferedAmount ${socket.bufferedAmount}`);
  }
  const start = Date.now();
  while (socket.bufferedAmount > 0) await sleep(5);
  console.log(`burst: queue empty after about ${Date.now() - start} ms`);
}

// Step 2: send `chunks` chunks without ever letting more than `highWater` bytes pile up.
async function pacedUpload(socket, chunks, highWater) {
  let peak = 0;
  for (let i = 1; i <= chunks; i++) {
    /* TODO (step 2): before sending, wait (sleep(5) in a loop) while
       socket.bufferedAmount + CHUNK.byteLength > highWater */
    socket.send(CHUNK);
    peak = Math.max(peak, socket.bufferedAmount);
  }
  // TODO (step 2): when all are sent, send the text 'paced upload done'
  console.log(`paced: ${chunks} chunks sent, bufferedAmount never above ${peak} bytes`);
}

// Step 3: find the largest message the server accepts.
async function sizeLimit() {
  const socket = await open(ECHO_URL);
  socket.onclose = (event) => {
    console.log(`size test closed: code ${event.code}, reason ${JSON.stringify(event.reason)}, wasClean ${event.wasClean}`);
  };
  socket.send(new Uint8Array(MiB));
  const echo = await nextMessage(socket);
  console.log(`exactly 1 MiB: accepted, ${echo.byteLength} bytes came back`);
  // TODO (step 3): instead of closing here, send one byte more than 1 MiB and wait until the socket closes.
  socket.close(1000, 'size test done');
}

async function main() {
  const socket = await open(ECHO_URL);
  await burst(socket);
  await pacedUpload(socket, 32, 128 * KiB);
  await sleep(500); // let the last echoes come back before hanging up
  socket.close(1000, 'uploads done');
  await sizeLimit();
}

main().catch((error) => console.error(error.message));
