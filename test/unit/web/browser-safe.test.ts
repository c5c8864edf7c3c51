// The page imports some of the server's modules (the wire core, the tap's event types, the lesson
// checks, the HAR importer, the Live API helpers). In the browser there is no `node:` module and
// no server package, so every server module the page reaches, directly or through other files,
// must import nothing but other such files. The list is read from web/, not kept by hand.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Module specifiers in a source; type-only imports are left out, they vanish when compiled. */
function runtimeImports(code: string): string[] {
  return [...code.matchAll(/^(?:import|export)\s+(type\s+)?[\s\S]*?from\s+'([^']+)';/gm)]
    .filter((match) => !match[1])
    .map((match) => match[2]!);
}

/** Every file a module reaches at run time, itself included; packages and `node:` modules by name. */
function reach(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const specifier of runtimeImports(readFileSync(file, 'utf8'))) {
    if (specifier.startsWith('.')) reach(`${resolve(dirname(file), specifier)}.ts`, seen);
    else seen.add(specifier);
  }
  return seen;
}

/** The server modules that web/ imports at run time. */
function serverModulesOfThePage(): string[] {
  const web = join(ROOT, 'web');
  const entries = new Set<string>();
  for (const entry of readdirSync(web, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    for (const specifier of runtimeImports(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), specifier);
      if (specifier.startsWith('.') && target.startsWith(join(ROOT, 'server'))) entries.add(`${target}.ts`);
    }
  }
  return [...entries].sort();
}

describe('server modules the page imports', () => {
  const modules = serverModulesOfThePage();

  it('are found in web/ (the scan works)', () => {
    expect(modules).toContain(join(ROOT, 'server/wire/bytes.ts'));
    expect(modules).toContain(join(ROOT, 'server/export/har-import.ts'));
    expect(modules).toContain(join(ROOT, 'server/live/audio-blobs.ts'));
  });

  it.each(modules.map((file) => [file.slice(ROOT.length + 1), file]))(
    '%s reaches no Node module, no package and no server file that does',
    (_name, file) => {
      const reached = [...reach(file)];
      expect(reached.filter((f) => !f.startsWith(`${ROOT}/server/`))).toEqual([]);
    },
  );

  it('follows imports, so a Node import two files away would be caught', () => {
    // describe.ts imports frame-decoder.ts, which imports protocol-errors.ts.
    const reached = [...reach(join(ROOT, 'server/wire/describe.ts'))];
    expect(reached).toContain(join(ROOT, 'server/wire/frame-decoder.ts'));
    expect(reached).toContain(join(ROOT, 'server/wire/protocol-errors.ts'));
  });

  it('leaves out type-only imports and keeps the others', () => {
    const code = "import type { A } from 'node:a';\nimport { b } from 'node:b';\nexport { c } from './c';\n";
    expect(runtimeImports(code)).toEqual(['node:b', './c']);
  });
});
