// The page imports the HAR import parser (and the packet builders are written to be usable there
// too), so these modules may reach only pure code: no `node:` modules, no packages, and nothing
// of ours that imports them.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Module specifiers in a source, type-only imports left out: they vanish when compiled. */
function runtimeImports(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  return [...code.matchAll(/^import\s+(type\s+)?[\s\S]*?from\s+'([^']+)';/gm)]
    .filter((match) => !match[1])
    .map((match) => match[2]!);
}

/** Every file a module reaches at run time, itself included. */
function reach(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const specifier of runtimeImports(file)) {
    seen.add(specifier.startsWith('.') ? '' : specifier);
    if (specifier.startsWith('.')) reach(`${resolve(dirname(file), specifier)}.ts`, seen);
  }
  seen.delete('');
  return seen;
}

describe('modules the page can import', () => {
  it.each(['server/export/har-import.ts', 'server/export/pcapng.ts', 'server/export/tcp-stream.ts'])(
    '%s reaches no Node module and no package',
    (file) => {
      const reached = [...reach(resolve(ROOT, file))];
      expect(reached.filter((f) => !f.startsWith(ROOT))).toEqual([]);
      expect(reached.filter((f) => !/\/server\/(wire|export)\//.test(f))).toEqual([]);
    },
  );
});
