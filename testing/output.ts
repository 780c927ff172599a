// Output matching as students and graders expect it: line endings and trailing whitespace do not count.

import { formatDiff } from './diff.js';
import { CheckFailure } from './failure.js';

/** CRLF and CR become LF, trailing whitespace goes from every line, trailing blank lines from the end. */
export function normalizeOutput(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/[ \t\f\v]+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}

export function outputMatches(actual: string, expected: string): boolean {
  return normalizeOutput(actual) === normalizeOutput(expected);
}

/** Throws a CheckFailure with a line diff unless the two outputs match (after normalizeOutput). */
export function expectOutput(actual: string | { readonly console: string }, expected: string, what = 'the console output'): void {
  const text = typeof actual === 'string' ? actual : actual.console;
  const a = normalizeOutput(text);
  const e = normalizeOutput(expected);
  if (a === e) return;
  const aLines = a.split('\n');
  const eLines = e.split('\n');
  let first = 0;
  while (first < Math.min(aLines.length, eLines.length) && aLines[first] === eLines[first]) first++;
  const where =
    first >= eLines.length
      ? `it has ${aLines.length - eLines.length} extra line(s) after line ${eLines.length}`
      : first >= aLines.length
        ? `it stops after line ${aLines.length}; expected next: ${JSON.stringify(eLines[first])}`
        : `line ${first + 1} differs: expected ${JSON.stringify(eLines[first])}, got ${JSON.stringify(aLines[first])}`;
  throw new CheckFailure(`${what} is not as expected: ${where}`, formatDiff(e, a));
}

/** The line of `text` that starts with `prefix` (after normalizing), or null. */
export function lineStartingWith(text: string, prefix: string): string | null {
  return normalizeOutput(text).split('\n').find((l) => l.startsWith(prefix)) ?? null;
}
