import { isIP } from 'node:net';

/**
 * DNS rebinding: a hostile page whose name resolves to 127.0.0.1 reaches this server with its own
 * name in `Host`. Accept only IP literals, `localhost` (and `*.localhost`, RFC 6761 §6.3), and the
 * names the user bound to or allowed.
 */
export function isAllowedHost(hostHeader: string | undefined, allowedNames: readonly string[]): boolean {
  if (!hostHeader) return false;
  const name = hostName(hostHeader);
  if (name === null) return false;
  if (isIP(name) !== 0) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  return allowedNames.some((allowed) => allowed.toLowerCase() === name);
}

/** `example.com:80` → `example.com`, `[::1]:8765` → `::1`. Null when it is not a host. */
export function hostName(hostHeader: string): string | null {
  const value = hostHeader.trim().toLowerCase();
  const bracket = /^\[([0-9a-f:.]+)\](?::\d+)?$/.exec(value);
  if (bracket) return bracket[1]!;
  const plain = /^([a-z0-9.-]+)(?::\d+)?$/.exec(value);
  return plain ? plain[1]! : null;
}

/**
 * Cross-site WebSocket hijacking: browsers send `Origin` on every WebSocket handshake and the
 * server must check it (RFC 6455 §10.2). A page may use `/tap` only from this server's own origin.
 * No Origin at all means a non-browser client (wscat, a script), which a web page cannot pose as.
 */
export function isSameOrigin(originHeader: string | undefined, hostHeader: string | undefined): boolean {
  if (originHeader === undefined) return true;
  if (!hostHeader) return false;
  let origin: URL;
  try {
    origin = new URL(originHeader);
  } catch {
    return false; // includes the opaque origin "null" of sandboxed frames and file:// pages
  }
  if (origin.protocol !== 'http:' && origin.protocol !== 'https:') return false;
  return origin.host.toLowerCase() === hostHeader.trim().toLowerCase();
}

/**
 * The origin a page names in `--allow-origin`, as browsers write it in `Origin` (scheme, host,
 * port; no path), or null when it is not an http(s) origin. `*` is not one: letting every site
 * in is what the guard is there to stop.
 */
export function normalOrigin(text: string): string | null {
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (url.pathname !== '/' || url.search || url.hash || url.username) return null;
    return url.origin;
  } catch {
    return null;
  }
}

/**
 * `/proxy` takes this server's own pages, clients that send no Origin, and the pages the user
 * named with `--allow-origin` (their own app, served from its own origin).
 */
export function isProxyOrigin(
  originHeader: string | undefined,
  hostHeader: string | undefined,
  allowOrigins: readonly string[],
): boolean {
  if (isSameOrigin(originHeader, hostHeader)) return true;
  const origin = originHeader === undefined ? null : normalOrigin(originHeader);
  return origin !== null && allowOrigins.includes(origin);
}

/** How to let a page refused by `/proxy` in, for the refusal's text (nothing for `null`). */
export function proxyOriginHint(originHeader: string | undefined): string {
  const origin = originHeader === undefined ? null : normalOrigin(originHeader);
  return origin === null ? '' : `; if it is your app's page, start wslab with --allow-origin ${origin}`;
}

/**
 * A page on another site can still send a GET with no `Origin` at all (`fetch(url, {mode:
 * 'no-cors'})`, an `<img>`, a form): browsers name every request's relation to the page that made
 * it in `Sec-Fetch-Site` (Fetch Metadata), so refuse anything but this origin's own requests.
 * `none` is the user's own navigation (a typed URL, a bookmark); no header at all means a client
 * that is not a browser (curl, a script) or a browser too old to say.
 */
export function isSameOriginFetch(secFetchSite: string | undefined): boolean {
  return secFetchSite === undefined || secFetchSite === 'same-origin' || secFetchSite === 'none';
}
