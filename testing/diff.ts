// A line diff for humans: which lines of the expected output are missing and which the actual output added.

/** One line of a diff: ' ' in both, '-' only expected, '+' only actual. */
export interface DiffLine {
  readonly op: ' ' | '-' | '+';
  readonly text: string;
}

/** Outputs longer than this (lines, either side) are compared line by line without alignment. */
const MAX_ALIGN = 3000;

/** Longest-common-subsequence alignment of two line lists. */
export function diffLines(expected: readonly string[], actual: readonly string[]): DiffLine[] {
  const n = expected.length;
  const m = actual.length;
  if (n > MAX_ALIGN || m > MAX_ALIGN) return naive(expected, actual);
  // lcs[i][j] = LCS length of expected[i..] and actual[j..], one flat array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i * w + j] = expected[i] === actual[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (expected[i] === actual[j]) {
      out.push({ op: ' ', text: expected[i]! });
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) out.push({ op: '-', text: expected[i++]! });
    else out.push({ op: '+', text: actual[j++]! });
  }
  while (i < n) out.push({ op: '-', text: expected[i++]! });
  while (j < m) out.push({ op: '+', text: actual[j++]! });
  return out;
}

function naive(expected: readonly string[], actual: readonly string[]): DiffLine[] {
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
