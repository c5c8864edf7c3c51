// Lesson: compression. The same message, with and without permessage-deflate.
const message = JSON.stringify({
  type: 'chat',
  room: 'lobby',
  history: Array.from({ length: 20 }, (_, i) => ({ from: 'ada', text: `hello number ${i}, how are you?` })),
});

function sendTwice(url, label) {
  const socket = new WebSocket(url);
  let replies = 0;
  socket.onopen = () => {
    console.log(`${label}: sending ${message.length} characters, twice`);
    socket.send(message);
    socket.send(message);
  };
  socket.onmessage = () => {
    replies++;
    if (replies === 2) {
      console.log(`${label}: both replies are in; compare the frames in the inspector`);
      socket.close(1000, 'done');
    }
  };
  return socket;
}

sendTwice(ECHO_URL + '?deflate=0', 'plain');

// TODO: open a second connection with ECHO_URL + '?deflate=1' and send it the same message.
