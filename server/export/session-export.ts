// The session recorder's bytes as files to take away: HAR (decoded again by the wire core) and
// pcapng (the bytes laid out as TCP segments). Used by the `/api/export.*` routes and `--record`.

import { accessSync, constants, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Har } from '../../core/har/har-format';
import type { ExportFormat } from '../../core/routes';
import { packageRoot } from '../package-root';
import { buildHar } from './har';
import { type Endpoint, parseEndpoint } from './ip-packet';
import { LINKTYPE_ETHERNET, type PcapngPacket, writePcapng } from './pcapng';
import type { ConnectionRecording, SessionRecorder } from './recordings';
import { replayRecording } from './replay';
import { type TimedFrame, tcpStream } from './tcp-stream';

/** wslab's version, as package.json gives it, for HAR's `creator` and pcapng's `shb_userappl`. */
export const WSLAB_VERSION: string = (() => {
  try {
    const text = readFileSync(`${packageRoot}package.json`, 'utf8');
    return String((JSON.parse(text) as { version?: unknown }).version ?? '0.0.0');
  } catch {
    return '0.0.0';
  }
})();

export interface ExportOptions {
  /** One connection, by id; all of them when unset. */
  conn?: string;
  /** The server's message limit, so the HAR reports 1009 where the tap did. */
  maxPayload?: number;
}

export function exportHar(recorder: SessionRecorder, options: ExportOptions = {}): Har {
  const connections = recorder
    .list(options.conn)
    .map((recording) => replayRecording(recording, { maxPayload: options.maxPayload }));
  return buildHar(connections, { epoch: recorder.epoch, version: WSLAB_VERSION });
}

const LOOPBACK: Endpoint['ip'] = { family: 4, bytes: Uint8Array.of(127, 0, 0, 1) };

/** Both ends as recorded; when they cannot be written as one IP version, IPv4 loopback for both. */
function endpointsOf(recording: ConnectionRecording): { client: Endpoint; server: Endpoint } {
  const port = (text: string): number => Number(/:(\d+)$/.exec(text)?.[1] ?? 0) & 0xffff;
  let client = parseEndpoint(recording.remote) ?? { ip: LOOPBACK, port: port(recording.remote) };
  let server = parseEndpoint(recording.local) ?? { ip: LOOPBACK, port: port(recording.local) };
  if (client.ip.family !== server.ip.family) {
    client = { ip: LOOPBACK, port: client.port };
    server = { ip: LOOPBACK, port: server.port };
  }
  return { client, server };
}

export function exportPcapng(recorder: SessionRecorder, options: ExportOptions = {}): Uint8Array {
  const frames: TimedFrame[] = [];
  for (const recording of recorder.list(options.conn)) {
    const stream = tcpStream({
      ...endpointsOf(recording),
      openedAt: recording.openedAt,
      closedAt: recording.closedAt,
      chunks: recording.chunks,
      truncated: recording.truncated,
      label: `wslab ${recording.conn}: ${recording.kind} ${recording.path}`,
    });
    // One at a time: spreading a long connection's packets as arguments overflows the stack.
    for (const frame of stream) frames.push(frame);
  }
  // Connections overlap in time: one timeline, in the order things happened (sort is stable).
  frames.sort((a, b) => a.t - b.t);
  const packets = frames.map(
    (frame): PcapngPacket => ({
      timestamp: (recorder.epoch + frame.t) * 1000,
      data: frame.frame,
      ...(frame.comment ? { comment: frame.comment } : {}),
    }),
  );
  return writePcapng({
    application: `wslab ${WSLAB_VERSION}`,
    comment:
      'TCP packets synthesized from the bytes wslab recorded; decode the server port as HTTP to see WebSocket',
    interfaces: [
      { linkType: LINKTYPE_ETHERNET, snapLength: 262144, name: 'wslab', description: 'wslab recording' },
    ],
    packets,
  });
}

/** `.har` or `.pcapng`, by the file's name; null for anything else. */
export function formatOfFile(file: string): ExportFormat | null {
  const lower = file.toLowerCase();
  if (lower.endsWith('.har')) return 'har';
  if (lower.endsWith('.pcapng')) return 'pcapng';
  return null;
}

export function exportSession(
  recorder: SessionRecorder,
  format: ExportFormat,
  options: ExportOptions = {},
): Uint8Array {
  if (format === 'pcapng') return exportPcapng(recorder, options);
  return new TextEncoder().encode(JSON.stringify(exportHar(recorder, options)));
}

/**
 * Why the session could not be written to `file` when the server stops, or null when it could.
 * Checked at start, so a mistyped folder is reported before the session, not after it.
 */
export function recordFileProblem(file: string): string | null {
  if (!formatOfFile(file)) return `${file}: the name must end in .har or .pcapng`;
  try {
    accessSync(dirname(resolve(file)), constants.W_OK);
    return null;
  } catch (error) {
    return `cannot write ${file}: ${(error as Error).message}`;
  }
}

/** Writes the whole session to `file`, as HAR or pcapng by its name. Returns how many connections. */
export async function writeSessionFile(recorder: SessionRecorder, file: string): Promise<number> {
  const format = formatOfFile(file);
  if (!format) throw new Error(`${file}: the name must end in .har or .pcapng`);
  try {
    await writeFile(file, exportSession(recorder, format));
  } catch (error) {
    throw new Error(`cannot write the recording to ${file}: ${(error as Error).message}`);
  }
  return recorder.list().length;
}
