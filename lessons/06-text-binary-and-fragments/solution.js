// Lesson 6: text and binary messages, and a reply that arrives in pieces.
const encoder = new TextEncoder();
for (const text of ['hello', 'héllo', '👋', 'héllo 👋']) {
  console.log(JSON.stringify(text), 'length', text.length, '- UTF-8 bytes', encoder.encode(text).length);
}

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

// fragment=5: the server cuts every reply into frames of at most 5 payload bytes.
const socket = new WebSocket(ECHO_URL + '?fragment=5');
// Set before any message arrives: binary data comes as ArrayBuffers from now on.
socket.binaryType = 'arraybuffer';

socket.onopen = () => {
  socket.send('héllo 👋'); // a string: a text message
  socket.send(new Uint8Array([0xde, 0xad, 0xbe, 0xef])); // a typed array: a binary message
  socket.send(new Blob(['blob!'])); // a Blob: also a binary message
};

socket.onmessage = async (event) => {
  if (typeof event.data === 'string') {
    console.log('text:', event.data);
    return;
  }
  console.log('binary, delivered as:', event.data.constructor.name);
  const buffer = event.data instanceof Blob ? await event.data.arrayBuffer() : event.data;
  console.log('  bytes:', hex(buffer));
};

setTimeout(() => socket.close(1000, 'lesson 6 done'), 2000);
