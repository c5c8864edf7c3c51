// Lesson 1: one connection, many messages.
// ECHO_URL is the echo server's WebSocket URL; the sandbox provides it.
const socket = new WebSocket(ECHO_URL);

socket.onopen = () => {
  console.log('connected to', socket.url);
  socket.send('lesson 1: hello');
  // TODO: send a second message on the same socket, e.g. 'lesson 1: hello again'
};

socket.onmessage = (event) => {
  console.log('server says:', event.data);
};

socket.onclose = (event) => {
  console.log('connection closed, code', event.code);
};

// Hang up after three seconds so the connection does not linger.
setTimeout(() => socket.close(1000, 'lesson 1 done'), 3000);
