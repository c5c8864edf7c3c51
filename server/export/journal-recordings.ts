// The exports' view of the journal: each connection's bytes, in wire order, as the recordings the
// HAR and pcapng writers read. The sockets' thread only copies the journal's records
// (`copyJournal`); they are sorted into recordings in the export's worker. A connection whose
// start has left the journal is not exported (it could not be decoded).
import { parseOpenBody, RecordKind, readRecords } from '../../core/tap/raw-records';
import { connId } from '../../core/tap/stream-decoder';
import type { Journal, LentSegment } from '../tap/journal';
import { type ConnFilter, keepRecords } from '../tap/record-filter';
import { type ConnectionRecording, SessionRecorder } from './recordings';

// One step of a copy moves at most this much. Fresh memory is slow to touch the first time (a
// 64 MiB journal took a fifth of a second to copy here), and the sockets' thread must not be held
// that long: `copyJournalInTurns` returns to the event loop between steps.
const STEP_BYTES = 4 * 1024 * 1024;

/**
 * The journal's records from its first, copied into one buffer another thread can own; `only`:
 * just those connections' records (classroom mode, a learner's own, copied chunk by chunk so that
 * a learner's export never holds a copy of everyone's). A generator of steps: the records are
 * taken at the start, their segments pinned until the copy is done, so the journal may go on
 * between steps without writing over them.
 */
function* copySteps(journal: Journal, only?: ConnFilter): Generator<void, Uint8Array, void> {
  const chunks: Uint8Array[] = [];
  const lent: LentSegment[] = [];
  for (let cursor = journal.startOffset; cursor < journal.endOffset; ) {
    const read = journal.read(cursor, journal.endOffset - cursor, 'pin');
    chunks.push(...read.chunks);
    lent.push(...(read.lent ?? []));
    cursor = read.next;
  }
  try {
    const parts = only ? [] : chunks;
    let total = only ? 0 : chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    let stepped = 0;
    if (only) {
      for (const chunk of chunks) {
        const own = keepRecords(chunk, only);
        parts.push(own);
        total += own.length;
        stepped += chunk.length;
        if (stepped >= STEP_BYTES) {
          stepped = 0;
          yield;
        }
      }
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
      stepped += part.length;
      if (stepped >= STEP_BYTES) {
        stepped = 0;
        yield;
      }
    }
    return out;
  } finally {
    for (const segment of lent) journal.release(segment);
  }
}

/** `copySteps` all at once: for the session file written as the server exits. */
export function copyJournal(journal: Journal, only?: ConnFilter): Uint8Array {
  const steps = copySteps(journal, only);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** `copySteps` a step per turn of the event loop: for an export asked for while traffic goes on. */
export async function copyJournalInTurns(journal: Journal, only?: ConnFilter): Promise<Uint8Array> {
  const steps = copySteps(journal, only);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
  }
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
