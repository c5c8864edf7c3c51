// Playwright cannot download its own browsers here: the tests drive the system's Chromium.
import { existsSync } from 'node:fs';

export const INSTALL_HINT = 'apt-get install -y chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * A fake microphone (a tone that beeps twice a second) that needs no permission prompt: the
 * course's Live API lesson records from the microphone, and the tests walk it like a learner.
 */
export const FAKE_MEDIA_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

/** CHROMIUM_PATH, else Debian's /usr/bin/chromium; throws with the install command otherwise. */
export function findChromium(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].filter((p): p is string => Boolean(p));
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  throw new Error(
    `No Chromium found (looked at ${candidates.join(', ')}). Install it with: ${INSTALL_HINT}\n` +
      'or point CHROMIUM_PATH at a Chromium or Chrome binary.',
  );
}
