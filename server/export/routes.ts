// GET /api/export.har and /api/export.pcapng: the recorded session (or `?conn=<id>`) as a download.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Request, type Response, Router } from 'express';
import { TAP_STORE_BYTES } from '../../core/defaults';
import { type ExportFormat, exportPath } from '../../core/routes';
import type { ConnFilter } from '../tap/record-filter';
import { exportOffThread } from './export-off-thread';
import type { ExportOptions } from './session-export';

const CONTENT_TYPES: Record<ExportFormat, string> = {
  har: 'application/json; charset=utf-8',
  pcapng: 'application/x-pcapng',
};

/**
 * How big an export may grow, per byte of journal: a HAR carries each payload unmasked (base64
 * for binary) in its frame events and again in `_webSocketMessages`, a few times the wire bytes.
 */
export const EXPORT_BYTES_PER_JOURNAL_BYTE = 4;

// Seconds a client is asked to wait while another export is being built (RFC 9110 §10.2.3).
const RETRY_AFTER_SECONDS = 5;

export interface ExportRouterOptions {
  /** The largest file an export may be; larger ones are refused with 413. */
  ceilingBytes?: number;
  /**
   * Classroom mode: which connections the caller may export (`only`, absent for all of them), or
   * null when it may export none (no session): answered with 401 and `why`.
   */
  scopeOf?: (req: IncomingMessage) => { only?: ConnFilter } | null;
  /** Why a caller without a scope is refused. */
  why?: string;
}

/** The export ceiling for a journal of `budgetBytes` (`--history`). */
export function exportCeiling(budgetBytes: number): number {
  return budgetBytes * EXPORT_BYTES_PER_JOURNAL_BYTE;
}

/** Where the exports' bytes come from: the tap's journal. */
export interface ExportSource {
  /**
   * A copy of the journal's records (`only` those connections', when given), for the export's
   * worker to own; `epoch`: wall-clock ms at t = 0.
   */
  copy(only?: ConnFilter): Promise<{ records: Uint8Array; epoch: number }>;
  /** The connection is in the journal from its start, was a WebSocket, and `only` lets it through. */
  has(conn: string, only?: ConnFilter): boolean;
}

export function exportRouter(source: ExportSource, options: ExportRouterOptions = {}): Router {
  const ceilingBytes = options.ceilingBytes ?? exportCeiling(TAP_STORE_BYTES);
  const router = Router();
  // One export at a time: each one copies the journal and builds a file several times its size,
  // so a handful at once would take gigabytes. The next one waits for this one to be sent.
  let building = false;
  const send = (format: ExportFormat) => async (req: Request, res: Response) => {
    const scope = options.scopeOf ? options.scopeOf(req) : {};
    if (scope === null) {
      res.status(401).json({ error: options.why ?? 'no session' });
      return;
    }
    const conn = req.query.conn;
    if (conn !== undefined && (typeof conn !== 'string' || !/^[\w-]{1,64}$/.test(conn))) {
      res.status(400).json({ error: '?conn= wants one connection id, such as c3' });
      return;
    }
    if (building) {
      res
        .status(429)
        .set('Retry-After', String(RETRY_AFTER_SECONDS))
        .json({ error: 'another export is being built; one is built at a time, try again in a few seconds' });
      return;
    }
    building = true;
    try {
      await build(format, conn, res, scope.only);
    } finally {
      building = false;
    }
  };

  const build = async (
    format: ExportFormat,
    conn: string | undefined,
    res: Response,
    only: ConnFilter | undefined,
  ): Promise<void> => {
    if (conn !== undefined && !source.has(conn, only)) {
      res.status(404).json({
        error: `no recording of connection ${conn}: it never existed, was refused before it opened, or its start has left the tap's history`,
      });
      return;
    }
    let result: Awaited<ReturnType<typeof exportOffThread>>;
    try {
      // Built in a worker thread: a whole session's HAR can take most of a second.
      const options: ExportOptions = conn === undefined ? {} : { conn };
      result = await exportOffThread(await source.copy(only), format, options, ceilingBytes);
    } catch (error) {
      res.status(500).json({ error: `the export failed: ${(error as Error).message}` });
      return;
    }
    if (!result.ok) {
      res.status(413).json({ error: tooBig(format, ceilingBytes, result.bytes) });
      return;
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    res
      .status(200)
      .type(CONTENT_TYPES[format])
      .set('Content-Disposition', `attachment; filename="wslab-${conn ?? stamp}.${format}"`)
      .set('Cache-Control', 'no-store')
      .set('Content-Length', String(result.bytes));
    let sent = 0;
    try {
      for await (const chunk of result.chunks) {
        if (res.destroyed) break;
        sent += chunk.length;
        const room = res.write(chunk);
        // The last byte is written: end now, not when the worker has said so or the socket drained.
        if (sent >= result.bytes) break;
        if (!room) await roomOrGone(res);
      }
    } catch (error) {
      // The headers are out: all that is left to say is that the file stops short.
      res.destroy(error as Error);
      return;
    } finally {
      result.cancel();
    }
    if (!res.destroyed) res.end();
  };

  router.get(exportPath('har'), send('har'));
  router.get(exportPath('pcapng'), send('pcapng'));
  return router;
}

/** Resolves when the response can take more, or when its client has gone. */
function roomOrGone(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function tooBig(format: ExportFormat, ceilingBytes: number, reached: number): string {
  return `the ${format} export would be over ${mebibytes(ceilingBytes)}, the most an export may be (it had reached ${mebibytes(reached)}): export one connection with ?conn=, or the pcapng, which is about the size of the recorded bytes`;
}

function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
