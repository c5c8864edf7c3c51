// Lesson 6: text and binary messages, and a reply that arrives in pieces.
const encoder = new TextEncoder();
for (const text of ['hello', 'héllo', '👋', 'héllo 👋']) {
  console.log(JSON.stringify(text), 'length', text.length, '- UTF-8 bytes', encoder.encode(text).length);
}

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

// TODO (step 4): ask the server for replies in frames of at most 5 bytes: ECHO_URL + '?fragment=5'
const socket = new WebSocket(ECHO_URL);
// TODO (step 3): receive binary messages as ArrayBuffers instead of Blobs

socket.onopen = () => {
  socket.send('héllo 👋'); // a string: a text message
  socket.send(new Uint8Array([0xde, 0xad, 0xbe, 0xef])); // a typed array: a binary message
  // TODO (step 3): send a Blob as well: new Blob(['blob!'])
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
