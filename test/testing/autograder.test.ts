// Autograder output that platforms accept: JUnit XML valid under Jenkins' and Ant's XSDs, Gradescope's results.json fields, a report even when nothing could run, no host paths.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { testCommand } from '../../cli/commands/test.js';
import { EXIT_CODE } from '../../isa/abi.js';
import { validateXML } from 'xmllint-wasm';
import { gradescopeResults } from '../../testing/reporters/gradescope.js';
import { renderJunit } from '../../testing/reporters/junit.js';
import { redactPaths } from '../../testing/redact.js';
import { CheckFailure, defineSuite, expectOutput, runSuite, setupFailure, type SuiteResult } from '../../testing/index.js';

const XSD = join(import.meta.dirname, '..', 'fixtures', 'junit');
const SCHEMAS = ['jenkins-junit-10.xsd', 'ant-junit.xsd'].map((f) => ({ name: f, text: readFileSync(join(XSD, f), 'utf8') }));

const EX = '/autograder/source/exercises/07-x';
const WORK = '/autograder/submission';

const suite = defineSuite({
  title: 'A & B <suite>',
  checks: [
    { name: 'passes', points: 2, run: () => {} },
    { name: 'fails with a diff', points: 3, run: () => expectOutput('a\nb & <c> ```', 'a\nb') },
    {
      name: 'throws a plain error naming host paths',
      points: 1,
      visibility: 'hidden',
      run: () => {
        throw new TypeError(`ENOENT: open '${WORK}/sub/x.s' (from file://${EX}/kernel/main.s, /usr/lib/node/y.js)\u0001`);
      },
    },
    { name: 'fails plainly', points: 1, visibility: 'after_due_date', run: () => { throw new CheckFailure(`no x.s in ${WORK}`); } },
  ],
});

async function results(): Promise<SuiteResult[]> {
  return [await runSuite(suite, { exerciseDir: EX, workdir: WORK }), setupFailure('07-x', `${WORK}/x: no such folder`, { workdir: WORK })];
}

/**
 * Each document's schema errors under each XSD: one validator call per schema for all the documents
 * (instantiating the validator is most of its cost).
 */
async function xsdProblems(docs: Record<string, string>): Promise<Record<string, Record<string, string[]>>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const xsd of SCHEMAS) {
    const r = await validateXML({
      xml: Object.entries(docs).map(([fileName, contents]) => ({ fileName, contents })),
      schema: [{ fileName: xsd.name, contents: xsd.text }],
    });
    const by: Record<string, string[]> = Object.fromEntries(Object.keys(docs).map((d) => [d, []]));
    for (const e of r.errors) {
      const doc = e.loc?.fileName ?? Object.keys(docs).find((d) => e.rawMessage.startsWith(d)) ?? 'unknown';
      (by[doc] ??= []).push(e.rawMessage);
    }
    out[xsd.name] = by;
  }
  return out;
}

describe('JUnit XML', async () => {
  const [ran, broken] = await results();
  const xml = renderJunit(ran!);
  const docs = {
    'ran.xml': xml,
    'broken.xml': renderJunit(broken!),
    // What the validator must refuse, so that a pass means something: no failure@type (Ant needs it),
    // no testsuite@name (both need it).
    'untyped.xml': xml.replace(/ type="CheckFailure"/g, ''),
    'nameless.xml': xml.replace(/<testsuite name="[^"]*"/, '<testsuite'),
  };
  const problems = await xsdProblems(docs);

  it("validates against Jenkins' and Ant's JUnit XSDs, for a run with every outcome and for a run that could not start", () => {
    for (const xsd of SCHEMAS)
      for (const doc of ['ran.xml', 'broken.xml']) expect(problems[xsd.name]![doc], `${xsd.name}: ${doc}\n${docs[doc as 'ran.xml']}`).toEqual([]);
    for (const doc of ['ran.xml', 'broken.xml'] as const) {
      expect(docs[doc]).toMatch(/<testsuite [^>]*timestamp="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d" hostname="[^"]+"/);
      expect(docs[doc]).not.toContain('\u0001');
    }
  });

  it('the validator refuses what breaks each schema (no failure@type for Ant, no testsuite@name for either)', () => {
    expect(problems['jenkins-junit-10.xsd']!['untyped.xml']).toEqual([]);
    expect(problems['ant-junit.xsd']!['untyped.xml']!.join('\n')).toMatch(/type.*required/);
    for (const xsd of SCHEMAS) expect(problems[xsd.name]!['nameless.xml']!.join('\n')).toMatch(/name.*required/);
  });

  it('escapes what XML must escape: the message survives', () => {
    expect(xml).toContain('<testsuite name="A &amp; B &lt;suite&gt;" tests="4" failures="2" errors="1"');
    expect(xml).toContain('type="CheckFailure"');
    expect(xml).toContain('+ b &amp; &lt;c&gt; ```');
  });
});

describe('Gradescope results.json', () => {
  it('has per-test visibility, output_format, execution_time; the total execution_time and stdout_visibility', async () => {
    const [r] = await results();
    const g = gradescopeResults(r!);
    expect(g).toMatchObject({ score: 2, output_format: 'text', stdout_visibility: 'hidden' });
    expect(typeof g.execution_time).toBe('number');
    expect(g.tests.map((t) => [t.name, t.status, t.visibility, t.output_format])).toEqual([
      ['passes', 'passed', 'visible', 'text'],
      ['fails with a diff', 'failed', 'visible', 'md'],
      ['throws a plain error naming host paths', 'failed', 'hidden', 'text'],
      ['fails plainly', 'failed', 'after_due_date', 'text'],
    ]);
    for (const t of g.tests) expect(t.execution_time).toBeGreaterThanOrEqual(0);
    // The diff sits in a fence longer than any backtick run inside it.
    expect(g.tests[1]!.output).toMatch(/^the console output .*\n\n````diff\n--- expected\n[^]*\n````\n$/);
    expect(g.tests[1]!.output).toContain('\\<c\\>');
  });

  it('a run that could not start: score 0, no tests, and a message for the student', async () => {
    const [, broken] = await results();
    const g = gradescopeResults(broken!);
    expect(g.score).toBe(0);
    expect(g.tests).toEqual([]);
    expect(g.output).toBe('vmlab could not grade this submission: x: no such folder');
  });

  it('no student-visible text holds an absolute host path', async () => {
    for (const r of await results()) {
      const text = JSON.stringify(gradescopeResults(r));
      expect(text).not.toMatch(/(^|[\s'"(])\/(autograder|usr|work|tmp|home)\b/);
    }
    const [r] = await results();
    expect(r!.checks[2]!.message).toBe("error: ENOENT: open 'sub/x.s' (from kernel/main.s, y.js)\u0001");
    expect(r!.checks[3]!.message).toBe('no x.s in the work folder');
  });
});

describe('vmlab test when nothing can be graded', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'vmlab-grade-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const quiet = async (f: () => Promise<number>) => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      return { code: await f(), stderr: err.mock.calls.map((c) => String(c[0])).join('') };
    } finally {
      err.mockRestore();
    }
  };

  it('--workdir /nonexistent still writes results.json: score 0 and a message that names no host path', async () => {
    const out = join(tmp, 'r.json');
    const r = await quiet(() => testCommand('exercises/01-syscall', { workdir: '/nonexistent', reporter: 'gradescope', output: out }));
    expect(r.code).toBe(EXIT_CODE.USAGE);
    expect(r.stderr).toContain('vmlab: /nonexistent: no such folder\n');
    const g = JSON.parse(readFileSync(out, 'utf8')) as { score: number; output: string; tests: unknown[] };
    expect(g.score).toBe(0);
    expect(g.tests).toEqual([]);
    expect(g.output).toMatch(/^vmlab could not grade this submission: the folder of work to grade \(nonexistent\) does not exist/);
    expect(g.output).not.toContain('/');
  });

  it('a suite that does not load: a JUnit report with one errored "setup" case', async () => {
    const dir = join(tmp, '97-broken');
    const out = join(tmp, 'j.xml');
    cpStarter(dir);
    const r = await quiet(() => testCommand(dir, { reporter: 'junit', output: out }));
    expect(r.code).toBe(EXIT_CODE.BAD_SUITE);
    const xml = readFileSync(out, 'utf8');
    expect(xml).toMatch(/<testcase name="setup" [^>]*>\s*<error message="the exercise's checks did not load \(suite\.ts: must/);
    expect(xml).not.toContain(tmp);
  });

  function cpStarter(dir: string): void {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'starter'), { recursive: true });
    writeFileSync(join(dir, 'suite.ts'), 'export default 3;\n');
    writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
  }
});

describe('redactPaths', () => {
  const dirs = { exerciseDir: '/g/exercises/01', workdir: '/g/exercises/01/starter' };
  it('makes grader paths relative, names the folders in words, keeps only the last part of any other path', () => {
    expect(redactPaths('/g/exercises/01/starter/a.s:1:2: error', dirs)).toBe('a.s:1:2: error');
    expect(redactPaths('/g/exercises/01/kernel/main.s', dirs)).toBe('kernel/main.s');
    expect(redactPaths('in /g/exercises/01/starter', dirs)).toBe('in the work folder');
    expect(redactPaths('in /g/exercises/010/x.s', dirs)).toBe('in x.s');
    expect(redactPaths('"/etc/passwd" and (/a/b/c)', dirs)).toBe('"passwd" and (c)');
    expect(redactPaths('1/14 points, r6..r9, a / b, /x', dirs)).toBe('1/14 points, r6..r9, a / b, /x');
  });
});
