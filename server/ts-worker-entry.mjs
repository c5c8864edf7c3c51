// The first module of every worker thread the server starts from its sources (ts-worker.ts): it
// waits for its module, bundled to JavaScript by the thread that started it, and runs it.
import { once } from 'node:events';
import { workerData } from 'node:worker_threads';

const [{ url, error }] = await once(workerData.code, 'message');
workerData.code.close();
if (error !== undefined) throw new Error(`the worker's module could not be bundled: ${error}`);
await import(url);
