// Runs before `npm start`: builds the web UI when dist/web is missing or older than its sources
// (web/, and core/, which the page imports), and says nothing more than one line either way.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const output = path.join(root, 'dist/web/index.html');
const SOURCES = ['web', 'core', 'vite.config.ts', 'package.json'];

function newestMtime(entry) {
  let stat;
  try {
    stat = statSync(entry);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
  return newest;
}

/** Why the UI needs a build, or null when dist/web is up to date. */
export function staleReason() {
  let built;
  try {
    built = statSync(output).mtimeMs;
  } catch {
    return 'no build yet';
  }
  for (const source of SOURCES) {
    if (newestMtime(path.join(root, source)) > built) return `${source} changed`;
  }
  return null;
}

export async function ensureWebBuild() {
  const reason = staleReason();
  if (reason === null) return false;
  process.stdout.write(`wslab: building the web UI (${reason})…\n`);
  const { build } = await import('vite');
  await build({
    configFile: path.join(root, 'vite.config.ts'),
    root: path.join(root, 'web'),
    logLevel: 'warn',
  });
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  ensureWebBuild().catch((error) => {
    process.stderr.write(`wslab: the web UI did not build: ${error.message}\n`);
    process.exit(1);
  });
}
