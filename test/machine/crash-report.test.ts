// Crash reports: disassembly, source line lookup, the text format, and the same report under every technique.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Image } from '../../assembler/types.js';
import { FLAGS, VEC } from '../../isa/abi.js';
import { encode } from '../../isa/encoding.js';
import { OP } from '../../isa/table.js';
import { buildCrashReport, formatCrash, lineFor } from '../../vmm/report/crash.js';
import { BT, EMULATE, fixture, HW_NESTED, HW_SHADOW, native, runVmm, spec, TRAP, type VmmConfig } from '../hv/helpers.js';

const regs = { r: new Array(16).fill(0), pc: 0x1004, flags: 0, cpl: 0, cr0: 0, cr2: 0, cr3: 0, cr4: 0, cr8: 0, ivtb: 0 };

describe('crash reports', () => {
  it('finds the line entry covering an address, and none far from any entry', () => {
    const lines = [
      { addr: 0x1000, file: 'a.s', line: 3 },
      { addr: 0x1004, file: 'a.s', line: 4 },
    ];
    expect(lineFor(lines, 0x1004)?.line).toBe(4);
    expect(lineFor(lines, 0x1008)?.line).toBe(4); // inside a long instruction
    expect(lineFor(lines, 0x2000)).toBeUndefined();
  });

  it('names the instruction, its source line text, the fault and the registers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmlab-crash-'));
    const file = join(dir, 'k.s');
    writeFileSync(file, 'start:\n    li r2, 0\n    div r1, r2   ; boom\n');
    const image: Image = {
      entry: 0x1000,
      flags: 0,
      segments: [],
      symbols: [{ name: 'start', value: 0x1000, kind: 'label', global: false }],
      lines: [
        { addr: 0x1000, file, line: 2 },
        { addr: 0x1004, file, line: 3 },
      ],
    };
    const [w] = encode({ opcode: OP['div.rr'], a: 1, b: 2 });
    const r = buildCrashReport({
      reason: 'triple fault: #DE could not be delivered',
      pc: 0x1004,
      words: [w!, 0],
      fault: { vector: VEC.DE, error: 0, cr2: 0 },
      registers: { ...regs, r: regs.r.map((_, i) => i) },
      image,
    });
    expect(r.instruction).toBe('div r1, r2');
    expect(r.source).toEqual({ file, line: 3, text: '    div r1, r2   ; boom' });
    const text = formatCrash(r);
    expect(text).toContain('at 0x00001004: div r1, r2');
    expect(text).toContain(`${file}:3: div r1, r2   ; boom`);
    expect(text).toContain('#DE divide error (vector 0)');
    expect(text).toMatch(/r15? +0x0000000f|sp 0x0000000f/);
  });

  it('copes with a missing source file and an unreadable pc', () => {
    const r = buildCrashReport({
      reason: 'triple fault',
      pc: 0x1000,
      words: null,
      fault: { vector: VEC.PF, error: 0, cr2: 0xdead0000 },
      registers: regs,
      image: { entry: 0, flags: 0, segments: [], symbols: [], lines: [{ addr: 0x1000, file: '/nonexistent/x.s', line: 7 }] },
    });
    const text = formatCrash(r);
    expect(text).toContain('(instruction not readable)');
    expect(text).toContain('/nonexistent/x.s:7: (source not available)');
    expect(text).toContain('cr2 = 0xdead0000');
  });
});

// Class: crash reports that show the host CPU (ring 1, the VMM's shadow root, the real IF) instead of the
// guest's. Whatever runs the guest, a crash report shows the guest-visible CPU, in the same words.
describe('a crash report shows the guest-visible CPU under every technique', () => {
  const CONFIGS: readonly VmmConfig[] = [EMULATE, TRAP, BT, HW_NESTED, HW_SHADOW];
  const VARIANTS: readonly Record<string, number>[] = [
    { PAGING: 1 },
    { PAGING: 1, USER: 1 },
    { PAGING: 0, IRQON: 1 },
    { PAGING: 0, USER: 1, IRQON: 1 },
    { PAGING: 1, USER: 1, SOFTINT: 1 },
  ];

  describe.each(VARIANTS.map((d) => [JSON.stringify(d), d] as const))('crash.s %s', (_name, defines) => {
    const img = fixture('hv/crash.s', defines);
    const oracle = native(img, { max: 100_000 });
    const want = formatCrash(oracle.crash!);

    it('natively: a triple fault, with the kernel\'s own ring, paging, IF and control registers', () => {
      expect(oracle.status).toBe('crash');
      const g = oracle.crash!.registers;
      expect(g.cpl).toBe(defines['USER'] ? 3 : 0);
      expect(g.cr0).toBe(defines['PAGING'] ? 1 : 0);
      expect(g.flags & FLAGS.IF).toBe(defines['IRQON'] ? FLAGS.IF : 0);
      expect(g.cr8).toBe(5);
      expect(g.ivtb).toBe(img.symbols.find((s) => s.name === 'ivt')!.value);
      expect(g.cr4).toBe(img.symbols.find((s) => s.name === 'kstack_top')!.value);
      if (defines['PAGING']) expect(g.cr3).toBe(img.symbols.find((s) => s.name === 'pd')!.value);
      expect(oracle.crash!.source?.text).toContain('FAULT_LINE');
      expect(want).toMatch(/^guest crashed: triple fault: (#PF page fault|vector 64) could not be delivered/);
    });

    it.each(CONFIGS.map((c) => [c.label, c] as const))('under %s the report is native\'s, word for word', (_label, cfg) => {
      const r = runVmm([spec('crash', img)], cfg, 100_000).results[0]!;
      expect(r.status).toBe('crash');
      expect(r.crash!.registers).toEqual(oracle.crash!.registers);
      expect(formatCrash(r.crash!)).toBe(want);
    });
  });
});
