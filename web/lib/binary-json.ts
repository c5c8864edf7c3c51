// JSON sent as UTF-8 in a binary frame, as Google's Live API (and the local stand-in) sends every
// message. The page shows it as the text it is, marked as binary, so a learner reads a message
// rather than base64 or hex; any other binary payload stays bytes (never text with U+FFFD).
import { decodeUtf8Strict, fromBase64 } from '../../core/wire/bytes';

const OPEN_BRACE = 0x7b;

/** The text of bytes that are a UTF-8 JSON object (they start with `{`), or null. */
export function jsonTextOfBytes(bytes: Uint8Array): string | null {
  return bytes[0] === OPEN_BRACE ? decodeUtf8Strict(bytes) : null;
}

/** The same for a base64 payload; `{` encodes to a leading `e`, so most payloads are passed over undecoded. */
export function jsonTextOfBase64(base64: string | undefined): string | null {
  if (base64 === undefined || !base64.startsWith('e')) return null;
  const bytes = fromBase64(base64);
  return bytes ? jsonTextOfBytes(bytes) : null;
}
