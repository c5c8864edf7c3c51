// IPv4, IPv6 and TCP headers as bytes, with their checksums, and Ethernet framing as a Linux
// loopback capture has it. Pure: no Node APIs, so it runs (and is tested) anywhere.

export interface IpAddress {
  family: 4 | 6;
  bytes: Uint8Array;
}

export interface Endpoint {
  ip: IpAddress;
  port: number;
}

export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
} as const;

export interface TcpSegment {
  src: Endpoint;
  dst: Endpoint;
  seq: number;
  ack: number;
  flags: number;
  /** The window field as sent (before any scaling the SYNs agreed). */
  window: number;
  /** TCP options, already encoded; padded here to a multiple of 4 bytes. */
  options?: Uint8Array;
  payload?: Uint8Array;
  /** IPv4 identification field. */
  ipId?: number;
}

const PROTOCOL_TCP = 6;
const TTL = 64;

/** Parses a dotted IPv4 address, or returns null. */
export function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    out[i] = Number(part);
  }
  return out;
}

/** Parses an IPv6 address (RFC 4291 §2.2, `::` and a trailing dotted IPv4 included), or returns null. */
export function parseIPv6(text: string): Uint8Array | null {
  let rest = text.replace(/%.*$/, ''); // a zone id (`fe80::1%lo`) names an interface, not address bits
  const words: number[] = [];
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(rest);
  if (v4) {
    const bytes = parseIPv4(v4[1]!);
    if (!bytes) return null;
    rest = rest.slice(0, -v4[1]!.length);
    if (rest.endsWith(':') && !rest.endsWith('::')) rest = rest.slice(0, -1);
    tail.push((bytes[0]! << 8) | bytes[1]!, (bytes[2]! << 8) | bytes[3]!);
  }
  const halves = rest.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const word of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/i.test(word)) return null;
      out.push(Number.parseInt(word, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const after = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !after) return null;
  const given = head.length + after.length + tail.length;
  if (halves.length === 2 ? given > 7 : given !== 8) return null;
  words.push(...head, ...new Array(8 - given).fill(0), ...after, ...tail);
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = words[i]! >> 8;
    out[i * 2 + 1] = words[i]! & 0xff;
  }
  return out;
}

/**
 * Parses `ip:port` or `[ipv6]:port` as the recorder writes them. An IPv4-mapped IPv6 address
 * (`::ffff:127.0.0.1`, what a dual-stack listener reports) becomes the IPv4 address it maps.
 */
export function parseEndpoint(text: string): Endpoint | null {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  const plain = /^([^:]+):(\d+)$/.exec(text);
  const match = bracketed ?? plain;
  if (!match) return null;
  const port = Number(match[2]);
  if (port > 65535) return null;
  if (plain) {
    const bytes = parseIPv4(match[1]!);
    return bytes ? { ip: { family: 4, bytes }, port } : null;
  }
  const bytes = parseIPv6(match[1]!);
  if (!bytes) return null;
  const mapped = bytes.subarray(0, 12).every((b, i) => b === (i >= 10 ? 0xff : 0));
  return mapped ? { ip: { family: 4, bytes: bytes.slice(12) }, port } : { ip: { family: 6, bytes }, port };
}

/** The 16-bit ones' complement of the ones' complement sum (RFC 1071), over several parts. */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  let odd = false; // a part of odd length leaves the next part's first byte in the low half
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      sum += odd ? part[i]! : part[i]! << 8;
      odd = !odd;
    }
  }
  // The sum stays exact in a double far past any packet's size; fold the carries back in (§2(1)).
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

function put16(out: Uint8Array, at: number, value: number): void {
  out[at] = (value >>> 8) & 0xff;
  out[at + 1] = value & 0xff;
}

function put32(out: Uint8Array, at: number, value: number): void {
  out[at] = (value >>> 24) & 0xff;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

/** The TCP header and payload (RFC 9293 §3.1), checksummed over the IP pseudo-header. */
export function tcpSegmentBytes(segment: TcpSegment): Uint8Array {
  const options = segment.options ?? new Uint8Array(0);
  const optionBytes = (options.length + 3) & ~3;
  const payload = segment.payload ?? new Uint8Array(0);
  const headerLength = 20 + optionBytes;
  const out = new Uint8Array(headerLength + payload.length);
  put16(out, 0, segment.src.port);
  put16(out, 2, segment.dst.port);
  put32(out, 4, segment.seq >>> 0);
  put32(out, 8, segment.ack >>> 0);
  out[12] = (headerLength / 4) << 4;
  out[13] = segment.flags;
  put16(out, 14, segment.window);
  // bytes 16-17: checksum, 18-19: urgent pointer, both 0 for now
  out.set(options, 20); // the padding after the options is zeros: end-of-option-list (RFC 9293 §3.2)
  out.set(payload, headerLength);
  put16(out, 16, internetChecksum(pseudoHeader(segment.src.ip, segment.dst.ip, out.length), out));
  return out;
}

/** RFC 9293 §3.1 (IPv4) and RFC 8200 §8.1 (IPv6): what the TCP checksum also covers. */
export function pseudoHeader(src: IpAddress, dst: IpAddress, tcpLength: number): Uint8Array {
  if (src.family === 4) {
    const out = new Uint8Array(12);
    out.set(src.bytes, 0);
    out.set(dst.bytes, 4);
    out[9] = PROTOCOL_TCP;
    put16(out, 10, tcpLength);
    return out;
  }
  const out = new Uint8Array(40);
  out.set(src.bytes, 0);
  out.set(dst.bytes, 16);
  put32(out, 32, tcpLength);
  out[39] = PROTOCOL_TCP;
  return out;
}

/** Wraps a TCP segment in an IPv4 header (RFC 791) or an IPv6 header (RFC 8200). */
export function ipPacket(src: IpAddress, dst: IpAddress, tcp: Uint8Array, ipId = 0): Uint8Array {
  if (src.family !== dst.family) throw new Error('both ends of a packet must be IPv4 or both IPv6');
  if (src.family === 4) {
    const total = 20 + tcp.length;
    if (total > 0xffff) throw new Error(`an IPv4 packet holds at most 65535 bytes, not ${total}`);
    const out = new Uint8Array(total);
    out[0] = 0x45; // version 4, 5 words of header
    put16(out, 2, total);
    put16(out, 4, ipId & 0xffff);
    put16(out, 6, 0x4000); // don't fragment
    out[8] = TTL;
    out[9] = PROTOCOL_TCP;
    out.set(src.bytes, 12);
    out.set(dst.bytes, 16);
    put16(out, 10, internetChecksum(out.subarray(0, 20)));
    out.set(tcp, 20);
    return out;
  }
  if (tcp.length > 0xffff) throw new Error(`an IPv6 payload holds at most 65535 bytes, not ${tcp.length}`);
  const out = new Uint8Array(40 + tcp.length);
  out[0] = 0x60; // version 6, traffic class and flow label 0
  put16(out, 4, tcp.length);
  out[6] = PROTOCOL_TCP;
  out[7] = TTL; // hop limit
  out.set(src.bytes, 8);
  out.set(dst.bytes, 24);
  out.set(tcp, 40);
  return out;
}

/** An Ethernet II frame with zero MAC addresses, as Linux captures on its loopback interface. */
export function ethernetFrame(packet: Uint8Array): Uint8Array {
  const out = new Uint8Array(14 + packet.length);
  put16(out, 12, packet[0]! >> 4 === 6 ? 0x86dd : 0x0800);
  out.set(packet, 14);
  return out;
}

/** A whole frame for one TCP segment: Ethernet, IP, TCP. */
export function segmentFrame(segment: TcpSegment): Uint8Array {
  return ethernetFrame(ipPacket(segment.src.ip, segment.dst.ip, tcpSegmentBytes(segment), segment.ipId));
}
