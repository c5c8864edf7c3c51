// The first module of every worker thread the server starts (ts-worker.ts): registers the
// TypeScript loader, then loads the worker's own module.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
