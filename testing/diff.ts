// A line diff for humans: which lines of the expected output are missing and which the actual output added.

import { diffArrays } from 'diff';

/** One line of a diff: ' ' in both, '-' only expected, '+' only actual. */
export interface DiffLine {
  readonly op: ' ' | '-' | '+';
  readonly text: string;
}

/**
 * Past this many inserted plus deleted lines the two outputs have little in common: jsdiff gives up
 * (its cost grows with the edit count) and the lines are compared by position instead.
 */
const MAX_EDITS = 5000;

/** A shortest line diff (Myers' algorithm, by jsdiff), each change's deleted lines before its inserted ones. */
export function diffLines(expected: readonly string[], actual: readonly string[]): DiffLine[] {
  const changes = diffArrays([...expected], [...actual], { maxEditLength: MAX_EDITS });
  if (changes === undefined) return byPosition(expected, actual);
  const out: DiffLine[] = [];
  for (const c of changes) {
    const op = c.added ? '+' : c.removed ? '-' : ' ';
    for (const text of c.value) out.push({ op, text });
  }
  return out;
}

function byPosition(expected: readonly string[], actual: readonly string[]): DiffLine[] {
  const out: DiffLine[] = [];
  for (let k = 0; k < Math.max(expected.length, actual.length); k++) {
    const e = expected[k];
    const a = actual[k];
    if (e === a) out.push({ op: ' ', text: e! });
    else {
      if (e !== undefined) out.push({ op: '-', text: e });
      if (a !== undefined) out.push({ op: '+', text: a });
    }
  }
  return out;
}

/**
 * A unified-style diff with `context` unchanged lines around each change ("..." marks a gap), headed by
 * `--- expected` and `+++ actual`. Empty when the two are the same.
 */
export function formatDiff(expected: string, actual: string, context = 2, maxLines = 40): string {
  const lines = diffLines(expected.split('\n'), actual.split('\n'));
  if (lines.every((l) => l.op === ' ')) return '';
  const keep = lines.map(() => false);
  lines.forEach((l, k) => {
    if (l.op === ' ') return;
    for (let c = Math.max(0, k - context); c <= Math.min(lines.length - 1, k + context); c++) keep[c] = true;
  });
  const out = ['--- expected', '+++ actual'];
  let gap = false;
  lines.forEach((l, k) => {
    if (!keep[k]) {
      gap = true;
      return;
    }
    if (gap) out.push('...');
    gap = false;
    out.push(`${l.op} ${l.text}`);
  });
  if (gap) out.push('...');
  // Headers plus maxLines: a run that went wrong early should not bury the message under its whole transcript.
  if (out.length > maxLines + 2) return [...out.slice(0, maxLines + 2), `... (${out.length - maxLines - 2} more diff lines)`].join('\n');
  return out.join('\n');
}
