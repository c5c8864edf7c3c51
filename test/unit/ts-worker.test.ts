import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../server/package-root';
import { startTsWorker } from '../../server/ts-worker';

const fixture = (name: string): URL => new URL(`../fixtures/workers/${name}`, import.meta.url);

describe('startTsWorker, from the sources', () => {
  it('runs a TypeScript module with its data, the sources and packages it imports, and messages sent before it loaded', async () => {
    const worker = startTsWorker(fixture('echo-worker.ts'), { greeting: 'hi' });
    try {
      // Posted at once: the module is still being bundled, and must get it all the same.
      worker.postMessage('first');
      worker.postMessage('second');
      const [first] = await once(worker, 'message');
      const [second] = await once(worker, 'message');
      expect(first).toEqual({
        data: { greeting: 'hi' },
        echoPath: '/echo',
        // Each source file keeps its own URL: package-root.ts still finds the package.
        packageRoot,
        ws: 'function',
        message: 'first',
      });
      expect(second.message).toBe('second');
    } finally {
      await worker.terminate();
    }
  });

  it('fails the worker with the reason when its module cannot be bundled', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wslab-worker-'));
    try {
      const broken = path.join(dir, 'broken-worker.ts');
      writeFileSync(broken, 'export const broken = ;\n');
      const worker = startTsWorker(pathToFileURL(broken), null);
      const [error] = (await once(worker, 'error')) as [Error];
      expect(error.message).toMatch(/could not be bundled: .*broken-worker\.ts/s);
      await worker.terminate();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
