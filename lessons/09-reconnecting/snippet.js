// Lesson 9: reconnecting — backoff with jitter, knowing when to stop, and resending what was lost.
// dropAfter=3: the server answers three messages, then drops the TCP connection with no close frame.
const SHOP_URL = ECHO_URL + '?dropAfter=3';
const ORDERS = ['order 1', 'order 2', 'order 3', 'order 4', 'order 5'];

const BASE_DELAY = 250; // ms: the first retry waits up to this long
const MAX_DELAY = 5000; // ms: no retry waits longer than this
const MAX_ATTEMPTS = 6; // failed attempts in a row before giving up
// Close codes worth retrying after: the network or the server had a problem, not our request.
const RETRY_CODES = new Set([1001, 1006, 1011, 1012, 1013]);

const unconfirmed = []; // orders sent but not yet confirmed by the server, oldest first
let socket = null;
let failures = 0; // attempts in a row that confirmed nothing
let ordersPlaced = false;
let finished = false;

// How long to wait before the next attempt, after `failures` attempts that got nowhere.
function backoff(failures) {
  /* TODO (step 2): exponential backoff with full jitter:
     a random delay between 0 and min(MAX_DELAY, BASE_DELAY * 2 ** failures) */
  return 0;
}

// The user clicks "order" five times, quickly.
function placeOrders() {
  ordersPlaced = true;
  for (const order of ORDERS) {
    unconfirmed.push(order);
    socket.send(order);
  }
}

function connect() {
  socket = new WebSocket(SHOP_URL);

  socket.onopen = () => {
    console.log('connected');
    // TODO (step 3): resend every order still in `unconfirmed`, oldest first
    if (!ordersPlaced) placeOrders();
  };

  socket.onmessage = (event) => {
    const match = /^Server received: '(.*)'$/.exec(event.data);
    const at = match ? unconfirmed.indexOf(match[1]) : -1;
    if (at === -1) return;
    unconfirmed.splice(at, 1);
    failures = 0; // this connection did some work: the next retry starts from a short delay again
    console.log('confirmed:', match[1]);
    if (unconfirmed.length === 0) {
      finished = true;
      clearTimeout(safetyNet);
      socket.close(1000, 'all orders confirmed');
    }
  };

  socket.onclose = (event) => {
    console.log(`closed with ${event.code}; still unconfirmed: ${unconfirmed.join(', ') || 'nothing'}`);
    if (finished) return;
    if (!RETRY_CODES.has(event.code)) {
      console.log(`not reconnecting after ${event.code}`);
      clearTimeout(safetyNet);
      return;
    }
    /* TODO (step 2): replace the two lines below. Unless `failures` has reached MAX_ATTEMPTS,
       wait backoff(failures) ms, add one to `failures`, and call connect() again, saying so:
         console.log(`reconnecting in ${Math.round(wait)} ms (attempt ${failures} of ${MAX_ATTEMPTS})`);
       When giving up, say that too,
         console.log(`giving up after ${failures} attempts in a row`);
       and clear the safety net as the other branches do. */
    console.log('not reconnecting yet: that is your job');
    clearTimeout(safetyNet);
  };
}

// Safety net: stop after fifteen seconds whatever happens.
const safetyNet = setTimeout(() => {
  finished = true;
  socket.close(1000, 'time is up');
}, 15000);

connect();
