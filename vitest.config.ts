import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Playwright specs live in test/e2e as *.spec.ts and run under Playwright, not vitest.
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
