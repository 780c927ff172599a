// The Gradescope reporter: the autograder's results.json (tests[] with name, score, max_score, output; the total).

import type { SuiteResult } from '../suite.js';

export interface GradescopeResults {
  score: number;
  output: string;
  tests: { name: string; score: number; max_score: number; status: 'passed' | 'failed'; output: string }[];
}

export function gradescopeResults(r: SuiteResult): GradescopeResults {
  return {
    score: r.score,
    output: `${r.title}: ${r.score}/${r.maxScore}`,
    tests: r.checks.map((k) => ({
      name: k.name,
      score: k.score,
      max_score: k.points,
      status: k.passed ? 'passed' : 'failed',
      output: k.passed ? 'passed' : k.diff ? `${k.message}\n\n${k.diff}` : k.message,
    })),
  };
}

export function renderGradescope(r: SuiteResult): string {
  return `${JSON.stringify(gradescopeResults(r), null, 2)}\n`;
}
