// A connection's opening handshake: the request, the answer, and Sec-WebSocket-Accept derived
// again in the page (RFC 6455 §4.2.2): key + GUID → SHA-1 → base64, with a tick when it matches.
import type { PayloadView, TapHandshakeEvent, UpstreamView } from '../../core/tap/events';
import { toBase64, toHex, utf8 } from '../../core/wire/bytes';
import type { DeflateParams } from '../../core/wire/extensions';
import { headerValue, WEBSOCKET_GUID } from '../../core/wire/handshake';
import { sha1 } from '../../core/wire/sha1';
import { h } from '../lib/dom';

interface AcceptDerivation {
  key: string;
  hashHex: string;
  expected: string;
  actual: string | null;
  ok: boolean;
}

/**
 * Each handshake's derivation, made the first time the summary or the card needs it: the lane's
 * summary is redrawn with every frame, and SHA-1 once per handshake is enough.
 */
const derivations = new WeakMap<TapHandshakeEvent, AcceptDerivation>();

/** Recomputes the accept value here, independent of what the server's tap says. */
function deriveInPage(handshake: TapHandshakeEvent): AcceptDerivation {
  let derivation = derivations.get(handshake);
  if (!derivation) {
    derivation = derive(handshake);
    derivations.set(handshake, derivation);
  }
  return derivation;
}

function derive(handshake: TapHandshakeEvent): AcceptDerivation {
  const key = headerValue(handshake.request.headers, 'sec-websocket-key') ?? '';
  const hash = sha1(utf8(key + WEBSOCKET_GUID));
  const expected = toBase64(hash);
  const actual = headerValue(handshake.response.headers, 'sec-websocket-accept') ?? null;
  return {
    key,
    hashHex: toHex(hash),
    expected,
    actual,
    ok: handshake.response.status === 101 && actual === expected,
  };
}

function headerList(headers: [string, string][]): HTMLElement {
  return h(
    'dl',
    { className: 'headers' },
    ...headers.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]),
  );
}

function acceptState(handshake: TapHandshakeEvent): 'ok' | 'mismatch' | 'none' {
  if (handshake.response.status !== 101) return 'none';
  return deriveInPage(handshake).ok ? 'ok' : 'mismatch';
}

/** The one-line summary: `GET /echo → 101 Switching Protocols ✓ accept`. */
export function handshakeSummary(handshake: TapHandshakeEvent): HTMLElement {
  const state = acceptState(handshake);
  return h(
    'span',
    { className: 'handshake-summary' },
    `${handshake.request.method} ${handshake.request.path} → `,
    h(
      'span',
      { className: `status s${String(handshake.response.status)[0]}` },
      `${handshake.response.status} ${handshake.response.reason}`,
    ),
    state === 'ok'
      ? h(
          'span',
          {
            className: 'tick',
            'data-testid': 'accept-ok',
            title: 'Sec-WebSocket-Accept matches',
            'aria-label': 'accept matches',
          },
          ' ✓ accept',
        )
      : state === 'mismatch'
        ? h('span', { className: 'cross', title: 'Sec-WebSocket-Accept does not match' }, ' ✗ accept')
        : null,
  );
}

/**
 * One relayed HTTP exchange in a line, as a network panel shows a request: method, sizes and
 * status. The lane's head already shows the URL.
 */
export function httpExchangeSummary(handshake: TapHandshakeEvent): HTMLElement {
  const { request, response } = handshake;
  return h(
    'span',
    {
      className: 'handshake-summary',
      'data-testid': 'http-exchange-summary',
      title: `${request.method} ${request.path}`,
    },
    `${request.method} ${request.body ? `${request.body.size} B` : 'no body'} → `,
    h(
      'span',
      { className: `status s${String(response.status)[0]}` },
      `${response.status} ${response.reason}`,
    ),
    `, ${response.body ? `${response.body.size} B` : 'no body'}`,
  );
}

/** What the 101 answer's permessage-deflate entry settled, per direction (RFC 7692 §7.1). */
function deflateParams(params: DeflateParams): HTMLElement {
  const side = (who: string, noTakeover: boolean, bits: number): HTMLElement =>
    h(
      'li',
      {},
      `${who}: window ${bits} bits (${2 ** bits / 1024} KiB), `,
      noTakeover ? h('code', {}, `${who}_no_context_takeover`) : 'context kept from message to message',
    );
  return h(
    'div',
    { className: 'deflate-params', 'data-testid': 'deflate-params' },
    h('div', {}, h('strong', {}, 'permessage-deflate'), ' negotiated (RFC 7692):'),
    h(
      'ul',
      {},
      side('server', params.serverNoContextTakeover, params.serverMaxWindowBits),
      side('client', params.clientNoContextTakeover, params.clientMaxWindowBits),
    ),
  );
}

/** What followed an answer that was not 101: plain HTTP (RFC 6455 §4.1), shown as its bytes say. */
function answerBody(body: PayloadView & { size: number }, testId = 'handshake-body'): HTMLElement {
  const shown = body.text ?? `base64 ${body.base64 ?? ''}`;
  const cut = body.truncated ? ` (first bytes of ${body.size})` : '';
  return h(
    'div',
    { className: 'http-body', 'data-testid': testId },
    h('div', { className: 'muted' }, `Body, ${body.size} B${cut}; not a WebSocket, so not frames:`),
    h('pre', { className: 'wrap' }, shown),
  );
}

/** Where `/proxy` sent this connection: what the upstream got where it differs from the client's request. */
function upstreamCard(upstream: UpstreamView): HTMLElement {
  const tls =
    upstream.tls === 'none'
      ? 'none (plain TCP)'
      : upstream.tls === 'verified'
        ? 'certificate verified'
        : `not verified (--insecure)${upstream.tlsError ? `: ${upstream.tlsError}` : ''}`;
  return h(
    'div',
    { className: 'upstream', 'data-testid': 'handshake-upstream' },
    h('div', { className: 'muted' }, 'Relayed by /proxy; the upstream got:'),
    h(
      'dl',
      { className: 'headers' },
      h('dt', {}, 'target'),
      h('dd', {}, upstream.target),
      h('dt', {}, 'request line'),
      h('dd', {}, h('code', {}, upstream.requestLine)),
      h('dt', {}, 'Host'),
      h('dd', {}, upstream.host),
      h('dt', {}, 'TLS'),
      h('dd', { className: upstream.tls === 'insecure' ? 'warn' : '' }, tls),
    ),
  );
}

export function renderHandshake(handshake: TapHandshakeEvent, upstream?: UpstreamView): HTMLElement {
  const derivation = deriveInPage(handshake);
  const state = acceptState(handshake);
  const { request, response } = handshake;
  return h(
    'div',
    { className: 'handshake-body' },
    h(
      'div',
      { className: 'http-head' },
      h('code', {}, `${request.method} ${request.path} HTTP/${request.httpVersion}`),
      headerList(request.headers),
    ),
    request.body ? answerBody(request.body, 'request-body') : null,
    upstream ? upstreamCard(upstream) : null,
    h(
      'div',
      { className: 'http-head' },
      h('code', {}, `HTTP/1.1 ${response.status} ${response.reason}`),
      headerList(response.headers),
    ),
    response.body ? answerBody(response.body) : null,
    handshake.rejected
      ? h('p', { className: 'warn', 'data-testid': 'handshake-refused' }, `Refused: ${handshake.rejected}`)
      : null,
    handshake.deflate ? deflateParams(handshake.deflate) : null,
    derivation.key
      ? h(
          'div',
          { className: 'accept', 'data-accept': state },
          h('div', { className: 'muted' }, 'Sec-WebSocket-Accept, computed in this page (RFC 6455 §4.2.2):'),
          h('div', {}, 'key ', h('code', {}, derivation.key)),
          h('div', {}, '+ GUID ', h('code', {}, WEBSOCKET_GUID)),
          h('div', {}, '→ SHA-1 ', h('code', { className: 'wrap' }, derivation.hashHex)),
          h('div', {}, '→ base64 ', h('code', {}, derivation.expected)),
          h(
            'div',
            {},
            'server sent ',
            h('code', {}, derivation.actual ?? '(none)'),
            state === 'ok'
              ? h('span', { className: 'tick' }, ' ✓ matches')
              : state === 'mismatch'
                ? h('span', { className: 'cross' }, ' ✗ differs')
                : null,
          ),
        )
      : null,
  );
}
