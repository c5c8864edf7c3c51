// The classroom's HTTP side: `/teach` (the board's page, for the instructor token only), the page's
// progress reports, and whether the page is a learner of a class at all.
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import express, { type Router } from 'express';
import { type ClassroomInfo, PROGRESS_LIMITS, parseProgressReport } from '../../core/classroom/board';
import { CLASSROOM_API_PATH, PROGRESS_API_PATH, TEACH_PATH } from '../../core/routes';
import { isInstructor, teachCookie } from './instructor';
import type { ProgressLearner, ProgressStore } from './progress';

export interface ClassroomRoutesOptions {
  /** Classroom mode: learners are sessions and the board is on. */
  classroom: boolean;
  instructorToken: string;
  store: ProgressStore;
  learnerOf: (req: IncomingMessage) => ProgressLearner | null;
  /** The built UI, which holds `teach.html`. */
  webRoot: string;
  /** `npm run dev`: Vite serves `teach.html` from the sources. */
  dev?: boolean;
}

export function classroomRouter(options: ClassroomRoutesOptions): Router {
  const router = express.Router();
  const teachHtml = path.join(options.webRoot, 'teach.html');

  router.get(TEACH_PATH, (req, res) => {
    res.set('Cache-Control', 'no-store');
    if (!isInstructor(req, options.instructorToken)) {
      res
        .status(403)
        .type('text/plain')
        .send(
          'This is the instructor’s board. Open it with the link wslab printed when it started: ' +
            `http://${req.headers.host ?? 'this-host'}${TEACH_PATH}?token=…\n`,
        );
      return;
    }
    res.set('Set-Cookie', teachCookie(options.instructorToken));
    // The token stays out of the Referer of anything the board links to.
    res.set('Referrer-Policy', 'no-referrer');
    // In development Vite answers `/teach.html` before this router sees it.
    if (options.dev) res.redirect(302, '/teach.html');
    else if (existsSync(teachHtml)) res.sendFile(teachHtml);
    else
      res.type('text/plain').send('The board’s page has not been built. Run `npm run build`, then reload.\n');
  });
  // The built file is the board's page only through `/teach`, which checks the token.
  router.get('/teach.html', (_req, res) => {
    res.redirect(302, TEACH_PATH);
  });

  router.get(CLASSROOM_API_PATH, (req, res) => {
    const learner = options.classroom ? options.learnerOf(req) : null;
    const info: ClassroomInfo = {
      classroom: options.classroom,
      learner: learner ? { id: learner.id, number: learner.number } : null,
    };
    res.set('Cache-Control', 'no-store').json(info);
  });

  router.post(
    PROGRESS_API_PATH,
    express.json({ limit: PROGRESS_LIMITS.bodyBytes, strict: true }),
    (req, res) => {
      if (!options.classroom) {
        res.status(404).json({ error: 'progress is reported in classroom mode only' });
        return;
      }
      const learner = options.learnerOf(req);
      if (!learner) {
        res.status(401).json({ error: 'no learner session: open the page at / first' });
        return;
      }
      if (!req.is('application/json')) {
        res.status(415).json({ error: 'a progress report is sent as application/json' });
        return;
      }
      const parsed = parseProgressReport(req.body);
      if (!parsed.ok) {
        res.status(400).json({ error: parsed.error });
        return;
      }
      if (options.store.report(learner, parsed.report) === 'too-fast') {
        res
          .status(429)
          .set('Retry-After', '1')
          .json({ error: 'progress is reported at most twice a second' });
        return;
      }
      res.status(204).end();
    },
  );
  return router;
}
