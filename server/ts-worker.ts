// Worker threads start without the TypeScript loader of the thread that makes them: from the
// sources, every worker of the server (the tap's, the exports') starts through
// ts-worker-entry.mjs, which registers the loader and then loads the worker's own module.
// Compiled (dist/server/, what `npx wslab` runs), each worker is a .js entry of its own beside
// the code that starts it, and starts with no loader at all.
import { Worker, workerData } from 'node:worker_threads';

const compiled = import.meta.url.endsWith('.js');

/** Starts `module` (a .ts file, or its compiled .js) in a worker thread; it reads `data` as `workerData`. */
export function startTsWorker(module: URL, data: unknown, transferList: ArrayBuffer[] = []): Worker {
  if (compiled) {
    return new Worker(new URL(module.href.replace(/\.ts$/, '.js')), { workerData: { data }, transferList });
  }
  return new Worker(new URL('./ts-worker-entry.mjs', import.meta.url), {
    workerData: { module: module.href, data },
    transferList,
  });
}

/** In a worker started by `startTsWorker`: the data it was given. */
export function workerInput<T>(): T {
  return (workerData as { data: T }).data;
}
