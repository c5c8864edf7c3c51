// RFC 6455 §7.4.1 and the IANA "WebSocket Close Code Number Registry" (§11.7).

export interface CloseCodeInfo {
  code: number;
  name: string;
  meaning: string;
  /** May a peer put it in a close frame? 1005, 1006 and 1015 only ever describe a close locally. */
  onWire: boolean;
}

const TABLE: readonly CloseCodeInfo[] = [
  { code: 1000, name: 'normal', meaning: 'the purpose of the connection is fulfilled', onWire: true },
  {
    code: 1001,
    name: 'going away',
    meaning: 'a server shutting down or a page navigating away',
    onWire: true,
  },
  {
    code: 1002,
    name: 'protocol error',
    meaning: 'the peer broke the framing rules of RFC 6455',
    onWire: true,
  },
  {
    code: 1003,
    name: 'unsupported data',
    meaning: 'a kind of data the endpoint cannot accept',
    onWire: true,
  },
  { code: 1004, name: 'reserved', meaning: 'reserved by RFC 6455 §7.4.1 with no meaning yet', onWire: false },
  {
    code: 1005,
    name: 'no status received',
    meaning: 'the close frame carried no code (never sent on the wire)',
    onWire: false,
  },
  {
    code: 1006,
    name: 'abnormal closure',
    meaning: 'the TCP connection dropped without a closing handshake (never sent on the wire)',
    onWire: false,
  },
  {
    code: 1007,
    name: 'invalid payload',
    meaning: 'data inconsistent with its type, such as bad UTF-8',
    onWire: true,
  },
  { code: 1008, name: 'policy violation', meaning: 'a message broke a rule of the endpoint', onWire: true },
  {
    code: 1009,
    name: 'message too big',
    meaning: 'a message larger than the endpoint accepts',
    onWire: true,
  },
  {
    code: 1010,
    name: 'mandatory extension',
    meaning: 'the client needed an extension the server did not agree to',
    onWire: true,
  },
  { code: 1011, name: 'internal error', meaning: 'the server hit an unexpected condition', onWire: true },
  { code: 1012, name: 'service restart', meaning: 'the server is restarting; reconnect later', onWire: true },
  { code: 1013, name: 'try again later', meaning: 'the server is overloaded; reconnect later', onWire: true },
  { code: 1014, name: 'bad gateway', meaning: 'a gateway got an invalid answer from upstream', onWire: true },
  {
    code: 1015,
    name: 'TLS handshake failed',
    meaning: 'the TLS handshake failed (never sent on the wire)',
    onWire: false,
  },
];

const BY_CODE = new Map(TABLE.map((entry) => [entry.code, entry]));

/** Name and meaning of any close code, including the registered, library and private ranges. */
export function closeCodeInfo(code: number): CloseCodeInfo {
  const known = BY_CODE.get(code);
  if (known) return known;
  if (code >= 3000 && code <= 3999) {
    return {
      code,
      name: 'registered',
      meaning: 'registered with IANA for libraries and frameworks',
      onWire: true,
    };
  }
  if (code >= 4000 && code <= 4999) {
    return {
      code,
      name: 'private',
      meaning: 'private use, agreed between the two applications',
      onWire: true,
    };
  }
  return {
    code,
    name: 'invalid',
    meaning: 'not a code a close frame may carry (RFC 6455 §7.4)',
    onWire: false,
  };
}

/**
 * May this code appear in a close frame? RFC 6455 §7.4.1-2: 1000-1003 and 1007-1014 (the later
 * registrations 1012-1014 included), 3000-4999; never 1004-1006, 1015 or anything below 1000.
 * This is the same set `ws` accepts, so the tap and the server agree on what is a protocol error.
 */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}

/** `1000 normal`, `4000 private "bye"`: one line for logs and the inspector. Never throws. */
export function describeClose(code: number | null | undefined, reason = ''): string {
  if (code === null || code === undefined) return 'no status code';
  const info = closeCodeInfo(code);
  return reason ? `${code} ${info.name} ${JSON.stringify(reason)}` : `${code} ${info.name}`;
}
