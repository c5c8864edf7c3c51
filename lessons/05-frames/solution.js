// Lesson 5: frames, and the three ways a frame header states its payload length.
// Each size becomes one binary message of that many bytes.
// 125 fits in 7 bits, 126 needs the 2-byte form, 65536 the 8-byte form.
const sizes = [125, 126, 65536];

// deflate=0: no compression, so every frame carries exactly the bytes sent (step 4).
const socket = new WebSocket(ECHO_URL + '?deflate=0');
socket.binaryType = 'arraybuffer';
let replies = 0;

socket.onopen = () => {
  for (const size of sizes) {
    socket.send(new Uint8Array(size));
    console.log(`sent ${size} bytes`);
  }
};

socket.onmessage = (event) => {
  console.log(`got ${event.data.byteLength} bytes back`);
  replies += 1;
  if (replies === sizes.length) socket.close(1000, 'lesson 5 done');
};
