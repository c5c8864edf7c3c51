// The exports' view of the journal: each connection's bytes, in wire order, as the recordings the
// HAR and pcapng writers read. Built on demand from the same records the live tap streams; a
// connection whose start has left the journal is not exported (it could not be decoded).
import { parseOpenBody, RecordKind, readRecords } from '../../core/tap/raw-records';
import { connId } from '../../core/tap/stream-decoder';
import type { Journal } from '../tap/journal';
import { type ConnectionRecording, SessionRecorder } from './recordings';

const READ_BYTES = 4 * 1024 * 1024;

/** The journal's connections (`conn` picks one) as recordings; `epoch` is wall-clock ms at t = 0. */
export function recordingsFromJournal(journal: Journal, epoch: number, conn?: string): SessionRecorder {
  const recorder = new SessionRecorder(Number.POSITIVE_INFINITY, epoch);
  const recordings = new Map<number, ConnectionRecording>();
  for (let cursor = journal.startOffset; cursor < journal.endOffset; ) {
    const { chunks, next } = journal.read(cursor, READ_BYTES);
    for (const chunk of chunks) {
      for (const record of readRecords(chunk)) {
        if (record.kind === RecordKind.OPEN) {
          const id = connId(record.conn);
          const meta = parseOpenBody(record.body);
          // A refused handshake never became a WebSocket: there is nothing to export of it.
          if (!meta || meta.kind === 'rejected' || (conn !== undefined && id !== conn)) continue;
          recordings.set(
            record.conn,
            recorder.open({
              conn: id,
              kind: meta.kind,
              remote: meta.remote,
              local: meta.local,
              path: meta.path,
              openedAt: record.t,
              ...(meta.query ? { query: meta.query } : {}),
              maxPayload: meta.maxPayload,
            }),
          );
          continue;
        }
        const recording = recordings.get(record.conn);
        if (!recording) continue;
        if (record.kind === RecordKind.CLIENT || record.kind === RecordKind.SERVER) {
          recorder.append(
            recording,
            record.kind === RecordKind.CLIENT ? 'client' : 'server',
            record.t,
            record.body,
          );
        } else if (record.kind === RecordKind.END) {
          recorder.close(recording, record.t);
        }
      }
    }
    cursor = next;
  }
  return recorder;
}
