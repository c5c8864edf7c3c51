import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../core/wire/bytes';
import {
  internetChecksum,
  ipPacket,
  parseEndpoint,
  parseIPv6,
  pseudoHeader,
  segmentFrame,
  TcpFlag,
  type TcpSegment,
  tcpSegmentBytes,
} from '../../../server/export/ip-packet';
import { readSegment } from './pcap-reader';

const hex = (text: string): Uint8Array => fromHex(text)!;
const client = parseEndpoint('127.0.0.1:40000')!;
const server = parseEndpoint('127.0.0.1:8765')!;
const request = new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n');

describe('the internet checksum', () => {
  it('matches the worked example of RFC 1071 §3', () => {
    // The sum of 0001 f203 f4f5 f6f7 is ddf2 after the carry; the checksum is its complement.
    expect(internetChecksum(hex('0001f203f4f5f6f7'))).toBe(0xffff - 0xddf2);
  });

  it('gives the well-known checksum of a sample IPv4 header', () => {
    // 192.168.0.1 → 192.168.0.199, UDP, total length 0x73: checksum b861.
    expect(internetChecksum(hex('450000730000400040110000c0a80001c0a800c7'))).toBe(0xb861);
  });

  it('carries an odd byte across parts as if they were one buffer', () => {
    const whole = hex('0102030405060708090a');
    expect(internetChecksum(whole.subarray(0, 3), whole.subarray(3, 7), whole.subarray(7))).toBe(
      internetChecksum(whole),
    );
  });

  it('stays exact over a payload far larger than a packet', () => {
    const big = new Uint8Array(1 << 20).fill(0xff);
    // Ones' complement sum of 0xffff words is 0xffff (negative zero); its complement is 0.
    expect(internetChecksum(big)).toBe(0);
  });
});

describe('IPv4 and TCP headers', () => {
  // The checksums below were confirmed by Wireshark's own validation (ip/tcp.check_checksum).
  it('writes a SYN with MSS and window scale, and its checksums', () => {
    const syn: TcpSegment = {
      src: client,
      dst: server,
      seq: 1000,
      ack: 0,
      flags: TcpFlag.SYN,
      window: 65535,
      options: Uint8Array.of(2, 4, 0xff, 0xd7, 1, 3, 3, 14),
      ipId: 1,
    };
    expect(toHex(segmentFrame(syn))).toBe(
      '000000000000000000000000' +
        '0800' +
        '450000300001400040063cc57f0000017f000001' +
        '9c40223d000003e8000000007002ffffc98500000204ffd70103030e',
    );
  });

  it('checksums a data segment over the pseudo-header, odd lengths included', () => {
    const segment = (payload: Uint8Array): TcpSegment => ({
      src: client,
      dst: server,
      seq: 1001,
      ack: 5001,
      flags: TcpFlag.ACK | TcpFlag.PSH,
      window: 65535,
      payload,
    });
    const even = tcpSegmentBytes(segment(request));
    const odd = tcpSegmentBytes(segment(request.subarray(0, 17)));
    expect(toHex(even.subarray(16, 18))).toBe('fd27');
    expect(toHex(odd.subarray(16, 18))).toBe('fd32');
    // A receiver's check: the sum over pseudo-header and segment, checksum included, is all ones.
    expect(internetChecksum(pseudoHeader(client.ip, server.ip, odd.length), odd)).toBe(0);
  });

  it('writes IPv6 with the IPv6 pseudo-header (RFC 8200 §8.1)', () => {
    const a = parseEndpoint('[::1]:40000')!;
    const b = parseEndpoint('[::1]:8765')!;
    const frame = segmentFrame({
      src: a,
      dst: b,
      seq: 1001,
      ack: 5001,
      flags: TcpFlag.ACK | TcpFlag.PSH,
      window: 65535,
      payload: request,
    });
    const read = readSegment(frame);
    expect(read).toMatchObject({ family: 6, src: '0:0:0:0:0:0:0:1', srcPort: 40000, dstPort: 8765 });
    expect(toHex(read.tcp.subarray(16, 18))).toBe('fb28');
    expect(toHex(frame.subarray(12, 14))).toBe('86dd');
  });

  it('refuses an IPv4 packet longer than 65535 bytes', () => {
    expect(() => ipPacket(client.ip, server.ip, new Uint8Array(65535 - 19))).toThrow(/at most 65535/);
  });
});

describe('addresses as the recorder writes them', () => {
  it('reads IPv4 and bracketed IPv6 with their ports', () => {
    expect(parseEndpoint('127.0.0.1:8765')).toEqual({
      ip: { family: 4, bytes: Uint8Array.of(127, 0, 0, 1) },
      port: 8765,
    });
    expect(parseEndpoint('[::1]:5000')?.ip.family).toBe(6);
  });

  it('turns an IPv4-mapped IPv6 address into the IPv4 address it maps', () => {
    expect(parseEndpoint('[::ffff:127.0.0.1]:5000')).toEqual({
      ip: { family: 4, bytes: Uint8Array.of(127, 0, 0, 1) },
      port: 5000,
    });
  });

  it('parses the forms of RFC 4291 §2.2 and rejects what is not an address', () => {
    expect(toHex(parseIPv6('2001:db8::8:800:200c:417a')!)).toBe('20010db80000000000080800200c417a');
    expect(toHex(parseIPv6('::')!)).toBe('0'.repeat(32));
    expect(toHex(parseIPv6('fe80::1%lo')!)).toBe(`fe80${'0'.repeat(26)}01`);
    expect(toHex(parseIPv6('::13.1.68.3')!)).toBe(`${'0'.repeat(24)}0d014403`);
    expect(parseIPv6('1::2::3')).toBeNull();
    expect(parseIPv6('1:2:3:4:5:6:7:8:9')).toBeNull();
    expect(parseIPv6('12345::')).toBeNull();
    expect(parseEndpoint('?:0')).toBeNull();
    expect(parseEndpoint('127.0.0.1:70000')).toBeNull();
  });
});
