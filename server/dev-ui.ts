// Placeholder: Vite runs as middleware here once the web UI exists.
import type { Server } from 'node:http';
import type { Express } from 'express';

export async function mountDevUi(_app: Express, _server: Server): Promise<void> {
  throw new Error('the development UI is not available yet');
}
