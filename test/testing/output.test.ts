// vmlab/testing's output matching: line endings and trailing whitespace do not count; a mismatch reads as a diff.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CheckFailure, diffLines, expectOutput, formatDiff, normalizeOutput, outputMatches } from '../../testing/index.js';

describe('normalizeOutput', () => {
  it('ignores CRLF, lone CR, trailing blanks and trailing empty lines, but not leading or inner ones', () => {
    expect(normalizeOutput('a  \r\nb\t\r\n\r\n\n')).toBe('a\nb');
    expect(normalizeOutput('a\rb')).toBe('a\nb');
    expect(outputMatches('x\n\ny', 'x\ny')).toBe(false);
    expect(outputMatches('  x', 'x')).toBe(false);
    expect(outputMatches('x \r\n', 'x')).toBe(true);
  });
});

describe('expectOutput', () => {
  it('passes on a normalized match and names the first differing line otherwise, with a diff', () => {
    expect(() => expectOutput('one\r\ntwo  \n', 'one\ntwo')).not.toThrow();
    let err: unknown;
    try {
      expectOutput({ console: 'one\nTWO\nthree\n' }, 'one\ntwo\nthree');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CheckFailure);
    const f = err as CheckFailure;
    expect(f.message).toBe('the console output is not as expected: line 2 differs: expected "two", got "TWO"');
    expect(f.diff).toBe(['--- expected', '+++ actual', '  one', '- two', '+ TWO', '  three'].join('\n'));
  });

  it('says when the output stops early or runs on', () => {
    expect(() => expectOutput('a', 'a\nb')).toThrow('it stops after line 1; expected next: "b"');
    expect(() => expectOutput('a\nb\nc', 'a')).toThrow('it has 2 extra line(s) after line 1');
  });
});

describe('diff', () => {
  it('aligns on the longest common subsequence', () => {
    const d = diffLines(['a', 'b', 'c', 'd'], ['a', 'c', 'x', 'd']);
    expect(d.map((l) => `${l.op}${l.text}`)).toEqual([' a', '-b', ' c', '+x', ' d']);
  });

  it('aligns long outputs too: one line inserted early in 10,000 is one + line, not a cascade', () => {
    const exp = Array.from({ length: 10_000 }, (_, i) => `tick ${i}`);
    const act = [...exp.slice(0, 3), 'extra', ...exp.slice(3)];
    const d = diffLines(exp, act);
    expect(d.filter((l) => l.op !== ' ').map((l) => `${l.op}${l.text}`)).toEqual(['+extra']);
  });

  it('every diff reproduces both sides: the kept and removed lines are the expected, the kept and added the actual', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', ''), { maxLength: 30 });
    fc.assert(
      fc.property(lines, lines, (e, a) => {
        const d = diffLines(e, a);
        return (
          JSON.stringify(d.filter((l) => l.op !== '+').map((l) => l.text)) === JSON.stringify(e) &&
          JSON.stringify(d.filter((l) => l.op !== '-').map((l) => l.text)) === JSON.stringify(a)
        );
      }),
    );
  });

  it('keeps two lines of context, marks gaps, and caps a long diff', () => {
    const exp = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    const act = exp.map((l, i) => (i === 10 ? 'changed' : l));
    expect(formatDiff(exp.join('\n'), act.join('\n'))).toBe(
      ['--- expected', '+++ actual', '...', '  line 8', '  line 9', '- line 10', '+ changed', '  line 11', '  line 12', '...'].join('\n'),
    );
    expect(formatDiff('same', 'same')).toBe('');
    const long = formatDiff(exp.join('\n'), '', 2, 5);
    expect(long.split('\n')).toHaveLength(8);
    expect(long).toMatch(/\.\.\. \(\d+ more diff lines\)$/);
  });
});
