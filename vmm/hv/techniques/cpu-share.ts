// Sharing one CPU between VMs: load a VM's registers on a world switch, save them back, credit the
// CPU's event counters to the VM that was running, and report a crash as the guest saw its CPU.

import { FLAGS } from '../../../isa/abi.js';
import type { Cpu } from '../../machine/cpu.js';
import type { CpuState } from '../../machine/cpu-state.js';
import { buildCrashReport, cpuRegisters, type CrashRegisters, type CrashReport } from '../crash.js';
import type { EmulationContext } from '../privileged.js';
import type { Vm } from '../vm.js';

/** The guest-visible CPU of a technique whose guest does not own the real one: its emulation context. */
export type GuestCpuView = Pick<EmulationContext, 'regs' | 'pc' | 'arith' | 'cpl' | 'v'>;

/**
 * The registers as the guest would see them on bare metal: its virtual IF, its own ring, its control
 * registers and vector-table base (never the VMM's shadow root, the real ring 1 or the real IF).
 */
export function guestRegisters(g: GuestCpuView): CrashRegisters {
  const v = g.v;
  return {
    r: Array.from(g.regs, (x) => x >>> 0),
    pc: g.pc >>> 0,
    flags: (g.arith & FLAGS.ARITH) | (v.vif ? FLAGS.IF : 0),
    cpl: g.cpl,
    cr0: v.cr0 >>> 0,
    cr2: v.cr2 >>> 0,
    cr3: v.cr3 >>> 0,
    cr4: v.cr4 >>> 0,
    cr8: v.cr8,
    ivtb: v.ivtb >>> 0,
  };
}

type Scalars = 'instructions' | 'privilegedExecuted' | 'tlbHits' | 'tlbMisses' | 'pageWalkRefs' | 'nestedWalkRefs' | 'interrupts';
const SCALARS: readonly Scalars[] = [
  'instructions',
  'privilegedExecuted',
  'tlbHits',
  'tlbMisses',
  'pageWalkRefs',
  'nestedWalkRefs',
  'interrupts',
];

/** Which share last loaded registers onto each CPU: a world switch to another VM in between means a TLB flush. */
const loadedBy = new WeakMap<Cpu, CpuShare>();

export class CpuShare {
  private mark: Record<Scalars, number> | null = null;
  private vectors: Uint32Array | null = null;
  /** The registers this share saved last; loading them again, untouched, resumes rather than switches. */
  private saved: CpuState | null = null;

  constructor(
    private readonly cpu: Cpu,
    private readonly vm: Vm,
  ) {}

  /** World switch in: this VM's registers onto the CPU, and start counting for it. */
  load(): void {
    const state = this.vm.state;
    if (state) this.cpu.load(state, state === this.saved && loadedBy.get(this.cpu) === this);
    loadedBy.set(this.cpu, this);
    const s = this.cpu.stats;
    this.mark = Object.fromEntries(SCALARS.map((k) => [k, s[k]])) as Record<Scalars, number>;
    this.vectors = s.trapsByVector.slice();
  }

  /** World switch out: save the registers and credit what the CPU counted meanwhile. */
  save(): void {
    const vm = this.vm;
    vm.state = this.saved = this.cpu.save();
    this.credit();
  }

  /** Credit the counts since the last mark (also used for a final report while loaded). */
  credit(): void {
    const s = this.cpu.stats;
    if (this.mark) for (const k of SCALARS) this.vm.cpu[k] += s[k] - this.mark[k];
    if (this.vectors) for (let i = 0; i < s.trapsByVector.length; i++) this.vm.cpu.trapsByVector[i]! += s.trapsByVector[i]! - this.vectors[i]!;
    this.mark = null;
    this.vectors = null;
  }

  /**
   * `read32` reads guest-virtual memory the way the guest's kernel would (throwing if it cannot).
   * `guest`: where the guest's CPU is, if not the real one (the registers and cr2 shown are its).
   */
  crashReport(
    reason: string,
    pc: number,
    read32: (va: number) => number,
    vector?: number,
    error?: number,
    guest?: GuestCpuView,
  ): CrashReport {
    const registers = guest ? guestRegisters(guest) : cpuRegisters(this.cpu);
    let words: [number, number] | null = null;
    try {
      words = [read32(pc), read32((pc + 4) >>> 0)];
    } catch {
      words = null;
    }
    return buildCrashReport({
      reason,
      pc,
      words,
      fault: vector === undefined ? null : { vector, error: error ?? 0, cr2: registers.cr2 },
      registers,
      image: this.vm.image,
    });
  }
}
