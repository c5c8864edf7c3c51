// Placeholder: the lesson loader and its routes come with the playground page.
import { Router } from 'express';

export function lessonsRouter(_lessonsDir: string): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.json([]);
  });
  return router;
}
