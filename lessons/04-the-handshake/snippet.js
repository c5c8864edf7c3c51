// Lesson 4: the opening handshake, and the Sec-WebSocket-Accept it ends with.
// RFC 6455 §1.3, §4.2.2: the GUID every WebSocket server appends to the key.
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

async function acceptFor(key) {
  /* TODO (step 3):
     1. turn key + GUID into bytes: new TextEncoder().encode(...)
     2. hash them: await crypto.subtle.digest('SHA-1', bytes) resolves to a 20-byte ArrayBuffer
     3. base64 the hash: btoa(String.fromCharCode(...new Uint8Array(hash))) */
  return '';
}

// The worked example in RFC 6455 §1.3: this key must give s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
const RFC_EXAMPLE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
// Paste a Sec-WebSocket-Key from a handshake in the inspector here (step 3):
const KEY_FROM_INSPECTOR = '';

async function main() {
  const example = await acceptFor(RFC_EXAMPLE_KEY);
  const ok = example === 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
  console.log('RFC example gives', JSON.stringify(example), ok ? '(right)' : '(not yet right)');
  if (KEY_FROM_INSPECTOR) {
    console.log('your key gives', await acceptFor(KEY_FROM_INSPECTOR), '- compare with that handshake');
  }

  const socket = new WebSocket(ECHO_URL);
  socket.onopen = () => {
    console.log('open: the server answered 101 and the browser accepted its Sec-WebSocket-Accept');
    // Put the result on the wire too, so it shows up in the inspector.
    if (example) socket.send(`accept ${example}`);
    setTimeout(() => socket.close(1000, 'lesson 4 done'), 500);
  };
}

main().catch((error) => console.error(error.message));

// TODO (step 4): open a second socket to SERVER_URL + '/no-such-path'
// and log what its error and close events tell you.
