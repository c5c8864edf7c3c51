import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import express, { type Express, type Router } from 'express';
import {
  API_PATH,
  ECHO_PATH,
  ECHO_SOURCE_API_PATH,
  LESSONS_API_PATH,
  type PageView,
  TAP_PATH,
  VIEW_PARAM,
} from '../core/routes';
import type { ExportRouterOptions, ExportSource } from './export/routes';
import { exportRouter } from './export/routes';
import { isAllowedHost, isSameOrigin, isSameOriginFetch } from './host-check';
import { lessonsRouter } from './lessons/routes';

export interface AppOptions {
  projectRoot: string;
  /** The built UI; served when it exists. */
  webRoot: string;
  lessonsDir: string;
  allowedHosts: readonly string[];
  health: () => Record<string, unknown>;
  /** The bytes the exports are built from. */
  exportSource: ExportSource;
  /** The largest file an export may be (413 beyond); by default 4× the default journal budget. */
  exportCeilingBytes?: number;
  /** The view `/` opens on when the address names none. */
  startView?: PageView;
  /** `/teach`, `/api/progress` and `/api/classroom` (server/classroom/routes.ts). */
  classroomRoutes?: Router;
  /** Each learner's session cookie and run capabilities (server/classroom/learner-routes.ts). */
  learnerRoutes?: Router;
  /** Classroom mode: whose connections the caller may export; null: none (401, `why`). */
  exportScope?: { scopeOf: NonNullable<ExportRouterOptions['scopeOf']>; why: string };
}

/** The HTTP side: health, the lesson API, the echo server's source for the lessons, and the UI. */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => {
    res.json(options.health());
  });

  // A plain GET (no Upgrade) on a WebSocket path: say what it is instead of a bare 404.
  app.get([ECHO_PATH, TAP_PATH], (req, res) => {
    res
      .status(426)
      .set('Upgrade', 'websocket')
      .type('text/plain')
      .send(
        `${req.path} is a WebSocket endpoint: connect with ws://${req.headers.host ?? 'this-host'}${req.path}\n`,
      );
  });

  // The API is for the page on this server and for scripts on this machine, nothing else: a page
  // on another site must not be able to make this server build exports or read lessons for it.
  app.use(API_PATH, (req, res, next) => {
    const refusal = apiRefusal(req.headers, options.allowedHosts);
    if (refusal !== null) {
      res.status(403).json({ error: refusal });
      return;
    }
    next();
  });
  if (options.classroomRoutes) app.use(options.classroomRoutes);
  if (options.learnerRoutes) app.use(options.learnerRoutes);
  app.use(LESSONS_API_PATH, lessonsRouter(options.lessonsDir));
  app.use(
    exportRouter(options.exportSource, {
      ...(options.exportCeilingBytes === undefined ? {} : { ceilingBytes: options.exportCeilingBytes }),
      ...options.exportScope,
    }),
  );
  app.get(ECHO_SOURCE_API_PATH, async (_req, res, next) => {
    try {
      const source = await readFile(path.join(options.projectRoot, 'server/echo.ts'), 'utf8');
      res.type('text/plain').send(source);
    } catch (error) {
      next(error);
    }
  });
  app.use(API_PATH, (_req, res) => {
    res.status(404).json({ error: 'no such API route' });
  });

  // `--inspect`: `/` opens on the inspector-first view. A redirect rather than a different page, so
  // the address bar says which view this is and `/?view=playground` still reaches the lessons.
  if (options.startView && options.startView !== 'playground') {
    const view = options.startView;
    app.get('/', (req, res, next) => {
      if (req.query[VIEW_PARAM] !== undefined) next();
      else res.redirect(302, `/?${VIEW_PARAM}=${view}`);
    });
  }

  if (existsSync(path.join(options.webRoot, 'index.html'))) {
    app.use(
      express.static(options.webRoot, { index: 'index.html', maxAge: '1h', setHeaders: noCacheForHtml }),
    );
  } else {
    app.get('/', (_req, res) => {
      res
        .type('text/plain')
        .send(
          'wslab is running, but the web UI has not been built.\nRun `npm run build`, then reload.\n' +
            'The echo server is at ws://<this host>/echo and the tap at ws://<this host>/tap.\n',
        );
    });
  }
  return app;
}

/** Why a request may not use `/api`, or null when it may. */
function apiRefusal(headers: IncomingHttpHeaders, allowedHosts: readonly string[]): string | null {
  const { host, origin } = headers;
  if (!isAllowedHost(host, allowedHosts)) return `Host "${host ?? ''}" is not allowed (DNS rebinding guard)`;
  if (!isSameOrigin(origin, host)) {
    return `the API only answers pages from this server, not Origin ${origin}`;
  }
  const site = headers['sec-fetch-site'];
  if (!isSameOriginFetch(typeof site === 'string' ? site : undefined)) {
    return `the API only answers pages from this server, not a ${site} request`;
  }
  return null;
}

function noCacheForHtml(res: express.Response, file: string): void {
  if (file.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
}
