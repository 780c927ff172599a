// Sharing one CPU between VMs: load a VM's registers on a world switch, save them back, and credit the
// CPU's event counters to the VM that was running.

import type { Cpu } from '../../machine/cpu.js';
import { buildCrashReport, cpuRegisters, type CrashReport } from '../crash.js';
import type { Vm } from '../vm.js';

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

export class CpuShare {
  private mark: Record<Scalars, number> | null = null;
  private vectors: Uint32Array | null = null;

  constructor(
    private readonly cpu: Cpu,
    private readonly vm: Vm,
  ) {}

  /** World switch in: this VM's registers onto the CPU, and start counting for it. */
  load(): void {
    if (this.vm.state) this.cpu.load(this.vm.state);
    const s = this.cpu.stats;
    this.mark = Object.fromEntries(SCALARS.map((k) => [k, s[k]])) as Record<Scalars, number>;
    this.vectors = s.trapsByVector.slice();
  }

  /** World switch out: save the registers and credit what the CPU counted meanwhile. */
  save(): void {
    const vm = this.vm;
    vm.state = this.cpu.save();
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

  /** `read32` reads guest-virtual memory the way the guest's kernel would (throwing if it cannot). */
  crashReport(
    reason: string,
    pc: number,
    read32: (va: number) => number,
    vector?: number,
    error?: number,
    /** The fault address the guest sees (default: the virtual CPU's). */
    cr2: number = this.vm.v.cr2,
  ): CrashReport {
    const cpu = this.cpu;
    const v = this.vm.v;
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
      fault: vector === undefined ? null : { vector, error: error ?? 0, cr2: cr2 >>> 0 },
      registers: cpuRegisters(cpu),
      image: this.vm.image,
    });
  }
}
