// Records the WebSocket traffic of real protocol libraries, through wslab's own /proxy and tap,
// into test/fixtures/protocols/<protocol>.json: the decoders' unit tests read what the libraries
// really send, not what their authors think they send. Everything runs on loopback.
//
//   npx tsx scripts/record-protocol-traffic.ts            # every protocol
//   npx tsx scripts/record-protocol-traffic.ts socket.io  # one
//
// Another protocol's recorder is one more entry in RECORDERS.

import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema } from 'graphql';
import { createClient } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { Server as SocketIoServer } from 'socket.io';
import { type Socket, io as socketIoClient } from 'socket.io-client';
import { WebSocket, WebSocketServer } from 'ws';
import type { TapEvent, TapHandshakeEvent, TapMessageEvent } from '../core/tap/events';
import { fromBase64, toHex } from '../core/wire/bytes';
import { type RunningServer, startServer } from '../server/server';
import type { RecordedConnection, RecordedTraffic } from '../test/unit/protocols/recorded-traffic';

const HOST = '127.0.0.1';
const SETTLE_MS = 300;

function versionOf(pkg: string): string {
  const url = new URL(`../node_modules/${pkg}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

async function listen(server: Server): Promise<number> {
  server.listen(0, HOST);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A JSON tap subscriber that keeps every event. */
async function openTap(wslab: RunningServer) {
  const socket = new WebSocket(`ws://${HOST}:${wslab.port}/tap`);
  const events: TapEvent[] = [];
  socket.on('message', (data: Buffer) => events.push(...(JSON.parse(String(data)) as TapEvent[])));
  await once(socket, 'open');
  return {
    events,
    /** Waits (a bounded time) until every connection the tap opened has closed on it. */
    async closed(): Promise<void> {
      for (let i = 0; i < 100; i++) {
        const opened = events.filter((e) => e.type === 'open').length;
        const closed = events.filter((e) => e.type === 'close').length;
        if (opened > 0 && closed >= opened) return;
        await sleep(50);
      }
      throw new Error('the recorded connections did not close');
    },
    close: () => socket.close(),
  };
}

/** Every proxied connection the tap saw, as the fixture stores it, in the order they opened. */
function connectionsFrom(events: TapEvent[], scenarios: string[]): RecordedConnection[] {
  const handshakes = events.filter(
    (e): e is TapHandshakeEvent =>
      e.type === 'handshake' && e.request.path.startsWith('/proxy') && e.response.status === 101,
  );
  return handshakes.map((handshake, i) => {
    const subprotocol =
      handshake.response.headers.find(([name]) => name.toLowerCase() === 'sec-websocket-protocol')?.[1] ??
      null;
    const messages = events
      .filter((e): e is TapMessageEvent => e.type === 'message' && e.conn === handshake.conn)
      .map((m) => {
        if (m.truncated) throw new Error('a recorded message was truncated by the tap');
        if (m.text !== undefined) return { dir: m.dir, text: m.text };
        return { dir: m.dir, hex: toHex(fromBase64(m.base64 ?? '') ?? new Uint8Array()) };
      });
    return {
      scenario: scenarios[i] ?? '',
      path: handshake.request.path.replace(/^\/proxy/, '') || '/',
      subprotocol,
      messages,
    };
  });
}

function waitFor<T>(socket: Socket, event: string): Promise<T> {
  return new Promise((resolve) => socket.once(event, (value: T) => resolve(value)));
}

/**
 * Socket.IO v4 over the WebSocket transport alone: emits with and without acks, binary
 * attachments both ways, a room broadcast, a second namespace on the same connection, a refused
 * namespace (connect_error), pings, and a namespace disconnect.
 */
async function recordSocketIo(): Promise<RecordedTraffic> {
  const http = createServer();
  const io = new SocketIoServer(http, { pingInterval: 250, pingTimeout: 1000 });
  io.on('connection', (socket) => {
    void socket.join('lobby');
    socket.on('chat message', (text: string) => io.to('lobby').emit('chat message', `echo: ${text}`));
    socket.on('add', (a: number, b: number, ack: (sum: number) => void) => ack(a + b));
    socket.on('upload', (meta: { name: string }, bytes: Buffer, ack: (r: object) => void) =>
      ack({ name: meta.name, size: bytes.length }),
    );
    socket.on('fetch bytes', (ack: (bytes: Buffer) => void) => ack(Buffer.from([0xde, 0xad, 0xbe, 0xef])));
  });
  io.of('/chat').on('connection', (socket) => {
    socket.emit('welcome', { room: 'general' }, Buffer.from('hi'));
    socket.on('typing', () => socket.emit('typing', true));
  });
  io.of('/admin').use((_socket, next) => next(new Error('not authorized')));
  const upstreamPort = await listen(http);

  const wslab = await startServer({ port: 0, host: HOST, target: `ws://${HOST}:${upstreamPort}` });
  const tap = await openTap(wslab);
  const url = `http://${HOST}:${wslab.port}`;
  const options = { path: '/proxy/socket.io/', transports: ['websocket'], reconnection: false };
  const main = socketIoClient(url, options);
  await waitFor(main, 'connect');
  main.emit('chat message', 'hello');
  await waitFor(main, 'chat message');
  await main.timeout(2000).emitWithAck('add', 2, 3);
  await main.timeout(2000).emitWithAck('upload', { name: 'a.bin' }, Buffer.from([1, 2, 3, 4, 5]));
  await main.timeout(2000).emitWithAck('fetch bytes');

  const chat = socketIoClient(`${url}/chat`, options);
  await waitFor(chat, 'welcome');
  chat.emit('typing');
  await waitFor(chat, 'typing');
  const admin = socketIoClient(`${url}/admin`, options);
  await waitFor(admin, 'connect_error');
  await sleep(600); // two ping intervals: the server's pings and the client's pongs
  chat.disconnect();
  await sleep(SETTLE_MS);
  main.disconnect();
  admin.disconnect();
  await sleep(SETTLE_MS);

  // The default transports: HTTP long-polling first (relayed as HTTP exchanges), then the
  // WebSocket probed with 2probe/3probe and taken over with 5 (upgrade).
  const upgrading = socketIoClient(url, { path: '/proxy/socket.io/', reconnection: false });
  await waitFor(upgrading, 'connect');
  await new Promise<void>((resolve) => {
    if (upgrading.io.engine.transport.name === 'websocket') resolve();
    else upgrading.io.engine.once('upgrade', () => resolve());
  });
  await upgrading.timeout(2000).emitWithAck('add', 40, 2);
  upgrading.disconnect();
  await sleep(SETTLE_MS);

  await tap.closed();
  const connections = connectionsFrom(tap.events, [
    'one WebSocket: namespaces /, /chat and a refused /admin; emits, acks, binary attachments both ways, a room broadcast, pings, a namespace disconnect',
    'the default transports: long-polling (not recorded here: HTTP, not WebSocket), then the WebSocket upgrade probe, an emit with an ack, the disconnect',
  ]);
  tap.close();
  io.close();
  await wslab.close();
  return {
    recordedWith: `socket.io ${versionOf('socket.io')} + socket.io-client ${versionOf('socket.io-client')}`,
    connections,
  };
}

/** graphql-ws (graphql-transport-ws): a query, a subscription run to completion, a failing operation, pings. */
async function recordGraphqlWs(): Promise<RecordedTraffic> {
  const schema = buildSchema(`
    type Query { hello(name: String): String }
    type Subscription { countdown(from: Int!): Int }
  `);
  const roots = {
    query: { hello: ({ name }: { name?: string }) => `Hello, ${name ?? 'world'}` },
    subscription: {
      countdown: async function* ({ from }: { from: number }) {
        for (let n = from; n >= 0; n--) yield { countdown: n };
      },
    },
  };
  const http = createServer();
  const wss = new WebSocketServer({ server: http, path: '/graphql' });
  useServer({ schema, roots }, wss);
  const upstreamPort = await listen(http);

  const wslab = await startServer({ port: 0, host: HOST, target: `ws://${HOST}:${upstreamPort}/graphql` });
  const tap = await openTap(wslab);
  const client = createClient({
    url: `ws://${HOST}:${wslab.port}/proxy`,
    webSocketImpl: WebSocket,
    keepAlive: 200,
    lazy: false,
  });
  const run = (query: string, variables?: Record<string, unknown>) =>
    new Promise<unknown[]>((resolve) => {
      const results: unknown[] = [];
      client.subscribe(
        { query, variables },
        {
          next: (value) => results.push(value),
          error: (error) => resolve([...results, { error: String(error) }]),
          complete: () => resolve(results),
        },
      );
    });
  await run('query Greeting($name: String) { hello(name: $name) }', { name: 'wslab' });
  await run('subscription Countdown { countdown(from: 2) }');
  await run('query Broken { nope }');
  await sleep(500); // keep-alive pings and their pongs
  await client.dispose();
  await sleep(SETTLE_MS);

  await tap.closed();
  const connections = connectionsFrom(tap.events, [
    'connection_init and ack, a named query, a subscription that completes, an invalid query, pings',
  ]);
  tap.close();
  wss.close();
  http.close();
  await wslab.close();
  return { recordedWith: `graphql-ws ${versionOf('graphql-ws')} (client and ws server)`, connections };
}

const RECORDERS: Record<string, () => Promise<RecordedTraffic>> = {
  'socket.io': recordSocketIo,
  'graphql-ws': recordGraphqlWs,
};

const asked = process.argv.slice(2);
for (const [name, record] of Object.entries(RECORDERS)) {
  if (asked.length > 0 && !asked.includes(name)) continue;
  const traffic = await record();
  const file = new URL(`../test/fixtures/protocols/${name}.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(traffic, null, 2)}\n`);
  const count = traffic.connections.reduce((n, c) => n + c.messages.length, 0);
  console.log(`${name}: ${traffic.connections.length} connection(s), ${count} messages`);
}
process.exit(0);
