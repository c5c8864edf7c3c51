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
  const TARGET = ECHO_URL; // TODO (step 3): try the inspector's own feed instead: SERVER_URL + '/tap'
  await tryTarget(TARGET);

  // Step 4: logging in.
  // TODO (step 4): keep the token out of the URL. Connect to plain ECHO_URL and send
  // JSON.stringify({ type: 'auth', token: TOKEN }) as the very first message instead.
  const socket = new WebSocket(ECHO_URL + '?token=' + TOKEN);
  socket.onopen = () => {
    socket.send('hello, I am logged in');
    setTimeout(() => socket.close(1000, 'lesson 12 done'), 500);
  };
  socket.onmessage = (event) => console.log('server:', event.data);
  socket.onclose = (event) => console.log(`login connection closed with ${event.code}`);
}

main();
