// Make `import ... from 'vmlab/testing'` work in files outside this package (a student's --workdir).
import { register } from 'node:module';
import { COMPILED } from './compiled.js';
import { typeScriptLoader } from './ts-loader.js';

let done = false;

/** The TypeScript loader first, then the alias: hooks registered later run first, so the alias hands the loader a real path. */
export async function registerTestingAlias(): Promise<void> {
  if (done) return;
  done = true;
  await typeScriptLoader();
  // The compiled CLI's suites must get the compiled API (the same module instances as the CLI's own).
  const target = COMPILED ? new URL('../dist/testing.js', import.meta.url) : new URL('./index.ts', import.meta.url);
  register(new URL('./resolve-hook.mjs', import.meta.url), { data: { target: target.href } });
}
