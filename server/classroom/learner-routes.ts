// The HTTP side of a learner's session: the page's answer gives the browser its session, and the
// page asks here for each snippet run's capability and says when the run is over.
import express, { type Router } from 'express';
import { RUN_CAPABILITY_API_PATH } from '../../core/routes';
import { type Classroom, NO_SESSION_REASON } from './classroom';

/** What `POST /api/run-capability` answers: null outside classroom mode, where none is needed. */
export interface RunCapabilityAnswer {
  capability: string | null;
  /** Wall-clock ms after which the server refuses it; null with no capability. */
  expiresAt: number | null;
}

export function learnerRoutes(room: Classroom): Router {
  const router = express.Router();
  if (room.enabled) {
    // The page itself (not its assets): where a browser becomes a learner.
    router.get(['/', '/index.html'], async (req, res, next) => {
      try {
        await room.sessions.ensure(req, res);
      } catch {
        // The class's shared store is out of reach: the page says it has no session rather than hang.
        res.status(503).set('Retry-After', '5').type('text/plain');
        res.send('The classroom cannot start a session now: its shared store (Redis) is out of reach.\n');
        return;
      }
      next();
    });
  }
  router.post(RUN_CAPABILITY_API_PATH, (req, res) => {
    if (!room.enabled) {
      res.json({ capability: null, expiresAt: null } satisfies RunCapabilityAnswer);
      return;
    }
    const learner = room.sessions.learnerOf(req);
    if (!learner) {
      res.status(401).json({ error: NO_SESSION_REASON });
      return;
    }
    res.set('Cache-Control', 'no-store').json(room.runs.issue(learner) satisfies RunCapabilityAnswer);
  });
  router.post(`${RUN_CAPABILITY_API_PATH}/end`, express.json({ limit: 1024 }), (req, res) => {
    const learner = room.sessions.learnerOf(req);
    const capability = (req.body as { capability?: unknown } | undefined)?.capability;
    if (!room.enabled || !learner || typeof capability !== 'string') {
      res.status(204).end();
      return;
    }
    room.runs.end(capability, learner);
    res.status(204).end();
  });
  return router;
}
