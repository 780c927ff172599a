#!/usr/bin/env node
// The `vmlab` command: the compiled CLI in dist/ under plain node (`npm ci` builds it; so does `npm run build`).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('vmlab: the compiled CLI (dist/cli.js) is missing: run `npm run build` in the vmlab folder (`npm ci` does it too)\n');
  process.exit(70);
}
await import(cli.href);
