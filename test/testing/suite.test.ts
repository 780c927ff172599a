// The suite format and its reporters: checks with points, failures with messages and diffs, four output formats.
import { describe, expect, it } from 'vitest';
import { gradescopeResults } from '../../testing/reporters/gradescope.js';
import { validateSuite } from '../../testing/load-suite.js';
import { CheckFailure, defineSuite, expectOutput, render, runSuite, SuiteError } from '../../testing/index.js';
import { xmlProblem } from '../compare/xml.js';

const suite = defineSuite({
  title: 'A & B <suite>',
  checks: [
    { name: 'passes', points: 2, run: () => {} },
    { name: 'fails with a diff', points: 3, run: () => expectOutput('a\nb & <c>', 'a\nb') },
    {
      name: 'throws a plain error',
      points: 1,
      run: () => {
        throw new TypeError('oops "quoted"\u0001');
      },
    },
    {
      name: 'async, shares a memo',
      points: 1,
      async run(ctx) {
        const n = ctx.memo('n', () => 41) + 1;
        if (n !== 42 || ctx.file('x.s') !== '/work/dir/x.s' || ctx.exercise('k.s') !== '/ex/k.s') throw new CheckFailure('bad context');
      },
    },
  ],
});

describe('runSuite', () => {
  it('runs every check, scores passes, keeps messages and diffs, tells failures from errors', async () => {
    const r = await runSuite(suite, { exerciseDir: '/ex', workdir: '/work/dir' });
    expect(r.checks.map((c) => [c.name, c.passed, c.score, c.error])).toEqual([
      ['passes', true, 2, false],
      ['fails with a diff', false, 0, false],
      ['throws a plain error', false, 0, true],
      ['async, shares a memo', true, 1, false],
    ]);
    expect(r.score).toBe(3);
    expect(r.maxScore).toBe(7);
    expect(r.passed).toBe(false);
    expect(r.checks[1]!.message).toBe('the console output is not as expected: line 2 differs: expected "b", got "b & <c>"');
    expect(r.checks[1]!.diff).toContain('+ b & <c>');
    expect(r.checks[2]!.message).toBe('error: oops "quoted"\u0001');
  });

  it('a memo that threw throws again for the next check, without recomputing', async () => {
    let calls = 0;
    const failing = () => {
      calls++;
      throw new CheckFailure('no kernel');
    };
    const s = defineSuite({
      title: 't',
      checks: [
        { name: 'a', points: 1, run: (ctx) => void ctx.memo('k', failing) },
        { name: 'b', points: 1, run: (ctx) => void ctx.memo('k', failing) },
      ],
    });
    const r = await runSuite(s, { exerciseDir: '/e', workdir: '/w' });
    expect(r.checks.map((c) => c.message)).toEqual(['no kernel', 'no kernel']);
    expect(calls).toBe(1);
  });
});

describe('reporters', async () => {
  const r = await runSuite(suite, { exerciseDir: '/ex', workdir: '/work/dir' });

  it('human: ✓/✗, points, message, diff, total', () => {
    const text = render('human', r);
    expect(text).toContain('✓ passes (2/2 pts)');
    expect(text).toContain('✗ fails with a diff (0/3 pts)');
    expect(text).toContain('      + b & <c>');
    expect(text).toContain('Score: 3/7  2 of 4 checks failed');
  });

  it('gradescope: tests[] with name, score, max_score, output, and the total', () => {
    const g = gradescopeResults(r);
    expect(g.score).toBe(3);
    expect(g.tests.map((t) => [t.name, t.score, t.max_score, t.status])).toEqual([
      ['passes', 2, 2, 'passed'],
      ['fails with a diff', 0, 3, 'failed'],
      ['throws a plain error', 0, 1, 'failed'],
      ['async, shares a memo', 1, 1, 'passed'],
    ]);
    expect(g.tests[1]!.output).toContain('--- expected');
    expect(JSON.parse(render('gradescope', r))).toEqual(g);
  });

  it('junit: well-formed XML even with <, &, quotes and control characters in messages', () => {
    const xml = render('junit', r);
    expect(xmlProblem(xml)).toBeNull();
    expect(xml).toContain('<testsuite name="A &amp; B &lt;suite&gt;" tests="4" failures="1" errors="1"');
    expect(xml).toContain('<error message="error: oops &quot;quoted&quot;" type="Error">');
    expect(xml).not.toContain('\u0001');
  });

  it('json: the whole result', () => {
    expect(JSON.parse(render('json', r))).toMatchObject({ score: 3, maxScore: 7, passed: false, checks: [{ name: 'passes', passed: true }, {}, {}, {}] });
  });
});

describe('validateSuite', () => {
  const bad = (v: unknown) => () => validateSuite(v, 'x/suite.ts');
  it('says what is wrong with a suite module', () => {
    expect(bad(undefined)).toThrow(SuiteError);
    expect(bad(undefined)).toThrow('x/suite.ts: must `export default defineSuite({ title, checks })`');
    expect(bad({ title: 't', checks: [] })).toThrow('non-empty `checks` array');
    expect(bad({ title: 't', checks: [{ name: 'a', points: 1, run() {} }, { name: 'a', points: 1, run() {} }] })).toThrow('two checks are named "a"');
    expect(bad({ title: 't', checks: [{ name: 'a', points: -1, run() {} }] })).toThrow('`points` must be a number >= 0');
    expect(bad({ title: 't', checks: [{ name: 'a', points: 1 }] })).toThrow('`run` must be a function');
    expect(validateSuite(suite, 'ok')).toBe(suite);
  });
});
