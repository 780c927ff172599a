// The exercise suite format: a suite.ts default-exports defineSuite({...}), a list of checks with points.
//
// A check passes when its `run` returns; it fails when it throws. A CheckFailure carries the message a
// student reads (and a diff); any other error is reported as an error in the check, with its message.

import { join } from 'node:path';
import { CheckFailure } from './failure.js';
import { redactPaths } from './redact.js';

/**
 * Who sees a check's result on an autograder (Gradescope's values): `visible` always, `hidden` never
 * (the instructor only), `after_due_date`, `after_published` (once grades are published).
 */
export const VISIBILITIES = ['visible', 'hidden', 'after_due_date', 'after_published'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

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
  /** Who sees this check's result on an autograder (default: the suite's `visibility`, else `visible`). */
  readonly visibility?: Visibility;
  run(ctx: CheckContext): void | Promise<void>;
}

export interface Suite {
  readonly title: string;
  readonly checks: readonly Check[];
  /** The default visibility of the checks (default `visible`). */
  readonly visibility?: Visibility;
  /** Who sees the autograder's own stdout (vmlab's log) on Gradescope (default `hidden`: it can hold hidden checks' output). */
  readonly stdoutVisibility?: Visibility;
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
  readonly visibility: Visibility;
  readonly ms: number;
}

export interface SuiteResult {
  readonly title: string;
  readonly workdir: string;
  readonly checks: readonly CheckResult[];
  readonly score: number;
  readonly maxScore: number;
  readonly passed: boolean;
  readonly stdoutVisibility: Visibility;
  /** Wall time of the whole run, in milliseconds. */
  readonly ms: number;
  /** When started, as an ISO 8601 timestamp (UTC). */
  readonly startedAt: string;
  /**
   * The suite could not run at all (a missing work folder, a suite that does not load): what the
   * student is told. There are then no checks and the score is 0.
   */
  readonly setupError?: string;
}

/** A result for a run that could not start: score 0, no checks, and `message` for the student. */
export function setupFailure(title: string, message: string, dirs: { exerciseDir?: string; workdir?: string } = {}): SuiteResult {
  return {
    title,
    workdir: dirs.workdir ?? '',
    checks: [],
    score: 0,
    maxScore: 0,
    passed: false,
    stdoutVisibility: 'hidden',
    ms: 0,
    startedAt: new Date().toISOString(),
    setupError: redactPaths(message, dirs),
  };
}

/** Run every check in order; a failing check never stops the others. */
export async function runSuite(suite: Suite, dirs: { exerciseDir: string; workdir: string }): Promise<SuiteResult> {
  const startedAt = new Date().toISOString();
  const suiteStart = performance.now();
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
    results.push({
      name: check.name,
      points: check.points,
      score: passed ? check.points : 0,
      passed,
      // What a student reads never shows where the grader keeps the files.
      message: redactPaths(message, dirs),
      diff: diff === undefined ? undefined : redactPaths(diff, dirs),
      error,
      visibility: check.visibility ?? suite.visibility ?? 'visible',
      ms: performance.now() - start,
    });
  }
  const score = results.reduce((n, r) => n + r.score, 0);
  const maxScore = results.reduce((n, r) => n + r.points, 0);
  return {
    title: suite.title,
    workdir: dirs.workdir,
    checks: results,
    score,
    maxScore,
    passed: results.every((r) => r.passed),
    stdoutVisibility: suite.stdoutVisibility ?? 'hidden',
    ms: performance.now() - suiteStart,
    startedAt,
  };
}
