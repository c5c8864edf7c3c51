// Lesson 7: pings, pongs, and a heartbeat your page can see.
// ping=1000: the server sends a ping every second; the browser answers each with a pong.
const socket = new WebSocket(ECHO_URL + '?ping=1000');

const HEARTBEAT_EVERY = 1000; // ms between two heartbeats
const ANSWER_WITHIN = 800; // ms the server has to answer one
let beats = 0;
let deadline = null;

function sendHeartbeat() {
  if (socket.readyState !== WebSocket.OPEN) return;
  beats += 1;
  socket.send(`heartbeat ${beats}`);
  const waitingFor = beats;
  deadline = setTimeout(() => {
    console.log(`no answer to heartbeat ${waitingFor} within ${ANSWER_WITHIN} ms: giving up`);
    socket.close(4000, 'heartbeat timeout');
  }, ANSWER_WITHIN);
}

socket.onopen = () => {
  console.log('open: watch the inspector for ping and pong frames');
  const timer = setInterval(sendHeartbeat, HEARTBEAT_EVERY);
  socket.addEventListener('close', () => clearInterval(timer));
};

socket.onmessage = (event) => {
  // Pings never arrive here: the browser answers them without telling the page.
  console.log('message:', event.data);
  if (event.data === `Server received: 'heartbeat ${beats}'`) {
    clearTimeout(deadline);
    deadline = null;
  }
};

socket.onclose = (event) => {
  clearTimeout(deadline);
  console.log('closed:', event.code, event.reason);
};

// Hang up after four and a half seconds.
setTimeout(() => socket.close(1000, 'lesson 7 done'), 4500);
