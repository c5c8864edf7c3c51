import { describe, expect, it } from 'vitest';
import { SessionRecorder } from '../../../server/export/recordings';

const meta = (conn: string) => ({
  conn,
  kind: 'echo' as const,
  remote: '127.0.0.1:5000',
  local: '127.0.0.1:8765',
  path: '/echo',
  openedAt: 0,
});

describe('the session recorder', () => {
  it('keeps a copy of each chunk, so later changes to the caller’s buffer do not reach it', () => {
    const recorder = new SessionRecorder(1024, 0);
    const recording = recorder.open(meta('c1'));
    const chunk = Uint8Array.of(1, 2, 3);
    recorder.append(recording, 'client', 1, chunk);
    chunk[0] = 99;
    expect([...recording.chunks[0]!.bytes]).toEqual([1, 2, 3]);
  });

  it('makes a snapshot another thread can restore to the same recordings, and stays independent of it', () => {
    const recorder = new SessionRecorder(1024, 1_700_000_000_000);
    const first = recorder.open({ ...meta('c1'), query: { delay: '10' }, maxPayload: 4096 });
    recorder.append(first, 'client', 1, Uint8Array.of(1, 2));
    recorder.append(first, 'server', 2, Uint8Array.of(3));
    recorder.close(first, 3);
    const second = recorder.open(meta('c2'));
    recorder.append(second, 'client', 4, Uint8Array.of(4, 5, 6));
    // Through a structured clone, as a worker would receive it.
    const restored = SessionRecorder.restore(structuredClone(recorder.snapshot()));
    expect(restored.epoch).toBe(recorder.epoch);
    expect(restored.totalBytes).toBe(6);
    const [a, b] = restored.list();
    expect(a).toMatchObject({ conn: 'c1', closedAt: 3, query: { delay: '10' }, maxPayload: 4096 });
    expect(a!.chunks).toEqual(first.chunks);
    expect(b!.chunks).toEqual(second.chunks);
    expect(b!.closedAt).toBeNull();
    // Later appends to the original do not reach the snapshot.
    recorder.append(second, 'server', 5, Uint8Array.of(7));
    expect(b!.chunks).toHaveLength(1);
    expect(recorder.snapshot('c2').recordings.map((r) => r.conn)).toEqual(['c2']);
  });

  it('forgets the oldest closed connection first when the budget runs out', () => {
    const recorder = new SessionRecorder(10, 0);
    const old = recorder.open(meta('c1'));
    recorder.append(old, 'client', 1, new Uint8Array(6));
    recorder.close(old, 2);
    const open = recorder.open(meta('c2'));
    recorder.append(open, 'client', 3, new Uint8Array(6));
    expect(recorder.list().map((r) => r.conn)).toEqual(['c2']);
    expect(recorder.totalBytes).toBe(6);
  });

  it('marks a recording truncated rather than growing past the budget while connections are open', () => {
    const recorder = new SessionRecorder(10, 0);
    const a = recorder.open(meta('c1'));
    recorder.append(a, 'client', 1, new Uint8Array(8));
    recorder.append(a, 'server', 2, new Uint8Array(8));
    expect(a).toMatchObject({ bytes: 8, truncated: true });
    expect(recorder.list('c1')).toHaveLength(1);
  });
});
