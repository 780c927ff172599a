// `vmlab compare` as a user runs it: option checking (exit 64 with the valid choices), formats, the chart file, exit codes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Command, CommanderError } from 'commander';
import { kernelNames, parseCompareOptions, register } from '../../cli/commands/compare.js';
import { loadProfile } from '../../vmm/cost/profile.js';
import { EXIT_CODE } from '../../isa/abi.js';
import { xmlProblem } from './xml.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmlab-compare-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function vmlab(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/vmlab.js', 'compare', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CALLRET = 'guest-kernels/nanobench/callret.s';

describe('vmlab compare options', () => {
  it('a bad technique name is exit 64 with the valid ones listed', () => {
    const r = vmlab(CALLRET, '--techniques', 'native,vmx');
    expect(r.code).toBe(EXIT_CODE.USAGE);
    expect(r.stderr).toMatch(/unknown technique "vmx".*valid: native, emulate, trap, hw, bt, pv/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

});

describe("compare's option parsers and choices (commander, in-process)", () => {
  /** What commander says about `vmlab compare ARGS`, before any kernel runs. */
  function refused(...args: string[]): string {
    const program = new Command().exitOverride();
    let err = '';
    program.configureOutput({ writeErr: (s) => (err += s), writeOut: () => {} });
    register(program);
    for (const c of program.commands) c.exitOverride().configureOutput({ writeErr: (s) => (err += s), writeOut: () => {} });
    try {
      program.parse(['compare', CALLRET, ...args], { from: 'user' });
    } catch (e) {
      if (!(e instanceof CommanderError)) throw e;
      return err;
    }
    throw new Error(`compare ${args.join(' ')} was accepted`);
  }

  it('a bad memory mode or device model lists the choices; a bad count, profile or -D says what was expected', () => {
    expect(refused('--memory', 'direct')).toMatch(/argument 'direct' is invalid\. Allowed choices are shadow, nested/);
    expect(refused('--devices', 'magic')).toMatch(/argument 'magic' is invalid\. Allowed choices are emulated, passthrough, split/);
    expect(refused('--max-instructions', 'lots')).toMatch(/'-n, --max-instructions <n>' argument 'lots' is invalid\. expected a positive integer, e\.g\. 200000 or 1e8/);
    expect(refused('--cost-profile', 'nope')).toMatch(/no cost profile 'nope'/);
    expect(refused('-D', '1X=2')).toMatch(/bad -D "1X=2"/);
  });
});

describe('parseCompareOptions (in-process: no spawn per case)', () => {
  /** The exit code (or settings) and what was printed on stderr. */
  function parse(files: string[], opts: Record<string, unknown>) {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const r = parseCompareOptions(files, { costProfile: loadProfile('modern'), maxInstructions: 1e8, ...opts });
      return { r, stderr: spy.mock.calls.map((c) => String(c[0])).join('') };
    } finally {
      spy.mockRestore();
    }
  }

  it('rejects two formats, no kernel, --default with files and --pv misused with exit 64', () => {
    const cases: [string[], Record<string, unknown>, RegExp][] = [
      [[CALLRET], { json: true, csv: true }, /choose one output format/],
      [[], {}, /at least one kernel/],
      [[CALLRET], { default: true }, /either --default or kernel files/],
      [[CALLRET, CALLRET], { pv: CALLRET }, /exactly one kernel file/],
      [[], { default: true, pv: CALLRET }, /--default pairs mini with mini-pv/],
      [[CALLRET], { pv: CALLRET, techniques: 'native,hw' }, /does not include pv/],
    ];
    for (const [files, opts, message] of cases) {
      const { r, stderr } = parse(files, opts);
      expect(r).toBe(EXIT_CODE.USAGE);
      expect(stderr).toMatch(message);
    }
  });

  it('--default picks the bundled kernels, every technique and out/comparison.svg', () => {
    const { r } = parse([], { default: true });
    if (typeof r === 'number') throw new Error(`unexpected exit ${r}`);
    expect(r.files).toHaveLength(8);
    expect(r.files[0]).toMatch(/guest-kernels\/mini\/main\.s$/);
    expect(r.techniques.map((t) => `${t.technique}${t.memory ? `:${t.memory}` : ''}`)).toEqual([
      'native', 'emulate', 'trap', 'hw:nested', 'hw:shadow', 'bt', 'pv',
    ]);
    expect(r.chart).toBe('out/comparison.svg');
    expect(r.pvPort).toMatch(/guest-kernels\/mini-pv\/main\.s$/);
  });

  it('--pv alone turns on every technique, and keeps the port for pv', () => {
    const { r } = parse([CALLRET], { pv: 'port.s' });
    if (typeof r === 'number') throw new Error(`unexpected exit ${r}`);
    expect(r.pvPort).toBe('port.s');
    expect(r.techniques.map((t) => t.technique)).toContain('pv');
  });
});

describe('vmlab compare output', () => {
  it('CSV for a nanobenchmark under native, hw:nested and hw:shadow, with -D, and a chart', () => {
    const chart = join(tmp, 'sub', 'c.svg');
    const r = vmlab(CALLRET, '-t', 'native,hw:nested,hw:shadow', '-D', 'ITERS=100', '--csv', '--chart', chart, '--cost-profile', 'vt-2006');
    expect(r.code).toBe(EXIT_CODE.OK);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^callret,hw,nested,poweroff,0,true,,\d+,\d+,\d+,[\d.]+,[\d.]+,vt-2006,$/);
    expect(lines[3]).toMatch(/^callret,hw,shadow,poweroff,0,true,/);
    expect(xmlProblem(readFileSync(chart, 'utf8'))).toBeNull();
    expect(r.stderr).toContain('chart written to');
  });

  it('the table says what is modeled and what is measured', () => {
    const r = vmlab(CALLRET, '-t', 'native,emulate', '-D', 'ITERS=10');
    expect(r.code).toBe(EXIT_CODE.OK);
    expect(r.stdout).toMatch(/callret\s+emulate\s+poweroff\s+yes/);
    expect(r.stdout).toMatch(/not measured/);
    expect(existsSync(join(tmp, 'none.svg'))).toBe(false);
  });
});

describe('kernel names', () => {
  it('uses the folder for main.s, the file name otherwise, and paths when names clash', () => {
    expect(kernelNames(['guest-kernels/mini/main.s', 'guest-kernels/nanobench/in.s'])).toEqual(['mini', 'in']);
    expect(kernelNames(['a/x.s', 'b/x.s'])).toEqual(['a/x.s', 'b/x.s']);
  });
});
