import { isIP } from 'node:net';
import type { HandshakeRefusalCode } from '../../core/tap/events';

export interface ProxyTarget {
  url: URL;
  secure: boolean;
  host: string;
  port: number;
}

export type TargetResult =
  | { ok: true; target: ProxyTarget }
  | { ok: false; status: number; reason: string; code: HandshakeRefusalCode };

/** Parses a `ws://` or `wss://` target URL. */
export function parseTarget(text: string): TargetResult {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return {
      ok: false,
      status: 400,
      code: 'BAD_TARGET',
      reason: `target is not a URL: ${JSON.stringify(text.slice(0, 200))}`,
    };
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    return {
      ok: false,
      status: 400,
      code: 'BAD_TARGET',
      reason: `target must be a ws:// or wss:// URL, not ${url.protocol}`,
    };
  }
  if (url.username || url.password) {
    return {
      ok: false,
      status: 400,
      code: 'BAD_TARGET',
      reason: 'target must not carry credentials in the URL',
    };
  }
  const secure = url.protocol === 'wss:';
  const bare = url.hostname.replace(/^\[(.*)\]$/, '$1');
  // An IPv4-mapped address is that IPv4 address: connect to it as such, which works without IPv6.
  const host = mappedIPv4(bare) ?? bare;
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  return { ok: true, target: { url, secure, host, port } };
}

/**
 * `::ffff:127.0.0.1`, or `::ffff:7f00:1` as the URL parser writes it (RFC 4291 §2.5.5.2), as
 * `127.0.0.1`; null for any other address.
 */
export function mappedIPv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted && isIP(dotted[1]!) === 4) return dotted[1]!;
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex || isIP(lower) !== 6) return null;
  const high = Number.parseInt(hex[1]!, 16);
  const low = Number.parseInt(hex[2]!, 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback: addresses on this machine only. */
export function isLoopbackAddress(address: string): boolean {
  const plain = mappedIPv4(address) ?? address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return isIP(plain) === 6 && /^(?:0{0,4}:){0,7}:?0{0,3}1$/.test(plain) && plain.endsWith(':1');
}

/**
 * Is this target one wslab may relay to? Loopback addresses always; anything else only when the
 * user named it with --allow-target `host` or `host:port`. Without this the relay would be an open
 * proxy into whatever network the machine can reach.
 */
export function isAllowedTarget(host: string, port: number, allowed: readonly string[]): boolean {
  const lower = host.toLowerCase();
  if (lower === 'localhost' || isLoopbackAddress(lower)) return true;
  return allowed.some((entry) => {
    const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(entry.trim().toLowerCase());
    if (!match) return false;
    return match[1] === lower && (match[2] === undefined || Number(match[2]) === port);
  });
}
