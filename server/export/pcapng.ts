// A pcapng writer (draft-ietf-opsawg-pcapng): one Section Header Block, Interface Description
// Blocks, and an Enhanced Packet Block per packet, little-endian. Pure: bytes in, bytes out.

export const BlockType = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 0x00000001,
  ENHANCED_PACKET: 0x00000006,
} as const;

/** LINKTYPE_ETHERNET: what Linux captures on `lo` (https://www.tcpdump.org/linktypes.html). */
export const LINKTYPE_ETHERNET = 1;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
// Option codes (§4.2 SHB, §4.2 IDB, §3.5 common).
const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;

export interface PcapngInterface {
  linkType: number;
  /** Largest packet the capture kept; 0 means no limit. */
  snapLength: number;
  name?: string;
  description?: string;
}

export interface PcapngPacket {
  /** Microseconds since the Unix epoch (the default resolution, if_tsresol 6). */
  timestamp: number;
  data: Uint8Array;
  interfaceId?: number;
  comment?: string;
}

export interface PcapngFile {
  /** Written as shb_userappl, e.g. `wslab 0.1.0`. */
  application?: string;
  comment?: string;
  interfaces: PcapngInterface[];
  packets: Iterable<PcapngPacket>;
}

const encoder = new TextEncoder();

type Option = [code: number, value: Uint8Array];

function pad4(length: number): number {
  return (length + 3) & ~3;
}

function optionsLength(options: readonly Option[]): number {
  if (options.length === 0) return 0;
  return options.reduce((sum, [, value]) => sum + 4 + pad4(value.length), 0) + 4; // + opt_endofopt
}

function writeOptions(view: DataView, bytes: Uint8Array, at: number, options: readonly Option[]): number {
  if (options.length === 0) return at;
  for (const [code, value] of options) {
    view.setUint16(at, code, true);
    view.setUint16(at + 2, value.length, true);
    bytes.set(value, at + 4);
    at += 4 + pad4(value.length);
  }
  view.setUint16(at, OPT_ENDOFOPT, true);
  view.setUint16(at + 2, 0, true);
  return at + 4;
}

/**
 * One block: type, total length, the body, the options, and the total length again (§3.1).
 * `body` writes the fixed fields and returns how many bytes they took.
 */
function block(
  type: number,
  bodyLength: number,
  options: readonly Option[],
  body: (view: DataView, bytes: Uint8Array, at: number) => void,
): Uint8Array {
  const total = 12 + pad4(bodyLength) + optionsLength(options);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, total, true);
  body(view, bytes, 8);
  writeOptions(view, bytes, 8 + pad4(bodyLength), options);
  view.setUint32(total - 4, total, true);
  return bytes;
}

function textOptions(pairs: [number, string | undefined][]): Option[] {
  return pairs
    .filter((pair): pair is [number, string] => pair[1] !== undefined && pair[1] !== '')
    .map(([code, text]) => [code, encoder.encode(text)]);
}

export function sectionHeaderBlock(application?: string, comment?: string): Uint8Array {
  const options = textOptions([
    [OPT_COMMENT, comment],
    [SHB_USERAPPL, application],
  ]);
  return block(BlockType.SECTION_HEADER, 16, options, (view, _bytes, at) => {
    view.setUint32(at, BYTE_ORDER_MAGIC, true);
    view.setUint16(at + 4, 1, true); // major version
    view.setUint16(at + 6, 0, true); // minor version
    // Section length -1: not given, a reader walks the blocks instead.
    view.setUint32(at + 8, 0xffffffff, true);
    view.setUint32(at + 12, 0xffffffff, true);
  });
}

export function interfaceDescriptionBlock(iface: PcapngInterface): Uint8Array {
  const options: Option[] = [
    ...textOptions([
      [IF_NAME, iface.name],
      [IF_DESCRIPTION, iface.description],
    ]),
    [IF_TSRESOL, Uint8Array.of(6)], // 10^-6 s: microseconds
  ];
  return block(BlockType.INTERFACE_DESCRIPTION, 8, options, (view, _bytes, at) => {
    view.setUint16(at, iface.linkType, true);
    view.setUint16(at + 2, 0, true); // reserved
    view.setUint32(at + 4, iface.snapLength, true);
  });
}

export function enhancedPacketBlock(packet: PcapngPacket): Uint8Array {
  const options = textOptions([[OPT_COMMENT, packet.comment]]);
  const timestamp = Math.max(0, Math.round(packet.timestamp));
  return block(BlockType.ENHANCED_PACKET, 20 + packet.data.length, options, (view, bytes, at) => {
    view.setUint32(at, packet.interfaceId ?? 0, true);
    // A 64-bit count of microseconds, high word first (§4.3).
    view.setUint32(at + 4, Math.floor(timestamp / 2 ** 32), true);
    view.setUint32(at + 8, timestamp % 2 ** 32, true);
    view.setUint32(at + 12, packet.data.length, true); // captured
    view.setUint32(at + 16, packet.data.length, true); // on the wire
    bytes.set(packet.data, at + 20);
  });
}

export function writePcapng(file: PcapngFile): Uint8Array {
  const blocks: Uint8Array[] = [sectionHeaderBlock(file.application, file.comment)];
  for (const iface of file.interfaces) blocks.push(interfaceDescriptionBlock(iface));
  for (const packet of file.packets) blocks.push(enhancedPacketBlock(packet));
  const out = new Uint8Array(blocks.reduce((sum, b) => sum + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
