import type { HeaderList, RequestHead } from '../core/wire/handshake';

// Credentials a learner may put in a URL or header while trying a real service through wslab.
// The tap and the recordings are shown, logged and exported: they must never carry a secret.
const SECRET_PARAMS = new Set(['key', 'api_key', 'apikey', 'access_token', 'token', 'auth', 'password']);
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-goog-api-key',
  'x-api-key',
]);

export const REDACTED = '[redacted]';

/** `/ws?key=abc&x=1` → `/ws?key=[redacted]&x=1`; the rest of the target is kept as written. */
export function redactTarget(target: string): string {
  const at = target.indexOf('?');
  if (at < 0) return target;
  const query = target
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = decodeSafely(eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
      if (!SECRET_PARAMS.has(name)) return redactNestedTarget(pair);
      return `${eq < 0 ? pair : pair.slice(0, eq)}=${REDACTED}`;
    })
    .join('&');
  return `${target.slice(0, at)}?${query}`;
}

// `/proxy?target=wss%3A%2F%2F…%3Fkey%3Dabc`: a target URL may carry its own secret.
function redactNestedTarget(pair: string): string {
  const eq = pair.indexOf('=');
  if (eq < 0) return pair;
  const value = decodeSafely(pair.slice(eq + 1));
  if (!/^wss?:\/\//i.test(value) || !value.includes('?')) return pair;
  return `${pair.slice(0, eq)}=${encodeURIComponent(redactTarget(value))}`;
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

export function redactHeaders(headers: HeaderList): HeaderList {
  return headers.map(([name, value]) => [name, SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : value]);
}

export function redactRequest(request: RequestHead): RequestHead {
  return { ...request, path: redactTarget(request.path), headers: redactHeaders(request.headers) };
}

export function redactQuery(query: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!query) return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    if (SECRET_PARAMS.has(name.toLowerCase())) out[name] = REDACTED;
    else if (/^wss?:\/\//i.test(value)) out[name] = redactTarget(value);
    else out[name] = value;
  }
  return out;
}
