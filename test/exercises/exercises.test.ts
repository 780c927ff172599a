// CI for the exercises: every suite passes on its solution/ and fails on its untouched starter/ with the
// messages its README promises; plus `vmlab test` itself, end to end, on one exercise.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { testCommand, type TestCliOptions } from '../../cli/commands/test.js';
import { EXIT_CODE } from '../../isa/abi.js';
import { loadSuite, render, runSuite, type SuiteResult } from '../../testing/index.js';
import { xmlProblem } from '../compare/xml.js';

const ROOT = join(import.meta.dirname, '..', '..');
const EXERCISES = join(ROOT, 'exercises');

/**
 * For each exercise, the starter's failing checks and a piece of each one's message (the README quotes
 * them at each stage). Checks not listed must pass on the starter (e.g. the worked example).
 */
const STARTER_FAILS: Record<string, Record<string, string>> = {
  '01-syscall': {
    'part 1: write() reaches the kernel and prints': '"hello from ring 3" never appeared',
    'part 1: getpid() returns the pid': 'getpid() returned 1 to the user program, expected 7',
    'part 2: add() gets its arguments': 'add(40, 2) returned 2 to the user program, expected 42',
    'part 3: a number that names no call returns -1': 'syscall 99 returned 99 to the user program, expected -1',
    'part 4: write() refuses a kernel address': 'write(kernel address, 8) returned 0 to the user program, expected -1',
    'exit(42) powers off with status 42': 'powered off with status 1, expected 42',
    'the whole transcript, natively and under trap and hw': 'line 3 differs: expected "hello from ring 3"',
  },
  '02-virt-holes': {
    'probe popf: true natively, wrong under trap, right under hw and bt': 'probe_popf printed no line starting "popf: tick delivered',
    'probe rdcpl: true natively, wrong under trap, right under hw and bt': 'probe_rdcpl printed no line starting "rdcpl: CPL = "',
    'probe sidt: true natively, wrong under trap, right under hw and bt': 'probe_sidt printed no line starting "sidt: reads back',
    'answers: pushf': '`pushf.misbehaves:` is empty',
    'answers: popf': '`popf.misbehaves:` is empty',
    'answers: rdcpl': '`rdcpl.misbehaves:` is empty',
    'answers: sidt': '`sidt.misbehaves:` is empty',
    'answers: why hw gets it right': '`hw.why:` is empty',
    'answers: why bt gets it right': '`bt.why:` is empty',
    'answers: --strict': '`strict.fixes:` is empty',
  },
  '03-trap-handlers': {
    'sti: ticks arrive after sti': 'under trap: "sti: ticks arrive after sti: no"',
    'cli: no tick while interrupts are off': '"cli: untested, sti did not turn interrupts on"',
    'hlt: sleeps until the next tick': 'under trap: "hlt: sleeps until the next tick: no"',
    'cr4: reads back what was written': 'under trap: "cr4: reads back what was written: no"',
    'cr8: reads back what was written': 'under trap: "cr8: reads back what was written: no"',
    'paging: cr3 and cr0 turn it on': 'under trap: "paging: cr3 and cr0 turn it on: no"',
    'cr3: a new page directory switches address space': 'switches address space: no"',
    'cr2: holds the page-fault address': 'under trap: "cr2: holds the page-fault address: no"',
    'mov cr5, r1: raises #UD': 'under trap: "mov cr5, r1: raises #UD: no"',
    'mov r1, cr5: raises #UD': 'under trap: "mov r1, cr5: raises #UD: no"',
    'mini runs under strict trap-and-emulate with your handlers exactly as natively': 'the console differs from native; the run ended crash',
  },
  '04-pv-port': {
    'pv runs the port to power-off with status 0': 'refused the kernel with your platform.s: "vm0 is not a paravirtual kernel (no .pv directive)',
    'the same transcript under pv as the unmodified kernel natively': 'put `.pv` and `.include "hypercall.inc"` at the top of platform.s',
    'no privileged or sensitive instruction executed under pv': 'Start the port (step 1)',
    'at least 10x fewer exits under pv than the unmodified kernel under hw': '--technique pv refused the kernel',
    'at least 6 kinds of hypercall': '--technique pv refused the kernel',
  },
  '05-split-net': {
    'every packet delivered in order': 'no packet reached the wire (0 of the 16 the kernel sent in 3 batches)',
    'at most one notification per batch': 'notifications are counted once the packets are delivered: 0 of 16',
    'no lost packet under an injected burst': 'none of the 12 packets queued on the wire reached the kernel',
    'the kernel powers off with status 0': 'the kernel reported: "rx: 0 of 12"',
  },
  '06-shadow-paging': {
    'remap: one PTE changes frame': 'under trap: "remap: 310 310", natively: "remap: 310 311"',
    'alias: two directory slots share one page table': 'under trap: "alias: 310 310 310 310"',
    'straddle: an unaligned store rewrites two PTEs at once': 'under trap: "straddle: 310 311 310 311"',
    'bytes: byte and half-word stores into a PTE': 'under trap: "bytes: 310 310 310 310"',
    'pde: a directory entry switches page tables': 'under trap: "pde: 310 310 310 310"',
    'selfmap: the directory mapped as its own page table': 'under trap: "selfmap: 310 314 315 315"',
    'mini under trap and hw (shadow) with your policy: native transcript, shadow never lags': "the shadow lagged the guest's tables",
  },
};

const exercises = readdirSync(EXERCISES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && /^\d\d-/.test(d.name))
  .map((d) => d.name)
  .sort();

/** The first fenced block of a README that shows `vmlab test` output (a ✗ line). */
function starterTranscript(readme: string): string[] | null {
  const block = [...readme.matchAll(/```\n([^]*?)\n```/g)].map((m) => m[1]!).find((b) => /^✗ /m.test(b));
  return block === undefined ? null : block.split('\n').map((l) => l.trimEnd()).filter((l) => !l.startsWith('...') && l !== '');
}

/** The lines of `shown` that do not appear in `report` in that order. */
function missingLines(shown: readonly string[], report: string): string[] {
  const lines = report.split('\n').map((l) => l.trimEnd());
  const missing: string[] = [];
  let at = 0;
  for (const l of shown) {
    const i = lines.indexOf(l, at);
    if (i < 0) missing.push(l);
    else at = i + 1;
  }
  return missing;
}

async function suiteOn(name: string, work: 'starter' | 'solution'): Promise<SuiteResult> {
  const dir = join(EXERCISES, name);
  return runSuite(await loadSuite(dir), { exerciseDir: dir, workdir: join(dir, work) });
}

describe('exercises', () => {
  it('every exercise folder has its expected starter failures listed here', () => {
    expect(exercises.length).toBeGreaterThanOrEqual(4);
    expect(Object.keys(STARTER_FAILS).sort()).toEqual(exercises);
  });

  for (const name of exercises) {
    describe(name, () => {
      it('has a README for students, a starter and a solution', () => {
        const readme = readFileSync(join(EXERCISES, name, 'README.md'), 'utf8');
        expect(readme).toMatch(/vmlab test exercises\//);
        expect(readdirSync(join(EXERCISES, name, 'starter')).length).toBeGreaterThan(0);
        expect(readdirSync(join(EXERCISES, name, 'solution')).sort()).toEqual(readdirSync(join(EXERCISES, name, 'starter')).sort());
      });

      it('passes every check on solution/', async () => {
        const r = await suiteOn(name, 'solution');
        const failed = r.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.message}`);
        expect(failed).toEqual([]);
        expect(r.score).toBe(r.maxScore);
        expect(r.maxScore).toBeGreaterThan(0);
      });

      it('fails on the untouched starter/, each failing check with its expected message', async () => {
        const r = await suiteOn(name, 'starter');
        expect(r.passed).toBe(false);
        const want = STARTER_FAILS[name]!;
        const failing = Object.fromEntries(r.checks.filter((c) => !c.passed).map((c) => [c.name, c.message]));
        expect(Object.keys(failing).sort()).toEqual(Object.keys(want).sort());
        for (const [check, piece] of Object.entries(want)) expect(failing[check], check).toContain(piece);
        // Failures are the work's, never a crash of the suite or the VMM.
        expect(r.checks.filter((c) => c.error).map((c) => `${c.name}: ${c.message}`)).toEqual([]);
        // The README's first transcript is what `vmlab test` prints on the starter: its lines, in order
        // (a line starting `...` stands for lines left out).
        const shown = starterTranscript(readFileSync(join(EXERCISES, name, 'README.md'), 'utf8'));
        expect(shown, `${name}/README.md shows no starter transcript`).not.toBeNull();
        expect(missingLines(shown!, render('human', r)), `${name}/README.md quotes lines the starter does not print`).toEqual([]);
      });
    });
  }
});

describe('vmlab test (the command)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'vmlab-test-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const vmlab = (...args: string[]) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'vmlab.js'), 'test', ...args], {
      encoding: 'utf8',
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  /** `vmlab test` in-process (no spawn): exit code, stdout and stderr. */
  const inProcess = async (dir: string, opts: Partial<TestCliOptions> = {}) => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
      const code = await testCommand(dir, { reporter: 'human', ...opts });
      return { code, stdout: out.mock.calls.map((c) => String(c[0])).join(''), stderr: err.mock.calls.map((c) => String(c[0])).join('') };
    } finally {
      process.chdir(cwd);
      err.mockRestore();
      out.mockRestore();
    }
  };

  it('exits 0 on the solution and 72 on the starter, with ✓/✗, points and the total', () => {
    const ok = vmlab('exercises/01-syscall', '--workdir', 'exercises/01-syscall/solution');
    expect(ok.code).toBe(EXIT_CODE.OK);
    expect(ok.stdout).toMatch(/✓ part 1: write\(\) reaches the kernel and prints \(2\/2 pts\)/);
    expect(ok.stdout).toMatch(/Score: 14\/14\s+all 8 checks passed/);
    const bad = vmlab('exercises/01-syscall');
    expect(bad.code).toBe(EXIT_CODE.CHECKS_FAILED);
    expect(bad.stdout).toMatch(/✗ part 2: add\(\) gets its arguments \(0\/2 pts\)/);
    expect(bad.stdout).toMatch(/--- expected\n\s+\+\+\+ actual/);
    expect(bad.stdout).toMatch(/Score: 1\/14\s+7 of 8 checks failed/);
  });

  it('writes Gradescope results.json, JUnit XML and JSON', async () => {
    const gs = vmlab('exercises/01-syscall', '--reporter', 'gradescope');
    expect(gs.code).toBe(EXIT_CODE.CHECKS_FAILED);
    const results = JSON.parse(gs.stdout) as { score: number; tests: { name: string; score: number; max_score: number; output: string }[] };
    expect(results.score).toBe(1);
    expect(results.tests).toHaveLength(8);
    for (const t of results.tests) {
      expect(typeof t.name).toBe('string');
      expect(t.score).toBeLessThanOrEqual(t.max_score);
      expect(typeof t.output).toBe('string');
    }
    expect(results.tests.reduce((n, t) => n + t.score, 0)).toBe(results.score);

    const xmlFile = join(tmp, 'junit.xml');
    const ju = await inProcess('exercises/01-syscall', { workdir: 'exercises/01-syscall/starter', reporter: 'junit', output: xmlFile });
    expect(ju.code).toBe(EXIT_CODE.CHECKS_FAILED);
    expect(ju.stdout).toBe('');
    expect(ju.stderr).toBe(`vmlab: 1/14 points; junit report written to ${xmlFile}\n`);
    const xml = readFileSync(xmlFile, 'utf8');
    expect(xmlProblem(xml)).toBeNull();
    expect(xml).toMatch(/<testsuite name="Exercise 01: system calls" tests="8" failures="7" errors="0"/);
    expect((xml.match(/<failure /g) ?? []).length).toBe(7);

    const js = await inProcess('exercises/01-syscall', { workdir: 'exercises/01-syscall/solution', reporter: 'json' });
    expect(js.code).toBe(EXIT_CODE.OK);
    expect(JSON.parse(js.stdout)).toMatchObject({ passed: true, score: 14, maxScore: 14 });
  });

  it('an exercise folder copied outside the checkout, with no package.json anywhere above it, grades as in place', () => {
    // TypeScript work and suite (03, whose suite also runs the bundled mini) and assembly work (01).
    for (const [name, score] of [['03-trap-handlers', 15], ['01-syscall', 14]] as const) {
      const dir = join(tmp, `copied-${name}`);
      cpSync(join(EXERCISES, name), dir, { recursive: true });
      cpSync(join(EXERCISES, name, 'solution'), join(dir, 'work'), { recursive: true });
      expect(existsSync(join(dir, 'package.json'))).toBe(false);
      const r = vmlab(dir, '--workdir', join(dir, 'work'), '--reporter', 'json');
      expect(r.code, r.stderr).toBe(EXIT_CODE.OK);
      expect(JSON.parse(r.stdout)).toMatchObject({ passed: true, score });
    }
  });

  it('usage errors exit 64, a broken suite exits 73, each with one clear line (in-process: no spawn per case)', async () => {
    expect(await inProcess('exercises/99-nothing')).toMatchObject({ code: EXIT_CODE.USAGE, stderr: 'vmlab: exercises/99-nothing: no such exercise folder\n' });
    expect(await inProcess('exercises/01-syscall', { workdir: 'nowhere' })).toMatchObject({ code: EXIT_CODE.USAGE, stderr: 'vmlab: nowhere: no such folder\n' });
    const rep = await inProcess('exercises/01-syscall', { reporter: 'tap' });
    expect(rep.code).toBe(EXIT_CODE.USAGE);
    expect(rep.stderr).toMatch(/unknown reporter "tap" \(choose from: human, json, junit, gradescope\)/);
    // An exercise folder without a suite: the starter folder itself is one.
    const nosuite = await inProcess('exercises/01-syscall/starter', { workdir: 'exercises/01-syscall/starter' });
    expect(nosuite.code).toBe(EXIT_CODE.BAD_SUITE);
    expect(nosuite.stderr).toMatch(/^vmlab: exercises\/01-syscall\/starter: no suite\.ts/);
    const out = await inProcess('exercises/01-syscall', { workdir: 'exercises/01-syscall/solution', output: join(tmp, 'no-such-dir', 'r.txt') });
    expect(out.code).toBe(EXIT_CODE.USAGE);
    expect(out.stderr).toMatch(/--output .*r\.txt: cannot write \(ENOENT\)/);
  });

  it('a suite.ts that is not a suite exits 73 with what is wrong', async () => {
    const dir = join(tmp, '98-broken');
    cpSync(join(EXERCISES, '01-syscall', 'starter'), join(dir, 'starter'), { recursive: true });
    writeFileSync(join(dir, 'suite.ts'), 'export default { title: "broken", checks: [{ name: "x", points: "two", run() {} }] };\n');
    const bare = await inProcess(dir);
    expect(bare.code).toBe(EXIT_CODE.BAD_SUITE);
    expect(bare.stderr).toBe(`vmlab: ${dir}: outside any ES-module package: put a package.json containing {"type": "module"} in it\n`);
    writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
    const r = await inProcess(dir);
    expect(r.code).toBe(EXIT_CODE.BAD_SUITE);
    expect(r.stderr).toBe(`vmlab: ${join(dir, 'suite.ts')}: check "x": \`points\` must be a number >= 0\n`);
  });
});
