// Lesson 2: what the echo server does with each message.
function connect(name) {
  const socket = new WebSocket(ECHO_URL);
  // Binary replies arrive as ArrayBuffers with this setting (lesson 6 explains it).
  socket.binaryType = 'arraybuffer';
  socket.onmessage = (event) => {
    if (typeof event.data === 'string') console.log(`${name} got text:`, event.data);
    else console.log(`${name} got bytes:`, [...new Uint8Array(event.data)]);
  };
  return socket;
}

const a = connect('A');
a.onopen = () => {
  a.send('I am client A');
  // TODO (step 2): also send four bytes as a binary message: new Uint8Array([1, 2, 3, 250])
};

// TODO (step 3): open a second connection, B, and send 'I am client B' on it.

// Hang up after two seconds.
setTimeout(() => {
  a.close(1000, 'lesson 2 done');
}, 2000);
