// Lays one recorded connection out as the TCP segments that carried it: a three-way handshake,
// the recorded chunks in wire order with correct sequence and acknowledgement numbers, and a FIN
// exchange when the connection closed. The recorder kept the bytes, not the packets, so the
// packets are synthesized; what Wireshark reassembles from them is exactly the recorded streams.
// Pure: bytes in, frames out.
import type { Direction } from '../../core/wire/direction';
import { type Endpoint, segmentFrame, TcpFlag, type TcpSegment } from './ip-packet';

export interface StreamChunk {
  dir: Direction;
  /** ms, on the recording's clock. */
  t: number;
  bytes: Uint8Array;
}

export interface TcpConversation {
  client: Endpoint;
  server: Endpoint;
  openedAt: number;
  /** When the TCP connection closed; null while it is still open (no FIN is written). */
  closedAt: number | null;
  chunks: readonly StreamChunk[];
  /** The recording left bytes out after its last chunk. */
  truncated?: boolean;
  /** Shown as a comment on the SYN, e.g. the connection id and path. */
  label?: string;
  /** Initial sequence numbers; by default derived from the endpoints, so an export is reproducible. */
  clientIsn?: number;
  serverIsn?: number;
}

export interface TimedFrame {
  /** ms, on the recording's clock. */
  t: number;
  /** An Ethernet frame. */
  frame: Uint8Array;
  comment?: string;
}

/**
 * The most payload one segment carries: what fits in an IPv4 packet of 65535 bytes after 20 bytes
 * of IP and 20 of TCP header, which is also the MSS a Linux loopback interface announces.
 */
export const MAX_SEGMENT = 65495;

// RFC 7323 §2.3: the largest window scale. Without the receiver's own ACKs (the recording has none)
// a one-sided burst of recorded bytes would otherwise look to Wireshark like a full window.
const WINDOW_SCALE = 14;
const WINDOW = 0xffff;
// Spacing of the synthesized packets around a recorded instant: one microsecond, the capture's resolution.
const TICK = 0.001;

/** MSS (kind 2), NOP, window scale (kind 3): what each SYN announces (RFC 9293 §3.2, RFC 7323 §2.2). */
function synOptions(): Uint8Array {
  return Uint8Array.of(2, 4, MAX_SEGMENT >> 8, MAX_SEGMENT & 0xff, 1, 3, 3, WINDOW_SCALE);
}

/** FNV-1a over the endpoints: an ISN that differs per connection and is the same on every export. */
function isnOf(from: Endpoint, to: Endpoint, salt: number): number {
  let hash = 0x811c9dc5 ^ salt;
  const feed = (byte: number): void => {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  };
  for (const b of from.ip.bytes) feed(b);
  for (const b of to.ip.bytes) feed(b);
  feed(from.port >> 8);
  feed(from.port & 0xff);
  feed(to.port >> 8);
  feed(to.port & 0xff);
  return hash >>> 0;
}

export function tcpStream(conversation: TcpConversation, maxSegment = MAX_SEGMENT): TimedFrame[] {
  const { client, server } = conversation;
  const frames: TimedFrame[] = [];
  // Next sequence number each side will send, and IPv4 identification counters.
  let clientSeq = (conversation.clientIsn ?? isnOf(client, server, 0)) >>> 0;
  let serverSeq = (conversation.serverIsn ?? isnOf(server, client, 1)) >>> 0;
  let clientId = 1;
  let serverId = 1;

  const send = (dir: Direction, t: number, fields: Partial<TcpSegment>, comment?: string): void => {
    const fromClient = dir === 'client';
    const segment: TcpSegment = {
      src: fromClient ? client : server,
      dst: fromClient ? server : client,
      seq: fromClient ? clientSeq : serverSeq,
      // Everything the other side has sent so far has arrived: the recording is in wire order.
      ack: fromClient ? serverSeq : clientSeq,
      flags: TcpFlag.ACK,
      window: WINDOW,
      ipId: fromClient ? clientId++ : serverId++,
      ...fields,
    };
    frames.push({ t, frame: segmentFrame(segment), ...(comment ? { comment } : {}) });
    const advance = (segment.payload?.length ?? 0) + (segment.flags & (TcpFlag.SYN | TcpFlag.FIN) ? 1 : 0);
    if (fromClient) clientSeq = (clientSeq + advance) >>> 0;
    else serverSeq = (serverSeq + advance) >>> 0;
  };

  // The three-way handshake (RFC 9293 §3.5), just before the first recorded byte.
  const start = conversation.chunks[0]?.t ?? conversation.openedAt;
  send('client', start - 3 * TICK, { flags: TcpFlag.SYN, ack: 0, options: synOptions() }, conversation.label);
  send('server', start - 2 * TICK, { flags: TcpFlag.SYN | TcpFlag.ACK, options: synOptions() });
  send('client', start - TICK, {});

  let last = start;
  for (const chunk of conversation.chunks) {
    const { bytes } = chunk;
    last = Math.max(last, chunk.t);
    for (let at = 0; at < bytes.length; at += maxSegment) {
      const end = Math.min(bytes.length, at + maxSegment);
      // PSH on the segment that ends what the sender wrote in one go (RFC 9293 §3.9.1).
      const flags = end === bytes.length ? TcpFlag.ACK | TcpFlag.PSH : TcpFlag.ACK;
      send(chunk.dir, last, { flags, payload: bytes.subarray(at, end) });
    }
  }
  if (conversation.truncated && frames.length > 0) {
    const lastFrame = frames[frames.length - 1]!;
    lastFrame.comment =
      'wslab: the recording budget ran out here; later bytes of this connection were not kept';
  }

  if (conversation.closedAt !== null) {
    // The recording notes when the connection closed, not who closed it: the server goes first,
    // as RFC 6455 §7.1.1 asks of a server once the closing handshake is done.
    const end = Math.max(last, conversation.closedAt);
    send('server', end, { flags: TcpFlag.FIN | TcpFlag.ACK });
    send('client', end + TICK, { flags: TcpFlag.FIN | TcpFlag.ACK });
    send('server', end + 2 * TICK, {});
  }
  return frames;
}
