// The inspector under a flood, in Chromium: how many frames per second it takes in and draws while
// the page stays responsive (its longest main-thread task, its longest gap between two animation
// frames), and the page's memory once its history holds 100 000 frames.
// A loopback ws client floods the echo server at a fixed rate for a fixed time; it stops by itself.
// Standalone: npx tsx bench/ui.ts   (WSLAB_UI_SECONDS, WSLAB_UI_RATE change the flood)
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { WebSocket } from 'ws';
import { INSPECTOR_CAPACITY } from '../core/defaults';
import { ensureWebBuild } from '../scripts/ensure-web-build.mjs';
import { startServer } from '../server/server';
import { CHROMIUM_ARGS, findChromium } from '../test/e2e/chromium';

const HISTORY = INSPECTOR_CAPACITY;

interface PageFigures {
  frames: number;
  renders: number;
  longestTask: number;
  maxGap: number;
}

/** Sends `messagesPerTick` text messages every 10 ms for `seconds`; each one is two frames on the wire. */
async function flood(url: string, framesPerSecond: number, seconds: number): Promise<number> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const perTick = Math.max(1, Math.round(framesPerSecond / 2 / 100));
  const ticks = Math.round(seconds * 100);
  let sent = 0;
  const started = performance.now();
  for (let tick = 0; tick < ticks; tick++) {
    for (let i = 0; i < perTick; i++) socket.send(`flood ${sent++}`);
    // Pace by the clock, not by the timer, so a slow tick does not lower the rate.
    const due = started + (tick + 1) * 10;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
  }
  socket.close(1000, 'flood done');
  return sent * 2;
}

export async function benchUi(): Promise<Record<string, number>> {
  const seconds = Number(process.env.WSLAB_UI_SECONDS ?? 10);
  const rate = Number(process.env.WSLAB_UI_RATE ?? 5000);
  await ensureWebBuild();
  const server = await startServer({ port: 0, host: '127.0.0.1', historyBytes: 8 * 1024 * 1024 });
  const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(server.url);
    await page.locator('.tap-state[data-state="live"]').waitFor();
    // Measure the inspector, not the lazy loading of the editor and terminal.
    await page.locator('[data-testid="editor"][data-engine="monaco"]').waitFor();
    await page.locator('[data-testid="terminal"][data-engine="xterm"]').waitFor();
    await page.waitForTimeout(1000);
    // A string, not a function: the script must reach the page as written, without helpers a
    // TypeScript runner may wrap around named functions.
    await page.evaluate(`(() => {
      window.benchLongest = 0;
      window.benchGap = 0;
      window.benchLast = performance.now();
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.benchLongest = Math.max(window.benchLongest, entry.duration);
      }).observe({ type: 'longtask', buffered: false });
      const tick = (now) => {
        window.benchGap = Math.max(window.benchGap, now - window.benchLast);
        window.benchLast = now;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    const read = (): Promise<PageFigures> =>
      page.evaluate(() => {
        const w = window as unknown as {
          wslabStats: { frames: number; renders: number };
          benchLongest: number;
          benchGap: number;
        };
        return {
          frames: w.wslabStats.frames,
          renders: w.wslabStats.renders,
          longestTask: w.benchLongest,
          maxGap: w.benchGap,
        };
      });

    // 1. A steady flood at the target rate.
    const before = await read();
    const started = performance.now();
    const sent = await flood(`ws://127.0.0.1:${server.port}/echo`, rate, seconds);
    // Let the last batches arrive and be drawn.
    await page
      .waitForFunction(
        (want) => (window as unknown as { wslabStats: { frames: number } }).wslabStats.frames >= want,
        before.frames + sent * 0.99,
        { timeout: 15_000 },
      )
      .catch(() => {});
    const elapsed = (performance.now() - started) / 1000;
    const after = await read();

    // 2. Fill the history to its bound, then measure memory after a garbage collection.
    const more = Math.max(0, HISTORY - after.frames + 1000);
    if (more > 0) await flood(`ws://127.0.0.1:${server.port}/echo`, 20_000, more / 20_000);
    await page
      .waitForFunction(
        (want) => (window as unknown as { wslabStats: { frames: number } }).wslabStats.frames >= want,
        HISTORY,
        { timeout: 60_000 },
      )
      .catch(() => {});
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const heap = metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? 0;
    const stored = await page.evaluate(
      () => (window as unknown as { wslabStats: { frames: number } }).wslabStats.frames,
    );
    const dropped = Number((await page.locator('.counts').getAttribute('data-dropped')) ?? 0);

    return {
      targetFramesPerSecond: rate,
      framesPerSecondRendered: (after.frames - before.frames) / elapsed,
      drawsPerSecond: (after.renders - before.renders) / elapsed,
      longestTaskMs: after.longestTask,
      longestFrameGapMs: after.maxGap,
      framesTakenIn: stored,
      droppedCount: dropped,
      heapMBAt100kFrames: heap / 1024 / 1024,
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const figures = await benchUi();
  for (const [name, value] of Object.entries(figures)) console.log(`${name}: ${value.toFixed(1)}`);
}
