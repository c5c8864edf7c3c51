import { defineConfig } from 'vite';

// The server compiled to JavaScript for the published package (`npx wslab`), so running it needs
// no TypeScript loader: the command line and each worker thread's module are entries of their
// own, written flat into dist/server/ (server/ts-worker.ts finds a worker's .js beside the code
// that starts it). Dependencies stay imports: npm installs them beside the package.
export default defineConfig({
  publicDir: false,
  build: {
    ssr: true,
    outDir: 'dist/server',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    reportCompressedSize: false,
    rolldownOptions: {
      input: {
        wslab: 'server/cli/main.ts',
        'json-decode-worker': 'server/tap/json-decode-worker.ts',
        'export-stream-worker': 'server/export/export-stream-worker.ts',
      },
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
    },
  },
});
