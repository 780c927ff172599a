// Make `import ... from 'vmlab/testing'` work in files outside this package (a student's --workdir).
import { register } from 'node:module';

let done = false;

export function registerTestingAlias(): void {
  if (done) return;
  done = true;
  register(new URL('./resolve-hook.mjs', import.meta.url), { data: { target: new URL('./index.ts', import.meta.url).href } });
}
