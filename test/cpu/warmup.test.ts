// The JIT warm-up program runs to its hlt without faulting (a fault would leave opcodes without feedback).

import { describe, expect, it } from 'vitest';
import { VEC } from '../../isa/abi.js';
import { Cpu } from '../../vmm/machine/cpu.js';
import { WARMUP_BUS, WARMUP_PIC, WARMUP_RAM, warmUp } from '../../vmm/machine/cpu-warmup.js';

describe('CPU warm-up', () => {
  it('executes every iteration and ends halted, taking only its int and brk traps', () => {
    const mem = new ArrayBuffer(WARMUP_RAM);
    const cpu = new Cpu(mem, WARMUP_BUS, WARMUP_PIC);
    warmUp(cpu, mem);
    expect(cpu.halted).toBe(true);
    expect(cpu.stats.trapsByVector[0x80]).toBe(200);
    expect(cpu.stats.trapsByVector[VEC.BP]).toBe(200);
    const faults = [VEC.DE, VEC.UD, VEC.GP, VEC.PF, VEC.DF].map((v) => cpu.stats.trapsByVector[v]);
    expect(faults).toEqual([0, 0, 0, 0, 0]);
    expect(cpu.stats.instructions).toBeGreaterThan(30_000);
  });
});
