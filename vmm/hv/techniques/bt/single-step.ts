// The VMM's interpreter for one guest instruction: the fallback for an instruction that writes a page of
// translated code and that the translator's callouts do not perform (a call or pushf with the stack on a
// code page, a store straddling two pages). Running it from a fresh translation would write-protect the
// page again and fault forever; interpreting it once, as the bare machine would run it, cannot.

import { FLAGS } from '../../../../isa/abi.js';
import { Cpu } from '../../../machine/cpu.js';
import type { IoBus } from '../../../machine/io.js';
import type { VirtualCpu } from '../../vcpu.js';

/** No interrupt is ever pending here: the runner delivers them between instructions. */
const QUIET = { pendingVector: () => -1, acknowledge: () => {} };

export type StepOutcome = { readonly ok: true } | { readonly ok: false; readonly vector: number; readonly error: number; readonly cr2: number };

export class SingleStepper {
  private cpu: Cpu | null = null;

  constructor(
    private readonly ram: Uint8Array,
    private readonly bus: IoBus,
  ) {}

  /**
   * Run the guest kernel's instruction at `pc` against registers `r`, condition bits `arith` and the
   * virtual CPU `v`, straight on guest memory through the guest's own page tables. On success `r`
   * and the returned pc/arith are the new state; on a fault nothing changed and the fault is returned.
   */
  step(r: Int32Array, pc: number, arith: number, v: VirtualCpu): StepOutcome & { pc: number; arith: number } {
    const cpu = (this.cpu ??= new Cpu(this.ram, this.bus, QUIET));
    cpu.load({
      r: Array.from(r),
      pc,
      flags: (arith & FLAGS.ARITH) | (v.vif ? FLAGS.IF : 0),
      cpl: 0,
      cr0: v.cr0,
      cr2: v.cr2,
      cr3: v.cr3,
      cr4: v.cr4,
      cr8: v.cr8,
      ivtb: v.ivtb,
      halted: false,
    });
    cpu.interceptTraps = true;
    const stop = cpu.run(1);
    if (stop === 'trap') return { ok: false, vector: cpu.trapVector, error: cpu.trapError, cr2: cpu.cr2 >>> 0, pc, arith };
    r.set(cpu.r);
    return { ok: true, pc: cpu.pc >>> 0, arith: cpu.flags & FLAGS.ARITH };
  }
}
