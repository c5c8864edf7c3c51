#!/usr/bin/env node
// `npx wslab`: runs the compiled server the package ships (dist/server/), which needs no
// TypeScript loader. In a clone where it has not been built, the sources run through tsx, a
// development dependency there.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/server/wslab.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../server/cli/main.ts', import.meta.url).href);
}
