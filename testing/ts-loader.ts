// A loader for a user's own TypeScript (an exercise's suite.ts, a student's handlers.ts), registered only when one must load.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { COMPILED } from './compiled.js';

let ready: Promise<void> | undefined;

/**
 * A Node load hook: a user's .ts file is an ES module whatever the nearest package.json says (or
 * whether there is one), since suites, handlers and work files are written as modules. Without it an
 * exercise folder copied outside any package would load as CommonJS, where `export default` and
 * `vmlab/testing` do not work. A data: URL, so the bundle needs no file of its own for it.
 */
const ESM_HOOK = `export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && /\\.ts$/.test(url) && !url.includes('/node_modules/'))
    return nextLoad(url, { ...context, format: 'module' });
  return nextLoad(url, context);
}`;

/**
 * Make `import()` of a .ts file work. From the sources something already loads TypeScript (tsx for the
 * CLI, vitest for tests); the compiled CLI runs under plain node and registers tsx here, on first need,
 * so commands that load no user TypeScript never pay for it, and then the ES-module hook above (hooks
 * registered later run first, so it hands tsx the format).
 */
export function typeScriptLoader(): Promise<void> {
  if (!COMPILED) return Promise.resolve();
  return (ready ??= import('tsx/esm/api').then(async ({ register }) => {
    register();
    const { register: registerHooks } = await import('node:module');
    registerHooks(`data:text/javascript,${encodeURIComponent(ESM_HOOK)}`);
  }));
}

/** Whether the nearest package.json above `dir` says "type": "module". */
function inModuleScope(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    const pkg = join(d, 'package.json');
    if (existsSync(pkg)) return /"type"\s*:\s*"module"/.test(readText(pkg));
    if (dirname(d) === d) return false;
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Whether a user's .ts in `dir` will load as an ES module: always from the compiled CLI (its hook says
 * so); from the sources, where the nearest package.json says "type": "module".
 */
export function loadsAsModule(dir: string): boolean {
  return COMPILED || inModuleScope(dir);
}
