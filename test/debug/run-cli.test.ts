// `vmlab run --trace/--trace-last/--dump` and the crash report's last 16 instructions, through the CLI.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function vmlab(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/vmlab.js', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('vmlab run, traced and dumped', () => {
  it('ends a triple fault report with the last 16 instructions and their source lines', () => {
    const r = vmlab('run', 'test/fixtures/hv/crash.s');
    expect(r.code).toBe(71);
    const tail = r.err.split('last 16 instructions executed (oldest first):')[1]!.trim().split('\n').slice(0, 16);
    expect(tail).toHaveLength(16);
    expect(tail[15]).toMatch(/0x[0-9a-f]{8}\s+cmp r1, r2\s+test\/fixtures\/hv\/crash\.s:\d+: cmp r1, r2/);
    expect(tail[0]).toMatch(/li r0, 0x10101010\s+test\/fixtures\/hv\/crash\.s:\d+/);
  });

  it('the same under a VMM, replayed from an untraced run', () => {
    const r = vmlab('run', 'test/fixtures/hv/crash.s', '-t', 'hw', '--memory', 'shadow');
    expect(r.code).toBe(71);
    expect(r.err).toMatch(/last 16 instructions executed[^\n]*\n(.*crash\.s:\d+.*\n){16}/);
  });

  it('writes a filtered trace to a file, and keeps only the last n events with --trace-last', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmlab-trace-'));
    const file = join(dir, 't.txt');
    const r = vmlab('run', 'guest-kernels/nanobench/in.s', '-D', 'ITERS=20', '--trace', 'insn,exits:IO', '-t', 'hw', '--trace-file', file);
    expect(r.code).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.every((l) => /^(insn|exit) \| \d+ \| (0x[0-9a-f]{8}|-) \| /.test(l))).toBe(true);
    expect(lines.filter((l) => l.startsWith('exit')).every((l) => l.split(' | ')[4] === 'IO')).toBe(true);
    expect(lines.some((l) => /^insn .*\| in r\d+, /.test(l))).toBe(true);
    const last = vmlab('run', 'guest-kernels/nanobench/in.s', '-D', 'ITERS=20', '--trace-last', '5', '--trace', 'insn');
    const kept = last.err.split('--- the last 5 trace events\n')[1]!.split('\n').filter((l) => l.startsWith('insn'));
    expect(kept).toHaveLength(5);
  });

  it('dumps registers, memory and the page tables after the run', () => {
    const r = vmlab('run', 'guest-kernels/nanobench/in.s', '-D', 'ITERS=20', '--dump', 'regs,mem:sp:8,pt');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--- registers\n\s+r0 0x[0-9a-f]{8}/);
    expect(r.out).toMatch(/--- memory sp \(8 bytes\)\n0x[0-9a-f]{8}: {2}0x[0-9a-f]{8} 0x[0-9a-f]{8}/);
    expect(r.out).toMatch(/--- page tables \(cr3 0x[0-9a-f]{8}\)\n0x[0-9a-f]{8}-0x[0-9a-f]{8} -> 0x[0-9a-f]{8}  P/);
    expect(vmlab('run', 'guest-kernels/nanobench/in.s', '--dump', 'bogus').code).toBe(64);
    expect(vmlab('run', 'guest-kernels/nanobench/in.s', '--trace', 'nope').code).toBe(64);
  });
});
