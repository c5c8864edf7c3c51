// Lesson 7: pings, pongs, and a heartbeat your page can see.
// TODO (step 2): ask the server to ping every second: ECHO_URL + '?ping=1000'
const socket = new WebSocket(ECHO_URL);

const HEARTBEAT_EVERY = 1000; // ms between two heartbeats
const ANSWER_WITHIN = 800; // ms the server has to answer one
let beats = 0;
let deadline = null;

function sendHeartbeat() {
  /* TODO (step 4):
     - send `heartbeat N`, with N counting up from 1 (use `beats`)
     - start a timer (keep it in `deadline`): if no answer arrives within ANSWER_WITHIN ms,
       log it and close the socket with code 4000 and reason 'heartbeat timeout' */
}

socket.onopen = () => {
  console.log('open: watch the inspector for ping and pong frames');
  const timer = setInterval(sendHeartbeat, HEARTBEAT_EVERY);
  socket.addEventListener('close', () => clearInterval(timer));
};

socket.onmessage = (event) => {
  // Pings never arrive here: the browser answers them without telling the page.
  console.log('message:', event.data);
  /* TODO (step 4): when the answer to the latest heartbeat arrives, cancel its timer */
};

socket.onclose = (event) => {
  clearTimeout(deadline);
  console.log('closed:', event.code, event.reason);
};

// Hang up after four and a half seconds.
setTimeout(() => socket.close(1000, 'lesson 7 done'), 4500);
