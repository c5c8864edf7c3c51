// Decodes a recorded connection again with the ConnectionDecoder the live capture uses, so that
// every export (HAR, the inspector's import) says what the tap said.

import { ConnectionDecoder, type DecodedEvent, type DecodedHead } from '../../core/tap/connection-decoder';
import type { ConnectionEvent, TapOpenEvent } from '../../core/tap/events';
import type { Direction } from '../../core/wire/direction';
import type { DeflateParams } from '../../core/wire/extensions';
import type { RequestHead, ResponseHead } from '../../core/wire/handshake';
import { createInflater } from '../../core/wire/inflate';
import type { RecordedChunk, RecordingMeta } from './recordings';

/** What a replay needs of a recording: `ConnectionRecording` fits, and so does a test fixture. */
export type RecordingSource = RecordingMeta & {
  closedAt: number | null;
  truncated: boolean;
  readonly chunks: readonly RecordedChunk[];
};

export interface ReplayOptions {
  /** Payload bytes kept in a frame or message event; by default all of them. */
  payloadCap?: number;
  /** The server's message limit, to report 1009 where the server did; 0 (default) for none. */
  maxPayload?: number;
}

export type ReplayedHead<T> = DecodedHead<T>;

export interface ReplayedConnection
  extends Pick<RecordingSource, 'conn' | 'kind' | 'remote' | 'local' | 'path' | 'openedAt' | 'closedAt'> {
  /** The recording budget ran out: bytes after some point were not kept. */
  truncated: boolean;
  request: ReplayedHead<RequestHead> | null;
  response: ReplayedHead<ResponseHead> | null;
  deflate: DeflateParams | null;
  /** The events the tap published for this connection, in the same order, payloads uncut by default. */
  events: ConnectionEvent[];
  /** Bytes at the end of each direction that never completed a frame or a head. */
  incomplete: Record<Direction, number>;
}

const NO_CAP = Number.POSITIVE_INFINITY;

/** Decodes one recording into the tap events it produced. Never throws on bad bytes. */
export function replayRecording(recording: RecordingSource, options: ReplayOptions = {}): ReplayedConnection {
  const events: ConnectionEvent[] = [];
  const open: TapOpenEvent = {
    type: 'open',
    conn: recording.conn,
    t: recording.openedAt,
    remote: recording.remote,
    path: recording.path,
    kind: recording.kind,
  };
  events.push(open);
  // The same decoder the live capture uses; the recording starts with the request head.
  const decoder = new ConnectionDecoder({
    conn: recording.conn,
    maxPayload: options.maxPayload ?? recording.maxPayload ?? 0,
    payloadCap: options.payloadCap ?? NO_CAP,
    inflater: createInflater,
  });
  const keep = (decoded: DecodedEvent[]): void => {
    for (const event of decoded) events.push('toJSON' in event ? event.toJSON() : event);
  };
  for (const chunk of recording.chunks) {
    keep(
      chunk.dir === 'client'
        ? decoder.readClient(chunk.t, chunk.bytes)
        : decoder.readServer(chunk.t, chunk.bytes),
    );
  }
  const query = recording.query ?? queryOf(decoder.request?.head?.path);
  if (query) open.query = query;
  if (recording.closedAt !== null) keep(decoder.finish(recording.closedAt));
  return {
    conn: recording.conn,
    kind: recording.kind,
    remote: recording.remote,
    local: recording.local,
    path: recording.path,
    openedAt: recording.openedAt,
    closedAt: recording.closedAt,
    truncated: recording.truncated,
    request: decoder.request,
    response: decoder.response,
    deflate: decoder.deflate,
    events,
    incomplete: { client: decoder.incomplete('client'), server: decoder.incomplete('server') },
  };
}

/** The upgrade URL's query, as the capture reports it in `open`. */
function queryOf(path: string | undefined): Record<string, string> | undefined {
  const at = path?.indexOf('?') ?? -1;
  if (path === undefined || at < 0 || at === path.length - 1) return undefined;
  return Object.fromEntries(new URLSearchParams(path.slice(at + 1)));
}
