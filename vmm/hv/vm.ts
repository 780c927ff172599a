// A virtual machine: its slice of host memory, its virtual devices, its virtual CPU and what was counted for it.

import type { Image } from '../../assembler/types.js';
import { EXIT_CODE, guestExitCode, VECTOR_COUNT } from '../../isa/abi.js';
import type { CpuState } from '../machine/cpu-state.js';
import type { RunStatus } from '../run-result.js';
import type { Platform } from '../platform.js';
import type { CpuCounts } from '../stats.js';
import { lineFor, type CrashReport } from './crash.js';
import { PhaseLog } from '../phases.js';
import { createCounters, exitsTotal, type VirtCounters } from './counters.js';
import type { VmExit } from './exits.js';
import type { GuestPhys } from './memory/guest-phys.js';
import type { DeviceMode } from './types.js';
import { HANDLERS, type HandlerTable } from './privileged.js';
import { createVirtualCpu, type VirtualCpu } from './vcpu.js';

/** A sensitive instruction that did the wrong thing without trapping: what a real VMM never sees. */
export interface Divergence {
  readonly pc: number;
  readonly insn: string;
  /** Source position from the image's line table, e.g. "guest-kernels/mini/sched.s:42", if known. */
  readonly where: string | null;
  readonly message: string;
  /** How many times this instruction misbehaved. */
  count: number;
}

/** CPU counters attributed to this VM (the physical CPU is shared, so they are summed per time slice). */
export interface VmCpuCounts extends CpuCounts {
  nestedWalkRefs: number;
}

export function createCpuCounts(): VmCpuCounts {
  return {
    instructions: 0,
    privilegedExecuted: 0,
    tlbHits: 0,
    tlbMisses: 0,
    pageWalkRefs: 0,
    nestedWalkRefs: 0,
    interrupts: 0,
    trapsByVector: new Uint32Array(VECTOR_COUNT),
  };
}

export class Vm {
  status: 'running' | RunStatus = 'running';
  crash: CrashReport | undefined;
  /** Instructions the guest completed: run by the CPU, or emulated for it by the VMM. */
  guestInstructions = 0;
  /** Time fast-forwarded while the guest sat in `hlt`. */
  idleInstructions = 0;
  readonly counters: VirtCounters = createCounters();
  readonly cpu: VmCpuCounts = createCpuCounts();
  readonly v: VirtualCpu = createVirtualCpu();
  /** The physical CPU's registers for this VM while another VM runs. */
  state: CpuState | null = null;
  /** At most VM_LIMITS.DIVERGENCES distinct ones; `divergencesDropped` counts those past it. */
  readonly divergences: Divergence[] = [];
  divergencesDropped = 0;
  /** Wall time spent running this VM. */
  wallMs = 0;
  /** Watches every exit as it is handled (`--trace exits`). */
  onExit: ((exit: VmExit) => void) | null = null;
  /** How the VM reaches its devices (set by the hypervisor when it wires them). */
  devices: DeviceMode = 'emulated';
  /** Exits counted at each phase mark the guest printed. */
  readonly phaseLog = new PhaseLog();
  /** What the VMM runs for each privileged or sensitive instruction it emulates for this VM. */
  handlers: HandlerTable = HANDLERS;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly image: Image,
    readonly guest: GuestPhys,
    readonly platform: Platform,
  ) {
    platform.onPhase = (phase) => this.phaseLog.mark(phase, exitsTotal(this.counters));
  }

  get running(): boolean {
    return this.status === 'running';
  }

  /** The guest completed `n` more instructions: time moves on for its devices. */
  retire(n: number): void {
    if (n <= 0) return;
    this.guestInstructions += n;
    this.platform.timer.advance(n);
  }

  stop(status: RunStatus, crash?: CrashReport): void {
    if (this.status !== 'running') return;
    this.status = status;
    if (crash) this.crash = crash;
  }

  get exitCode(): number {
    switch (this.status) {
      case 'poweroff':
        return guestExitCode(this.platform.poweroff.state.status);
      case 'limit':
        return EXIT_CODE.LIMIT;
      case 'crash':
        return EXIT_CODE.CRASH;
      default:
        return EXIT_CODE.OK;
    }
  }

  /**
   * The VM's own state as plain data: how it stands, what was counted for it, its virtual CPU, the CPU
   * registers saved at its last world switch, its divergences and phase marks. RAM, the platform and the
   * technique's state are saved beside it; wiring (handlers, watchers) is rebuilt by whoever builds the VM.
   */
  save(): VmState {
    if (!this.state) throw new Error(`${this.name} has not been switched out: nothing to save`);
    return {
      status: this.status,
      ...(this.crash ? { crash: JSON.parse(JSON.stringify(this.crash)) as CrashReport } : {}),
      guestInstructions: this.guestInstructions,
      idleInstructions: this.idleInstructions,
      counters: JSON.parse(JSON.stringify(this.counters)) as VirtCounters,
      cpu: { ...this.cpu, trapsByVector: Array.from(this.cpu.trapsByVector) },
      v: { ...this.v },
      state: { ...this.state, r: [...this.state.r] },
      divergences: this.divergences.map((d) => ({ ...d })),
      phases: this.phaseLog.save(),
      wallMs: this.wallMs,
    };
  }

  restore(s: VmState): void {
    this.status = s.status;
    this.crash = s.crash;
    this.guestInstructions = s.guestInstructions;
    this.idleInstructions = s.idleInstructions;
    Object.assign(this.counters, JSON.parse(JSON.stringify(s.counters)) as VirtCounters);
    Object.assign(this.cpu, { ...s.cpu, trapsByVector: Uint32Array.from(s.cpu.trapsByVector) });
    Object.assign(this.v, s.v);
    this.state = { ...s.state, r: [...s.state.r] };
    this.divergences.splice(0, this.divergences.length, ...s.divergences.map((d) => ({ ...d })));
    this.phaseLog.restore(s.phases);
    this.wallMs = s.wallMs;
  }

  /** "file:line" of a guest address, from the image's line table. */
  sourceOf(pc: number): string | null {
    const l = lineFor(this.image.lines, pc);
    return l ? `${l.file}:${l.line}` : null;
  }
}

/** A VM's saved state (Vm.save). */
export interface VmState {
  status: 'running' | RunStatus;
  crash?: CrashReport;
  guestInstructions: number;
  idleInstructions: number;
  counters: VirtCounters;
  cpu: Omit<VmCpuCounts, 'trapsByVector'> & { trapsByVector: number[] };
  v: VirtualCpu;
  state: CpuState;
  divergences: Divergence[];
  phases: { name: string; exits: number }[];
  wallMs: number;
}
