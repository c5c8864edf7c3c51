// MQTT, STOMP and SignalR apps inspected through wslab: a small server on loopback (a `ws` server
// that answers MQTT with mqtt-packet, STOMP with stompjs' own parser and frames, and SignalR's JSON
// hub protocol) is wslab's --target, and the real clients (raw mqtt-packet, stompjs' Client,
// SignalR's HubConnection) connect through /proxy, MQTT and STOMP with their subprotocols. The page
// must name every packet, frame and hub message, link an exchange's messages, and show a packet
// split over two WebSocket messages once it is whole.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { HttpTransportType, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import type { Locator, Page } from '@playwright/test';
import { Client, FrameImpl, Parser } from '@stomp/stompjs';
import mqttPacket from 'mqtt-packet';
import { type WebSocket as Socket, WebSocket, WebSocketServer } from 'ws';
import { test as base, expect } from './fixtures';

interface Upstream {
  url: string;
}

/** A broker of one connection at a time: enough MQTT and STOMP to answer what the tests send. */
function serveMqtt(socket: Socket): void {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const send = (packet: mqttPacket.Packet) => socket.send(mqttPacket.generate(packet));
  parser.on('packet', (packet) => {
    if (packet.cmd === 'connect') send({ cmd: 'connack', returnCode: 0, sessionPresent: false });
    if (packet.cmd === 'subscribe')
      send({ cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map((s) => s.qos) });
    if (packet.cmd === 'publish') {
      if (packet.qos === 1) send({ cmd: 'puback', messageId: packet.messageId });
      send({
        cmd: 'publish',
        topic: packet.topic,
        payload: packet.payload,
        qos: 0,
        retain: false,
        dup: false,
      });
    }
    if (packet.cmd === 'pingreq') send({ cmd: 'pingresp' });
  });
  socket.on('message', (data: Buffer) => parser.parse(data));
}

function serveStomp(socket: Socket): void {
  const send = (command: string, headers: Record<string, string>, body = '') =>
    socket.send(new FrameImpl({ command, headers, body, escapeHeaderValues: true }).serialize());
  const subscriptions = new Map<string, string>();
  const parser = new Parser(
    ({ command, headers, binaryBody }) => {
      const header = (name: string) => headers.find(([key]) => key === name)?.[1] ?? '';
      if (command === 'CONNECT') send('CONNECTED', { version: '1.2', 'heart-beat': '0,0' });
      if (command === 'SUBSCRIBE') subscriptions.set(header('destination'), header('id'));
      if (command === 'SEND') {
        const id = subscriptions.get(header('destination'));
        if (id !== undefined)
          send(
            'MESSAGE',
            { subscription: id, 'message-id': 'm-1', destination: header('destination') },
            new TextDecoder().decode(binaryBody),
          );
      }
      if (header('receipt')) send('RECEIPT', { 'receipt-id': header('receipt') });
    },
    () => {},
  );
  socket.on('message', (data: Buffer) => parser.parseChunk(new Uint8Array(data).buffer));
}

/** SignalR's JSON hub protocol: the handshake, then Add answered by a Completion and Counter by a stream. */
function serveSignalR(socket: Socket): void {
  const RS = '\u001e';
  const send = (message: object) => socket.send(`${JSON.stringify(message)}${RS}`);
  let handshake = false;
  socket.on('message', (data: Buffer) => {
    for (const record of String(data).split(RS).filter(Boolean)) {
      if (!handshake) {
        handshake = true;
        socket.send(`{}${RS}`);
        continue;
      }
      const message = JSON.parse(record) as {
        type: number;
        target?: string;
        invocationId?: string;
        arguments?: number[];
      };
      const [a = 0, b = 0] = message.arguments ?? [];
      if (message.type === 1 && message.target === 'Add')
        send({ type: 3, invocationId: message.invocationId, result: a + b });
      if (message.type === 4 && message.target === 'Counter') {
        for (let i = 0; i < Math.min(a, 10); i++)
          send({ type: 2, invocationId: message.invocationId, item: i });
        send({ type: 3, invocationId: message.invocationId });
      }
    }
  });
}

const test = base.extend<object, { upstream: Upstream }>({
  upstream: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from its first parameter.
    async ({}, use) => {
      const server = new WebSocketServer({
        host: '127.0.0.1',
        port: 0,
        handleProtocols: (offered) => [...offered][0] ?? false,
      });
      await once(server, 'listening');
      server.on('connection', (socket) => {
        if (socket.protocol === 'mqtt') serveMqtt(socket);
        else if (socket.protocol === 'v12.stomp') serveStomp(socket);
        else serveSignalR(socket);
      });
      await use({ url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    { scope: 'worker' },
  ],
  serverOptions: [async ({ upstream }, use) => use({ target: upstream.url }), { scope: 'worker' }],
});

function proxyUrl(wslabUrl: string): string {
  return `${wslabUrl.replace(/^http/, 'ws')}proxy`;
}

/** The frame row whose protocol label reads exactly `label`. */
function rowLabelled(page: Page, label: string): Locator {
  return page
    .getByTestId('frame-row')
    .filter({ has: page.getByTestId('protocol-label').getByText(label, { exact: true }) });
}

async function labelsFit(page: Page): Promise<void> {
  for (const label of await page.getByTestId('protocol-label').all()) {
    if (!(await label.isVisible())) continue;
    const fits = await label.evaluate((el) => el.scrollWidth <= el.clientWidth && el.clientWidth > 0);
    expect(fits, (await label.textContent()) ?? '').toBe(true);
  }
}

test('an MQTT client through /proxy shows its packets named, a PUBLISH linked to its PUBACK, and a packet split over two messages', async ({
  app,
  server,
  errors,
}, testInfo) => {
  const socket = new WebSocket(proxyUrl(server.url), ['mqtt']);
  const received: Buffer[] = [];
  socket.on('message', (data: Buffer) => received.push(data));
  await once(socket, 'open');
  expect(socket.protocol).toBe('mqtt');
  const send = (packet: mqttPacket.Packet) => socket.send(mqttPacket.generate(packet));
  const answers = async (count: number) => expect.poll(() => received.length).toBeGreaterThanOrEqual(count);
  try {
    send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      clientId: 'e2e-client',
      keepalive: 30,
    });
    await answers(1);
    send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'chat/+', qos: 1 }] });
    await answers(2);
    // One PUBLISH in two WebSocket messages: MQTT over WebSocket allows it (MQTT 5.0 §6.0).
    const publish = mqttPacket.generate({
      cmd: 'publish',
      topic: 'chat/room1',
      payload: Buffer.from('hello'),
      qos: 1,
      messageId: 2,
      retain: false,
      dup: false,
    });
    socket.send(publish.subarray(0, 6));
    socket.send(publish.subarray(6));
    await answers(4);

    for (const label of [
      'CONNECT 3.1.1 e2e-client',
      'CONNACK Connection Accepted',
      'SUBSCRIBE #1 chat/+',
      'SUBACK #1 Granted QoS 1',
      'part of a packet · 6 bytes so far',
      'PUBLISH chat/room1 QoS 1 #2 · 5 B',
      'PUBACK #2',
      'PUBLISH chat/room1 QoS 0 · 5 B',
    ])
      await expect(rowLabelled(app, label), label).toHaveCount(1);
    await labelsFit(app);

    // The client's PUBLISH links to the broker's PUBACK, and back.
    const publishRow = rowLabelled(app, 'PUBLISH chat/room1 QoS 1 #2 · 5 B');
    await publishRow.click();
    const detail = app.getByTestId('frame-detail');
    await expect(detail.getByTestId('protocol-kind')).toHaveText('PUBLISH chat/room1 QoS 1 #2 · 5 B');
    await expect(detail.getByTestId('json-tree').first()).toContainText('chat/room1');
    await detail.getByTestId('protocol-link').filter({ hasText: 'PUBACK #2' }).click();
    await expect(rowLabelled(app, 'PUBACK #2')).toHaveAttribute('aria-selected', 'true');

    // The broker's PUBLISH links to the subscription its topic matches.
    await rowLabelled(app, 'PUBLISH chat/room1 QoS 0 · 5 B').click();
    await expect(detail.getByTestId('protocol-link').filter({ hasText: 'SUBSCRIBE #1 chat/+' })).toHaveCount(
      1,
    );
    await app.screenshot({ path: testInfo.outputPath('mqtt.png') });
    expect(errors.messages).toEqual([]);
  } finally {
    socket.close();
  }
});

test('a stompjs client through /proxy shows its frames named, a SUBSCRIBE linked to its MESSAGE, and a SEND to its RECEIPT', async ({
  app,
  server,
  errors,
}, testInfo) => {
  const client = new Client({
    webSocketFactory: () => new WebSocket(proxyUrl(server.url), ['v12.stomp']),
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    reconnectDelay: 0,
  });
  const connected = new Promise<void>((resolve) => {
    client.onConnect = () => resolve();
  });
  client.activate();
  try {
    await connected;
    const message = new Promise<string>((resolve) =>
      client.subscribe('/topic/chat', (m) => resolve(m.body), { id: 'sub-0' }),
    );
    client.publish({ destination: '/topic/chat', body: 'hello', headers: { receipt: 'r-1' } });
    expect(await message).toBe('hello');

    for (const label of [
      'CONNECT accepts 1.2,1.1,1.0',
      'CONNECTED 1.2 heart-beat 0,0',
      'SUBSCRIBE /topic/chat · sub-0',
      'SEND /topic/chat · 5 B',
      'MESSAGE /topic/chat · sub-0 · 5 B',
      'RECEIPT r-1',
    ])
      await expect(rowLabelled(app, label), label).toHaveCount(1);
    await labelsFit(app);

    await rowLabelled(app, 'SUBSCRIBE /topic/chat · sub-0').click();
    const detail = app.getByTestId('frame-detail');
    await detail
      .getByTestId('protocol-link')
      .filter({ hasText: 'MESSAGE /topic/chat · sub-0 · 5 B' })
      .click();
    await expect(rowLabelled(app, 'MESSAGE /topic/chat · sub-0 · 5 B')).toHaveAttribute(
      'aria-selected',
      'true',
    );
    await expect(detail.getByTestId('json-tree').first()).toContainText('hello');

    await rowLabelled(app, 'SEND /topic/chat · 5 B').click();
    await expect(detail.getByTestId('protocol-link').filter({ hasText: 'RECEIPT r-1' })).toHaveCount(1);
    await app.screenshot({ path: testInfo.outputPath('stomp.png') });
    expect(errors.messages).toEqual([]);
  } finally {
    await client.deactivate({ force: true });
  }
});

test('a SignalR HubConnection through /proxy shows its handshake and hub messages named, an invocation linked to its completion and a stream to its items', async ({
  app,
  server,
  errors,
}, testInfo) => {
  // SignalR negotiates no subprotocol: the page recognises it by the client's handshake request.
  const connection = new HubConnectionBuilder()
    .withUrl(`${server.url}proxy`, { skipNegotiation: true, transport: HttpTransportType.WebSockets })
    .configureLogging(LogLevel.Warning)
    .build();
  await connection.start();
  try {
    expect(await connection.invoke('Add', 2, 3)).toBe(5);
    const items: number[] = [];
    await new Promise<void>((resolve, reject) => {
      connection
        .stream<number>('Counter', 2)
        .subscribe({ next: (item) => items.push(item), complete: resolve, error: reject });
    });
    expect(items).toEqual([0, 1]);

    for (const [label, count] of [
      ['handshake json v1', 1],
      ['handshake accepted', 1],
      ['Invocation Add #0', 1],
      ['Completion Add #0 · result', 1],
      ['StreamInvocation Counter #1', 1],
      ['StreamItem Counter #1', 2],
      ['Completion Counter #1', 1],
    ] as const)
      await expect(rowLabelled(app, label), label).toHaveCount(count);
    await labelsFit(app);

    await rowLabelled(app, 'Invocation Add #0').click();
    const detail = app.getByTestId('frame-detail');
    await expect(detail.getByTestId('json-tree').first()).toContainText('arguments');
    await detail.getByTestId('protocol-link').filter({ hasText: 'Completion Add #0 · result' }).click();
    await expect(rowLabelled(app, 'Completion Add #0 · result')).toHaveAttribute('aria-selected', 'true');

    await rowLabelled(app, 'StreamInvocation Counter #1').click();
    await expect(
      detail.getByTestId('protocol-link').filter({ hasText: 'StreamItem Counter #1' }),
    ).toHaveCount(2);
    await app.screenshot({ path: testInfo.outputPath('signalr.png') });
    expect(errors.messages).toEqual([]);
  } finally {
    await connection.stop();
  }
});
