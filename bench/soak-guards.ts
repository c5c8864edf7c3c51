// Soak attacks on the guards rather than the memory: a page from another site asking for the
// exports or the proxy, and a client smuggling bytes through /proxy to a server that is not a
// WebSocket server.
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { exportPath, PROXY_PATH, TAP_PATH } from '../core/routes';
import { type Attack, sleep, within } from './soak-attack';
import { httpGet, upgradeStatus } from './soak-http';

const ORIGINS = ['http://evil.example', 'null'];

export const crossSite: Attack = {
  name: '7. cross-site: Origin evil.example and null to exports, /proxy, /tap',
  rssLimitMb: 400,
  limitMs: 30_000,
  async run({ port }) {
    const proxyPath = `${PROXY_PATH}?target=${encodeURIComponent(`ws://127.0.0.1:${port}/echo`)}`;
    const asked: { what: string; status: number }[] = [];
    for (const origin of ORIGINS) {
      const name = origin === 'null' ? 'null' : 'evil';
      asked.push({
        what: `HAR ${name}`,
        status: (await httpGet(port, exportPath('har'), { Origin: origin })).status,
      });
      asked.push({
        what: `pcapng ${name}`,
        status: (await httpGet(port, exportPath('pcapng'), { Origin: origin })).status,
      });
      asked.push({
        what: `/proxy ${name}`,
        status: await upgradeStatus(port, proxyPath, { Origin: origin }),
      });
      asked.push({ what: `/tap ${name}`, status: await upgradeStatus(port, TAP_PATH, { Origin: origin }) });
    }
    // A cross-site fetch in no-cors mode sends no Origin, but says where it comes from (Fetch Metadata).
    const noCors = await httpGet(port, exportPath('har'), {
      'Sec-Fetch-Site': 'cross-site',
      'Sec-Fetch-Mode': 'no-cors',
    });
    asked.push({ what: 'HAR no-cors cross-site', status: noCors.status });
    return {
      note: asked.map(({ what, status }) => `${what} ${status}`).join(', '),
      ownTarget: { met: asked.every(({ status }) => status === 403), what: 'every one 403' },
    };
  },
};

type UpstreamAnswer = 'nothing' | 'a 101 with a wrong accept' | 'HTTP 200';

const ANSWERS: Record<UpstreamAnswer, string | null> = {
  nothing: null,
  // RFC 6455 §4.1: a client (here the proxy) must fail the connection when the accept is wrong.
  'a 101 with a wrong accept':
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n',
  'HTTP 200': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello',
};

// What the client sends after its request head: another request, and bytes that are no frame.
const SMUGGLED = Buffer.from('GET /admin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n\x00\x01\x02 raw bytes');

/**
 * A plain TCP server standing in for the upstream: it records every byte it receives and answers
 * the first request head as told. Returns how many bytes arrived after that first head, and the
 * first line the client got back.
 */
async function smuggle(port: number, answer: UpstreamAnswer): Promise<{ leaked: number; reply: string }> {
  const received: Buffer[] = [];
  const accepted: Socket[] = [];
  const upstream: Server = createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => {});
    let answered = false;
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      const text = ANSWERS[answer];
      if (!answered && text !== null && Buffer.concat(received).includes('\r\n\r\n')) {
        answered = true;
        socket.write(text);
      }
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const upstreamPort = (upstream.address() as { port: number }).port;
  const client: Socket = connect({ host: '127.0.0.1', port });
  client.on('error', () => {});
  let reply = '';
  client.on('data', (chunk: Buffer) => {
    reply += chunk.toString('latin1');
  });
  const ended = once(client, 'close');
  try {
    await once(client, 'connect');
    const path = `${PROXY_PATH}?target=${encodeURIComponent(`ws://127.0.0.1:${upstreamPort}/`)}`;
    client.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    // Right behind the head, in the same write as far as the kernel cares, then again later.
    client.write(SMUGGLED);
    await sleep(300);
    if (!client.destroyed) client.write(SMUGGLED);
    await within(ended, 2500);
  } finally {
    client.destroy();
    for (const socket of accepted) socket.destroy();
    upstream.close();
  }
  const all = Buffer.concat(received);
  const headEnd = all.indexOf('\r\n\r\n');
  return {
    leaked: headEnd < 0 ? 0 : all.length - (headEnd + 4),
    reply: reply.split('\r\n')[0] || 'nothing',
  };
}

export const proxySmuggling: Attack = {
  name: '8. /proxy to a plain TCP server, raw bytes after the request head',
  rssLimitMb: 400,
  limitMs: 30_000,
  async run({ port }) {
    const results: string[] = [];
    let leakedAll = 0;
    for (const answer of Object.keys(ANSWERS) as UpstreamAnswer[]) {
      const { leaked, reply } = await smuggle(port, answer);
      leakedAll += leaked;
      results.push(`upstream answers ${answer}: ${leaked} bytes reached it, client got "${reply}"`);
    }
    return {
      note: results.join('; '),
      ownTarget: { met: leakedAll === 0, what: 'no byte after the request head reaches the upstream' },
    };
  },
};
