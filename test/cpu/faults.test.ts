// Faults, their error codes and addresses, precise restart, #DF, triple faults and ring transitions.

import { describe, expect, it } from 'vitest';
import { FLAGS, PF_ERR, PTE, VEC } from '../../isa/abi.js';
import { assemble, boot, CODE, I, identityPaging, IVT, KSTACK, STACK, STUB, type Insn } from './harness.js';

const li = (reg: number, v: number): Insn => I('li.rI', reg, 0, v | 0);
const RW = PTE.P | PTE.W;
const URW = PTE.P | PTE.W | PTE.U;

/** A paged rig: [0, 1 MiB) identity-mapped user-writable except as adjusted by `tweak`. */
function paged(prog: Insn[], tweak?: (pt: ReturnType<typeof identityPaging>) => void) {
  const g = boot(prog);
  const pt = identityPaging(g, 1 << 20, URW);
  tweak?.(pt);
  g.cpu.flushTlb();
  return { g, pt };
}

describe('exceptions', () => {
  it('#DE: division by zero, pc at the div, destination untouched', () => {
    const g = boot([li(1, 10), I('div.ri', 1, 0, 0)]);
    expect(g.go()).toBe('halt');
    expect(g.frame()).toEqual({ vector: VEC.DE, error: 0, pc: CODE + 8, flags: 0, sp: STACK });
    expect(g.cpu.r[1]).toBe(10);
  });

  it('#UD: an opcode outside the table', () => {
    const g = boot([I('nop')]);
    g.poke(CODE + 4, [0x0000_00ff]);
    g.go();
    expect(g.frame()).toMatchObject({ vector: VEC.UD, error: 0, pc: CODE + 4 });
  });

  for (const cpl of [1, 3]) {
    it(`#GP: a privileged instruction at CPL ${cpl}, taken on cr4's stack`, () => {
      const g = boot([I('cli')]);
      g.cpu.cpl = cpl;
      expect(g.go()).toBe('halt');
      expect(g.frame()).toEqual({ vector: VEC.GP, error: 0, pc: CODE, flags: cpl << FLAGS.CPL_SHIFT, sp: STACK });
      expect(g.cpu.r[15]).toBe(KSTACK - 20);
      expect(g.cpu.cpl).toBe(0);
    });
  }

  it('#GP: int below 48, and iret outside ring 0', () => {
    const g = boot([I('int', 0, 0, 32)]);
    g.go();
    expect(g.frame()).toMatchObject({ vector: VEC.GP, pc: CODE });
    const h = boot([I('iret')]);
    h.cpu.cpl = 1;
    h.go();
    expect(h.frame()).toMatchObject({ vector: VEC.GP, pc: CODE, flags: 1 << FLAGS.CPL_SHIFT });
  });

  it('#GP: a jump to an unaligned address faults on fetch at that address', () => {
    const g = boot([li(1, CODE + 0x102), I('jmp.r', 1)]);
    g.go();
    expect(g.frame()).toMatchObject({ vector: VEC.GP, pc: CODE + 0x102 });
  });

  it('#BP: brk saves the next pc', () => {
    const g = boot([I('nop'), I('brk')]);
    g.go();
    expect(g.frame()).toMatchObject({ vector: VEC.BP, pc: CODE + 8 });
  });
});

describe('#PF error codes and cr2', () => {
  it('not present, supervisor read', () => {
    const { g } = paged([li(2, 0x5_0000), I('ld.rm', 1, 2, 4)], (pt) => pt.setPte(0x5_0000, 0));
    g.go();
    expect(g.frame()).toMatchObject({ vector: VEC.PF, error: 0, pc: CODE + 8 });
    expect(g.cpu.cr2).toBe(0x5_0004);
  });

  for (const cpl of [0, 1]) {
    it(`write to a read-only page at CPL ${cpl} (supervisor writes fault too)`, () => {
      const { g } = paged([li(2, 0x5_0000), li(1, 7), I('st.mr', 1, 2, 0)], (pt) => pt.map(0x5_0000, 0x5_0000, PTE.P | PTE.U));
      g.cpu.cpl = cpl;
      g.go();
      expect(g.frame()).toMatchObject({ vector: VEC.PF, error: PF_ERR.P | PF_ERR.W, pc: CODE + 16 });
      expect(g.cpu.cr2).toBe(0x5_0000);
      expect(g.peek(0x5_0000)).toBe(0);
    });
  }

  it('write through a read-only directory entry faults even if the PTE is writable', () => {
    const { g, pt } = paged([li(2, 0x40_0000), li(1, 7), I('st.mr', 1, 2, 0)], (pt) => pt.map(0x40_0000, 0x5_0000, URW));
    g.dv.setUint32(pt.dir + 4, (pt.pde(0x40_0000) & ~PTE.W) >>> 0, true);
    g.cpu.flushTlb();
    g.go();
    expect(g.frame()).toMatchObject({ vector: VEC.PF, error: PF_ERR.P | PF_ERR.W });
  });

  it('user read of a supervisor page', () => {
    const { g } = paged([li(2, 0x5_0000), I('ld.rm', 1, 2, 0)], (pt) => pt.map(0x5_0000, 0x5_0000, RW));
    g.cpu.cpl = 3;
    g.go();
    expect(g.frame()).toMatchObject({ vector: VEC.PF, error: PF_ERR.P | PF_ERR.U, pc: CODE + 8 });
  });

  it('instruction fetch from an unmapped page, user and supervisor', () => {
    for (const cpl of [0, 3]) {
      const { g } = paged([li(1, 0x7_0000), I('jmp.r', 1)], (pt) => pt.setPte(0x7_0000, 0));
      g.cpu.cpl = cpl;
      g.go();
      expect(g.frame()).toMatchObject({ vector: VEC.PF, error: PF_ERR.F | (cpl === 3 ? PF_ERR.U : 0), pc: 0x7_0000 });
      expect(g.cpu.cr2).toBe(0x7_0000);
    }
  });

  it('the extension word of a long instruction on the next, unmapped page faults as a fetch at that page', () => {
    const { g } = paged([li(1, 0x6_0ffc), I('jmp.r', 1)], (pt) => pt.setPte(0x6_1000, 0));
    g.poke(0x6_0ffc, assemble([li(3, 5)]).slice(0, 1));
    g.go();
    expect(g.frame()).toMatchObject({ vector: VEC.PF, error: PF_ERR.F, pc: 0x6_0ffc });
    expect(g.cpu.cr2).toBe(0x6_1000);
  });

  it('a long instruction straddling two mapped pages executes', () => {
    const { g } = paged([li(1, 0x6_0ffc), I('jmp.r', 1)]);
    g.poke(0x6_0ffc, [...assemble([li(3, 0x1234_5678)]), ...assemble([I('hlt')])]);
    expect(g.go()).toBe('halt');
    expect(g.cpu.r[3]).toBe(0x1234_5678);
    expect(g.cpu.pc).toBe(0x6_1008);
  });

  it('a bus error (physical address that is neither RAM nor a device) is a protection #PF', () => {
    const { g } = paged([li(2, 0x5_0000), I('ld.rm', 1, 2, 0)], (pt) => pt.map(0x5_0000, 0x4000_0000, URW));
    g.go();
    expect(g.frame()).toMatchObject({ vector: VEC.PF, error: PF_ERR.P });
    expect(g.cpu.cr2).toBe(0x5_0000);
  });
});

describe('precise faults leave no side effect', () => {
  it('a pop from an unmapped page leaves sp and the register unchanged', () => {
    const { g } = paged([li(15, 0x5_0000), li(1, 9), I('pop', 1)], (pt) => pt.setPte(0x5_0000, 0));
    g.go();
    expect(g.frame()).toMatchObject({ vector: VEC.PF, pc: CODE + 16, sp: 0x5_0000 });
    expect(g.cpu.r[1]).toBe(9);
  });

  it('a push to an unmapped page leaves sp unchanged', () => {
    const { g } = paged([li(15, 0x5_1000), I('push', 1)], (pt) => pt.setPte(0x5_0000, 0));
    g.cpu.cpl = 1; // so the #PF frame goes to cr4's stack
    g.go();
    expect(g.frame()).toMatchObject({ vector: VEC.PF, error: PF_ERR.W, pc: CODE + 8, sp: 0x5_1000 });
    expect(g.cpu.cr2).toBe(0x5_0ffc);
  });

  it('a call that cannot push does not jump', () => {
    const { g } = paged([li(15, 0x5_1000), I('call', 0, 0, 64)], (pt) => pt.setPte(0x5_0000, 0));
    g.cpu.cpl = 1;
    g.go();
    expect(g.frame()).toMatchObject({ vector: VEC.PF, pc: CODE + 8, sp: 0x5_1000 });
  });

  it('a store straddling a writable and a read-only page writes nothing', () => {
    const { g } = paged([li(2, 0x5_0ffe), li(1, -1), I('st.mr', 1, 2, 0)], (pt) => pt.map(0x5_1000, 0x5_1000, PTE.P | PTE.U));
    g.go();
    expect(g.frame()).toMatchObject({ vector: VEC.PF, error: PF_ERR.P | PF_ERR.W, pc: CODE + 16 });
    expect(g.cpu.cr2).toBe(0x5_1000);
    expect(g.peek(0x5_0ffc)).toBe(0);
    expect(g.peek(0x5_1000)).toBe(0);
  });

  it('a ret from an unmapped stack does not move sp', () => {
    const { g } = paged([li(15, 0x5_0000), I('ret')], (pt) => pt.setPte(0x5_0000, 0));
    g.go();
    expect(g.frame()).toMatchObject({ vector: VEC.PF, pc: CODE + 8, sp: 0x5_0000 });
  });
});

describe('double and triple faults', () => {
  it('#DF when the vector entry is 0, with the failed vector as error code', () => {
    const g = boot([I('int', 0, 0, 0x80)]);
    g.poke(IVT + 4 * 0x80, [0]);
    g.go();
    expect(g.frame()).toEqual({ vector: VEC.DF, error: 0x80, pc: CODE + 4, flags: 0, sp: STACK });
    expect(g.cpu.stats.trapsByVector[VEC.DF]).toBe(1);
  });

  it('#DF when the frame cannot be pushed; triple fault when #DF cannot be delivered either', () => {
    const { g } = paged([I('int', 0, 0, 0x80)], (pt) => pt.setPte(KSTACK - 4096, 0));
    g.cpu.cpl = 3;
    // cr4's stack is unmapped: #DF's frame cannot be pushed either
    expect(g.go()).toBe('triple');
    expect(g.cpu.tripleInfo).toEqual({ vector: 0x80, error: 0, pc: CODE + 4 });
    expect(g.cpu.stats.triples).toBe(1);
  });

  it('triple fault when the #DF entry is 0', () => {
    const g = boot([I('div.ri', 1, 0, 0)]);
    g.poke(IVT + 4 * VEC.DE, [0]);
    g.poke(IVT + 4 * VEC.DF, [0]);
    expect(g.go()).toBe('triple');
    expect(g.cpu.tripleInfo).toEqual({ vector: VEC.DE, error: 0, pc: CODE });
  });
});

describe('fault storms', () => {
  it('a handler that faults on its own first fetch makes run() return, not spin', () => {
    const { g } = paged([li(1, 0x7_0000), I('jmp.r', 1)], (pt) => pt.setPte(0x7_0000, 0));
    g.poke(IVT + 4 * VEC.PF, [0x7_0000]);
    expect(g.cpu.run(1000)).toBe('budget');
    expect(g.cpu.stats.trapsByVector[VEC.PF]).toBeGreaterThan(900);
    expect(g.cpu.stats.instructions).toBe(2);
  });
});

describe('ring transitions', () => {
  it('a trap from ring 3 switches to cr4, pushes the FRAME layout, and iret returns to ring 3', () => {
    // kernel handler for int 0x80: r9 = vector from the frame, r10 = cpl, then iret
    const handler = 0x2000;
    const user = [I('li.ri', 1, 0, 0x11), I('int', 0, 0, 0x80), I('rdcpl', 5), I('mov', 6, 15), I('int', 0, 0, 0x81)];
    const g = boot([]);
    const { pt } = { pt: identityPaging(g, 1 << 20, URW) };
    void pt;
    g.load(handler, [I('ld.rm', 9, 15, 0), I('rdcpl', 10), I('ld.rm', 11, 15, 12), I('iret')]);
    g.load(0x3000, user);
    g.poke(IVT + 4 * 0x80, [handler]);
    g.cpu.pc = 0x3000;
    g.cpu.cpl = 3;
    g.cpu.flags = FLAGS.IF;
    g.cpu.r[15] = 0x7_0000;
    expect(g.go()).toBe('halt'); // in the stub after int 0x81
    const c = g.cpu;
    expect(c.r[9]).toBe(0x80);
    expect(c.r[10]).toBe(0);
    expect(c.r[11]).toBe(FLAGS.IF | (3 << FLAGS.CPL_SHIFT));
    expect(c.r[5]).toBe(3); // back in ring 3 after iret
    expect(c.r[6]).toBe(0x7_0000); // user sp restored
    expect(g.frame()).toEqual({ vector: 0x81, error: 0, pc: 0x3000 + 20, flags: FLAGS.IF | (3 << FLAGS.CPL_SHIFT), sp: 0x7_0000 });
    expect(c.r[15]).toBe(KSTACK - 20);
    expect(c.flags & FLAGS.IF).toBe(0);
    expect(c.pc).toBe(STUB + 4);
  });

  it('a trap at CPL 0 stays on the current stack', () => {
    const g = boot([li(15, 0x6_0000), I('brk')]);
    g.go();
    expect(g.cpu.r[15]).toBe(0x6_0000 - 20);
    expect(g.frame()).toMatchObject({ sp: 0x6_0000 });
  });
});
