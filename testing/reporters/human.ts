// The human reporter: each check as ✓ or ✗ with its points and message, a diff on a mismatch, then the total.

import pc from 'picocolors';
import type { SuiteResult } from '../suite.js';

const plain = { green: (s: string) => s, red: (s: string) => s, dim: (s: string) => s, bold: (s: string) => s, cyan: (s: string) => s };

function pts(n: number): string {
  return `${n} pt${n === 1 ? '' : 's'}`;
}

export function renderHuman(r: SuiteResult, opts: { color?: boolean } = {}): string {
  const c = opts.color ? pc.createColors(true) : plain;
  const lines = [c.bold(r.title), c.dim(`testing ${r.workdir}`), ''];
  if (r.setupError) return `${[c.bold(r.title), c.red(`nothing was graded: ${r.setupError}`)].join('\n')}\n`;
  for (const k of r.checks) {
    const shown = k.visibility === 'visible' ? '' : c.dim(` [${k.visibility.replace(/_/g, ' ')} on the autograder]`);
    const head = `${k.passed ? c.green('✓') : c.red('✗')} ${k.name} ${c.dim(`(${k.score}/${pts(k.points)})`)}${shown}`;
    lines.push(head);
    if (!k.passed) {
      for (const l of k.message.split('\n')) lines.push(`    ${c.red(l)}`);
      if (k.diff)
        for (const l of k.diff.split('\n'))
          lines.push(`      ${l.startsWith('-') ? c.green(l) : l.startsWith('+') ? c.red(l) : c.dim(l)}`);
    }
  }
  const failed = r.checks.filter((k) => !k.passed).length;
  lines.push('');
  lines.push(
    c.bold(`Score: ${r.score}/${r.maxScore}`) +
      (failed === 0 ? c.green(`  all ${r.checks.length} checks passed`) : c.red(`  ${failed} of ${r.checks.length} checks failed`)),
  );
  return `${lines.join('\n')}\n`;
}
