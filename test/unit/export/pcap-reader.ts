// A small, independent pcapng and TCP/IP reader for the tests: it reads what the writer wrote by
// the specification's offsets, not by calling the writer's code.

export interface Block {
  type: number;
  body: DataView;
  bytes: Uint8Array;
  /** Options as [code, value], when the block kind has them after a fixed part of `fixed` bytes. */
  options(fixed: number): [number, Uint8Array][];
}

export function readBlocks(file: Uint8Array): Block[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const blocks: Block[] = [];
  let at = 0;
  while (at < file.length) {
    const type = view.getUint32(at, true);
    const total = view.getUint32(at + 4, true);
    if (total % 4 !== 0 || total < 12 || at + total > file.length)
      throw new Error(`bad block length ${total} at ${at}`);
    if (view.getUint32(at + total - 4, true) !== total) throw new Error(`trailing length differs at ${at}`);
    const bytes = file.subarray(at + 8, at + total - 4);
    const body = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    blocks.push({
      type,
      body,
      bytes,
      options(fixed) {
        const out: [number, Uint8Array][] = [];
        let o = fixed;
        while (o + 4 <= bytes.length) {
          const code = body.getUint16(o, true);
          const length = body.getUint16(o + 2, true);
          if (code === 0) break;
          out.push([code, bytes.slice(o + 4, o + 4 + length)]);
          o += 4 + ((length + 3) & ~3);
        }
        return out;
      },
    });
    at += total;
  }
  return blocks;
}

export interface Packet {
  /** Microseconds since the epoch. */
  timestamp: number;
  data: Uint8Array;
  comment?: string;
}

export function readPackets(file: Uint8Array): Packet[] {
  return readBlocks(file)
    .filter((b) => b.type === 6)
    .map((b) => {
      const high = b.body.getUint32(4, true);
      const low = b.body.getUint32(8, true);
      const captured = b.body.getUint32(12, true);
      const data = b.bytes.slice(20, 20 + captured);
      const comment = b.options(20 + ((captured + 3) & ~3)).find(([code]) => code === 1)?.[1];
      return {
        timestamp: high * 2 ** 32 + low,
        data,
        ...(comment ? { comment: new TextDecoder().decode(comment) } : {}),
      };
    });
}

export interface Segment {
  family: 4 | 6;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: { syn: boolean; ack: boolean; fin: boolean; psh: boolean; rst: boolean };
  window: number;
  options: Uint8Array;
  payload: Uint8Array;
  /** The whole IP packet, header included. */
  ip: Uint8Array;
  tcp: Uint8Array;
}

export function readSegment(frame: Uint8Array): Segment {
  const etherType = (frame[12]! << 8) | frame[13]!;
  const ip = frame.subarray(14);
  let tcp: Uint8Array;
  let family: 4 | 6;
  let src: string;
  let dst: string;
  if (etherType === 0x0800) {
    family = 4;
    const ihl = (ip[0]! & 0x0f) * 4;
    const total = (ip[2]! << 8) | ip[3]!;
    tcp = ip.subarray(ihl, total);
    src = [...ip.subarray(12, 16)].join('.');
    dst = [...ip.subarray(16, 20)].join('.');
  } else if (etherType === 0x86dd) {
    family = 6;
    const length = (ip[4]! << 8) | ip[5]!;
    tcp = ip.subarray(40, 40 + length);
    const words = (bytes: Uint8Array) =>
      Array.from({ length: 8 }, (_, i) => ((bytes[i * 2]! << 8) | bytes[i * 2 + 1]!).toString(16)).join(':');
    src = words(ip.subarray(8, 24));
    dst = words(ip.subarray(24, 40));
  } else {
    throw new Error(`not IP: ethertype 0x${etherType.toString(16)}`);
  }
  const view = new DataView(tcp.buffer, tcp.byteOffset, tcp.byteLength);
  const offset = (tcp[12]! >> 4) * 4;
  const flags = tcp[13]!;
  return {
    family,
    src,
    dst,
    srcPort: view.getUint16(0),
    dstPort: view.getUint16(2),
    seq: view.getUint32(4),
    ack: view.getUint32(8),
    flags: {
      fin: (flags & 1) !== 0,
      syn: (flags & 2) !== 0,
      rst: (flags & 4) !== 0,
      psh: (flags & 8) !== 0,
      ack: (flags & 16) !== 0,
    },
    window: view.getUint16(14),
    options: tcp.slice(20, offset),
    payload: tcp.slice(offset),
    ip,
    tcp,
  };
}

/** Each direction's payload bytes joined, as a receiver would reassemble them by sequence number. */
export function reassemble(
  segments: readonly Segment[],
  clientPort: number,
): { client: Uint8Array; server: Uint8Array } {
  const parts = { client: [] as Uint8Array[], server: [] as Uint8Array[] };
  for (const s of segments) {
    if (s.srcPort !== clientPort && s.dstPort !== clientPort) continue;
    parts[s.srcPort === clientPort ? 'client' : 'server'].push(s.payload);
  }
  const join = (list: Uint8Array[]) => {
    const out = new Uint8Array(list.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of list) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  return { client: join(parts.client), server: join(parts.server) };
}
