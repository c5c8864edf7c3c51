import { defineConfig } from '@playwright/test';
import type { ServerOptions } from './server/server';
import { CHROMIUM_ARGS, FAKE_MEDIA_ARGS, findChromium } from './test/e2e/chromium';

let executablePath: string | undefined;
try {
  executablePath = findChromium();
} catch {
  // The global setup reports the missing browser with the install command.
}

export default defineConfig<object, { serverOptions: ServerOptions }>({
  testDir: 'test/e2e',
  testMatch: '*.spec.ts',
  // Two cores: one worker per core, each with its own server.
  workers: 2,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  outputDir: 'test-results/e2e',
  globalSetup: './test/e2e/global-setup.ts',
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    viewport: { width: 1280, height: 800 },
    launchOptions: { executablePath, args: [...CHROMIUM_ARGS, ...FAKE_MEDIA_ARGS] },
    trace: 'off',
  },
  projects: [{ name: 'chromium' }],
});
