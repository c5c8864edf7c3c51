// The export worker starts without the TypeScript loader of the thread that made it: register
// it, then load the worker itself.
import { register } from 'tsx/esm/api';

register();
await import('./export-worker.ts');
