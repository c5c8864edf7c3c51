// The lesson API. The course is read on each request, so a lesson edited on disk shows on reload;
// it is a handful of small files. A lesson that breaks the format rules is left out and reported.
import { Router } from 'express';
import { summarise } from '../../core/lessons/lesson-format';
import { loadCourse } from './loader';

/** `GET /api/lessons`: the table of contents and any problems. `GET /api/lessons/:slug`: one lesson. */
export function lessonsRouter(lessonsDir: string): Router {
  const router = Router();
  router.get('/', async (_req, res, next) => {
    try {
      const course = await loadCourse(lessonsDir);
      res.set('Cache-Control', 'no-cache').json({
        lessons: course.lessons.map(summarise),
        problems: course.problems,
      });
    } catch (error) {
      next(error);
    }
  });
  router.get('/:slug', async (req, res, next) => {
    try {
      const course = await loadCourse(lessonsDir);
      const lesson = course.lessons.find((candidate) => candidate.slug === req.params.slug);
      if (!lesson) {
        const broken = course.problems.find((entry) => entry.folder.endsWith(`-${req.params.slug}`));
        res.status(404).json({
          error: broken ? `lesson "${req.params.slug}" is broken` : `no lesson "${req.params.slug}"`,
          problems: broken?.problems ?? [],
        });
        return;
      }
      res.set('Cache-Control', 'no-cache').json(lesson);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
