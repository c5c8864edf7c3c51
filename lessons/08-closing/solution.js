// Lesson 8: closing — who starts, with which code, and what happens when nobody does.

// Opens a connection, sends three messages, and reports how the connection ended.
// `afterReplies`, if given, runs once three replies have arrived.
function session(label, url, afterReplies) {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    let replies = 0;
    socket.onopen = () => {
      for (const text of ['one', 'two', 'three']) socket.send(`${label}: ${text}`);
    };
    socket.onmessage = (event) => {
      replies += 1;
      console.log(`${label} got:`, event.data);
      if (replies === 3 && afterReplies) afterReplies(socket);
    };
    socket.onerror = () => console.log(`${label}: error event`);
    socket.onclose = (event) => {
      clearTimeout(safetyNet);
      console.log(
        `${label} closed: code ${event.code}, reason ${JSON.stringify(event.reason)}, wasClean ${event.wasClean}`,
      );
      resolve();
    };
    // Safety net: hang up after five seconds whatever happens.
    const safetyNet = setTimeout(() => socket.close(), 5000);
  });
}

async function main() {
  // Step 3: the client starts the closing handshake, saying why.
  await session('client', ECHO_URL, (socket) => socket.close(4001, 'lesson 8: client done'));

  // Step 4: the server closes after two replies, with its own code and reason.
  await session('server', ECHO_URL + '?closeAfter=2&closeCode=4002&closeReason=bye');

  // Step 5: the server drops the TCP connection after one reply, with no close frame.
  await session('drop', ECHO_URL + '?dropAfter=1');
}

main();
