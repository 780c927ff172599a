// The vmlab CLI as a user runs it (spawns `node bin/vmlab.js`): asm, disasm, isa, and the documented exit codes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CODE } from '../../isa/abi.js';

const tmp = mkdtempSync(join(tmpdir(), 'vmlab-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function vmlab(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/vmlab.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const HELLO = 'test/fixtures/golden/hello.s';

describe('vmlab asm', () => {
  it('assembles a file into an image, a listing and a map', () => {
    const out = join(tmp, 'hello.vxe');
    const r = vmlab('asm', HELLO, '-o', out, '--listing', join(tmp, 'hello.lst'), '--map', join(tmp, 'hello.map'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT_CODE.OK);
    expect(r.stdout).toMatch(/^wrote .*hello\.vxe/);
    expect(readFileSync(out).subarray(0, 4).toString('latin1')).toBe('VXE1');
    expect(readFileSync(join(tmp, 'hello.lst'), 'utf8')).toMatch(/hello, vx32/);
    expect(readFileSync(join(tmp, 'hello.map'), 'utf8')).toMatch(/_start/);
  });

  it('reports every error with file:line:col and exits 65', () => {
    const r = vmlab('asm', 'test/fixtures/three-errors.s', '-o', join(tmp, 'never.vxe'));
    expect(r.code).toBe(EXIT_CODE.ASSEMBLY);
    expect(r.stderr.match(/three-errors\.s:\d+:\d+: error/g)).toHaveLength(3);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(join(tmp, 'never.vxe'))).toBe(false);
  });

  it('writes <file>.vxe next to the source when -o is omitted', () => {
    const src = join(tmp, 'tiny.s');
    writeFileSync(src, '        .text\nstart:  hlt\n');
    expect(vmlab('asm', src).code).toBe(EXIT_CODE.OK);
    expect(existsSync(join(tmp, 'tiny.vxe'))).toBe(true);
  });

  it('usage errors exit 64 with one line: missing file, missing argument, bad -D', () => {
    const missing = vmlab('asm', join(tmp, 'nope.s'));
    expect(missing.code).toBe(EXIT_CODE.USAGE);
    expect(missing.stderr.trim()).toMatch(/^vmlab: .*nope\.s: no such file$/);
    expect(vmlab('asm').code).toBe(EXIT_CODE.USAGE);
    const badD = vmlab('asm', HELLO, '-D', '1X=2');
    expect(badD.code).toBe(EXIT_CODE.USAGE);
    expect(badD.stderr).toMatch(/bad -D "1X=2"/);
  });
});

describe('vmlab disasm', () => {
  it('disassembles an image with symbols', () => {
    const out = join(tmp, 'dis.vxe');
    expect(vmlab('asm', HELLO, '-o', out).code).toBe(0);
    const r = vmlab('disasm', out, '--symbols');
    expect(r.code).toBe(EXIT_CODE.OK);
    expect(r.stdout).toMatch(/^_start:$/m);
    expect(r.stdout).toMatch(/^\s+hlt\s+; [0-9a-f]{8}: [0-9a-f]{8}$/m);
  });

  it('assembles a .s argument in memory', () => {
    const r = vmlab('disasm', HELLO);
    expect(r.code).toBe(EXIT_CODE.OK);
    expect(r.stdout).toMatch(/\bout 0x3f8, r2\b/);
  });

  it('a corrupt image exits 66 with "bad image" and the reason', () => {
    const bad = join(tmp, 'bad.vxe');
    writeFileSync(bad, Buffer.from('VXE1\x01\x00\x00\x00\x00\x10', 'latin1'));
    const r = vmlab('disasm', bad);
    expect(r.code).toBe(EXIT_CODE.BAD_IMAGE);
    expect(r.stderr.trim()).toMatch(/^vmlab: .*bad\.vxe: bad image: truncated at offset 8/);
    const junk = join(tmp, 'junk.vxe');
    writeFileSync(junk, 'hello');
    expect(vmlab('disasm', junk).stderr).toMatch(/bad image: bad magic/);
  });

  it('a missing file exits 64', () => {
    const r = vmlab('disasm', join(tmp, 'missing.vxe'));
    expect(r.code).toBe(EXIT_CODE.USAGE);
    expect(r.stderr).toMatch(/missing\.vxe: no such file/);
  });
});

describe('vmlab isa', () => {
  it('--classes --json gives the instructions and the Theorem 1 verdicts', () => {
    const r = vmlab('isa', '--classes', '--json');
    expect(r.code).toBe(EXIT_CODE.OK);
    const v = JSON.parse(r.stdout) as {
      instructions: { id: string; class: string }[];
      theorem1: { sensitiveUnprivileged: string[]; verdicts: { machine: string; virtualizable: boolean }[] };
    };
    expect(v.instructions.find((i) => i.id === 'popf')?.class).toBe('sensitive');
    expect(v.theorem1.sensitiveUnprivileged).toEqual(['pushf', 'popf', 'rdcpl', 'sidt']);
    expect(v.theorem1.verdicts.map((x) => [x.machine, x.virtualizable])).toContainEqual(['VX32', false]);
    expect(v.theorem1.verdicts.map((x) => [x.machine, x.virtualizable])).toContainEqual(['strict VX32', true]);
  });

  it('--classes prints the verdict in words', () => {
    const r = vmlab('isa', '--classes');
    expect(r.stdout).toMatch(/VX32: NOT classically virtualizable/);
    expect(r.stdout).toMatch(/strict VX32: virtualizable/);
  });
});
