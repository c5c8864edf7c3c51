// Worker threads start without the TypeScript loader of the thread that makes them: every worker
// of the server (the tap's, the exports') starts through ts-worker-entry.mjs, which registers the
// loader and then loads the worker's own module.
import { Worker, workerData } from 'node:worker_threads';

/** Starts `module` (a .ts file) in a worker thread; it reads `data` as `workerData`. */
export function startTsWorker(module: URL, data: unknown, transferList: ArrayBuffer[] = []): Worker {
  return new Worker(new URL('./ts-worker-entry.mjs', import.meta.url), {
    workerData: { module: module.href, data },
    transferList,
  });
}

/** In a worker started by `startTsWorker`: the data it was given. */
export function workerInput<T>(): T {
  return (workerData as { data: T }).data;
}
