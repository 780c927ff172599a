// The exercise suite format: a suite.ts default-exports defineSuite({...}), a list of checks with points.
//
// A check passes when its `run` returns; it fails when it throws. A CheckFailure carries the message a
// student reads (and a diff); any other error is reported as an error in the check, with its message.

import { join } from 'node:path';
import { CheckFailure } from './failure.js';

export interface CheckContext {
  /** Absolute path of the exercise folder (where suite.ts and the exercise's own kernels live). */
  readonly exerciseDir: string;
  /** Absolute path of the work under test: `starter/`, `solution/` or the student's --workdir. */
  readonly workdir: string;
  /** A path inside the work under test. */
  file(rel: string): string;
  /** A path inside the exercise folder. */
  exercise(rel: string): string;
  /** Compute a value once per suite run and share it between checks (e.g. one boot used by several checks). */
  memo<T>(key: string, compute: () => T): T;
}

export interface Check {
  /** Shown as the check's title; unique within the suite. */
  readonly name: string;
  readonly points: number;
  run(ctx: CheckContext): void | Promise<void>;
}

export interface Suite {
  readonly title: string;
  readonly checks: readonly Check[];
}

export function defineSuite(suite: Suite): Suite {
  return suite;
}

export interface CheckResult {
  readonly name: string;
  readonly points: number;
  readonly score: number;
  readonly passed: boolean;
  /** Why it failed ('' when it passed). */
  readonly message: string;
  readonly diff: string | undefined;
  /** The check threw something other than a CheckFailure (a bug in the work, or in the suite). */
  readonly error: boolean;
  readonly ms: number;
}

export interface SuiteResult {
  readonly title: string;
  readonly workdir: string;
  readonly checks: readonly CheckResult[];
  readonly score: number;
  readonly maxScore: number;
  readonly passed: boolean;
}

/** Run every check in order; a failing check never stops the others. */
export async function runSuite(suite: Suite, dirs: { exerciseDir: string; workdir: string }): Promise<SuiteResult> {
  const memo = new Map<string, unknown>();
  const ctx: CheckContext = {
    exerciseDir: dirs.exerciseDir,
    workdir: dirs.workdir,
    file: (rel) => join(dirs.workdir, rel),
    exercise: (rel) => join(dirs.exerciseDir, rel),
    memo<T>(key: string, compute: () => T): T {
      if (!memo.has(key)) {
        try {
          memo.set(key, { ok: compute() });
        } catch (e) {
          memo.set(key, { err: e });
        }
      }
      const m = memo.get(key) as { ok?: T; err?: unknown };
      if ('err' in m) throw m.err;
      return m.ok as T;
    },
  };
  const results: CheckResult[] = [];
  for (const check of suite.checks) {
    const start = performance.now();
    let message = '';
    let diff: string | undefined;
    let error = false;
    try {
      await check.run(ctx);
    } catch (e) {
      if (e instanceof CheckFailure) {
        message = e.message;
        diff = e.diff;
      } else {
        error = true;
        message = `error: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (!message) message = 'failed';
    }
    const passed = message === '';
    results.push({ name: check.name, points: check.points, score: passed ? check.points : 0, passed, message, diff, error, ms: performance.now() - start });
  }
  const score = results.reduce((n, r) => n + r.score, 0);
  const maxScore = results.reduce((n, r) => n + r.points, 0);
  return { title: suite.title, workdir: dirs.workdir, checks: results, score, maxScore, passed: results.every((r) => r.passed) };
}
