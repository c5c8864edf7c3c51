// Worker threads start without the TypeScript loader of the thread that makes them. Compiled
// (dist/server/, what `npx wslab` runs), each worker is a .js entry of its own beside the code
// that starts it. From the sources (`npm start`, the tests, the benchmarks), the worker's module
// is bundled to JavaScript by esbuild on this thread, once per module, and the worker runs that:
// a worker that registered the loader itself cost some 18 MB more (the loader's own thread and
// modules: 29 MB against 11 for the tap's JSON worker) and twice the time to start.
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, Worker, workerData } from 'node:worker_threads';

const compiled = import.meta.url.endsWith('.js');

/** Starts `module` (a .ts file, or its compiled .js) in a worker thread; it reads `data` as `workerData`. */
export function startTsWorker(module: URL, data: unknown, transferList: ArrayBuffer[] = []): Worker {
  if (compiled) {
    return new Worker(new URL(module.href.replace(/\.ts$/, '.js')), { workerData: { data }, transferList });
  }
  // The worker starts now and waits for its code on a port of its own: what the caller posts to
  // it meanwhile waits in its parentPort until the module listens there.
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./ts-worker-entry.mjs', import.meta.url), {
    workerData: { code: port2, data },
    transferList: [port2, ...transferList],
  });
  bundled(module).then(
    (url) => port1.postMessage({ url }),
    (error: unknown) => port1.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
  return worker;
}

/** In a worker started by `startTsWorker`: the data it was given. */
export function workerInput<T>(): T {
  return (workerData as { data: T }).data;
}

const bundles = new Map<string, Promise<string>>();

/** `module` and what it imports from the sources, as one JavaScript module in a `data:` URL. */
function bundled(module: URL): Promise<string> {
  let bundle = bundles.get(module.href);
  if (bundle === undefined) {
    bundle = bundleToDataUrl(module);
    bundles.set(module.href, bundle);
    // A failed bundle (a syntax error being fixed) is tried again by the next worker.
    bundle.catch(() => bundles.delete(module.href));
  }
  return bundle;
}

async function bundleToDataUrl(module: URL): Promise<string> {
  // Only from the sources: the compiled package does not have esbuild, nor need it.
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(module)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'wslab-worker',
        setup(build) {
          // A `data:` module resolves no package name and no relative path: packages are imported
          // by absolute URL, from where Node finds them for this package (the sources' imports
          // are all this package's own dependencies).
          build.onResolve({ filter: /^[^./]/ }, (args) => ({
            path: import.meta.resolve(args.path),
            external: true,
          }));
          // Each source file's own URL where it asks for it (package-root.ts finds the package so).
          build.onLoad({ filter: /\.ts$/ }, async (args) => ({
            contents: (await readFile(args.path, 'utf8')).replaceAll(
              'import.meta.url',
              JSON.stringify(pathToFileURL(args.path).href),
            ),
            loader: 'ts',
          }));
        },
      },
    ],
  });
  const code = result.outputFiles[0]!.text;
  return `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`;
}
