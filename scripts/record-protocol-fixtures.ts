// Records the protocol decoders' test fixtures from the real libraries, so the unit tests read the
// bytes those libraries put on the wire rather than bytes we typed. Run it again after upgrading
// one of them: `npx tsx scripts/record-protocol-fixtures.ts`.
//
// The same layout as the Socket.IO and graphql-ws recordings (test/unit/protocols/recorded-traffic.ts):
// connections, each with its upgrade's path and subprotocol and its WebSocket messages in order,
// binary as hex and text as text (JSON escapes STOMP's NULL and SignalR's 0x1e).

import { writeFileSync } from 'node:fs';
import { JsonHubProtocol, MessageType } from '@microsoft/signalr';
import { HandshakeProtocol } from '@microsoft/signalr/dist/esm/HandshakeProtocol.js';
import { Client, FrameImpl, type IMessage } from '@stomp/stompjs';
import mqtt from 'mqtt-packet';

export interface RecordedMessage {
  dir: 'client' | 'server';
  /** What the message is, for a test's eye. */
  note: string;
  hex?: string;
  text?: string;
}

interface RecordedConnection {
  scenario: string;
  path: string;
  subprotocol: string | null;
  messages: RecordedMessage[];
}

const OUT = new URL('../test/fixtures/protocols/', import.meta.url);

function save(name: string, recordedWith: string, connections: RecordedConnection[]): void {
  const traffic = { recordedWith, connections };
  writeFileSync(new URL(`${name}.json`, OUT), `${JSON.stringify(traffic, null, 2)}\n`);
}

// MQTT: mqtt-packet's generate() is the encoder the `mqtt` client writes its packets with.
function mqttConversation(
  version: 4 | 5,
  scenario: string,
  packets: [RecordedMessage['dir'], mqtt.Packet][],
): RecordedConnection {
  return {
    scenario,
    path: '/mqtt',
    subprotocol: 'mqtt',
    messages: packets.map(([dir, packet]) => ({
      dir,
      note: packet.cmd,
      hex: mqtt.generate(packet, { protocolVersion: version }).toString('hex'),
    })),
  };
}

function recordMqtt(): void {
  save('mqtt', 'mqtt-packet 9.0.2 generate()', [
    mqttConversation(
      4,
      'MQTT 3.1.1: connect with a user name, subscribe to two filters, publish at QoS 0, 1 and 2, ping, unsubscribe, disconnect',
      [
        [
          'client',
          {
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion: 4,
            clean: true,
            clientId: 'wslab-1',
            keepalive: 60,
            username: 'ada',
            password: Buffer.from('secret'),
          },
        ],
        ['server', { cmd: 'connack', returnCode: 0, sessionPresent: false }],
        [
          'client',
          {
            cmd: 'subscribe',
            messageId: 1,
            subscriptions: [
              { topic: 'sensors/+/temp', qos: 1 },
              { topic: 'alerts/#', qos: 2 },
            ],
          },
        ],
        ['server', { cmd: 'suback', messageId: 1, granted: [1, 2] }],
        [
          'server',
          {
            cmd: 'publish',
            topic: 'sensors/kitchen/temp',
            payload: Buffer.from('21.5'),
            qos: 0,
            retain: false,
            dup: false,
          },
        ],
        [
          'client',
          {
            cmd: 'publish',
            topic: 'sensors/hall/temp',
            payload: Buffer.from('19.0'),
            qos: 1,
            messageId: 2,
            retain: true,
            dup: false,
          },
        ],
        ['server', { cmd: 'puback', messageId: 2 }],
        [
          'client',
          {
            cmd: 'publish',
            topic: 'alerts/door',
            payload: Buffer.from('open'),
            qos: 2,
            messageId: 3,
            retain: false,
            dup: false,
          },
        ],
        ['server', { cmd: 'pubrec', messageId: 3 }],
        ['client', { cmd: 'pubrel', messageId: 3 }],
        ['server', { cmd: 'pubcomp', messageId: 3 }],
        ['client', { cmd: 'pingreq' }],
        ['server', { cmd: 'pingresp' }],
        ['client', { cmd: 'unsubscribe', messageId: 4, unsubscriptions: ['alerts/#'] }],
        ['server', { cmd: 'unsuback', messageId: 4 } as mqtt.Packet],
        ['client', { cmd: 'disconnect' }],
      ],
    ),
    mqttConversation(
      5,
      'MQTT 5.0: connect with properties and a will, subscribe with options and an identifier, publishes with properties, a PUBACK with a reason code, a topic alias, disconnect with a reason',
      [
        [
          'client',
          {
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion: 5,
            clean: true,
            clientId: 'wslab-5',
            keepalive: 30,
            properties: { sessionExpiryInterval: 300, receiveMaximum: 20, userProperties: { app: 'wslab' } },
            will: {
              topic: 'status/wslab-5',
              payload: Buffer.from('offline'),
              qos: 1,
              retain: true,
              properties: { willDelayInterval: 5 },
            },
          },
        ],
        [
          'server',
          {
            cmd: 'connack',
            reasonCode: 0,
            sessionPresent: false,
            properties: { assignedClientIdentifier: 'auto-7', topicAliasMaximum: 10, serverKeepAlive: 20 },
          },
        ],
        [
          'client',
          {
            cmd: 'subscribe',
            messageId: 10,
            subscriptions: [{ topic: 'chat/room1', qos: 1, nl: true, rap: true, rh: 1 }],
            properties: { subscriptionIdentifier: 7 },
          },
        ],
        ['server', { cmd: 'suback', messageId: 10, granted: [1], properties: { reasonString: 'ok' } }],
        [
          'server',
          {
            cmd: 'publish',
            topic: 'chat/room1',
            payload: Buffer.from('{"text":"hi"}'),
            qos: 1,
            messageId: 500,
            retain: false,
            dup: false,
            properties: {
              payloadFormatIndicator: true,
              contentType: 'application/json',
              subscriptionIdentifier: 7,
              userProperties: { from: 'bob' },
            },
          },
        ],
        ['client', { cmd: 'puback', messageId: 500, reasonCode: 0 }],
        [
          'client',
          {
            cmd: 'publish',
            topic: 'chat/room2',
            payload: Buffer.from('anyone?'),
            qos: 1,
            messageId: 11,
            retain: false,
            dup: false,
            properties: {
              responseTopic: 'chat/replies',
              correlationData: Buffer.from([1, 2, 3]),
              messageExpiryInterval: 60,
            },
          },
        ],
        [
          'server',
          {
            cmd: 'puback',
            messageId: 11,
            reasonCode: 0x10,
            properties: { reasonString: 'no one listens there' },
          },
        ],
        // MQTT 5.0 §3.3.2.3.4: the server sets Topic Alias 3, then publishes by the alias alone.
        [
          'server',
          {
            cmd: 'publish',
            topic: 'chat/room1',
            payload: Buffer.from('one'),
            qos: 0,
            retain: false,
            dup: false,
            properties: { topicAlias: 3 },
          },
        ],
        [
          'server',
          {
            cmd: 'publish',
            topic: '',
            payload: Buffer.from('two'),
            qos: 0,
            retain: false,
            dup: false,
            properties: { topicAlias: 3 },
          },
        ],
        ['client', { cmd: 'disconnect', reasonCode: 0x04, properties: { sessionExpiryInterval: 0 } }],
      ],
    ),
  ]);
}

// SignalR: JsonHubProtocol.writeMessage and HandshakeProtocol are what HubConnection sends with.
function recordSignalR(): void {
  const json = new JsonHubProtocol();
  const handshake = new HandshakeProtocol();
  const text = (dir: RecordedMessage['dir'], note: string, value: string): RecordedMessage => ({
    dir,
    note,
    text: value,
  });
  const messages: RecordedMessage[] = [
    text(
      'client',
      'handshake request',
      handshake.writeHandshakeRequest({ protocol: json.name, version: json.version }),
    ),
    // The server's answer is an empty object and the record separator (HandshakeProtocol parses it so).
    text('server', 'handshake response', `{}${String.fromCharCode(0x1e)}`),
    text(
      'client',
      'invocation',
      json.writeMessage({
        type: MessageType.Invocation,
        target: 'SendMessage',
        arguments: ['ada', 'hello'],
        invocationId: '0',
        headers: {},
      }),
    ),
    text(
      'server',
      'invocation (no id: not awaited)',
      json.writeMessage({
        type: MessageType.Invocation,
        target: 'ReceiveMessage',
        arguments: ['ada', 'hello'],
        headers: {},
      }),
    ),
    text(
      'server',
      'completion',
      json.writeMessage({ type: MessageType.Completion, invocationId: '0', result: 42, headers: {} }),
    ),
    text(
      'client',
      'stream invocation',
      json.writeMessage({
        type: MessageType.StreamInvocation,
        target: 'Counter',
        arguments: [3, 100],
        invocationId: '1',
        streamIds: [],
        headers: {},
      }),
    ),
    // Two messages in one WebSocket message: the record separator ends each.
    text(
      'server',
      'two stream items',
      json.writeMessage({ type: MessageType.StreamItem, invocationId: '1', item: 0, headers: {} }) +
        json.writeMessage({ type: MessageType.StreamItem, invocationId: '1', item: 1, headers: {} }),
    ),
    text(
      'client',
      'cancel invocation',
      json.writeMessage({ type: MessageType.CancelInvocation, invocationId: '1', headers: {} }),
    ),
    text(
      'server',
      'completion with error',
      json.writeMessage({
        type: MessageType.Completion,
        invocationId: '1',
        error: 'Stream canceled',
        headers: {},
      }),
    ),
    // A client-to-server stream: the invocation names the stream's id, the client sends its items.
    text(
      'client',
      'invocation with an uploaded stream',
      json.writeMessage({
        type: MessageType.Invocation,
        target: 'Upload',
        arguments: [],
        invocationId: '2',
        streamIds: ['3'],
        headers: {},
      }),
    ),
    text(
      'client',
      'uploaded stream item',
      json.writeMessage({ type: MessageType.StreamItem, invocationId: '3', item: 'chunk', headers: {} }),
    ),
    text(
      'client',
      'uploaded stream completion',
      json.writeMessage({ type: MessageType.Completion, invocationId: '3', headers: {} }),
    ),
    text(
      'server',
      'completion of the upload',
      json.writeMessage({ type: MessageType.Completion, invocationId: '2', result: 1, headers: {} }),
    ),
    text('client', 'ping', json.writeMessage({ type: MessageType.Ping })),
    text('server', 'ping', json.writeMessage({ type: MessageType.Ping })),
    text(
      'server',
      'close',
      json.writeMessage({ type: MessageType.Close, error: 'Server is shutting down', allowReconnect: true }),
    ),
  ];
  // HubConnection checks the handshake answer with this same parser: the fixture must pass it.
  handshake.parseHandshakeResponse(messages[1]!.text);
  save('signalr', '@microsoft/signalr 10.0.11 JsonHubProtocol.writeMessage and HandshakeProtocol', [
    {
      scenario:
        'handshake, an awaited invocation and its completion, a server call, a stream with two items in one message, cancelled, a stream the client uploads, pings, close',
      path: '/chathub?id=Y2hhdA',
      subprotocol: null,
      messages,
    },
  ]);
}

// STOMP: a real stompjs Client over a fake socket that keeps what the client sends; the server's
// frames are serialised with the library's FrameImpl.
async function recordStomp(): Promise<void> {
  const messages: RecordedMessage[] = [];
  const record = (
    dir: RecordedMessage['dir'],
    note: string,
    data: string | ArrayBuffer | Uint8Array,
  ): void => {
    if (typeof data === 'string') messages.push({ dir, note, text: data });
    else
      messages.push({
        dir,
        note,
        hex: Buffer.from(data instanceof Uint8Array ? data : new Uint8Array(data)).toString('hex'),
      });
  };
  const serverFrame = (command: string, headers: Record<string, string>, body = ''): string =>
    new FrameImpl({ command, headers, body, escapeHeaderValues: true }).serialize() as string;

  interface FakeSocket {
    readyState: number;
    binaryType: string;
    protocol: string;
    url: string;
    onopen: ((event: unknown) => void) | null;
    onmessage: ((event: { data: string | ArrayBuffer }) => void) | null;
    onclose: ((event: unknown) => void) | null;
    onerror: ((event: unknown) => void) | null;
    send(data: string | ArrayBuffer): void;
    close(): void;
  }
  let socket: FakeSocket | undefined;
  const toClient = (note: string, frame: string): void => {
    record('server', note, frame);
    socket?.onmessage?.({ data: frame });
  };
  const client = new Client({
    webSocketFactory: () => {
      socket = {
        readyState: 0,
        binaryType: 'arraybuffer',
        protocol: 'v12.stomp',
        url: 'ws://127.0.0.1/stomp',
        onopen: null,
        onmessage: null,
        onclose: null,
        onerror: null,
        send: (data) => {
          record('client', sentNote(data), data);
          // stompjs asks for a receipt with its DISCONNECT and closes the socket when it comes.
          const receipt =
            typeof data === 'string' && data.startsWith('DISCONNECT\n')
              ? /\nreceipt:([^\n]*)/.exec(data)
              : null;
          if (receipt)
            setTimeout(
              () => toClient('RECEIPT for DISCONNECT', serverFrame('RECEIPT', { 'receipt-id': receipt[1]! })),
              0,
            );
        },
        close: () => {
          if (socket) socket.readyState = 3;
          socket?.onclose?.({ code: 1000, reason: '', wasClean: true });
        },
      };
      return socket as unknown as WebSocket;
    },
    connectHeaders: { login: 'ada', passcode: 'secret', host: '/' },
    heartbeatIncoming: 0,
    heartbeatOutgoing: 20,
    reconnectDelay: 0,
  });
  const connected = new Promise<void>((resolve) => {
    client.onConnect = () => resolve();
  });
  client.activate();
  await tick();
  if (!socket) throw new Error('stompjs did not open a socket');
  socket.readyState = 1;
  socket.onopen?.({});
  toClient(
    'CONNECTED',
    serverFrame('CONNECTED', { version: '1.2', 'heart-beat': '0,20', server: 'wslab/1' }),
  );
  await connected;
  const received: IMessage[] = [];
  client.subscribe('/topic/chat', (message) => received.push(message), { id: 'sub-0', ack: 'client' });
  client.publish({ destination: '/topic/chat', body: 'hello: world\nline two', headers: { receipt: 'r-1' } });
  toClient(
    'MESSAGE',
    serverFrame(
      'MESSAGE',
      {
        subscription: 'sub-0',
        'message-id': 'm-1',
        ack: 'a-1',
        destination: '/topic/chat',
        'content-type': 'text/plain',
      },
      'hello: world\nline two',
    ),
  );
  toClient('RECEIPT', serverFrame('RECEIPT', { 'receipt-id': 'r-1' }));
  received[0]?.ack();
  client.publish({ destination: '/queue/bytes', binaryBody: new Uint8Array([0, 1, 2, 0xff]) });
  // The client's heart-beats are a bare EOL every 20 ms (the larger of ours and the server's wish).
  await waitFor(() => messages.some((m) => m.text === '\n'));
  client.unsubscribe('sub-0');
  await client.deactivate();
  // A server's ERROR ends the connection (STOMP 1.2 "ERROR"): its own conversation.
  const error = serverFrame(
    'ERROR',
    { message: 'malformed frame received', 'content-type': 'text/plain' },
    'no destination',
  );
  save('stomp', '@stomp/stompjs 7.5.0 Client (client frames) and FrameImpl.serialize (server frames)', [
    {
      scenario:
        'CONNECT, CONNECTED, SUBSCRIBE, SEND with a receipt, MESSAGE, RECEIPT, ACK, a binary SEND, a heart-beat, UNSUBSCRIBE, DISCONNECT and its RECEIPT',
      path: '/stomp',
      subprotocol: 'v12.stomp',
      messages,
    },
    {
      scenario: 'the server answers with ERROR',
      path: '/stomp',
      subprotocol: 'v12.stomp',
      messages: [{ dir: 'server', note: 'ERROR', text: error }],
    },
  ]);
}

function sentNote(data: string | ArrayBuffer): string {
  if (typeof data !== 'string') return 'binary frame';
  if (data === '\n') return 'heart-beat';
  return data.slice(0, data.indexOf('\n'));
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('timed out');
}

// WAMP: no WAMP library is a dependency here, so the messages are the examples of the WAMP
// specification (draft-oberstet-hybi-tavendo-wamp-02), one session in their order, each noted with
// its section. One change: the INVOCATION carries the Registration id of §9.1.2's REGISTERED
// example (2103333224), not §9.2.2's 9823526, so the session hangs together.
function recordWamp(): void {
  const spec = (dir: RecordedMessage['dir'], note: string, value: unknown): RecordedMessage => ({
    dir,
    note,
    text: JSON.stringify(value),
  });
  const messages: RecordedMessage[] = [
    spec('client', '§7.3 HELLO', [
      1,
      'somerealm',
      { agent: 'AutobahnJS-0.9.14', roles: { subscriber: {}, publisher: {} } },
    ]),
    spec('server', '§7.3 WELCOME', [2, 9129137332, { agent: 'Crossbar.io-0.10.11', roles: { broker: {} } }]),
    spec('client', '§8.1.1 SUBSCRIBE', [32, 713845233, {}, 'com.myapp.mytopic1']),
    spec('server', '§8.1.2 SUBSCRIBED', [33, 713845233, 5512315355]),
    spec('client', '§8.2.1 PUBLISH', [
      16,
      239714735,
      {},
      'com.myapp.mytopic1',
      [],
      { color: 'orange', sizes: [23, 42, 7] },
    ]),
    spec('server', '§8.2.2 PUBLISHED', [17, 239714735, 4429313566]),
    spec('server', '§8.2.4 EVENT', [36, 5512315355, 4429313566, {}, ['Hello, world!']]),
    spec('client', '§9.2.1 CALL', [48, 7814135, {}, 'com.myapp.add2', [23, 7]]),
    spec('server', '§9.2.4 RESULT', [50, 7814135, {}, [30]]),
    spec('client', '§9.1.1 REGISTER', [64, 25349185, {}, 'com.myapp.myprocedure1']),
    spec('server', '§9.1.2 REGISTERED', [65, 25349185, 2103333224]),
    spec('server', '§9.2.2 INVOCATION (Registration id of §9.1.2)', [68, 6131533, 2103333224, {}, [23, 7]]),
    spec('client', '§9.2.3 YIELD', [70, 6131533, {}, [30]]),
    spec('client', '§8.1.4 UNSUBSCRIBE', [34, 85346237, 5512315355]),
    spec('server', '§8.1.5 UNSUBSCRIBED', [35, 85346237]),
    spec('client', '§9.2.1 CALL', [48, 7814135, {}, 'com.myapp.ping']),
    spec('server', '§9.2.6 Call ERROR', [8, 48, 7814135, {}, 'wamp.error.no_such_procedure']),
    spec('client', '§7.2 GOODBYE', [6, {}, 'wamp.error.close_realm']),
    spec('server', '§7.2 GOODBYE (reply)', [6, {}, 'wamp.error.goodbye_and_out']),
  ];
  save('wamp', "the WAMP specification's examples (draft-oberstet-hybi-tavendo-wamp-02)", [
    {
      scenario:
        'HELLO, WELCOME, subscribe, publish, an event, a call and its result, register, an invocation and its yield, unsubscribe, a call error, goodbye',
      path: '/ws',
      subprotocol: 'wamp.2.json',
      messages,
    },
    {
      scenario: 'the router refuses the realm',
      path: '/ws',
      subprotocol: 'wamp.2.json',
      messages: [
        spec('client', '§7.3 HELLO', [
          1,
          'somerealm',
          { agent: 'AutobahnJS-0.9.14', roles: { subscriber: {}, publisher: {} } },
        ]),
        spec('server', '§7.1.3 ABORT', [
          3,
          { message: 'The realm does not exist.' },
          'wamp.error.no_such_realm',
        ]),
      ],
    },
  ]);
}

recordMqtt();
recordSignalR();
recordWamp();
await recordStomp();
