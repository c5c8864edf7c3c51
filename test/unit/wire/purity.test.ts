// The wire core runs in the browser as well as in Node (a lesson can decode bytes the learner
// types), so it may import nothing but its own files: no `node:` modules, no packages.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const WIRE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../server/wire');

/** Every module specifier a TypeScript source names: static, side-effect, re-export, dynamic, require. */
function importSpecifiers(source: string): string[] {
  // Comments may mention modules; only code counts. Strings holding "//" are rare enough in this
  // folder that a plain strip is good enough, and the test below checks the scanner itself.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?)\s+from\s*(['"])([^'"]+)\1/g,
    /\bimport\s*(['"])([^'"]+)\1/g,
    /\bimport\s*\(\s*(['"`])([^'"`]+)\1\s*\)/g,
    /\brequire\s*\(\s*(['"`])([^'"`]+)\1\s*\)/g,
  ];
  const found: string[] = [];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.push(match[2]!);
  // A dynamic import or require of something that is not a literal cannot be checked: flag it.
  for (const match of code.matchAll(/\b(?:import|require)\s*\(\s*(?!['"`])([^)]*)\)/g)) {
    found.push(`<computed: ${match[1]!.trim()}>`);
  }
  return found;
}

/** Why this specifier is not allowed in server/wire, or null when it is fine. */
function impurity(file: string, specifier: string): string | null {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return `imports ${specifier}`;
  const target = resolve(dirname(file), specifier);
  if (relative(WIRE, target).startsWith('..')) return `imports ${specifier}, outside server/wire`;
  const candidates = [target, `${target}.ts`, join(target, 'index.ts')];
  if (!candidates.some((candidate) => existsSync(candidate) && candidate.endsWith('.ts'))) {
    return `imports ${specifier}, which is not a TypeScript file in server/wire`;
  }
  return null;
}

function wireFiles(): string[] {
  return readdirSync(WIRE, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the wire core is pure', () => {
  it('holds only TypeScript sources', () => {
    const files = wireFiles();
    expect(files.length).toBeGreaterThan(5);
    expect(files.filter((file) => !file.endsWith('.ts'))).toEqual([]);
  });

  it('imports only files of its own, never node: modules or packages', () => {
    const problems: string[] = [];
    for (const file of wireFiles()) {
      for (const specifier of importSpecifiers(readFileSync(file, 'utf8'))) {
        const problem = impurity(file, specifier);
        if (problem) problems.push(`${relative(WIRE, file)} ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('uses no Node globals (Buffer, process, require, __dirname)', () => {
    const problems: string[] = [];
    for (const file of wireFiles()) {
      const code = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
      for (const match of code.matchAll(
        /\b(Buffer|process|require|__dirname|__filename|global)\b(?=\s*[.([])/g,
      )) {
        problems.push(`${relative(WIRE, file)} uses ${match[1]}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('has a scanner that finds every kind of import it must refuse', () => {
    const source = [
      "import { readFileSync } from 'node:fs';",
      "import type { Server } from 'http';",
      "import WebSocket, {\n  WebSocketServer,\n} from 'ws';",
      "import * as path from 'node:path';",
      "import 'reflect-metadata';",
      "export { x } from '../tap/events';",
      "export * from 'fast-check';",
      "const zlib = await import('node:zlib');",
      "const os = require('os');",
      'const name = "x"; const m = await import(name);',
      "// import { ignored } from 'node:comment';",
      "import { fine } from './bytes';",
    ].join('\n');
    const file = join(WIRE, 'example.ts');
    const specifiers = importSpecifiers(source);
    expect(specifiers).not.toContain('node:comment');
    expect(impurity(file, './bytes')).toBeNull();
    const problems = specifiers.map((specifier) => impurity(file, specifier)).filter((p) => p !== null);
    expect(problems.sort()).toEqual(
      [
        'imports node:fs',
        'imports http',
        'imports ws',
        'imports node:path',
        'imports reflect-metadata',
        'imports ../tap/events, outside server/wire',
        'imports fast-check',
        'imports node:zlib',
        'imports os',
        'imports <computed: name>',
      ].sort(),
    );
    expect(impurity(file, './no-such-file')).toMatch(/not a TypeScript file/);
  });
});
