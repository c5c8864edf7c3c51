import { describe, expect, it } from 'vitest';
import { internetChecksum, parseEndpoint, pseudoHeader } from '../../../server/export/ip-packet';
import { type StreamChunk, type TcpConversation, tcpStream } from '../../../server/export/tcp-stream';
import { readSegment, reassemble, type Segment } from './pcap-reader';

const client = parseEndpoint('127.0.0.1:40000')!;
const server = parseEndpoint('127.0.0.1:8765')!;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function conversation(chunks: StreamChunk[], more: Partial<TcpConversation> = {}): TcpConversation {
  return { client, server, openedAt: 10, closedAt: 20, chunks, clientIsn: 1000, serverIsn: 5000, ...more };
}

function segments(c: TcpConversation, maxSegment?: number): Segment[] {
  return tcpStream(c, maxSegment).map((f) => readSegment(f.frame));
}

const flagsOf = (s: Segment): string =>
  (['syn', 'fin', 'psh', 'ack'] as const).filter((f) => s.flags[f]).join('+');

describe('a recorded connection as TCP segments', () => {
  it('opens with SYN, SYN-ACK, ACK and numbers every byte both ways', () => {
    const list = segments(
      conversation([
        { dir: 'client', t: 10, bytes: bytes('GET / HTTP/1.1\r\n\r\n') }, // 18 bytes
        { dir: 'server', t: 11, bytes: bytes('HTTP/1.1 101 OK\r\n\r\n') }, // 19 bytes
        { dir: 'client', t: 12, bytes: bytes('abc') },
      ]),
    );
    expect(list.map((s) => [s.srcPort, flagsOf(s), s.seq, s.ack, s.payload.length])).toEqual([
      [40000, 'syn', 1000, 0, 0],
      [8765, 'syn+ack', 5000, 1001, 0],
      [40000, 'ack', 1001, 5001, 0],
      [40000, 'psh+ack', 1001, 5001, 18],
      [8765, 'psh+ack', 5001, 1019, 19],
      [40000, 'psh+ack', 1019, 5020, 3],
      // The server closes first, the client answers with its own FIN, the server acknowledges it.
      [8765, 'fin+ack', 5020, 1022, 0],
      [40000, 'fin+ack', 1022, 5021, 0],
      [8765, 'ack', 5021, 1023, 0],
    ]);
  });

  it('announces MSS and window scale on both SYNs', () => {
    const [syn, synAck] = segments(conversation([]));
    for (const s of [syn!, synAck!]) expect([...s.options]).toEqual([2, 4, 0xff, 0xd7, 1, 3, 3, 14]);
  });

  it('splits a chunk larger than a segment, PSH on its last piece only', () => {
    const big = new Uint8Array(150_000).map((_, i) => i & 0xff);
    const list = segments(conversation([{ dir: 'server', t: 10, bytes: big }]), 65495);
    const data = list.filter((s) => s.payload.length > 0);
    expect(data.map((s) => [s.payload.length, s.flags.psh, s.seq - 5001])).toEqual([
      [65495, false, 0],
      [65495, false, 65495],
      [19010, true, 130990],
    ]);
    expect(Buffer.from(reassemble(list, 40000).server).equals(big)).toBe(true);
  });

  it('writes no FIN while the connection is still open', () => {
    const list = segments(conversation([{ dir: 'client', t: 10, bytes: bytes('x') }], { closedAt: null }));
    expect(list.some((s) => s.flags.fin)).toBe(false);
  });

  it('wraps sequence numbers past 2^32', () => {
    const list = segments(
      conversation([{ dir: 'client', t: 10, bytes: bytes('abcd') }], { clientIsn: 0xfffffffe }),
    );
    const data = list.find((s) => s.payload.length > 0)!;
    expect(data.seq).toBe(0xffffffff);
    expect(list.at(-2)!.seq).toBe(3); // the client's FIN: 0xffffffff + 4, modulo 2^32
  });

  it('puts the SYN just before the first recorded byte and keeps time in order', () => {
    const frames = tcpStream(
      conversation([
        { dir: 'client', t: 10, bytes: bytes('a') },
        { dir: 'server', t: 15, bytes: bytes('b') },
      ]),
    );
    const times = frames.map((f) => f.t);
    expect(times[0]).toBeLessThan(10);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times.at(-3)).toBe(20);
  });

  it('labels the SYN and marks where a truncated recording stops', () => {
    const frames = tcpStream(
      conversation([{ dir: 'client', t: 10, bytes: bytes('a') }], {
        label: 'wslab c1',
        truncated: true,
        closedAt: null,
      }),
    );
    expect(frames[0]!.comment).toBe('wslab c1');
    expect(frames.at(-1)!.comment).toMatch(/recording budget ran out/);
  });

  it('gives every segment good IP and TCP checksums', () => {
    const list = segments(conversation([{ dir: 'client', t: 10, bytes: bytes('odd') }]));
    for (const s of list) {
      expect(internetChecksum(s.ip.subarray(0, 20))).toBe(0);
      expect(internetChecksum(pseudoHeader(client.ip, server.ip, s.tcp.length), s.tcp)).toBe(0);
    }
  });
});
