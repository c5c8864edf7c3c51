// `npm run dev`: Vite serves the page from web/ with hot reload, as middleware on the same port.
// Its HMR socket shares the HTTP server; the upgrade router lets `vite-*` subprotocols through.
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Express, NextFunction, Request, Response } from 'express';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

export async function mountDevUi(app: Express, server: Server): Promise<void> {
  const { createServer } = await import('vite');
  const vite = await createServer({
    configFile: `${projectRoot}vite.config.ts`,
    root: `${projectRoot}web`,
    appType: 'spa',
    server: { middlewareMode: true, ws: { server } },
  });
  server.once('close', () => void vite.close());
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    // The API and health routes stay with Express, and `/teach`, which checks the instructor token.
    if (
      req.path.startsWith('/api/') ||
      req.path === '/api' ||
      req.path === '/healthz' ||
      req.path === '/teach'
    )
      next();
    else vite.middlewares(req, res, next);
  };
  app.use(middleware);
  // Express serves dist/web statically when a build exists; Vite must come first so that `npm run
  // dev` always shows the live sources, so move the middleware just added to the front.
  const stack = (app as unknown as { router?: { stack: unknown[] } }).router?.stack;
  if (stack && stack.length > 1) stack.unshift(stack.pop());
}
