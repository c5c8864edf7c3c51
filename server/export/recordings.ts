import type { ConnectionKind } from '../../core/tap/events';
import type { Direction } from '../../core/wire/direction';

/** Bytes as they crossed the wire, in the order they crossed it. */
export interface RecordedChunk {
  dir: Direction;
  /** ms since the server started, as in tap events. */
  t: number;
  bytes: Uint8Array;
}

export interface RecordingMeta {
  conn: string;
  kind: ConnectionKind;
  /** The client's address, `ip:port`. */
  remote: string;
  /** The server's address as the client reached it, `ip:port`. */
  local: string;
  path: string;
  openedAt: number;
  /** The query the tap showed in `open` (redacted), when there was one. */
  query?: Record<string, string>;
  /** The server's message limit for this connection, so a replay reports 1009 where the tap did. */
  maxPayload?: number;
}

/** A recording as plain data, to hand to another thread (exports are built off the sockets' thread). */
export interface RecordingSnapshot extends RecordingMeta {
  closedAt: number | null;
  truncated: boolean;
  data: Uint8Array;
  marks: number[];
}

/**
 * One connection's bytes. Appending copies into one growing buffer and notes where each chunk
 * ends: no allocation per chunk on the tap's hot path. `chunks` cuts them out when exporting.
 */
export class ConnectionRecording implements RecordingMeta {
  readonly conn: string;
  readonly kind: ConnectionKind;
  readonly remote: string;
  readonly local: string;
  readonly path: string;
  readonly openedAt: number;
  readonly query?: Record<string, string>;
  readonly maxPayload?: number;
  closedAt: number | null = null;
  /** Bytes were left out because the recording budget ran out. */
  truncated = false;
  private data: Uint8Array = new Uint8Array(4096);
  private length = 0;
  // Per chunk: direction (0 client, 1 server), time, end offset.
  private readonly marks: number[] = [];

  constructor(meta: RecordingMeta) {
    this.conn = meta.conn;
    this.kind = meta.kind;
    this.remote = meta.remote;
    this.local = meta.local;
    this.path = meta.path;
    this.openedAt = meta.openedAt;
    if (meta.query) this.query = meta.query;
    if (meta.maxPayload !== undefined) this.maxPayload = meta.maxPayload;
  }

  get bytes(): number {
    return this.length;
  }

  /** A copy of everything recorded so far, as plain data. */
  snapshot(): RecordingSnapshot {
    return {
      conn: this.conn,
      kind: this.kind,
      remote: this.remote,
      local: this.local,
      path: this.path,
      openedAt: this.openedAt,
      ...(this.query ? { query: this.query } : {}),
      ...(this.maxPayload !== undefined ? { maxPayload: this.maxPayload } : {}),
      closedAt: this.closedAt,
      truncated: this.truncated,
      data: this.data.slice(0, this.length),
      marks: [...this.marks],
    };
  }

  /** A recording made again from a snapshot. */
  static restore(snapshot: RecordingSnapshot): ConnectionRecording {
    const recording = new ConnectionRecording(snapshot);
    recording.closedAt = snapshot.closedAt;
    recording.truncated = snapshot.truncated;
    recording.data = snapshot.data;
    recording.length = snapshot.data.length;
    for (const mark of snapshot.marks) recording.marks.push(mark);
    return recording;
  }

  append(dir: Direction, t: number, bytes: Uint8Array): void {
    const needed = this.length + bytes.length;
    if (needed > this.data.length) {
      const grown = new Uint8Array(Math.max(needed, this.data.length * 2));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    this.data.set(bytes, this.length);
    this.length = needed;
    this.marks.push(dir === 'client' ? 0 : 1, t, needed);
  }

  /** Starts with the client's request head, then every byte both ways, in wire order. */
  get chunks(): RecordedChunk[] {
    const out: RecordedChunk[] = [];
    let start = 0;
    for (let i = 0; i < this.marks.length; i += 3) {
      const end = this.marks[i + 2]!;
      out.push({
        dir: this.marks[i] === 0 ? 'client' : 'server',
        t: this.marks[i + 1]!,
        bytes: this.data.slice(start, end),
      });
      start = end;
    }
    return out;
  }
}

/**
 * Keeps the raw bytes of recent connections so a session can be exported (HAR, pcapng) and
 * decoded again by the same wire core that fed the tap. Bounded: past the byte budget the oldest
 * closed connections are forgotten first, then new bytes are left out and the recording marked.
 */
export class SessionRecorder {
  private readonly recordings = new Map<string, ConnectionRecording>();
  private total = 0;

  constructor(
    private readonly budgetBytes: number,
    /** Wall-clock ms at t = 0, to turn `t` into dates. */
    readonly epoch: number,
  ) {}

  open(meta: RecordingMeta): ConnectionRecording {
    const recording = new ConnectionRecording(meta);
    this.recordings.set(meta.conn, recording);
    return recording;
  }

  /** Records a copy: the caller's buffer may be changed in place later (`ws` unmasks in place). */
  append(recording: ConnectionRecording, dir: Direction, t: number, bytes: Uint8Array): void {
    if (this.budgetBytes <= 0 || recording.truncated) return;
    if (this.total + bytes.length > this.budgetBytes) this.evictClosed(bytes.length);
    if (this.total + bytes.length > this.budgetBytes) {
      recording.truncated = true;
      return;
    }
    recording.append(dir, t, bytes);
    this.total += bytes.length;
  }

  close(recording: ConnectionRecording, t: number): void {
    recording.closedAt = t;
  }

  /** Recordings oldest first; `conn` picks one. */
  list(conn?: string): ConnectionRecording[] {
    const all = [...this.recordings.values()];
    return conn === undefined ? all : all.filter((r) => r.conn === conn);
  }

  get totalBytes(): number {
    return this.total;
  }

  /** Copies of the recordings (`conn` picks one), for another thread to export. */
  snapshot(conn?: string): { epoch: number; recordings: RecordingSnapshot[] } {
    return { epoch: this.epoch, recordings: this.list(conn).map((recording) => recording.snapshot()) };
  }

  /** A recorder holding exactly these recordings. */
  static restore(snapshot: { epoch: number; recordings: RecordingSnapshot[] }): SessionRecorder {
    const recorder = new SessionRecorder(Number.POSITIVE_INFINITY, snapshot.epoch);
    for (const data of snapshot.recordings) {
      const recording = ConnectionRecording.restore(data);
      recorder.recordings.set(recording.conn, recording);
      recorder.total += recording.bytes;
    }
    return recorder;
  }

  private evictClosed(needed: number): void {
    for (const [conn, recording] of this.recordings) {
      if (this.total + needed <= this.budgetBytes) return;
      if (recording.closedAt === null) continue;
      this.recordings.delete(conn);
      this.total -= recording.bytes;
    }
  }
}
