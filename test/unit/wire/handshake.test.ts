import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/wire/bytes';
import {
  checkAccept,
  checkUpgradeRequest,
  deriveAccept,
  findHeadEnd,
  formatHead,
  type HeaderList,
  headerValue,
  parseRequestHead,
  parseResponseHead,
  type RequestHead,
  WEBSOCKET_GUID,
} from '../../../core/wire/handshake';
import { sha1 } from '../../../core/wire/sha1';

const ascii = (text: string) => new TextEncoder().encode(text);

describe('sha1', () => {
  // FIPS 180-2 appendix A and the usual empty-string vector.
  const vectors: [string, string][] = [
    ['', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    ['abc', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '84983e441c3bd26ebaae4aa1f95129e5e54670f1'],
    ['The quick brown fox jumps over the lazy dog', '2fd4e1c67a2d28fced849ee1bb76e7391b93eb12'],
  ];
  for (const [input, digest] of vectors) {
    it(`hashes ${JSON.stringify(input.slice(0, 20))} (${input.length} bytes) to the known digest`, () => {
      expect(toHex(sha1(ascii(input)))).toBe(digest);
    });
  }

  it('hashes a million "a" to the known digest', () => {
    expect(toHex(sha1(new Uint8Array(1_000_000).fill(0x61)))).toBe(
      '34aa973cd4c4daa4f61eeb2bdbad27316534016f',
    );
  });

  it('agrees with node:crypto at every length around the 64-byte block and padding boundaries', () => {
    for (let length = 0; length <= 200; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
      expect(toHex(sha1(bytes)), `length ${length}`).toBe(createHash('sha1').update(bytes).digest('hex'));
    }
  });

  it('agrees with node:crypto on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        expect(toHex(sha1(bytes))).toBe(createHash('sha1').update(bytes).digest('hex'));
      }),
    );
  });
});

describe('deriveAccept', () => {
  it('derives the RFC 6455 §1.3 example answer', () => {
    expect(deriveAccept('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('uses the GUID of RFC 6455 §1.3', () => {
    expect(WEBSOCKET_GUID).toBe('258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
  });

  it('agrees with node:crypto for random 16-byte keys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (raw) => {
        const key = Buffer.from(raw).toString('base64');
        const expected = createHash('sha1')
          .update(key + WEBSOCKET_GUID)
          .digest('base64');
        expect(deriveAccept(key)).toBe(expected);
      }),
    );
  });
});

const REQUEST =
  'GET /chat?room=1 HTTP/1.1\r\n' +
  'Host: server.example.com\r\n' +
  'upgrade: websocket\r\n' +
  'Connection: keep-alive, Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  'Origin: http://example.com\r\n' +
  'Sec-WebSocket-Protocol: chat\r\n' +
  'sec-websocket-protocol: superchat\r\n' +
  'Sec-WebSocket-Version: 13\r\n' +
  '\r\n';

const RESPONSE =
  'HTTP/1.1 101 Switching Protocols\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: Upgrade\r\n' +
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
  '\r\n';

function request(): RequestHead {
  const parsed = parseRequestHead(REQUEST);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.head;
}

function withHeaders(change: (headers: HeaderList) => HeaderList, head = request()): RequestHead {
  return { ...head, headers: change(head.headers.map(([n, v]) => [n, v])) };
}

describe('handshake parsing', () => {
  it('parses the request line and keeps every header in wire order and wire case', () => {
    expect(request()).toEqual({
      method: 'GET',
      path: '/chat?room=1',
      httpVersion: '1.1',
      headers: [
        ['Host', 'server.example.com'],
        ['upgrade', 'websocket'],
        ['Connection', 'keep-alive, Upgrade'],
        ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
        ['Origin', 'http://example.com'],
        ['Sec-WebSocket-Protocol', 'chat'],
        ['sec-websocket-protocol', 'superchat'],
        ['Sec-WebSocket-Version', '13'],
      ],
    });
  });

  it('parses a status line and its headers', () => {
    const parsed = parseResponseHead(RESPONSE);
    expect(parsed).toEqual({
      ok: true,
      head: {
        httpVersion: '1.1',
        status: 101,
        reason: 'Switching Protocols',
        headers: [
          ['Upgrade', 'websocket'],
          ['Connection', 'Upgrade'],
          ['Sec-WebSocket-Accept', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='],
        ],
      },
    });
  });

  it('ignores what follows the blank line, such as the first frame bytes', () => {
    const parsed = parseResponseHead(`${RESPONSE}\u0081\u0002hi`);
    expect(parsed.ok && parsed.head.headers).toHaveLength(3);
  });

  it('serialises a parsed head back to the same text', () => {
    const head = request();
    expect(formatHead(`${head.method} ${head.path} HTTP/${head.httpVersion}`, head.headers)).toBe(REQUEST);
  });

  it('reads header values case-insensitively and joins repeated ones', () => {
    const headers = request().headers;
    expect(headerValue(headers, 'SEC-WEBSOCKET-PROTOCOL')).toBe('chat, superchat');
    expect(headerValue(headers, 'Upgrade')).toBe('websocket');
    expect(headerValue(headers, 'Sec-WebSocket-Extensions')).toBeUndefined();
  });

  it('refuses what is not an HTTP head, without throwing', () => {
    expect(parseRequestHead('hello\r\n\r\n')).toMatchObject({ ok: false });
    expect(parseRequestHead('GET / HTTP/1.1\r\nno colon here\r\n\r\n')).toMatchObject({ ok: false });
    expect(parseResponseHead('HTTP/1.1 ok\r\n\r\n')).toMatchObject({ ok: false });
    expect(parseResponseHead('')).toMatchObject({ ok: false });
  });

  it('finds the end of a head, also when the search resumes in the middle of the blank line', () => {
    const bytes = ascii(`${RESPONSE}\u0081`);
    expect(findHeadEnd(bytes)).toBe(RESPONSE.length);
    for (let from = 0; from <= RESPONSE.length; from++) {
      expect(findHeadEnd(bytes.subarray(0, from)), `first ${from} bytes`).toBe(
        from === RESPONSE.length ? from : -1,
      );
      // Resuming at `from` means the first `from` bytes held no blank line yet.
      if (from < RESPONSE.length) {
        expect(findHeadEnd(bytes, from), `resumed at ${from}`).toBe(RESPONSE.length);
      }
    }
  });
});

describe('checkUpgradeRequest', () => {
  it('accepts the RFC 6455 §1.3 opening handshake', () => {
    expect(checkUpgradeRequest(request())).toEqual({
      ok: true,
      key: 'dGhlIHNhbXBsZSBub25jZQ==',
      version: 13,
    });
  });

  it('answers 405 to a method other than GET', () => {
    expect(checkUpgradeRequest({ ...request(), method: 'POST' })).toMatchObject({ ok: false, status: 405 });
  });

  it('answers 400 to HTTP/1.0', () => {
    expect(checkUpgradeRequest({ ...request(), httpVersion: '1.0' })).toMatchObject({
      ok: false,
      status: 400,
    });
  });

  it('answers 400 without Upgrade: websocket', () => {
    const head = withHeaders((h) => h.filter(([n]) => n.toLowerCase() !== 'upgrade'));
    expect(checkUpgradeRequest(head)).toMatchObject({ ok: false, status: 400, reason: /Upgrade/ });
    const wrong = withHeaders((h) => h.map(([n, v]) => [n, n === 'upgrade' ? 'h2c' : v]));
    expect(checkUpgradeRequest(wrong)).toMatchObject({ ok: false, status: 400 });
  });

  it('answers 400 without Connection: Upgrade', () => {
    const head = withHeaders((h) => h.map(([n, v]) => [n, n === 'Connection' ? 'keep-alive' : v]));
    expect(checkUpgradeRequest(head)).toMatchObject({ ok: false, status: 400, reason: /Connection/ });
  });

  it('answers 400 to a missing, malformed or repeated Sec-WebSocket-Key', () => {
    const keys: (string | null)[] = [null, 'short==', 'dGhlIHNhbXBsZSBub25jZQ', 'dGhlIHNhbXBsZSBub25jZQ=!'];
    for (const key of keys) {
      const head = withHeaders((h) =>
        h.flatMap(
          ([n, v]): HeaderList => (n === 'Sec-WebSocket-Key' ? (key === null ? [] : [[n, key]]) : [[n, v]]),
        ),
      );
      expect(checkUpgradeRequest(head), String(key)).toMatchObject({ ok: false, status: 400, reason: /Key/ });
    }
    const twice = withHeaders((h) => [...h, ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==']]);
    expect(checkUpgradeRequest(twice)).toMatchObject({ ok: false, status: 400 });
  });

  it('answers 426 with Sec-WebSocket-Version: 13 to another or a missing version (RFC 6455 §4.4)', () => {
    for (const version of ['8', '14', null]) {
      const head = withHeaders((h) =>
        h.flatMap(
          ([n, v]): HeaderList =>
            n === 'Sec-WebSocket-Version' ? (version === null ? [] : [[n, version]]) : [[n, v]],
        ),
      );
      expect(checkUpgradeRequest(head), String(version)).toEqual({
        ok: false,
        status: 426,
        reason: expect.stringContaining('Sec-WebSocket-Version'),
        headers: [['Sec-WebSocket-Version', '13']],
      });
    }
  });

  it('checks in a fixed order: method, then Upgrade, then key, then version', () => {
    const broken = withHeaders(() => [], { ...request(), method: 'PUT' });
    expect(checkUpgradeRequest(broken)).toMatchObject({ status: 405 });
    const noUpgradeNoKey = withHeaders((h) => h.filter(([n]) => !/^(upgrade|sec-websocket-key)$/i.test(n)));
    expect(checkUpgradeRequest(noUpgradeNoKey)).toMatchObject({ status: 400, reason: /Upgrade/ });
    const noKeyNoVersion = withHeaders((h) => h.filter(([n]) => !/^sec-websocket-(key|version)$/i.test(n)));
    expect(checkUpgradeRequest(noKeyNoVersion)).toMatchObject({ status: 400, reason: /Key/ });
  });
});

describe('checkAccept', () => {
  it('accepts the RFC 6455 §1.3 answer', () => {
    const response = parseResponseHead(RESPONSE);
    if (!response.ok) throw new Error(response.error);
    expect(checkAccept(request(), response.head)).toEqual({
      key: 'dGhlIHNhbXBsZSBub25jZQ==',
      expected: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
      actual: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
      ok: true,
    });
  });

  it('refuses a wrong or missing accept value, and any status but 101', () => {
    const response = parseResponseHead(RESPONSE);
    if (!response.ok) throw new Error(response.error);
    const wrong = {
      ...response.head,
      headers: response.head.headers.map(([n, v]): [string, string] => [
        n,
        n.startsWith('Sec') ? `x${v}` : v,
      ]),
    };
    expect(checkAccept(request(), wrong)).toMatchObject({
      ok: false,
      actual: 'xs3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
    });
    const missing = {
      ...response.head,
      headers: response.head.headers.filter(([n]) => !n.startsWith('Sec')),
    };
    expect(checkAccept(request(), missing)).toMatchObject({ ok: false, actual: null });
    expect(checkAccept(request(), { ...response.head, status: 200 })).toMatchObject({ ok: false });
  });
});
