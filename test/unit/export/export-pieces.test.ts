import { describe, expect, it } from 'vitest';
import { chunksOf, exportPieces } from '../../../server/export/export-pieces';
import { SessionRecorder } from '../../../server/export/recordings';
import { exportSession } from '../../../server/export/session-export';
import { client, requestHead, responseHead, server } from './fixtures';

function session(connections: number): SessionRecorder {
  const recorder = new SessionRecorder(Number.POSITIVE_INFINITY, Date.UTC(2025, 0, 2));
  for (let n = 1; n <= connections; n++) {
    const recording = recorder.open({
      conn: `c${n}`,
      kind: 'echo',
      remote: `127.0.0.1:${40000 + n}`,
      local: '127.0.0.1:8765',
      path: '/echo',
      openedAt: n,
    });
    const bytes = new TextEncoder();
    recorder.append(recording, 'client', n, bytes.encode(requestHead()));
    recorder.append(recording, 'server', n + 0.5, bytes.encode(responseHead()));
    recorder.append(recording, 'client', n + 1, client({ opcode: 1, payload: `héllo ${n} ✓` }));
    recorder.append(recording, 'server', n + 2, server({ opcode: 2, payload: Uint8Array.of(0, n, 255) }));
    recorder.close(recording, n + 3);
  }
  return recorder;
}

function joined(pieces: Iterable<string | Uint8Array>): Uint8Array {
  return Buffer.concat([...pieces].map((piece) => (typeof piece === 'string' ? Buffer.from(piece) : piece)));
}

describe('an export in pieces', () => {
  it('is byte for byte the HAR and the pcapng exportSession writes, and knows its size', () => {
    const recorder = session(3);
    for (const format of ['har', 'pcapng'] as const) {
      const built = exportPieces(recorder, format, {}, Number.POSITIVE_INFINITY);
      if (!built.ok) throw new Error('over an infinite ceiling');
      const whole = exportSession(recorder, format);
      expect(joined(built.pieces)).toEqual(Buffer.from(whole));
      expect(built.bytes).toBe(whole.length);
    }
  });

  it('exports one connection with conn, as exportSession does', () => {
    const recorder = session(3);
    const built = exportPieces(recorder, 'har', { conn: 'c2' }, Number.POSITIVE_INFINITY);
    if (!built.ok) throw new Error('over an infinite ceiling');
    expect(joined(built.pieces)).toEqual(Buffer.from(exportSession(recorder, 'har', { conn: 'c2' })));
  });

  it('gives up past the ceiling, saying how big it had grown', () => {
    const recorder = session(3);
    const size = exportSession(recorder, 'har').length;
    const built = exportPieces(recorder, 'har', {}, size - 1);
    expect(built.ok).toBe(false);
    expect(built.bytes).toBeGreaterThan(size - 1);
    expect(exportPieces(recorder, 'har', {}, size).ok).toBe(true);
    expect(exportPieces(recorder, 'pcapng', {}, 100).ok).toBe(false);
  });
});

describe('chunksOf', () => {
  it('cuts strings and bytes into chunks of the size asked, each with its own buffer, in order', () => {
    const pieces: (string | Uint8Array)[] = ['{"a":"é✓', 'x'.repeat(25), Uint8Array.of(1, 2, 3), '', 'end"}'];
    for (const size of [1, 3, 7, 16, 1000]) {
      const chunks = [...chunksOf(pieces, size)];
      expect(Buffer.concat(chunks)).toEqual(joined(pieces));
      expect(chunks.slice(0, -1).every((chunk) => chunk.length === size)).toBe(true);
      expect(chunks.every((chunk) => chunk.length > 0 && chunk.buffer.byteLength === chunk.length)).toBe(
        true,
      );
    }
  });

  it('yields nothing for an empty file', () => {
    expect([...chunksOf([''])]).toEqual([]);
  });
});
