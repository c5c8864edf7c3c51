// The three homes of the code and who may import whom: core/ imports only core/; server/ and web/
// import core/; web/ never imports server/. The compiler configurations (core/, server/, web/
// tsconfig.json) keep each side's globals out of the others; this test keeps the imports in line
// and proves the compiler really refuses a Node global where it must.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every module specifier a source names: static, re-export, side-effect and dynamic imports. */
function importSpecifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[\w*{}\s,$]+?\s+from\s*(['"])([^'"]+)\1/g,
    /\bimport\s*(['"])([^'"]+)\1/g,
    /\bimport\s*\(\s*(['"`])([^'"`]+)\1\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...code.matchAll(pattern)].map((match) => match[2]!));
}

function sources(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** What `file` imports that its layer may not: `allowed` are the top-level folders it may reach. */
function outOfLayer(file: string, allowed: string[], packages: boolean): string[] {
  return importSpecifiers(readFileSync(file, 'utf8')).filter((specifier) => {
    if (!specifier.startsWith('.')) return !packages;
    const top = relative(ROOT, resolve(dirname(file), specifier)).split('/')[0]!;
    return !allowed.includes(top);
  });
}

describe('layers', () => {
  it('core/ imports only core/: no package, no node: module', () => {
    const problems = sources('core').flatMap((file) =>
      outOfLayer(file, ['core'], false).map((s) => `${relative(ROOT, file)}: ${s}`),
    );
    expect(problems).toEqual([]);
  });

  it('web/ imports core/ and web/, never server/', () => {
    const problems = sources('web').flatMap((file) =>
      outOfLayer(file, ['core', 'web', 'node_modules'], true).map((s) => `${relative(ROOT, file)}: ${s}`),
    );
    expect(problems).toEqual([]);
  });

  it('server/ imports core/ and server/, never web/', () => {
    const problems = sources('server').flatMap((file) =>
      outOfLayer(file, ['core', 'server', 'dist', 'node_modules'], true).map(
        (s) => `${relative(ROOT, file)}: ${s}`,
      ),
    );
    expect(problems).toEqual([]);
  });

  it('finds imports of every form, and not those in comments', () => {
    const code = [
      "import { a } from './a';",
      "import type { B } from '../b';",
      "export * from './c';",
      "import './d';",
      "const e = await import('./e');",
      "// import { f } from 'node:fs';",
    ].join('\n');
    expect(importSpecifiers(code)).toEqual(['./a', '../b', './c', './d', './e']);
  });
});

describe('the compiler keeps each side to its own globals', () => {
  // A probe file checked with a side's own configuration: the real compiler, the real settings.
  function check(side: 'core' | 'web' | 'server', code: string): string {
    const dir = mkdtempSync(join(ROOT, side, '.layer-probe-'));
    try {
      writeFileSync(join(dir, 'probe.ts'), `${code}\nexport {};\n`);
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          extends: '../tsconfig.json',
          include: ['probe.ts', ...(side === 'core' ? ['../platform.d.ts'] : [])],
        }),
      );
      const tsc = join(ROOT, 'node_modules/.bin/tsc');
      const run = spawnSync(tsc, ['-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
      return `${run.stdout}${run.stderr}`;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('refuses Buffer in core/', () => {
    expect(check('core', "const b = Buffer.from('x');")).toMatch(/Cannot find name 'Buffer'/);
  });

  it('refuses document in core/', () => {
    expect(check('core', 'const d = document.title;')).toMatch(/Cannot find name 'document'/);
  });

  it('refuses process in web/', () => {
    expect(check('web', 'const p = process.env;')).toMatch(/Cannot find name 'process'/);
  });

  it('accepts what both platforms have in core/', () => {
    expect(check('core', "const t = new TextEncoder().encode('x'); const u = new URL('ws://a/b');")).toBe('');
  });

  it('refuses document in server/', () => {
    expect(check('server', 'const d = document.title;')).toMatch(/Cannot find name 'document'/);
  });
});
