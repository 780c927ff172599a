// Saving and loading CPU state (VM switches, snapshots), reset, and running over a view of a larger buffer.

import { describe, expect, it } from 'vitest';
import { FLAGS, PTE } from '../../isa/abi.js';
import { Cpu } from '../../vmm/machine/cpu.js';
import { assemble, CODE, FakeBus, FakePic, I, identityPaging, rig, type Insn } from './harness.js';

const li = (reg: number, v: number): Insn => I('li.rI', reg, 0, v | 0);

// A loop that mixes arithmetic, memory, calls and flags: r1 counts down, r3 accumulates.
const PROG: Insn[] = [
  li(1, 300),
  li(2, 0x5_0000),
  I('ld.rm', 4, 2, 0), // loop (CODE + 16)
  I('add.rr', 3, 1),
  I('xor.rr', 3, 4),
  I('st.mr', 3, 2, 0),
  I('call', 0, 0, 16), // → f
  I('sub.ri', 1, 0, 1),
  I('cmp.ri', 1, 0, 0),
  I('jnz', 0, 0, -32),
  I('hlt'),
  I('shl.ri', 3, 0, 1), // f
  I('ret'),
];

function fresh() {
  const g = rig();
  g.load(CODE, PROG);
  identityPaging(g, 1 << 20, PTE.P | PTE.W);
  return g;
}

describe('CPU state', () => {
  it('save/load between two CPUs continues the run exactly (lazy flags, TLB and fetch cache rebuilt)', () => {
    const ref = fresh();
    expect(ref.cpu.run(100_000)).toBe('halt');
    expect(ref.cpu.stats.instructions).toBe(2 + 300 * 10 + 1);

    const a = fresh();
    expect(a.cpu.run(1001)).toBe('budget');
    const state = a.cpu.save();
    expect(JSON.parse(JSON.stringify(state))).toEqual(state); // plain data
    const b = rig();
    b.u8.set(a.u8);
    b.cpu.load(state);
    expect(b.cpu.run(100_000)).toBe('halt');
    expect(b.cpu.save()).toEqual(ref.cpu.save());
    expect(b.peek(0x5_0000)).toBe(ref.peek(0x5_0000));
    expect(a.cpu.stats.instructions + b.cpu.stats.instructions).toBe(ref.cpu.stats.instructions);
  });

  it('flags survive save/load in the middle of a cmp/branch pair', () => {
    const g = rig();
    g.load(CODE, [li(1, -1), I('cmp.ri', 1, 0, 1), I('jl', 0, 0, 4), I('li.ri', 5, 0, 1), I('hlt')]);
    g.cpu.run(2);
    const s = g.cpu.save();
    expect(s.flags & FLAGS.ARITH).toBe(FLAGS.S);
    const h = rig();
    h.u8.set(g.u8);
    h.cpu.load(s);
    h.cpu.run(100);
    expect(h.cpu.r[5]).toBe(0);
  });

  it('reset restores the documented reset state', () => {
    const g = fresh();
    g.cpu.run(50);
    g.cpu.reset(0x2000, 0x1_0000);
    expect(g.cpu.save()).toEqual({
      r: [...new Array(15).fill(0), 0x1_0000],
      pc: 0x2000,
      flags: 0,
      cpl: 0,
      cr0: 0,
      cr2: 0,
      cr3: 0,
      cr4: 0,
      cr8: 0,
      ivtb: 0,
      halted: false,
    });
  });

  it('runs over a 4-byte-aligned view of a larger buffer as its physical memory', () => {
    const host = new Uint8Array(3 << 16);
    const view = host.subarray(1 << 16, 2 << 16);
    const cpu = new Cpu(view, new FakeBus(), new FakePic());
    const words = assemble([li(1, 0x77), li(2, 0x100), I('st.mr', 1, 2, 0), I('hlt')]);
    new DataView(view.buffer, view.byteOffset).setUint32(0, 0, true);
    words.forEach((w, i) => new DataView(view.buffer, view.byteOffset).setUint32(0x1000 + 4 * i, w >>> 0, true));
    cpu.reset(0x1000, 0x8000);
    expect(cpu.run(100)).toBe('halt');
    expect(host[(1 << 16) + 0x100]).toBe(0x77);
    expect(host[0x100]).toBe(0);
  });

  it('rejects memory that is not whole pages', () => {
    expect(() => new Cpu(new ArrayBuffer(5000), new FakeBus(), new FakePic())).toThrow(/multiple of 4096/);
  });
});
