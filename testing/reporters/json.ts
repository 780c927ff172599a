// The JSON reporter: the whole SuiteResult, for scripts (schema: docs/schemas/test-result.schema.json).

import type { SuiteResult } from '../suite.js';

export function renderJson(r: SuiteResult): string {
  return `${JSON.stringify(
    {
      title: r.title,
      workdir: r.workdir,
      passed: r.passed,
      score: r.score,
      maxScore: r.maxScore,
      startedAt: r.startedAt,
      ms: Math.round(r.ms),
      ...(r.setupError !== undefined ? { setupError: r.setupError } : {}),
      checks: r.checks.map((k) => ({
        name: k.name,
        passed: k.passed,
        score: k.score,
        points: k.points,
        message: k.message,
        ...(k.diff ? { diff: k.diff } : {}),
        error: k.error,
        visibility: k.visibility,
        ms: Math.round(k.ms),
      })),
    },
    null,
    2,
  )}\n`;
}
