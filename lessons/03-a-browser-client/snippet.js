// Lesson 3: a browser client, built the way a chat page builds one.
// What a user typed into the chat box, one line at a time:
const typed = ['hello from lesson 3', '', '   ', 'bye from lesson 3'];
let socket;

function connect() {
  socket = new WebSocket(ECHO_URL);
  console.log('readyState right after new WebSocket():', socket.readyState);

  socket.onopen = () => {
    /* TODO (step 2): log that the connection is open, then call sendTyped() */
  };
  socket.onmessage = (event) => {
    /* TODO (step 2): log event.data */
    /* TODO (step 4): when the reply to 'bye from lesson 3' arrives, close with code 1000 and a reason */
  };
  socket.onclose = (event) => {
    /* TODO (step 2): log event.code, event.reason and event.wasClean */
  };
  socket.onerror = () => {
    /* TODO (step 2): log that something went wrong (the event carries no details) */
  };
}

// Sends one line the user typed; returns whether it was sent.
function sendMessage(text) {
  /* TODO (step 3): refuse unless the socket is OPEN, refuse empty or blank text, otherwise send it */
  return false;
}

function sendTyped() {
  for (const text of typed) {
    console.log(sendMessage(text) ? 'sent' : 'refused', JSON.stringify(text));
  }
}

connect();
console.log('too early:', sendMessage('too early') ? 'sent' : 'refused');

// Safety net: hang up after ten seconds whatever happens.
setTimeout(() => socket.close(), 10000);
