// RFC 7692: the permessage-deflate extension, as negotiated in Sec-WebSocket-Extensions.

export interface DeflateParams {
  /** The server starts each message with an empty window (RFC 7692 §7.1.1.1). */
  serverNoContextTakeover: boolean;
  /** The client starts each message with an empty window (§7.1.1.2). */
  clientNoContextTakeover: boolean;
  /** LZ77 window of the server's compressor, 8-15 bits (§7.1.2.1); 15 when not limited. */
  serverMaxWindowBits: number;
  /** LZ77 window of the client's compressor (§7.1.2.2); 15 when not limited. */
  clientMaxWindowBits: number;
}

export type ExtensionOffer = { name: string; params: [string, string | true][] };

/** Splits a Sec-WebSocket-Extensions value into offers and their parameters (RFC 6455 §9.1). */
export function parseExtensions(value: string): ExtensionOffer[] {
  return value
    .split(',')
    .map((offer) => offer.trim())
    .filter((offer) => offer !== '')
    .map((offer) => {
      const [name = '', ...params] = offer.split(';').map((part) => part.trim());
      return {
        name: name.toLowerCase(),
        params: params
          .filter((p) => p !== '')
          .map((p): [string, string | true] => {
            const eq = p.indexOf('=');
            if (eq < 0) return [p.toLowerCase(), true];
            return [
              p.slice(0, eq).trim().toLowerCase(),
              p
                .slice(eq + 1)
                .trim()
                .replace(/^"(.*)"$/, '$1'),
            ];
          }),
      };
    });
}

/**
 * The permessage-deflate parameters a server *accepted* in its 101 answer, or null when it
 * accepted none. A server answers with at most one permessage-deflate entry (§5).
 */
export function acceptedDeflate(responseExtensions: string | undefined): DeflateParams | null {
  if (!responseExtensions) return null;
  const offer = parseExtensions(responseExtensions).find((o) => o.name === 'permessage-deflate');
  if (!offer) return null;
  const params: DeflateParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: 15,
    clientMaxWindowBits: 15,
  };
  for (const [name, value] of offer.params) {
    if (name === 'server_no_context_takeover') params.serverNoContextTakeover = true;
    else if (name === 'client_no_context_takeover') params.clientNoContextTakeover = true;
    else if (name === 'server_max_window_bits' && value !== true)
      params.serverMaxWindowBits = windowBits(value);
    else if (name === 'client_max_window_bits' && value !== true)
      params.clientMaxWindowBits = windowBits(value);
  }
  return params;
}

function windowBits(value: string): number {
  const bits = Number(value);
  return Number.isInteger(bits) && bits >= 8 && bits <= 15 ? bits : 15;
}
