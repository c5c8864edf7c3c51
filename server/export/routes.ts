// GET /api/export.har and /api/export.pcapng: the recorded session (or `?conn=<id>`) as a download.
import { type Response, Router } from 'express';
import { type ExportFormat, exportPath } from '../../core/routes';
import { exportOffThread } from './export-off-thread';
import type { SessionRecorder } from './recordings';

const CONTENT_TYPES: Record<ExportFormat, string> = {
  har: 'application/json; charset=utf-8',
  pcapng: 'application/x-pcapng',
};

/** `recordings(conn)`: the session's recordings as they are now (`conn` picks one). */
export function exportRouter(recordings: (conn?: string) => SessionRecorder): Router {
  const router = Router();
  const send = (format: ExportFormat) => async (req: { query: Record<string, unknown> }, res: Response) => {
    const conn = req.query.conn;
    if (conn !== undefined && (typeof conn !== 'string' || !/^[\w-]{1,64}$/.test(conn))) {
      res.status(400).json({ error: '?conn= wants one connection id, such as c3' });
      return;
    }
    const recorder = recordings(conn);
    if (conn !== undefined && recorder.list(conn).length === 0) {
      res.status(404).json({
        error: `no recording of connection ${conn}: it never existed, was refused before it opened, or its start has left the tap's history`,
      });
      return;
    }
    let body: Uint8Array;
    try {
      // Built in a worker thread: a whole session's HAR can take most of a second.
      body = await exportOffThread(recorder, format, conn === undefined ? {} : { conn });
    } catch (error) {
      res.status(500).json({ error: `the export failed: ${(error as Error).message}` });
      return;
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    res
      .status(200)
      .type(CONTENT_TYPES[format])
      .set('Content-Disposition', `attachment; filename="wslab-${conn ?? stamp}.${format}"`)
      .set('Cache-Control', 'no-store')
      .send(Buffer.from(body.buffer, body.byteOffset, body.length));
  };
  router.get(exportPath('har'), send('har'));
  router.get(exportPath('pcapng'), send('pcapng'));
  return router;
}
