// Lesson 3: a browser client, built the way a chat page builds one.
// What a user typed into the chat box, one line at a time:
const typed = ['hello from lesson 3', '', '   ', 'bye from lesson 3'];
let socket;

function connect() {
  socket = new WebSocket(ECHO_URL);
  console.log('readyState right after new WebSocket():', socket.readyState);

  socket.onopen = () => {
    console.log('open, readyState is now', socket.readyState);
    sendTyped();
  };
  socket.onmessage = (event) => {
    console.log('server:', event.data);
    if (event.data === "Server received: 'bye from lesson 3'") {
      socket.close(1000, 'lesson 3 done');
    }
  };
  socket.onclose = (event) => {
    console.log('closed: code', event.code, 'reason', JSON.stringify(event.reason), 'wasClean', event.wasClean);
  };
  socket.onerror = () => {
    console.log('error: the connection failed or broke (the browser does not say why)');
  };
}

// Sends one line the user typed; returns whether it was sent.
function sendMessage(text) {
  if (!socket || socket.readyState !== WebSocket.OPEN) return false;
  if (text.trim() === '') return false;
  socket.send(text);
  return true;
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
