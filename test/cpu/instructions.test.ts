// Per-instruction semantics, one test per ISA table entry (a missing entry fails to compile).

import { describe, expect, it } from 'vitest';
import { FLAGS, VEC } from '../../isa/abi.js';
import { ISA, type InsnId } from '../../isa/table.js';
import { boot, CODE, I, IVT, KSTACK, STACK, STUB, type Insn } from './harness.js';
import { WINDOW_SEMANTICS } from './window-semantics.js';

type Sem = () => void;

const li = (reg: number, v: number): Insn => I('li.rI', reg, 0, v | 0);

/** Run `prog` at CPL 0 (paging off) to its final hlt; return the booted rig. */
function exec(prog: Insn[], setup?: (g: ReturnType<typeof boot>) => void) {
  const g = boot(prog);
  setup?.(g);
  const s = g.go();
  return { g, s, r: (i: number) => g.cpu.r[i]! };
}

/** Expect the program to have stopped at its own final hlt (no trap). */
function finished(g: ReturnType<typeof boot>, prog: Insn[]) {
  expect(g.frame()).toBeNull();
  expect(g.cpu.pc).toBe(CODE + progBytes(prog) + 4);
}
const progBytes = (prog: Insn[]) => prog.reduce((n, p) => n + (p.id.endsWith('I') || p.id.endsWith('M') || /\.Mr$/.test(p.id) ? 8 : 4), 0);

const VALUES = [0, 1, 7, -1, -5, 0x7fff_ffff, 0x8000_0000 | 0, 0x1234_5678, -123_456_789, 31, 33];
const IMM16 = [0, 1, 3, -1, -2, 0x7fff, -0x8000, 100];

type AluName = 'add' | 'sub' | 'and' | 'or' | 'xor' | 'shl' | 'shr' | 'sar' | 'mul' | 'div' | 'mod';
const ALU: Record<AluName, (x: number, y: number) => number> = {
  add: (x, y) => (x + y) | 0,
  sub: (x, y) => (x - y) | 0,
  and: (x, y) => x & y,
  or: (x, y) => x | y,
  xor: (x, y) => x ^ y,
  shl: (x, y) => x << (y & 31),
  shr: (x, y) => (x >>> (y & 31)) | 0,
  sar: (x, y) => x >> (y & 31),
  mul: (x, y) => Math.imul(x, y),
  div: (x, y) => Math.floor((x >>> 0) / (y >>> 0)) | 0,
  mod: (x, y) => (x >>> 0) % (y >>> 0) | 0,
};

function alu(name: AluName, form: 'rr' | 'ri' | 'rI'): Sem {
  return () => {
    const ys = form === 'ri' ? IMM16 : VALUES;
    for (const x of VALUES)
      for (const y of ys) {
        if ((name === 'div' || name === 'mod') && y === 0) continue;
        const id = `${name}.${form}` as InsnId;
        const prog = form === 'rr' ? [li(1, x), li(2, y), I(id, 1, 2)] : [li(1, x), I(id, 1, 0, y)];
        const { g, r } = exec(prog);
        finished(g, prog);
        expect(r(1), `${id} ${x}, ${y}`).toBe(ALU[name](x, y));
        if (form === 'rr') expect(r(2)).toBe(y | 0);
      }
    if (name === 'div' || name === 'mod') {
      const id = `${name}.${form}` as InsnId;
      const prog = form === 'rr' ? [li(1, 9), li(2, 0), I(id, 1, 2)] : [li(1, 9), I(id, 1, 0, 0)];
      const { g, r } = exec(prog);
      expect(g.frame()?.vector).toBe(VEC.DE);
      expect(r(1)).toBe(9);
    }
  };
}

/** Reference flags of cmp x, y per docs/vx32.md. */
function refFlags(x: number, y: number): number {
  const res = (x - y) | 0;
  const z = res === 0;
  const s = res < 0;
  const c = x >>> 0 < y >>> 0;
  const o = (x < 0) !== (y < 0) && (res < 0) !== (x < 0);
  return (z ? FLAGS.Z : 0) | (s ? FLAGS.S : 0) | (c ? FLAGS.C : 0) | (o ? FLAGS.O : 0);
}

function cmpSem(form: 'rr' | 'ri' | 'rI', test: boolean): Sem {
  return () => {
    const ys = form === 'ri' ? IMM16 : VALUES;
    for (const x of VALUES)
      for (const y of ys) {
        const id = `${test ? 'test' : 'cmp'}.${form}` as InsnId;
        const prog = form === 'rr' ? [li(1, x), li(2, y), I(id, 1, 2)] : [li(1, x), I(id, 1, 0, y)];
        const { g, r } = exec(prog);
        const want = test ? refFlags(x & y, 0) & (FLAGS.Z | FLAGS.S) : refFlags(x, y);
        expect(g.cpu.flags & FLAGS.ARITH, `${id} ${x}, ${y}`).toBe(want);
        expect(r(1)).toBe(x | 0);
      }
  };
}

type Jcc = 'jz' | 'jnz' | 'jl' | 'jle' | 'jg' | 'jge' | 'jb' | 'jae' | 'ja' | 'jbe';
const COND: Record<Jcc, (f: number) => boolean> = {
  jz: (f) => (f & FLAGS.Z) !== 0,
  jnz: (f) => (f & FLAGS.Z) === 0,
  jl: (f) => ((f & FLAGS.S) !== 0) !== ((f & FLAGS.O) !== 0),
  jle: (f) => (f & FLAGS.Z) !== 0 || ((f & FLAGS.S) !== 0) !== ((f & FLAGS.O) !== 0),
  jg: (f) => (f & FLAGS.Z) === 0 && ((f & FLAGS.S) !== 0) === ((f & FLAGS.O) !== 0),
  jge: (f) => ((f & FLAGS.S) !== 0) === ((f & FLAGS.O) !== 0),
  jb: (f) => (f & FLAGS.C) !== 0,
  jae: (f) => (f & FLAGS.C) === 0,
  ja: (f) => (f & FLAGS.C) === 0 && (f & FLAGS.Z) === 0,
  jbe: (f) => (f & FLAGS.C) !== 0 || (f & FLAGS.Z) !== 0,
};

/** A conditional branch after cmp (lazy flags) and after popf (materialized flags, all 16 combinations). */
function jcc(id: Jcc): Sem {
  return () => {
    for (const x of VALUES)
      for (const y of VALUES) {
        const prog = [li(1, x), li(2, y), I('cmp.rr', 1, 2), I(id, 0, 0, 4), I('li.ri', 5, 0, 1), I('li.ri', 6, 0, 1)];
        const { g, r } = exec(prog);
        finished(g, prog);
        expect(r(5), `${id} after cmp ${x}, ${y}`).toBe(COND[id](refFlags(x, y)) ? 0 : 1);
        expect(r(6)).toBe(1);
      }
    for (let f = 0; f < 16; f++) {
      const prog = [li(1, f), I('push', 1), I('popf'), I(id, 0, 0, 4), I('li.ri', 5, 0, 1)];
      const { r } = exec(prog);
      expect(r(5), `${id} with flags ${f}`).toBe(COND[id](f) ? 0 : 1);
    }
  };
}

const DATA = 0x3000;
function withData(g: ReturnType<typeof boot>) {
  for (let i = 0; i < 32; i++) g.u8[DATA + i] = 0x80 + i;
}

function loadSem(size: 1 | 2 | 4, long: boolean): Sem {
  return () => {
    const id = (size === 4 ? 'ld' : size === 2 ? 'ldh' : 'ldb') + (long ? '.rM' : '.rm');
    const expectAt = (g: ReturnType<typeof boot>, addr: number) => {
      let v = 0;
      for (let k = 0; k < size; k++) v |= g.u8[addr + k]! << (8 * k);
      return size === 4 ? v | 0 : v;
    };
    for (const off of [0, 1, 2, 3, 4, 7]) {
      const prog = [li(2, DATA - 8), I(id as InsnId, 1, 2, 8 + off)];
      const { g, r } = exec(prog, withData);
      finished(g, prog);
      expect(r(1), `${id} +${off}`).toBe(expectAt(g, DATA + off));
      expect(r(1)).toBeGreaterThanOrEqual(size === 4 ? -(2 ** 31) : 0); // zero-extended
    }
    if (long) {
      // absolute form: imm16 bit 0 set, no base register
      const prog = [li(2, 0x7777), { id: id as InsnId, a: 1, b: 2, imm: DATA + 4, imm16: 1 }];
      const { r, g } = exec(prog, withData);
      expect(r(1)).toBe(expectAt(g, DATA + 4));
    }
  };
}

function storeSem(size: 1 | 2 | 4, long: boolean): Sem {
  return () => {
    const id = (size === 4 ? 'st' : size === 2 ? 'sth' : 'stb') + (long ? '.Mr' : '.mr');
    for (const off of [0, 1, 3, 5]) {
      const prog = [li(1, 0x1122_3344), li(2, DATA + 16), I(id as InsnId, 1, 2, off - 16)];
      const { g } = exec(prog, withData);
      finished(g, prog);
      const bytes = Array.from(g.u8.subarray(DATA, DATA + 12));
      const want = Array.from({ length: 12 }, (_, i) => 0x80 + i);
      for (let k = 0; k < size; k++) want[off + k] = (0x1122_3344 >>> (8 * k)) & 0xff;
      expect(bytes, `${id} at +${off}`).toEqual(want);
    }
    if (long) {
      const prog = [li(1, 0x55), li(2, 0x7777), { id: id as InsnId, a: 1, b: 2, imm: DATA + 2, imm16: 1 }];
      const { g } = exec(prog, withData);
      expect(g.u8[DATA + 2]).toBe(0x55);
    }
  };
}

const SEMANTICS = {
  nop: () => {
    const prog = [li(1, 42), I('nop')];
    const { g, r } = exec(prog);
    finished(g, prog);
    expect(r(1)).toBe(42);
  },
  mov: () => {
    const { r } = exec([li(2, -9), I('mov', 1, 2)]);
    expect(r(1)).toBe(-9);
    expect(r(2)).toBe(-9);
  },
  'li.ri': () => {
    const { r } = exec([I('li.ri', 1, 0, -2), I('li.ri', 2, 0, 0x7fff)]);
    expect(r(1)).toBe(-2);
    expect(r(2)).toBe(0x7fff);
  },
  'li.rI': () => {
    const prog = [li(1, 0xdead_beef)];
    const { g, r } = exec(prog);
    finished(g, prog);
    expect(r(1) >>> 0).toBe(0xdead_beef);
  },
  'add.rr': alu('add', 'rr'),
  'sub.rr': alu('sub', 'rr'),
  'and.rr': alu('and', 'rr'),
  'or.rr': alu('or', 'rr'),
  'xor.rr': alu('xor', 'rr'),
  'shl.rr': alu('shl', 'rr'),
  'shr.rr': alu('shr', 'rr'),
  'sar.rr': alu('sar', 'rr'),
  'mul.rr': alu('mul', 'rr'),
  'div.rr': alu('div', 'rr'),
  'mod.rr': alu('mod', 'rr'),
  'add.ri': alu('add', 'ri'),
  'sub.ri': alu('sub', 'ri'),
  'and.ri': alu('and', 'ri'),
  'or.ri': alu('or', 'ri'),
  'xor.ri': alu('xor', 'ri'),
  'shl.ri': alu('shl', 'ri'),
  'shr.ri': alu('shr', 'ri'),
  'sar.ri': alu('sar', 'ri'),
  'mul.ri': alu('mul', 'ri'),
  'div.ri': alu('div', 'ri'),
  'mod.ri': alu('mod', 'ri'),
  'add.rI': alu('add', 'rI'),
  'sub.rI': alu('sub', 'rI'),
  'and.rI': alu('and', 'rI'),
  'or.rI': alu('or', 'rI'),
  'xor.rI': alu('xor', 'rI'),
  'shl.rI': alu('shl', 'rI'),
  'shr.rI': alu('shr', 'rI'),
  'sar.rI': alu('sar', 'rI'),
  'mul.rI': alu('mul', 'rI'),
  'div.rI': alu('div', 'rI'),
  'mod.rI': alu('mod', 'rI'),
  'cmp.rr': cmpSem('rr', false),
  'cmp.ri': cmpSem('ri', false),
  'cmp.rI': cmpSem('rI', false),
  'test.rr': cmpSem('rr', true),
  'test.ri': cmpSem('ri', true),
  'test.rI': cmpSem('rI', true),
  not: () => {
    const { r } = exec([li(1, 0x0f0f_0000), I('not', 1)]);
    expect(r(1)).toBe(~0x0f0f_0000);
  },
  neg: () => {
    const { r } = exec([li(1, 5), I('neg', 1), li(2, 0x8000_0000), I('neg', 2)]);
    expect(r(1)).toBe(-5);
    expect(r(2)).toBe(0x8000_0000 | 0);
  },
  'ld.rm': loadSem(4, false),
  'ld.rM': loadSem(4, true),
  'ldh.rm': loadSem(2, false),
  'ldh.rM': loadSem(2, true),
  'ldb.rm': loadSem(1, false),
  'ldb.rM': loadSem(1, true),
  'st.mr': storeSem(4, false),
  'st.Mr': storeSem(4, true),
  'sth.mr': storeSem(2, false),
  'sth.Mr': storeSem(2, true),
  'stb.mr': storeSem(1, false),
  'stb.Mr': storeSem(1, true),
  push: () => {
    const { g, r } = exec([li(1, 0xabc), I('push', 1), I('push', 15)]);
    expect(r(15)).toBe(STACK - 8);
    expect(g.peek(STACK - 4)).toBe(0xabc);
    expect(g.peek(STACK - 8)).toBe(STACK - 4); // push sp pushes its value before the push
  },
  pop: () => {
    const { r } = exec([li(1, 0xabc), I('push', 1), I('pop', 2), li(3, 0x5000), I('push', 3), I('pop', 15)]);
    expect(r(2)).toBe(0xabc);
    expect(r(15)).toBe(0x5000); // pop sp loads the popped word
  },
  jmp: () => {
    const prog = [I('jmp', 0, 0, 4), I('li.ri', 5, 0, 1), I('li.ri', 6, 0, 1)];
    const { g, r } = exec(prog);
    finished(g, prog);
    expect(r(5)).toBe(0);
    expect(r(6)).toBe(1);
  },
  jz: jcc('jz'),
  jnz: jcc('jnz'),
  jl: jcc('jl'),
  jle: jcc('jle'),
  jg: jcc('jg'),
  jge: jcc('jge'),
  jb: jcc('jb'),
  jae: jcc('jae'),
  ja: jcc('ja'),
  jbe: jcc('jbe'),
  call: () => {
    // 0x1000 call +8 → 0x100c; 0x1004 li r5; 0x1008 jmp to end; 0x100c li r6; ret
    const prog = [I('call', 0, 0, 8), I('li.ri', 5, 0, 1), I('jmp', 0, 0, 8), I('li.ri', 6, 0, 2), I('ret')];
    const { g, r } = exec(prog);
    finished(g, prog);
    expect(r(5)).toBe(1);
    expect(r(6)).toBe(2);
    expect(r(15)).toBe(STACK);
    expect(g.peek(STACK - 4)).toBe(CODE + 4);
  },
  'jmp.r': () => {
    const prog = [li(1, CODE + 16), I('jmp.r', 1), I('li.ri', 5, 0, 1), I('li.ri', 6, 0, 1)];
    const { r } = exec(prog);
    expect(r(5)).toBe(0);
    expect(r(6)).toBe(1);
  },
  'call.r': () => {
    // li.rI (8) ; call.r r1 ; jmp +4 ; li r6 ; (target) ret
    const prog = [li(1, CODE + 20), I('call.r', 1), I('jmp', 0, 0, 8), I('li.ri', 6, 0, 1), I('ret')];
    const { g, r } = exec(prog);
    finished(g, prog);
    expect(r(6)).toBe(0);
    expect(g.peek(STACK - 4)).toBe(CODE + 12);
  },
  ret: () => {
    const prog = [li(1, CODE + 20), I('push', 1), I('ret'), I('li.ri', 5, 0, 1), I('li.ri', 5, 0, 2), I('li.ri', 6, 0, 3)];
    const { r } = exec(prog);
    expect(r(5)).toBe(2);
    expect(r(15)).toBe(STACK);
  },
  int: () => {
    const { g } = exec([I('int', 0, 0, 0x80)]);
    expect(g.frame()).toMatchObject({ vector: 0x80, error: 0, pc: CODE + 4 });
    const bad = exec([I('int', 0, 0, 47)]);
    expect(bad.g.frame()).toMatchObject({ vector: VEC.GP, pc: CODE });
  },
  brk: () => {
    const { g } = exec([I('brk')]);
    expect(g.frame()).toMatchObject({ vector: VEC.BP, error: 0, pc: CODE + 4 });
  },
  hcall: () => {
    const { g } = exec([I('hcall')]);
    expect(g.frame()).toMatchObject({ vector: VEC.UD, pc: CODE });
  },
  iret: () => {
    // frame at 0x6000: pc = after iret + 4 (skips one li), flags = IF | Z, sp = 0x7000
    const target = CODE + 16;
    const prog = [li(15, 0x6000), I('iret'), I('li.ri', 5, 0, 1), I('li.ri', 6, 0, 1)];
    const { g, r } = exec(prog, (g) => g.poke(0x6000, [0, 0, target, FLAGS.IF | FLAGS.Z, 0x7000]));
    expect(r(5)).toBe(0);
    expect(r(6)).toBe(1);
    expect(r(15)).toBe(0x7000);
    expect(g.cpu.flags & (FLAGS.IF | FLAGS.Z)).toBe(FLAGS.IF | FLAGS.Z);
    expect(g.cpu.cpl).toBe(0);
  },
  cli: () => {
    const { g } = exec([I('sti'), I('cli')]);
    expect(g.cpu.flags & FLAGS.IF).toBe(0);
  },
  sti: () => {
    const { g } = exec([I('sti')]);
    expect(g.cpu.flags & FLAGS.IF).toBe(FLAGS.IF);
  },
  hlt: () => {
    const g = boot([]);
    expect(g.cpu.run(100)).toBe('halt');
    expect(g.cpu.halted).toBe(true);
    expect(g.cpu.pc).toBe(CODE + 4);
    expect(g.cpu.stats.instructions).toBe(1);
    expect(g.cpu.run(100)).toBe('halt'); // stays halted with IF = 0 and nothing pending
    expect(g.cpu.stats.instructions).toBe(1);
  },
  in: () => {
    const g = boot([I('in', 3, 0, 0x3f9), I('in', 4, 0, 0x999)]);
    g.bus.ports.set(0x3f9, 2);
    expect(g.cpu.run(100)).toBe('io');
    expect(g.cpu.r[3]).toBe(2);
    expect(g.cpu.pc).toBe(CODE + 4);
    expect(g.go()).toBe('halt');
    expect(g.cpu.r[4]).toBe(-1);
  },
  out: () => {
    const g = boot([li(1, 0x41), I('out', 1, 0, 0x3f8)]);
    expect(g.cpu.run(100)).toBe('io');
    expect(g.bus.writes).toEqual([[0x3f8, 0x41]]);
  },
  'mov.rc': () => {
    const { r } = exec([I('mov.rc', 1, 4)], (g) => (g.cpu.cr4 = 0x1234));
    expect(r(1)).toBe(0x1234);
    const bad = exec([I('mov.rc', 1, 5)]);
    expect(bad.g.frame()?.vector).toBe(VEC.UD);
  },
  'mov.cr': () => {
    const { g } = exec([li(1, 0x5000), I('mov.cr', 1, 4), li(2, 0x3f), I('mov.cr', 2, 8), I('mov.cr', 1, 2)]);
    expect(g.cpu.cr4).toBe(0x5000);
    expect(g.cpu.cr8).toBe(15);
    expect(g.cpu.cr2).toBe(0x5000);
    const bad = exec([I('mov.cr', 1, 1)]);
    expect(bad.g.frame()?.vector).toBe(VEC.UD);
  },
  lidt: () => {
    const { g } = exec([li(1, 0x2000), I('lidt', 1)]);
    expect(g.cpu.ivtb).toBe(0x2000);
  },
  invlpg: () => {
    const prog = [li(1, 0x3000), I('invlpg', 1)];
    const { g } = exec(prog);
    finished(g, prog);
    expect(g.cpu.stats.invlpgs).toBe(1);
  },
  pushf: () => {
    const { g, r } = exec([I('sti'), li(1, 1), li(2, 1), I('cmp.rr', 1, 2), I('pushf')]);
    expect(g.peek(r(15))).toBe(FLAGS.IF | FLAGS.Z);
  },
  popf: () => {
    const { g } = exec([li(1, FLAGS.IF | FLAGS.C | FLAGS.O | FLAGS.CPL_MASK), I('push', 1), I('popf')]);
    expect(g.cpu.flags).toBe(FLAGS.IF | FLAGS.C | FLAGS.O);
    expect(g.cpu.cpl).toBe(0); // popf ignores the CPL bits
  },
  rdcpl: () => {
    const { r } = exec([li(1, 7), I('rdcpl', 1)]);
    expect(r(1)).toBe(0);
  },
  sidt: () => {
    const { r } = exec([I('sidt', 1)]);
    expect(r(1)).toBe(IVT);
  },
  // the window class: #UD for a guest, its effect only in translated code
  ...WINDOW_SEMANTICS,
} satisfies Record<InsnId, Sem>;

describe('every instruction of the ISA table', () => {
  for (const e of ISA) it(`${e.id}: ${e.summary}`, SEMANTICS[e.id]);
});

describe('layout of the test rig', () => {
  it('traps land in the stub with a frame', () => {
    const { g } = exec([I('brk')]);
    expect(g.cpu.pc).toBe(STUB + 4);
    expect(KSTACK).toBeGreaterThan(STACK);
  });
});
