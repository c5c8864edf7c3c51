import { describe, expect, it } from 'vitest';
import { acceptedDeflate, parseExtensions } from '../../../core/wire/extensions';

describe('Sec-WebSocket-Extensions', () => {
  it('splits offers and their parameters, lower-casing names and unquoting values', () => {
    expect(parseExtensions('permessage-deflate; client_max_window_bits, x-foo; A="1"')).toEqual([
      { name: 'permessage-deflate', params: [['client_max_window_bits', true]] },
      { name: 'x-foo', params: [['a', '1']] },
    ]);
  });

  it('reads the permessage-deflate parameters a server accepted (RFC 7692 §7.1)', () => {
    expect(
      acceptedDeflate('permessage-deflate; server_no_context_takeover; client_max_window_bits=10'),
    ).toEqual({
      serverNoContextTakeover: true,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 10,
    });
  });

  it('reports no compression when the answer names none, or only another extension', () => {
    expect(acceptedDeflate(undefined)).toBeNull();
    expect(acceptedDeflate('x-webkit-deflate-frame')).toBeNull();
  });

  it('falls back to a 15-bit window for a window size out of range', () => {
    expect(acceptedDeflate('permessage-deflate; server_max_window_bits=99')?.serverMaxWindowBits).toBe(15);
  });
});
