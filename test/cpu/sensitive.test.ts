// Sensitive-unprivileged instructions (silent outside ring 0, #GP in strict mode), interrupts, hlt and host trap interception.

import { describe, expect, it } from 'vitest';
import { FLAGS, VEC } from '../../isa/abi.js';
import { OP } from '../../isa/table.js';
import { boot, CODE, I, IVT, KSTACK, STACK, type Insn } from './harness.js';

const li = (reg: number, v: number): Insn => I('li.rI', reg, 0, v | 0);

describe('sensitive instructions', () => {
  it('popf at CPL 0 changes IF', () => {
    const g = boot([li(1, FLAGS.IF), I('push', 1), I('popf')]);
    g.go();
    expect(g.cpu.flags & FLAGS.IF).toBe(FLAGS.IF);
    expect(g.cpu.stats.sensitiveAtCplGt0).toBe(0);
  });

  it('popf at CPL 1 loads the condition bits, silently keeps IF, and calls the hook', () => {
    const seen: Array<[number, number]> = [];
    for (const startIf of [0, FLAGS.IF]) {
      const g = boot([li(1, (startIf ^ FLAGS.IF) | FLAGS.C), I('push', 1), I('popf'), I('int', 0, 0, 0x80)]);
      g.cpu.sensitiveHook = (op, v) => seen.push([op, v]);
      g.cpu.cpl = 1;
      g.cpu.flags = startIf;
      g.go();
      const f = g.frame()!;
      expect(f.vector).toBe(0x80);
      expect(f.flags & (FLAGS.IF | FLAGS.ARITH)).toBe(startIf | FLAGS.C);
      expect(g.cpu.stats.sensitiveAtCplGt0).toBe(1);
    }
    expect(seen).toEqual([
      [OP.popf, FLAGS.IF | FLAGS.C],
      [OP.popf, FLAGS.C],
    ]);
  });

  it('pushf at CPL 1 reveals the real IF and CPL', () => {
    const g = boot([I('pushf'), I('pop', 2), I('int', 0, 0, 0x80)]);
    let hooked = -1;
    g.cpu.sensitiveHook = (_op, v) => (hooked = v);
    g.cpu.cpl = 1;
    g.cpu.flags = FLAGS.IF;
    g.go();
    expect(g.cpu.r[2]).toBe(FLAGS.IF | (1 << FLAGS.CPL_SHIFT));
    expect(hooked).toBe(FLAGS.IF | (1 << FLAGS.CPL_SHIFT));
  });

  it('rdcpl and sidt tell a deprivileged kernel the truth', () => {
    const g = boot([I('rdcpl', 1), I('sidt', 2), I('int', 0, 0, 0x80)]);
    g.cpu.cpl = 1;
    g.go();
    expect(g.cpu.r[1]).toBe(1);
    expect(g.cpu.r[2]).toBe(IVT);
    expect(g.cpu.stats.sensitiveAtCplGt0).toBe(2);
    expect(g.cpu.stats.privilegedExecuted).toBe(3); // + the stub's hlt
  });

  for (const id of ['pushf', 'popf', 'rdcpl', 'sidt'] as const) {
    it(`strict VX32: ${id} raises #GP at CPL 1 but runs at CPL 0`, () => {
      const g = boot([li(1, 0), I('push', 1), I(id, 3)], { strict: true });
      g.cpu.cpl = 1;
      g.go();
      expect(g.frame()).toMatchObject({ vector: VEC.GP, pc: CODE + 12 });
      expect(g.cpu.stats.sensitiveAtCplGt0).toBe(0);
      const h = boot([li(1, 0), I('push', 1), I(id, 3)], { strict: true });
      h.go();
      expect(h.frame()).toBeNull();
    });
  }

  it('privileged and sensitive attempts are counted at any CPL', () => {
    const g = boot([I('cli')]);
    g.cpu.cpl = 3;
    g.go();
    expect(g.frame()?.vector).toBe(VEC.GP);
    expect(g.cpu.stats.privilegedExecuted).toBe(2); // the faulting cli and the stub's hlt
  });
});

describe('external interrupts', () => {
  it('are delivered at run() start when IF = 1, as vector 32 + line, saving the current pc', () => {
    const g = boot([I('nop')]);
    g.pic.pending.add(4);
    g.cpu.flags = FLAGS.IF;
    expect(g.go()).toBe('halt');
    expect(g.frame()).toMatchObject({ vector: 36, pc: CODE, flags: FLAGS.IF });
    expect(g.pic.acked).toEqual([36]);
    expect(g.cpu.stats.interrupts).toBe(1);
  });

  it('wait while IF = 0 and arrive right after sti', () => {
    const g = boot([I('nop'), I('sti'), I('nop')]);
    g.pic.pending.add(0);
    g.go();
    expect(g.frame()).toMatchObject({ vector: 32, pc: CODE + 8 });
  });

  it('respect the cr8 priority cut, re-checked after mov cr8', () => {
    const g = boot([I('nop'), I('li.ri', 1, 0, 0), I('mov.cr', 1, 8), I('nop')]);
    g.pic.pending.add(15);
    g.cpu.cr8 = 1;
    g.cpu.flags = FLAGS.IF;
    g.go();
    expect(g.frame()).toMatchObject({ vector: 47, pc: CODE + 12 });
  });

  it('wake a halted CPU with IF = 1', () => {
    const g = boot([I('sti'), I('hlt'), I('li.ri', 1, 0, 5)]);
    expect(g.go()).toBe('halt');
    expect(g.cpu.halted).toBe(true);
    expect(g.cpu.pc).toBe(CODE + 8);
    expect(g.go()).toBe('halt'); // nothing pending: still halted, nothing executed
    expect(g.cpu.stats.instructions).toBe(2);
    g.pic.pending.add(0);
    g.go();
    expect(g.cpu.halted).toBe(true); // halted again, in the stub
    expect(g.frame()).toMatchObject({ vector: 32, pc: CODE + 8 });
  });
});

describe('host trap interception', () => {
  it('returns trap with vector and error, pc at a fault, no frame pushed', () => {
    const g = boot([I('cli')]);
    g.cpu.interceptTraps = true;
    g.cpu.cpl = 1;
    expect(g.go()).toBe('trap');
    expect(g.cpu.trapVector).toBe(VEC.GP);
    expect(g.cpu.trapError).toBe(0);
    expect(g.cpu.pc).toBe(CODE);
    expect(g.cpu.cpl).toBe(1);
    expect(g.cpu.r[15]).toBe(STACK);
    expect(g.peek(KSTACK - 20)).toBe(0);
  });

  it('pc after int, and cr2 for #PF; interrupts too', () => {
    const g = boot([I('int', 0, 0, 0x80), li(2, 0x4000_0000), I('ld.rm', 1, 2, 0)]);
    g.cpu.interceptTraps = true;
    g.cpu.cr3 = 0xc_0000;
    expect(g.go()).toBe('trap');
    expect([g.cpu.trapVector, g.cpu.pc]).toEqual([0x80, CODE + 4]);
    g.cpu.cr0 = 1; // paging on with an empty directory: the next fetch faults
    expect(g.go()).toBe('trap');
    expect([g.cpu.trapVector, g.cpu.trapError, g.cpu.cr2]).toEqual([VEC.PF, 8, CODE + 4]);
    g.cpu.cr0 = 0;
    g.pic.pending.add(3);
    g.cpu.flags = FLAGS.IF;
    expect(g.go()).toBe('trap');
    expect([g.cpu.trapVector, g.cpu.pc]).toEqual([35, CODE + 4]);
    expect(g.pic.acked).toEqual([35]);
  });
});
