// `vmlab run` end to end: exit codes, console on stdout, status and reports on stderr, JSON output, usage errors.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeImage } from '../../assembler/image-format.js';
import { PORT } from '../../isa/abi.js';
import { Prog } from './build.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'vmlab-run-'));

function vmlab(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'vmlab.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function vxe(name: string, p: Prog): string {
  const path = join(dir, name);
  writeFileSync(path, serializeImage(p.image()));
  return path;
}

const hiPoweroff3 = () => {
  const p = new Prog();
  for (const ch of 'hi\n') p.li(1, ch.charCodeAt(0)).out(PORT.UART_DATA, 1);
  return p.li(1, 3).out(PORT.POWEROFF, 1);
};

describe('vmlab run', () => {
  it('exits with the power-off status, the console on stdout and a status line on stderr', () => {
    const r = vmlab('run', vxe('hi.vxe', hiPoweroff3()), '--technique', 'native');
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('hi\n');
    expect(r.stderr).toMatch(/powered off with status 3 \[exit 3\]/);
  });

  it('stops a looping guest at --max-instructions with exit 69 and says why', () => {
    const r = vmlab('run', vxe('loop.vxe', new Prog().label('s').jump('jmp', 's')), '--max-instructions', '200000');
    expect(r.code).toBe(69);
    expect(r.stderr).toContain('stopped after 200000 instructions (--max-instructions); the guest may be in a loop');
  });

  it('a guest status is never a vmlab code: 101 exits 63 (the cap) while the instruction limit exits 69, and 256 does not wrap to 0', () => {
    const off = (status: number) => new Prog().li(1, status).out(PORT.POWEROFF, 1);
    const s101 = vmlab('run', vxe('s101.vxe', off(101)), '--json');
    expect(s101.code).toBe(63);
    expect(JSON.parse(s101.stdout)).toMatchObject({ status: 'poweroff', exitCode: 63, guestStatus: 101 });
    const limit = vmlab('run', vxe('loop2.vxe', new Prog().label('s').jump('jmp', 's')), '--max-instructions', '1000');
    expect(limit.code).toBe(69);
    expect(limit.code).not.toBe(s101.code);
    const s256 = vmlab('run', vxe('s256.vxe', off(256)));
    expect(s256.code).toBe(63);
    expect(s256.stderr).toMatch(/powered off with status 256 \[exit 63\]/);
    const s62 = vmlab('run', vxe('s62.vxe', off(62)));
    expect(s62.code).toBe(62);
  });

  it('hlt with IF = 0 is halted, exit 0', () => {
    const r = vmlab('run', vxe('hlt.vxe', new Prog().op('hlt')));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/halted/);
  });

  it('a crash exits 71 with a report naming the instruction', () => {
    const r = vmlab('run', vxe('crash.vxe', new Prog().op('brk')));
    expect(r.code).toBe(71);
    expect(r.stderr).toMatch(/guest crashed: triple fault/);
    expect(r.stderr).toMatch(/at 0x00001000: brk/);
  });

  it('assembles a .s file: a divide fault with an empty vector table names the instruction and its source line', () => {
    const src = join(dir, 'crash.s');
    writeFileSync(src, '; divide by zero, no vector table\nstart:\n    li r2, 0\n    div r1, r2\n    hlt\n');
    const r = vmlab('run', src, '--technique', 'native');
    expect(r.code).toBe(71);
    expect(r.stderr).toContain('at 0x00001004: div r1, r2');
    expect(r.stderr).toContain(`${src}:4: div r1, r2`);
    expect(r.stderr).toContain('#DE divide error');
    const j = JSON.parse(vmlab('run', src, '--json').stdout);
    expect(j.status).toBe('crash');
    expect(j.crash.source.line).toBe(4);
  });

  it('assembles and runs the hi/power-off guest from source', () => {
    const src = join(dir, 'hi.s');
    writeFileSync(src, "start:\n    li r1, 'h'\n    out 0x3f8, r1\n    li r1, 'i'\n    out 0x3f8, r1\n    li r1, '\\n'\n    out 0x3f8, r1\n    li r1, 3\n    out 0x501, r1\n1:  jmp 1b\n");
    const r = vmlab('run', src);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('hi\n');
  });

  it('--block gives the guest a disk it can read and write, without modifying the file', () => {
    const disk = join(dir, 'disk.img');
    const bytes = new Uint8Array(1024);
    bytes.set(new TextEncoder().encode('DISK'), 0);
    writeFileSync(disk, bytes);
    const src = join(dir, 'blk.s');
    writeFileSync(
      src,
      [
        'start:',
        '    li r2, 0xff000000',
        '    li r1, 1',
        '    st [r2 + 8], r1        ; COUNT',
        '    li r1, 0x8000',
        '    st [r2 + 4], r1        ; DMA_ADDR',
        '    st [r2 + 0xc], r1      ; CMD: 0x8000 is no command: error',
        '    li r1, 1',
        '    st [r2 + 0xc], r1      ; CMD read sector 0',
        '    ldb r1, [r0 + 0x8000]',
        '    out 0x3f8, r1',
        '    li r1, 1',
        '    st [r2 + 0], r1        ; SECTOR 1',
        '    li r1, 2',
        '    st [r2 + 0xc], r1      ; CMD write',
        '    ld r1, [r2 + 0x10]     ; STATUS',
        '    out 0x501, r1',
        '',
      ].join('\n'),
    );
    const r = vmlab('run', src, '--block', disk, '--json');
    const j = JSON.parse(r.stdout);
    expect(j.console).toBe('D');
    expect(j.exitCode).toBe(1); // done, no error
    expect(j.stats.devices.block).toEqual({ commands: 3, sectorsRead: 1, sectorsWritten: 1, errors: 1 });
    expect(new Uint8Array(readFileSync(disk))).toEqual(bytes);
  });

  it('assembly errors exit 65 with diagnostics', () => {
    const src = join(dir, 'bad.s');
    writeFileSync(src, 'start:\n    frobnicate r1\n');
    const r = vmlab('run', src);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('bad.s:2');
  });

  it('--json prints the result object instead of the live console', () => {
    const r = vmlab('run', vxe('hi2.vxe', hiPoweroff3()), '--json');
    expect(r.code).toBe(3);
    const j = JSON.parse(r.stdout);
    expect(j.status).toBe('poweroff');
    expect(j.exitCode).toBe(3);
    expect(j.console).toBe('hi\n');
    expect(j.stats.guestInstructions).toBe(8);
    expect(typeof j.wallMs).toBe('number');
    expect(j.crash).toBeUndefined();
  });

  // Class: bt at ring 3. User code runs untranslated and reads the real CPU: reported, never silent.
  it('under bt a ring-3 sensitive instruction that read the real CPU is a divergence: listed with its line, in --json, exit 68', () => {
    const r = vmlab('run', 'test/fixtures/hv/ring3-probe.s', '-t', 'bt', '--json');
    expect(r.code).toBe(68);
    const j = JSON.parse(r.stdout) as { status: string; exitCode: number; divergences: { insn: string; where: string }[] };
    expect(j.status).toBe('poweroff');
    expect(j.exitCode).toBe(0);
    expect(j.divergences.map((d) => d.insn)).toEqual(['pushf', 'sidt']);
    for (const d of j.divergences) expect(d.where).toMatch(/^test\/fixtures\/hv\/ring3-probe\.s:\d+$/);
    expect(r.stderr).toMatch(/diverged from bare metal under bt/);
    expect(r.stderr).toMatch(/sidt at test\/fixtures\/hv\/ring3-probe\.s:\d+ \(ring 3\) returned the real vector-table base/);
    // The guest's own status stays its own; the command's exit code says it diverged.
    expect(r.stderr).toMatch(/powered off with status 0 \[exit 68\]/);
  });

  it('feeds --stdin to the UART', () => {
    const p = new Prog().in(1, PORT.UART_DATA).out(PORT.UART_DATA, 1).in(1, PORT.UART_DATA).out(PORT.POWEROFF, 1);
    const r = vmlab('run', vxe('echo.vxe', p), '--stdin', 'AB');
    expect(r.stdout).toBe('A');
    // 'B' (66) is the power-off status: above the cap of 63, so the whole of it is on stderr.
    expect(r.code).toBe(63);
    expect(r.stderr).toMatch(/powered off with status 66 \[exit 63\]/);
  });

  it('refuses configurations it cannot run (exit 67), and gives usage errors (exit 64) for bad names, counts and missing files', () => {
    const img = vxe('hi3.vxe', hiPoweroff3());
    const t = vmlab('run', img, '--technique', 'pv');
    expect(t.code).toBe(67);
    expect(t.stderr).toContain('is not a paravirtual kernel (no .pv directive)');
    const m = vmlab('run', img, '--technique', 'trap', '--memory', 'nested');
    expect(m.code).toBe(67);
    expect(m.stderr).toContain('technique trap cannot use --memory nested');
    const u = vmlab('run', img, '--technique', 'magic');
    expect(u.code).toBe(64);
    expect(u.stderr).toContain("argument 'magic' is invalid. Allowed choices are native, emulate, trap, hw, bt, pv");
    const n = vmlab('run', img, '--max-instructions', 'lots');
    expect(n.code).toBe(64);
    expect(n.stderr).toContain("--max-instructions <n>' argument 'lots' is invalid. expected a positive integer");
    const f = vmlab('run', join(dir, 'nope.vxe'));
    expect(f.code).toBe(64);
    expect(f.stderr).toContain('no such file');
    expect(f.stderr).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
  });

  it('a corrupt image exits 66', () => {
    const path = join(dir, 'bad.vxe');
    writeFileSync(path, 'VXE1 not really an image');
    const r = vmlab('run', path);
    expect(r.code).toBe(66);
    expect(r.stderr).toMatch(/bad image/);
  });
});

describe('vmlab run --technique bt', () => {
  const IN = join(ROOT, 'guest-kernels', 'nanobench', 'in.s');

  it('--json reports the translator\'s counts; --dump-cache prints the blocks beside their source', () => {
    const j = vmlab('run', IN, '-D', 'ITERS=5', '--technique', 'bt', '--json');
    expect(j.code).toBe(0);
    const out = JSON.parse(j.stdout) as { stats: { techniqueCounts: { translatedBlocks: number; callouts: number } } };
    expect(out.stats.techniqueCounts.translatedBlocks).toBeGreaterThan(0);
    expect(out.stats.techniqueCounts.callouts).toBeGreaterThan(0);
    const d = vmlab('run', IN, '-D', 'ITERS=5', '--technique', 'bt', '--dump-cache');
    expect(d.code).toBe(0);
    expect(d.stdout).toContain('in: 5 iterations done');
    expect(d.stdout).toMatch(/^code cache: \d+ blocks/m);
    expect(d.stdout).toMatch(/guest-kernels\/nanobench\/in\.s:\d+ +0x[0-9a-f]{8} +in r\d, .*\| 0xf[0-9a-f]{7} +wcall emulate/);
    const st = vmlab('run', IN, '-D', 'ITERS=5', '--technique', 'bt', '--stats');
    expect(st.stderr).toMatch(/binary translation: \d+ blocks/);
    expect(st.stderr).toMatch(/[1-9][\d,]* callouts into the VMM/);
  });

  it('refuses --dump-cache and --code-cache for other techniques, and a cache too small to be one', () => {
    const a = vmlab('run', IN, '--dump-cache');
    expect(a.code).toBe(64);
    expect(a.stderr).toContain('--dump-cache is for --technique bt (not native)');
    const b = vmlab('run', IN, '--technique', 'bt', '--code-cache', '10');
    expect(b.code).toBe(64);
    expect(b.stderr).toContain('at least 64');
  });

  it('--packet queues packets on the wire at boot, in order, for the split net back-end too; an empty file is a usage error', () => {
    const files = Array.from({ length: 12 }, (_, i) => {
      const f = join(dir, `pk${i}.bin`);
      writeFileSync(f, Uint8Array.from({ length: 60 + i }, (_, k) => (i * 7 + k) & 0xff));
      return f;
    });
    const r = vmlab('run', 'exercises/05-split-net/kernel/main.s', '-I', 'exercises/05-split-net/solution', '-t', 'pv', ...files.flatMap((f) => ['--packet', f]));
    expect(r.stdout).toContain('rx: 12 of 12');
    expect(r.code).toBe(0);
    const empty = join(dir, 'empty.bin');
    writeFileSync(empty, new Uint8Array(0));
    const e = vmlab('run', 'exercises/05-split-net/kernel/main.s', '-I', 'exercises/05-split-net/solution', '-t', 'pv', '--packet', empty);
    expect(e.code).toBe(64);
    expect(e.stderr).toMatch(/--packet .*empty\.bin: a packet is 1 to 2048 bytes, this file has 0/);
  });
});
