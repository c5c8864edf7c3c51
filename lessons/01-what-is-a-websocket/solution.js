// Lesson 1: one connection, many messages.
// ECHO_URL is the echo server's WebSocket URL; the sandbox provides it.
// greet: the server says something as soon as we connect; tick=1000: it speaks every second.
const socket = new WebSocket(ECHO_URL + '?greet=1&tick=1000');

socket.onopen = () => {
  console.log('connected to', socket.url);
  socket.send('lesson 1: hello');
  socket.send('lesson 1: hello again');
};

socket.onmessage = (event) => {
  console.log('server says:', event.data);
};

socket.onclose = (event) => {
  console.log('connection closed, code', event.code);
};

// Hang up after three and a half seconds, enough for a few ticks.
setTimeout(() => socket.close(1000, 'lesson 1 done'), 3500);
