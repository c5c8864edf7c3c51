// Recordings written by hand, chunk by chunk, as the recorder would have kept them.
import { constants, deflateRawSync } from 'node:zlib';
import { encodeFrame, type FrameSpec } from '../../../core/wire/frame-encoder';
import { deriveAccept } from '../../../core/wire/handshake';
import type { RecordedChunk } from '../../../server/export/recordings';
import type { RecordingSource } from '../../../server/export/replay';

export const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
export const MASK = Uint8Array.of(0x11, 0x22, 0x33, 0x44);

export function requestHead(path = '/echo', extra: string[] = []): string {
  return [
    `GET ${path} HTTP/1.1`,
    'Host: 127.0.0.1:8765',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${KEY}`,
    'Sec-WebSocket-Version: 13',
    ...extra,
    '',
    '',
  ].join('\r\n');
}

export function responseHead(extra: string[] = []): string {
  return [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${deriveAccept(KEY)}`,
    ...extra,
    '',
    '',
  ].join('\r\n');
}

export const client = (spec: Omit<FrameSpec, 'mask'>): Uint8Array => encodeFrame({ ...spec, mask: MASK });
export const server = (spec: FrameSpec): Uint8Array => encodeFrame({ ...spec, mask: false });

/**
 * RFC 7692 §7.2.1: deflate, flush, and drop the 00 00 ff ff the flush ends with. `window` is what
 * a compressor that keeps its context has already sent.
 */
export function compress(text: string, window?: string): Uint8Array {
  const out = deflateRawSync(Buffer.from(text), {
    finishFlush: constants.Z_SYNC_FLUSH,
    ...(window ? { dictionary: Buffer.from(window) } : {}),
  });
  return new Uint8Array(out.subarray(0, out.length - 4));
}

export function recording(
  chunks: [dir: RecordedChunk['dir'], t: number, bytes: Uint8Array | string][],
  more: Partial<RecordingSource> = {},
): RecordingSource {
  return {
    conn: 'c1',
    kind: 'echo',
    remote: '127.0.0.1:40000',
    local: '127.0.0.1:8765',
    path: '/echo',
    openedAt: 100,
    closedAt: 200,
    truncated: false,
    chunks: chunks.map(([dir, t, bytes]) => ({
      dir,
      t,
      bytes: typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes,
    })),
    ...more,
  };
}
