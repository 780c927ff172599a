// A loader for a user's own TypeScript (an exercise's suite.ts, a student's handlers.ts), registered only when one must load.
import { COMPILED } from './compiled.js';

let ready: Promise<void> | undefined;

/**
 * Make `import()` of a .ts file work. From the sources something already loads TypeScript (tsx for the
 * CLI, vitest for tests); the compiled CLI runs under plain node and registers tsx here, on first need,
 * so commands that load no user TypeScript never pay for it.
 */
export function typeScriptLoader(): Promise<void> {
  if (!COMPILED) return Promise.resolve();
  return (ready ??= import('tsx/esm/api').then(({ register }) => {
    register();
  }));
}
