import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/wire/bytes';
import {
  enhancedPacketBlock,
  interfaceDescriptionBlock,
  LINKTYPE_ETHERNET,
  sectionHeaderBlock,
  writePcapng,
} from '../../../server/export/pcapng';
import { readBlocks, readPackets } from './pcap-reader';

describe('pcapng blocks', () => {
  it('writes a bare Section Header Block byte for byte', () => {
    expect(toHex(sectionHeaderBlock())).toBe(
      '0a0d0d0a' + // block type
        '1c000000' + // total length 28
        '4d3c2b1a' + // byte-order magic, little-endian
        '0100' + // major version 1
        '0000' + // minor version 0
        'ffffffffffffffff' + // section length unknown
        '1c000000', // total length again
    );
  });

  it('pads options to 32 bits and ends them with opt_endofopt', () => {
    const block = sectionHeaderBlock('wslab');
    // 28 bytes + option header 4 + "wslab" padded to 8 + end of options 4.
    expect(block.length).toBe(44);
    expect(toHex(block.subarray(24, 40))).toBe('04000500' + '77736c6162000000' + '00000000');
  });

  it('describes an Ethernet interface with microsecond timestamps', () => {
    const [idb] = readBlocks(interfaceDescriptionBlock({ linkType: LINKTYPE_ETHERNET, snapLength: 262144 }));
    expect(idb!.type).toBe(1);
    expect(idb!.body.getUint16(0, true)).toBe(1);
    expect(idb!.body.getUint32(4, true)).toBe(262144);
    expect(idb!.options(8)).toEqual([[9, Uint8Array.of(6)]]);
  });

  it('splits a 64-bit microsecond timestamp into high and low words and pads the packet', () => {
    const timestamp = 1_700_000_000_123_456;
    const block = enhancedPacketBlock({ timestamp, data: Uint8Array.of(1, 2, 3, 4, 5), comment: 'hi' });
    const [epb] = readBlocks(block);
    expect(epb!.type).toBe(6);
    expect(epb!.body.getUint32(0, true)).toBe(0); // interface 0
    expect(epb!.body.getUint32(4, true) * 2 ** 32 + epb!.body.getUint32(8, true)).toBe(timestamp);
    expect(epb!.body.getUint32(12, true)).toBe(5); // captured
    expect(epb!.body.getUint32(16, true)).toBe(5); // original
    expect(toHex(epb!.bytes.subarray(20, 28))).toBe('0102030405000000');
    expect(epb!.options(28)).toEqual([[1, new TextEncoder().encode('hi')]]);
    expect(block.length % 4).toBe(0);
  });

  it('writes a file a reader walks block by block: section, interface, packets in order', () => {
    const file = writePcapng({
      application: 'wslab test',
      interfaces: [{ linkType: LINKTYPE_ETHERNET, snapLength: 0, name: 'wslab' }],
      packets: [
        { timestamp: 10, data: Uint8Array.of(0xaa) },
        { timestamp: 20, data: new Uint8Array(64).fill(7), comment: 'second' },
      ],
    });
    expect(readBlocks(file).map((b) => b.type)).toEqual([0x0a0d0d0a, 1, 6, 6]);
    const packets = readPackets(file);
    expect(packets.map((p) => [p.timestamp, p.data.length, p.comment])).toEqual([
      [10, 1, undefined],
      [20, 64, 'second'],
    ]);
  });
});
