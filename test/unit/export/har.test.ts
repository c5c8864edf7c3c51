import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildHar } from '../../../server/export/har';
import { replayRecording } from '../../../server/export/replay';
import { WSLAB_VERSION } from '../../../server/export/session-export';
import { client, compress, recording, requestHead, responseHead, server } from './fixtures';

const EPOCH = Date.UTC(2025, 0, 2, 3, 4, 5);
const deflateHeader = 'Sec-WebSocket-Extensions: permessage-deflate';

function conversation() {
  return replayRecording(
    recording([
      ['client', 100, requestHead('/echo?ping=50', [deflateHeader])],
      ['server', 100.5, responseHead([deflateHeader])],
      ['client', 110, client({ opcode: 1, rsv1: true, payload: compress('hello hello hello') })],
      ['server', 111, server({ opcode: 2, payload: Uint8Array.of(0, 1, 254, 255) })],
      ['server', 112, server({ opcode: 9, payload: 'wslab' })],
      ['client', 113, client({ opcode: 8, payload: Uint8Array.of(0x03, 0xe8) })],
      ['server', 114, server({ opcode: 8, payload: Uint8Array.of(0x03, 0xe8) })],
    ]),
  );
}

describe('the HAR export', () => {
  it('names wslab and its package version as the creator, and keeps the epoch for t', () => {
    const har = buildHar([], { epoch: EPOCH, version: WSLAB_VERSION });
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    expect(har.log).toMatchObject({
      version: '1.2',
      creator: { name: 'wslab', version },
      entries: [],
      _wslab: { format: 1, epoch: EPOCH },
    });
  });

  it('writes the upgrade as a normal request and response, as Chrome DevTools reads them', () => {
    const [entry] = buildHar([conversation()], { epoch: EPOCH, version: '1.2.3' }).log.entries;
    expect(entry).toMatchObject({
      startedDateTime: new Date(EPOCH + 100).toISOString(),
      time: 0.5,
      _resourceType: 'websocket',
      serverIPAddress: '127.0.0.1',
      connection: '8765',
      request: {
        method: 'GET',
        url: 'ws://127.0.0.1:8765/echo?ping=50',
        httpVersion: 'HTTP/1.1',
        queryString: [{ name: 'ping', value: '50' }],
        headersSize: requestHead('/echo?ping=50', [deflateHeader]).length,
        bodySize: 0,
      },
      response: {
        status: 101,
        statusText: 'Switching Protocols',
        httpVersion: 'HTTP/1.1',
        content: { size: 0, mimeType: 'x-unknown' },
        redirectURL: '',
      },
      timings: { send: 0, wait: 0.5, receive: 0 },
    });
    expect(entry!.request.headers[0]).toEqual({ name: 'Host', value: '127.0.0.1:8765' });
    expect(entry!.response.headers.map((h) => h.name)).toContain('Sec-WebSocket-Accept');
  });

  it('lists whole messages in _webSocketMessages: inflated, binary in base64, times in epoch seconds', () => {
    const [entry] = buildHar([conversation()], { epoch: EPOCH, version: '1.2.3' }).log.entries;
    expect(entry!._webSocketMessages).toEqual([
      { type: 'send', time: (EPOCH + 110) / 1000, opcode: 1, data: 'hello hello hello' },
      { type: 'receive', time: (EPOCH + 111) / 1000, opcode: 2, data: 'AAH+/w==' },
    ]);
  });

  it('keeps every frame under _wslab: control frames, RSV1, mask keys and the compressed bytes', () => {
    const replayed = conversation();
    const [entry] = buildHar([replayed], { epoch: EPOCH, version: '1.2.3' }).log.entries;
    const wslab = entry!._wslab;
    expect(wslab).toMatchObject({
      conn: 'c1',
      kind: 'echo',
      remote: '127.0.0.1:40000',
      local: '127.0.0.1:8765',
      openedAt: 100,
      closedAt: 200,
      truncated: false,
      incomplete: { client: 0, server: 0 },
      deflate: { serverMaxWindowBits: 15 },
    });
    expect(wslab.events).toEqual(replayed.events);
    const frames = wslab.events.filter((e) => e.type === 'frame');
    expect(frames.map((f) => f.type === 'frame' && [f.dir, f.opcodeName, f.rsv1, f.maskKey])).toEqual([
      ['client', 'text', true, '11223344'],
      ['server', 'binary', false, null],
      ['server', 'ping', false, null],
      ['client', 'close', false, '11223344'],
      ['server', 'close', false, null],
    ]);
    expect(frames[0]).toMatchObject({
      payload: { base64: Buffer.from(compress('hello hello hello')).toString('base64') },
    });
    expect(wslab.events.at(-1)).toMatchObject({
      type: 'close',
      code: 1000,
      initiator: 'client',
      clean: true,
    });
  });

  it('survives JSON: what it writes parses back to the same log', () => {
    const har = buildHar([conversation()], { epoch: EPOCH, version: '1.2.3' });
    expect(JSON.parse(JSON.stringify(har))).toEqual(har);
  });

  it('gives an answer that never came status 0, and a refusal its status', () => {
    const unanswered = replayRecording(recording([['client', 100, requestHead()]], { closedAt: 150 }));
    const refused = replayRecording(
      recording([
        ['client', 100, requestHead()],
        ['server', 101, 'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'],
      ]),
    );
    const [a, b] = buildHar([unanswered, refused], { epoch: EPOCH, version: '1' }).log.entries;
    expect(a!.response).toMatchObject({ status: 0, statusText: '', headers: [] });
    expect(a!._webSocketMessages).toEqual([]);
    expect(b!.response).toMatchObject({ status: 502, statusText: 'Bad Gateway', bodySize: -1 });
  });
});
