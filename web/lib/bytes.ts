// The bytes of a payload the tap carries as text or base64.

import type { PayloadView } from '../../core/tap/events';
import { fromBase64, utf8 } from '../../core/wire/bytes';

export function payloadBytes(payload: PayloadView | { text?: string; base64?: string }): Uint8Array {
  if (payload.text !== undefined) return utf8(payload.text);
  if (payload.base64 !== undefined) return fromBase64(payload.base64) ?? new Uint8Array(0);
  return new Uint8Array(0);
}
