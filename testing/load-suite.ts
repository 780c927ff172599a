// Finding and loading an exercise's suite.ts, with a clear message for each way it can be wrong.

import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadsAsModule, typeScriptLoader } from './ts-loader.js';
import { VISIBILITIES, type Suite } from './suite.js';

/** The exercise folder or its suite is unusable; the message says why. */
export class SuiteError extends Error {}

export const SUITE_FILE = 'suite.ts';

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** Checks the exercise folder and the folder under test exist; returns their absolute paths. */
export function resolveExercise(exerciseDir: string, workdir?: string): { exerciseDir: string; workdir: string } {
  const ex = resolve(exerciseDir);
  if (!isDir(ex)) throw new SuiteError(`${exerciseDir}: no such exercise folder`);
  const work = resolve(workdir ?? join(ex, 'starter'));
  if (!isDir(work))
    throw new SuiteError(
      workdir === undefined ? `${exerciseDir}: has no starter/ folder (give the work to test with --workdir)` : `${workdir}: no such folder`,
    );
  return { exerciseDir: ex, workdir: work };
}

/** Imports `<exerciseDir>/suite.ts` and checks its default export is a suite. */
export async function loadSuite(exerciseDir: string): Promise<Suite> {
  const path = join(resolve(exerciseDir), SUITE_FILE);
  if (!existsSync(path)) throw new SuiteError(`${exerciseDir}: no ${SUITE_FILE} (an exercise folder holds README.md, starter/, solution/ and ${SUITE_FILE})`);
  if (!loadsAsModule(resolve(exerciseDir)))
    throw new SuiteError(`${exerciseDir}: outside any ES-module package: put a package.json containing {"type": "module"} in it`);
  let mod: { default?: unknown };
  try {
    await typeScriptLoader();
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (e) {
    throw new SuiteError(`${path}: cannot load: ${e instanceof Error ? e.message : String(e)}`);
  }
  return validateSuite(mod.default, path);
}

export function validateSuite(value: unknown, where: string): Suite {
  const bad = (why: string): never => {
    throw new SuiteError(`${where}: ${why}`);
  };
  if (typeof value !== 'object' || value === null) return bad('must `export default defineSuite({ title, checks })`');
  const s = value as { title?: unknown; checks?: unknown };
  if (typeof s.title !== 'string' || s.title === '') bad('the suite needs a `title` string');
  if (!Array.isArray(s.checks) || s.checks.length === 0) bad('the suite needs a non-empty `checks` array');
  const visibility = (v: unknown, what: string) => {
    if (v !== undefined && !(VISIBILITIES as readonly unknown[]).includes(v))
      bad(`${what} must be one of ${VISIBILITIES.join(', ')}, not ${JSON.stringify(v)}`);
  };
  visibility((s as { visibility?: unknown }).visibility, '`visibility`');
  visibility((s as { stdoutVisibility?: unknown }).stdoutVisibility, '`stdoutVisibility`');
  const names = new Set<string>();
  (s.checks as unknown[]).forEach((c, i) => {
    const k = c as { name?: unknown; points?: unknown; run?: unknown };
    if (typeof k !== 'object' || k === null) bad(`checks[${i}] is not an object`);
    if (typeof k.name !== 'string' || k.name === '') bad(`checks[${i}] needs a \`name\``);
    const name = k.name as string;
    if (names.has(name)) bad(`two checks are named ${JSON.stringify(name)}`);
    names.add(name);
    if (typeof k.points !== 'number' || !Number.isFinite(k.points) || k.points < 0) bad(`check ${JSON.stringify(name)}: \`points\` must be a number >= 0`);
    if (typeof k.run !== 'function') bad(`check ${JSON.stringify(name)}: \`run\` must be a function`);
    visibility((k as { visibility?: unknown }).visibility, `check ${JSON.stringify(name)}: \`visibility\``);
  });
  return value as Suite;
}
