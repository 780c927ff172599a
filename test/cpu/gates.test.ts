// Direct gates (docs/vx32.md): a system call from ring 3 enters the ring-1 handler, and the return gate goes back, without stopping the CPU.
import { describe, expect, it } from 'vitest';
import { FLAGS, VEC } from '../../isa/abi.js';
import { I, rig } from './harness.js';

const USER = 0x2000;
const HANDLER = 0x3000;
const USTACK = 0x8000;
const KSTACK = 0x9000;

function setup(handler: Parameters<ReturnType<typeof rig>['load']>[1]) {
  const g = rig();
  g.load(USER, [I('add.ri', 1, 0, 7), I('int', 0, 0, 0x80), I('add.ri', 1, 0, 1), I('brk')]);
  g.load(HANDLER, handler);
  const cpu = g.cpu;
  cpu.interceptTraps = true;
  cpu.gates = new Uint32Array(256);
  cpu.gates[0x80] = HANDLER;
  cpu.gateCpl = 1;
  cpu.returnGate = 0x81;
  cpu.pc = USER;
  cpu.cpl = 3;
  cpu.r[15] = USTACK;
  cpu.cr4 = KSTACK;
  cpu.flags = FLAGS.IF;
  return g;
}

describe('direct gates', () => {
  it('int 0x80 from ring 3 runs the ring-1 handler and the return gate comes back, with no stop', () => {
    const g = setup([I('add.ri', 1, 0, 100), I('int', 0, 0, 0x81)]);
    expect(g.cpu.run(100)).toBe('trap'); // only the brk at the end reaches the host
    expect(g.cpu.trapVector).toBe(VEC.BP);
    expect(g.cpu.r[1]).toBe(108);
    expect(g.cpu.cpl).toBe(3);
    expect(g.cpu.r[15]).toBe(USTACK);
    expect(g.cpu.flags & FLAGS.IF).toBe(FLAGS.IF);
    // The frame the entry gate pushed on the kernel stack, as the vector table's delivery would.
    const f = KSTACK - 20;
    expect([g.peek(f), g.peek(f + 4), g.peek(f + 8), g.peek(f + 12) & FLAGS.CPL_MASK, g.peek(f + 16)]).toEqual([
      0x80,
      0,
      USER + 8,
      3 << FLAGS.CPL_SHIFT,
      USTACK,
    ]);
    expect(g.cpu.stats.trapsByVector[0x80]).toBe(1);
    expect(g.cpu.stats.privilegedExecuted).toBe(0);
  });

  it('refuses a return to a ring other than 3: the host sees the int', () => {
    // Make the frame's saved FLAGS say CPL 1 before returning.
    const g = setup([I('add.ri', 1, 0, 100), I('li.ri', 2, 0, 1 << FLAGS.CPL_SHIFT), I('st.mr', 2, 15, 12), I('int', 0, 0, 0x81)]);
    expect(g.cpu.run(100)).toBe('trap');
    expect(g.cpu.trapVector).toBe(0x81);
    expect(g.cpu.cpl).toBe(1);
  });

  it('a software interrupt without a gate, or from ring 1, still goes to the host', () => {
    const g = setup([I('int', 0, 0, 0x80)]);
    g.cpu.gates![0x80] = 0;
    expect(g.cpu.run(100)).toBe('trap');
    expect([g.cpu.trapVector, g.cpu.cpl]).toEqual([0x80, 3]);
    const k = setup([I('int', 0, 0, 0x80)]);
    k.cpu.pc = HANDLER;
    k.cpu.cpl = 1;
    expect(k.cpu.run(100)).toBe('trap');
    expect([k.cpu.trapVector, k.cpu.cpl]).toEqual([0x80, 1]);
  });
});
