// `vmlab debug` through the CLI: commands from stdin (not a terminal) and from --batch, one answer block each.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function vmlab(input: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/vmlab.js', ...args], { encoding: 'utf8', input, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('vmlab debug', () => {
  it('reads commands from stdin and answers each after an echo of it', () => {
    const r = vmlab('break sched.s:97\ncontinue\nx/2w sp\nstep\nreverse-step\nlist\nquit\n', 'debug', 'guest-kernels/mini/main.s', '-t', 'hw');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\(vmdb\) break sched\.s:97\nBreakpoint 1 at 0x[0-9a-f]{8}: guest-kernels\/mini\/sched\.s:97\n/);
    expect(r.out).toMatch(/\(vmdb\) continue\n(mini: .*\n)*Breakpoint 1, 0x[0-9a-f]{8}  ld r4, \[r3 \+ 16\]  guest-kernels\/mini\/sched\.s:97/);
    expect(r.out).toMatch(/\(vmdb\) x\/2w sp\n0x[0-9a-f]{8}: {2}0x[0-9a-f]{8} 0x[0-9a-f]{8}\n/);
    expect(r.out).toMatch(/\(vmdb\) reverse-step\n0x[0-9a-f]{8}  ld r4, \[r3 \+ 16\]  guest-kernels\/mini\/sched\.s:97/);
    expect(r.out).toMatch(/=> +97 +ld r4, \[r3 \+ P_KSTACK\]/);
    // The console is shown once, though going back re-ran the kernel.
    expect(r.out.match(/mini: VX32 kernel booting/g)).toHaveLength(1);
  });

  it('runs a --batch file, and refuses a missing one with a usage error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmdb-'));
    const f = join(dir, 's.dbg');
    writeFileSync(f, '# a comment\ninfo breakpoints\nstep 2\ninfo registers\n');
    const r = vmlab('', 'debug', 'guest-kernels/mini/main.s', '--batch', f);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\(vmdb\) info breakpoints\nNo breakpoints\.\n\(vmdb\) step 2\n0x[0-9a-f]{8} .*boot\.s:\d+/);
    expect(r.out).toMatch(/host CPU \(real\): the same ring, IF and cr3/);
    expect(vmlab('', 'debug', 'guest-kernels/mini/main.s', '--batch', join(dir, 'none')).code).toBe(64);
  });
});
