// The inspector imports these Live API helpers into the page, so they may reach only pure code:
// no `node:` modules, no packages, and nothing of ours that imports them.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Module specifiers in a source, type-only imports left out: they vanish when compiled. */
function runtimeImports(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  return [...code.matchAll(/^(?:import|export)\s+(type\s+)?[\s\S]*?from\s+'([^']+)';/gm)]
    .filter((match) => !match[1])
    .map((match) => match[2]!);
}

/** Every file a module reaches at run time, itself included; packages by name. */
function reach(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const specifier of runtimeImports(file)) {
    if (specifier.startsWith('.')) reach(`${resolve(dirname(file), specifier)}.ts`, seen);
    else seen.add(specifier);
  }
  return seen;
}

describe('Live API helpers the page imports', () => {
  it.each(['server/live/message-label.ts', 'server/live/audio-blobs.ts', 'server/live/sequence-check.ts'])(
    '%s reaches no Node module and no package',
    (file) => {
      const reached = [...reach(resolve(ROOT, file))];
      expect(reached.filter((f) => !f.startsWith(`${ROOT}/server/`))).toEqual([]);
      expect(reached.filter((f) => !/\/server\/(live|wire)\/[\w-]+\.ts$/.test(f))).toEqual([]);
    },
  );

  it('follows imports, so a Node import two files away would be caught', () => {
    const reached = [...reach(resolve(ROOT, 'server/live/audio-blobs.ts'))];
    expect(reached).toContain(resolve(ROOT, 'server/live/pcm.ts'));
    expect(reached).toContain(resolve(ROOT, 'server/live/message-label.ts'));
  });
});
