// Before the end-to-end tests: find Chromium (or say how to install it) and build the page if
// dist/web is older than its sources, once, so every test runs against the current UI.
import { ensureWebBuild } from '../../scripts/ensure-web-build.mjs';
import { findChromium } from './chromium';

export default async function globalSetup(): Promise<void> {
  findChromium();
  await ensureWebBuild();
}
