import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The page lives in web/ and imports core/, the code it shares with the server.
export default defineConfig({
  root: 'web',
  publicDir: false,
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    // Monaco's chunk is large by nature; it loads lazily, after the first view.
    chunkSizeWarningLimit: 6000,
    reportCompressedSize: false,
    // The TypeScript worker is one big file; its transform time is known and not worth a warning.
    rolldownOptions: {
      checks: { bundlerTimings: false },
      // Two pages: the playground, and the instructor's board (`/teach`, served behind its token).
      input: {
        index: fileURLToPath(new URL('web/index.html', import.meta.url)),
        teach: fileURLToPath(new URL('web/teach.html', import.meta.url)),
      },
    },
  },
  worker: { format: 'es' },
  server: { fs: { allow: ['..'] } },
});
