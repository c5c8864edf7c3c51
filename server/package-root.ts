// Where the package's own files are (package.json, lessons/, dist/web/): one level above the
// sources' server/, two above the compiled dist/server/ that `npx wslab` runs.
import { fileURLToPath } from 'node:url';

const compiled = import.meta.url.endsWith('.js');

/** The package's folder, with a trailing separator. */
export const packageRoot = fileURLToPath(new URL(compiled ? '../..' : '..', import.meta.url));
