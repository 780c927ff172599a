// The Gradescope reporter: the autograder's results.json, with per-test visibility, Markdown output and times.
//
// The fields are those of Gradescope's autograder specification: top level `score`, `execution_time`,
// `output`, `output_format`, `stdout_visibility`; per test `name`, `score`, `max_score`, `status`,
// `output`, `output_format`, `visibility`, `execution_time` (seconds).

import type { CheckResult, SuiteResult, Visibility } from '../suite.js';

type OutputFormat = 'text' | 'md';

export interface GradescopeTest {
  name: string;
  score: number;
  max_score: number;
  status: 'passed' | 'failed';
  output: string;
  output_format: OutputFormat;
  visibility: Visibility;
  execution_time: number;
}

export interface GradescopeResults {
  score: number;
  execution_time: number;
  output: string;
  output_format: OutputFormat;
  stdout_visibility: Visibility;
  tests: GradescopeTest[];
}

const seconds = (ms: number) => Math.round(ms) / 1000;

/** A fence longer than any run of backticks in `text`, so a diff that holds backticks cannot close it. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

/** A failed check's output: the message as text, or as Markdown with the diff in a fenced block. */
function testOutput(k: CheckResult): { output: string; output_format: OutputFormat } {
  if (k.passed) return { output: 'passed', output_format: 'text' };
  if (!k.diff) return { output: k.message, output_format: 'text' };
  const f = fence(k.diff);
  // The message is a paragraph of its own, lines broken where it breaks them; Markdown's special
  // characters are escaped except backticks, which suite authors use for code.
  const message = k.message.split('\n').map((l) => l.replace(/([\\*_[\]<>#|])/g, '\\$1')).join('  \n');
  return { output: `${message}\n\n${f}diff\n${k.diff}\n${f}\n`, output_format: 'md' };
}

export function gradescopeResults(r: SuiteResult): GradescopeResults {
  const hidden = r.checks.filter((k) => k.visibility !== 'visible').length;
  const summary = r.setupError
    ? `vmlab could not grade this submission: ${r.setupError}`
    : `${r.title}: ${r.score}/${r.maxScore}${hidden ? ` (${hidden} of the ${r.checks.length} checks are shown later or not at all)` : ''}`;
  return {
    score: r.score,
    execution_time: seconds(r.ms),
    output: summary,
    output_format: 'text',
    stdout_visibility: r.stdoutVisibility,
    tests: r.checks.map((k) => ({
      name: k.name,
      score: k.score,
      max_score: k.points,
      status: k.passed ? 'passed' : 'failed',
      ...testOutput(k),
      visibility: k.visibility,
      execution_time: seconds(k.ms),
    })),
  };
}

export function renderGradescope(r: SuiteResult): string {
  return `${JSON.stringify(gradescopeResults(r), null, 2)}\n`;
}
