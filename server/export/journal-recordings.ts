// The exports' view of the journal: each connection's bytes, in wire order, as the recordings the
// HAR and pcapng writers read. The sockets' thread only copies the journal's records
// (`copyJournal`); they are sorted into recordings in the export's worker. A connection whose
// start has left the journal is not exported (it could not be decoded).
import { parseOpenBody, RecordKind, readRecords } from '../../core/tap/raw-records';
import { connId } from '../../core/tap/stream-decoder';
import type { Journal } from '../tap/journal';
import { type ConnFilter, keepRecords } from '../tap/record-filter';
import { type ConnectionRecording, SessionRecorder } from './recordings';

/**
 * The journal's records from its first, copied into one buffer another thread can own; `only`:
 * just those connections' records (classroom mode, a learner's own).
 */
export function copyJournal(journal: Journal, only?: ConnFilter): Uint8Array {
  if (only) return copyOwn(journal, only);
  const out = new Uint8Array(journal.endOffset - journal.startOffset);
  let at = 0;
  for (let cursor = journal.startOffset; cursor < journal.endOffset; ) {
    const { chunks, next } = journal.read(cursor, out.length, 'copy');
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    cursor = next;
  }
  return out;
}

// Chunk by chunk, so that a learner's export never holds a copy of everyone's records.
function copyOwn(journal: Journal, only: ConnFilter): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const size = journal.endOffset - journal.startOffset;
  for (let cursor = journal.startOffset; cursor < journal.endOffset; ) {
    const { chunks, next } = journal.read(cursor, size, 'copy');
    for (const chunk of chunks) {
      const own = keepRecords(chunk, only);
      parts.push(own);
      total += own.length;
    }
    cursor = next;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Is connection `conn` (`c12`) in the journal from its start, and a WebSocket (not refused), and
 * one `only` lets through?
 */
export function exportable(journal: Journal, conn: string, only?: ConnFilter): boolean {
  const number = /^c(\d+)$/.test(conn) ? Number(conn.slice(1)) : -1;
  const info = number > 0 ? journal.connection(number) : undefined;
  return info !== undefined && !info.openEvicted && info.meta.kind !== 'rejected' && (only?.(number) ?? true);
}

/** Journal records (`copyJournal`) as recordings (`conn` picks one); `epoch` is wall-clock ms at t = 0. */
export function recordingsFromRecords(records: Uint8Array, epoch: number, conn?: string): SessionRecorder {
  const recorder = new SessionRecorder(Number.POSITIVE_INFINITY, epoch);
  const recordings = new Map<number, ConnectionRecording>();
  for (const record of readRecords(records)) {
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
  return recorder;
}

/** The journal's connections as recordings, on this thread (the session file written at exit). */
export function recordingsFromJournal(journal: Journal, epoch: number, conn?: string): SessionRecorder {
  return recordingsFromRecords(copyJournal(journal), epoch, conn);
}
