import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importHar, importHarValue } from '../../../core/har/har-import';
import { buildHar } from '../../../server/export/har';
import { replayRecording } from '../../../server/export/replay';
import { client, recording, requestHead, responseHead, server } from './fixtures';

const EPOCH = Date.UTC(2025, 0, 2, 3, 4, 5);

function wslabHar() {
  const replayed = replayRecording(
    recording([
      ['client', 100, requestHead()],
      ['server', 101, responseHead()],
      ['client', 110, client({ opcode: 1, payload: 'hi' })],
      ['server', 111, server({ opcode: 2, payload: Uint8Array.of(1, 2, 3) })],
    ]),
  );
  return { har: buildHar([replayed], { epoch: EPOCH, version: '0.1.0' }), replayed };
}

/** A HAR entry as Chrome DevTools exports a WebSocket. */
function chromeHar(messages: unknown[]) {
  return {
    log: {
      version: '1.2',
      creator: { name: 'WebInspector', version: '537.36' },
      pages: [],
      entries: [
        {
          startedDateTime: '2025-01-02T03:04:05.000Z',
          time: 2.5,
          request: {
            method: 'GET',
            url: 'wss://example.test/socket?room=1',
            httpVersion: 'HTTP/1.1',
            headers: [
              { name: 'Host', value: 'example.test' },
              { name: 'Sec-WebSocket-Key', value: 'dGhlIHNhbXBsZSBub25jZQ==' },
              { name: 'Sec-WebSocket-Version', value: '13' },
            ],
            queryString: [],
            cookies: [],
            headersSize: -1,
            bodySize: 0,
          },
          response: {
            status: 101,
            statusText: 'Switching Protocols',
            httpVersion: 'HTTP/1.1',
            headers: [
              { name: 'Sec-WebSocket-Accept', value: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' },
              { name: 'Sec-WebSocket-Extensions', value: 'permessage-deflate; server_no_context_takeover' },
            ],
            cookies: [],
            content: { size: 0, mimeType: 'x-unknown' },
            redirectURL: '',
            headersSize: -1,
            bodySize: 0,
          },
          cache: {},
          timings: { blocked: -1, dns: -1, ssl: -1, connect: -1, send: 0, wait: 2.5, receive: 0 },
          _resourceType: 'websocket',
          _webSocketMessages: messages,
        },
      ],
    },
  };
}

const T0 = EPOCH / 1000;

describe('importing a HAR', () => {
  it('reads a wslab HAR back into the tap events it was written from', () => {
    const { har, replayed } = wslabHar();
    const result = importHar(JSON.stringify(har));
    expect(result).toEqual({
      ok: true,
      source: 'wslab',
      creator: { name: 'wslab', version: '0.1.0' },
      epoch: EPOCH,
      connections: [
        { conn: 'c1', url: 'ws://127.0.0.1:8765/echo', source: 'wslab', events: replayed.events },
      ],
      warnings: [],
    });
  });

  it('reads a Chrome HAR: the handshake from its headers, whole messages from _webSocketMessages', () => {
    const result = importHarValue(
      chromeHar([
        { type: 'send', time: T0 + 0.01, opcode: 1, data: 'héllo' },
        { type: 'receive', time: T0 + 0.02, opcode: 2, data: 'AAH+/w==' },
        { type: 'receive', time: T0 + 0.03, opcode: 9, data: '' },
      ]),
    );
    if (!result.ok) throw new Error(result.error);
    expect(result).toMatchObject({ source: 'chrome', epoch: EPOCH, creator: { name: 'WebInspector' } });
    expect(result.warnings).toEqual([
      'Entry 1 (wss://example.test/socket?room=1): left out 1 message that was neither text nor binary.',
    ]);
    const [connection] = result.connections;
    expect(connection!.conn).toBe('har1');
    const [open, handshake, sent, received] = connection!.events;
    expect(open).toMatchObject({ type: 'open', t: 0, path: '/socket', remote: 'unknown' });
    expect(handshake).toMatchObject({
      type: 'handshake',
      t: 2.5,
      request: { method: 'GET', path: '/socket?room=1', httpVersion: '1.1' },
      response: { status: 101 },
      accept: { ok: true },
      deflate: { serverNoContextTakeover: true },
    });
    expect(sent).toMatchObject({
      type: 'message',
      dir: 'client',
      opcodeName: 'text',
      text: 'héllo',
      size: 6,
    });
    expect(received).toMatchObject({ dir: 'server', opcodeName: 'binary', base64: 'AAH+/w==', size: 4 });
    expect(sent!.t).toBeCloseTo(10, 3);
  });

  it('takes message times in milliseconds too, as some tools write them', () => {
    const result = importHarValue(chromeHar([{ type: 'send', time: EPOCH + 40, opcode: 1, data: 'x' }]));
    expect(result.ok && result.connections[0]!.events[2]!.t).toBe(40);
  });

  describe('explains what is wrong with a file it cannot read', () => {
    it.each([
      [
        'text that is not JSON',
        'GET / HTTP/1.1',
        /^This file is not JSON \(.+\), so it is not a HAR file\.$/,
      ],
      [
        'JSON without a log',
        '{"entries": []}',
        /^This is JSON but not a HAR file: it has no "log" object\.$/,
      ],
      ['a log without entries', '{"log": {"version": "1.2"}}', /"log" has no "entries" list/],
      ['a HAR with no entries', '{"log": {"entries": []}}', /^This HAR file holds no entries/],
      [
        'a HAR of page loads only',
        JSON.stringify({ log: { entries: [{ request: { url: 'https://a.test/' } }, {}] } }),
        /^This HAR file holds 2 entries, but none is a WebSocket connection with its messages/,
      ],
    ])('%s', (_name, text, message) => {
      const result = importHar(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(message);
    });

    it('a binary Chrome message whose data is not base64', () => {
      const result = importHarValue(
        chromeHar([{ type: 'receive', time: T0, opcode: 2, data: 'not base64!' }]),
      );
      expect(result).toEqual({
        ok: false,
        error:
          'Entry 1 (wss://example.test/socket?room=1), _webSocketMessages[0] is binary (opcode 2), but its "data" is not valid base64.',
      });
    });

    it('a Chrome message with neither send nor receive', () => {
      const result = importHarValue(chromeHar([{ type: 'sent', time: T0, opcode: 1, data: 'x' }]));
      expect(result.ok || result.error).toMatch(
        /_webSocketMessages\[0\]: "type" should be "send" or "receive", not "sent"/,
      );
    });

    it('a wslab frame whose payload is not base64', () => {
      const { har } = wslabHar();
      const frame = har.log.entries[0]!._wslab.events.find((e) => e.type === 'frame' && e.dir === 'server')!;
      if (frame.type === 'frame') frame.payload.base64 = '@@@@';
      const index = har.log.entries[0]!._wslab.events.indexOf(frame);
      const result = importHarValue(JSON.parse(JSON.stringify(har)));
      expect(result).toEqual({
        ok: false,
        error: `Entry 1 (ws://127.0.0.1:8765/echo), _wslab.events[${index}] (frame), "payload": "base64" is not valid base64.`,
      });
    });

    it('a wslab event with a field of the wrong type', () => {
      const { har } = wslabHar();
      const value = JSON.parse(JSON.stringify(har));
      value.log.entries[0]._wslab.events[2].fin = 'yes';
      const result = importHarValue(value);
      expect(result.ok || result.error).toMatch(
        /_wslab\.events\[2\] \(frame\): "fin" should be boolean, not string\./,
      );
    });

    it('a wslab HAR from a newer format', () => {
      const { har } = wslabHar();
      const value = JSON.parse(JSON.stringify(har));
      value.log._wslab.format = 99;
      const result = importHarValue(value);
      expect(result.ok || result.error).toMatch(/newer wslab \(format 99\)/);
    });
  });
});

/** Sets `value` at `path` in a copy of `doc`, making objects on the way where there are none. */
function withValueAt(doc: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) {
    const next = at[key];
    if (typeof next !== 'object' || next === null) at[key] = {};
    at = at[key] as Record<string | number, unknown>;
  }
  at[path.at(-1)!] = value;
  return copy;
}

// Where a file can hold the wrong kind of thing, in both kinds of HAR.
const CHROME_PATHS: (string | number)[][] = [
  ['log'],
  ['log', 'creator'],
  ['log', 'creator', 'name'],
  ['log', 'entries'],
  ['log', 'entries', 0],
  ['log', 'entries', 1],
  ['log', 'entries', 0, 'startedDateTime'],
  ['log', 'entries', 0, 'time'],
  ['log', 'entries', 0, 'request'],
  ['log', 'entries', 0, 'request', 'url'],
  ['log', 'entries', 0, 'request', 'method'],
  ['log', 'entries', 0, 'request', 'httpVersion'],
  ['log', 'entries', 0, 'request', 'headers'],
  ['log', 'entries', 0, 'request', 'headers', 0],
  ['log', 'entries', 0, 'request', 'headers', 1, 'value'],
  ['log', 'entries', 0, 'response'],
  ['log', 'entries', 0, 'response', 'status'],
  ['log', 'entries', 0, 'response', 'statusText'],
  ['log', 'entries', 0, 'response', 'headers'],
  ['log', 'entries', 0, 'response', 'headers', 1, 'value'],
  ['log', 'entries', 0, '_webSocketMessages'],
  ['log', 'entries', 0, '_webSocketMessages', 0],
  ['log', 'entries', 0, '_webSocketMessages', 0, 'time'],
  ['log', 'entries', 0, '_webSocketMessages', 0, 'opcode'],
  ['log', 'entries', 0, '_webSocketMessages', 1, 'data'],
  ['log', '_wslab'],
];
const WSLAB_PATHS: (string | number)[][] = [
  ['log', '_wslab'],
  ['log', '_wslab', 'format'],
  ['log', '_wslab', 'epoch'],
  ['log', 'entries', 0, '_wslab'],
  ['log', 'entries', 0, '_wslab', 'conn'],
  ['log', 'entries', 0, '_wslab', 'events'],
  ...[0, 1, 2, 3].flatMap((i) => [
    ['log', 'entries', 0, '_wslab', 'events', i],
    ['log', 'entries', 0, '_wslab', 'events', i, 'type'],
    ['log', 'entries', 0, '_wslab', 'events', i, 'conn'],
    ['log', 'entries', 0, '_wslab', 'events', i, 'dir'],
    ['log', 'entries', 0, '_wslab', 'events', i, 'payload'],
    ['log', 'entries', 0, '_wslab', 'events', i, 'headerHex'],
    ['log', 'entries', 0, '_wslab', 'events', i, 'maskKey'],
    ['log', 'entries', 0, '_wslab', 'events', i, 'text'],
  ]),
];

// JSON values, and objects whose members would break a careless String(value) or template.
const oddJson = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(
    fc.constantFrom('toString', 'valueOf', 'toJSON', 'name', 'value', 'type', 'base64', 'text'),
    fc.jsonValue({ maxDepth: 2 }),
  ),
);

describe('importing any JSON in a HAR’s shape', () => {
  const chrome = chromeHar([
    { type: 'send', time: T0 + 1, opcode: 1, data: 'hello' },
    { type: 'receive', time: T0 + 2, opcode: 2, data: 'AQID' },
  ]);
  const wslab = wslabHar().har;

  it('answers ok or an error, and never throws, whatever is where', () => {
    const cases = fc.oneof(
      fc.tuple(fc.constant(chrome as unknown), fc.constantFrom(...CHROME_PATHS), oddJson),
      fc.tuple(fc.constant(wslab as unknown), fc.constantFrom(...WSLAB_PATHS), oddJson),
    );
    fc.assert(
      fc.property(fc.array(cases, { minLength: 1, maxLength: 3 }), (changes) => {
        let doc: unknown = changes[0]![0];
        for (const [, path, value] of changes) doc = withValueAt(doc, path, value);
        const result = importHarValue(doc);
        expect(typeof result.ok).toBe('boolean');
        expect(result.ok || typeof result.error === 'string').toBe(true);
        expect(typeof importHar(JSON.stringify(doc)).ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('answers an error for any JSON value that is not a HAR', () => {
    fc.assert(
      fc.property(oddJson, (value) => {
        expect(typeof importHarValue(value).ok).toBe('boolean');
        expect(typeof importHarValue({ log: value }).ok).toBe('boolean');
        expect(typeof importHarValue({ log: { entries: value, creator: value } }).ok).toBe('boolean');
      }),
    );
  });

  it('reads a creator whose name is an object with a "toString" member', () => {
    const odd = withValueAt(chrome, ['log', 'creator'], { name: { toString: 1 }, version: 537 });
    const result = importHarValue(odd);
    expect(result.ok && result.creator).toEqual({ name: '', version: '537' });
  });
});

describe('importing a big HAR', () => {
  it('reads 130 000 Chrome WebSocket entries', () => {
    const [entry] = chromeHar([{ type: 'send', time: T0 + 1, opcode: 1, data: 'hi' }]).log.entries;
    const entries = Array.from({ length: 130_000 }, (_, i) => ({
      ...entry!,
      startedDateTime: new Date(EPOCH + 130_000 - i).toISOString(),
    }));
    const result = importHarValue({ log: { creator: { name: 'x', version: '1' }, entries } });
    if (!result.ok) throw new Error(result.error);
    expect(result.connections).toHaveLength(130_000);
    expect(result.epoch).toBe(EPOCH + 1);
    expect(result.connections.at(-1)!.conn).toBe('har130000');
  });

  it('says so when none of 130 000 entries is a WebSocket', () => {
    const entries = Array.from({ length: 130_000 }, () => ({ request: { url: 'http://x.test/' } }));
    const result = importHarValue({ log: { entries } });
    expect(result.ok || result.error).toMatch(/holds 130000 entries, but none is a WebSocket/);
  });
});
