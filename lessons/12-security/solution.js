// Lesson 12: security — Origin checks, and where credentials belong.
// A stand-in for a real secret. Never paste a real token into a snippet, a log or a screenshot.
const TOKEN = 'demo-token-not-a-secret';

// Opens a socket, reports what the page can learn about it, and hangs up.
function tryTarget(url) {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    socket.onopen = () => {
      console.log(`${url}: open, this endpoint let us in`);
      socket.close(1000, 'just looking');
    };
    socket.onerror = () => console.log(`${url}: error event (the page is not told why)`);
    socket.onclose = (event) => {
      console.log(`${url}: closed with ${event.code}, wasClean ${event.wasClean}`);
      resolve();
    };
  });
}

async function main() {
  // Step 3: a page from another origin knocks on an endpoint that checks Origin.
  // The tap serves only pages from this server's own origin; the sandbox's origin is "null".
  const TARGET = SERVER_URL + '/tap';
  await tryTarget(TARGET);

  // Step 4: logging in. The URL stays clean; the token travels inside the connection, first.
  const socket = new WebSocket(ECHO_URL);
  socket.onopen = () => {
    socket.send(JSON.stringify({ type: 'auth', token: TOKEN }));
    socket.send('hello, I am logged in');
    setTimeout(() => socket.close(1000, 'lesson 12 done'), 500);
  };
  socket.onmessage = (event) => console.log('server:', event.data);
  socket.onclose = (event) => console.log(`login connection closed with ${event.code}`);
}

main();
