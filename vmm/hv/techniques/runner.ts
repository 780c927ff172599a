// The one run loop, for bare metal and every VMM technique: deliver the guest's interrupts, slice execution
// at its timer's expiries, idle through `hlt`, and stop the VM on power-off. Techniques fill in how the
// guest runs.

import { FLAGS } from '../../../isa/abi.js';
import type { Cpu } from '../../machine/cpu.js';
import { deprivilegedRegisters, type GuestRegisters } from '../guest-state.js';
import { ConfigError } from '../config-error.js';
import type { DirtyLog } from '../dirty-log.js';
import type { MemoryMode } from '../types.js';
import type { Vm } from '../vm.js';

/** Shadow paging's counts for one VM (zero where the memory mode keeps no shadow). */
export interface MemoryCounts {
  shadowFaults: number;
  shadowSyncs: number;
  shadowFlushes: number;
}

/**
 * Steps in a row that may complete no guest instruction before the VM is declared stuck. Each such step
 * is an exit or a fault the VMM handled without the guest getting anywhere (a shadow fill, a reflected
 * fault whose handler faults at once). A healthy guest needs a handful; a fault storm that the bare
 * machine would end with a triple fault once its stack runs out takes at most MAX_RAM / FRAME.SIZE
 * deliveries (3.4 million), so the limit sits above that and only stops a loop that would never end.
 */
export const MAX_STALLED_STEPS = 4_000_000;

export abstract class Runner {
  abstract readonly technique: string;
  abstract readonly memory: MemoryMode | null;

  constructor(readonly vm: Vm) {}

  /** Put the VM in its reset state: pc at the entry, kernel privilege, paging off, IF = 0. */
  abstract boot(): void;
  /** Make this VM's state current on the CPU it runs on (a world switch), and save it back. */
  abstract switchIn(): void;
  abstract switchOut(): void;
  /** The guest's interrupt flag and task priority, wherever the technique keeps them. */
  protected abstract guestIf(): boolean;
  protected abstract guestCr8(): number;
  /** Deliver the highest-priority pending interrupt now (the guest's IF is 1). */
  protected abstract injectInterrupt(vector: number): void;
  /** An interrupt is pending but the guest's IF is 0. */
  protected blockedInterrupt(): void {}
  /**
   * Whether an interrupt waits only on the guest's task priority (cr8) now. A technique whose guest can
   * lower cr8 without the VMM seeing it must make that write visible while one waits, so the interrupt is
   * taken right after it, as the bare CPU takes it.
   */
  protected priorityBlocked(_waiting: boolean): void {}
  /** False while an earlier event still waits to be delivered (hardware injection takes one at a time). */
  protected canInject(): boolean {
    return true;
  }
  /** The CPU takes interrupts from the VM's controller itself (the VMM's interpreter does). */
  protected readonly cpuDeliversInterrupts: boolean = false;
  /** Set by a technique to end this VM's turn early (a paravirtual sched_yield); run() clears it. */
  protected yielded = false;
  /** Run at most `slice` guest instructions and handle whatever stopped the CPU. */
  protected abstract step(slice: number): void;

  /** External interrupts this VM's guest has taken (RunStats.interrupts): the ones the loop injected, and the CPU's own. */
  interruptsDelivered(): number {
    return this.vm.counters.interruptsInjected + this.vm.cpu.interrupts;
  }

  /** Guest instructions completed so far, up to this moment (between steps, or inside one). */
  guestClock(): number {
    return this.vm.guestInstructions;
  }

  /** The CPU the guest runs on, for reports. */
  abstract readonly cpu: Cpu;
  /** Stop the VM with status `crash` and a report. */
  abstract crash(reason: string, pc: number, vector?: number, error?: number): void;

  /** The registers the guest believes it has (as of its last world switch). By default a kernel run deprivileged. */
  guestRegisters(): GuestRegisters {
    return deprivilegedRegisters(this.vm);
  }

  /** Counters the technique keeps of its own (a run's `techniqueCounts`). */
  techniqueCounts(): Record<string, number> {
    return {};
  }

  /** What the memory mode counted. */
  memoryCounts(): MemoryCounts {
    return { shadowFaults: 0, shadowSyncs: 0, shadowFlushes: 0 };
  }

  /**
   * Correct the CPU's deliveries per vector for traps the VMM took as requests rather than delivered
   * (a paravirtual guest's hypercalls reach the VMM as #UD), given this VM's counters.
   */
  adjustDeliveries(delivered: Uint32Array): void {
    void delivered;
  }

  /**
   * The technique's own guest-visible state, as plain data, taken while the VM is switched out (a
   * snapshot). Derived state (shadow tables, code caches, second-stage tables, TLBs) is never in it.
   */
  saveState(): unknown {
    throw new ConfigError(`${this.technique} keeps state of its own that it cannot save yet`);
  }

  /**
   * Put back what saveState() returned, after the VM's own state and RAM are back, and rebuild every
   * derived structure from them (a fresh shadow for the guest's cr3, an empty code cache, ...).
   */
  restoreState(saved: unknown): void {
    void saved;
  }

  /**
   * The log of which guest pages are written, by the guest or by the VMM for it, that pre-copy
   * migration reads between rounds; null where the technique keeps none (only stop-and-copy then).
   */
  dirtyLog(): DirtyLog | null {
    return null;
  }

  /** The technique's state as text, where the user asked for it (bt's `--dump-cache`), else null. */
  dump(): string | null {
    return null;
  }

  /** Run for at most `budget` guest instructions (idle time included). Returns what was used. */
  run(budget: number): number {
    const vm = this.vm;
    const p = vm.platform;
    const start = vm.guestInstructions + vm.idleInstructions;
    const used = () => vm.guestInstructions + vm.idleInstructions - start;
    let stalled = 0;
    while (vm.running && used() < budget) {
      if (p.poweroff.state.requested) {
        vm.stop('poweroff');
        break;
      }
      const cr8 = this.guestCr8();
      const vector = this.cpuDeliversInterrupts || !this.canInject() ? -1 : p.pic.pendingVector(cr8);
      if (!this.cpuDeliversInterrupts) this.priorityBlocked(vector < 0 && cr8 > 0 && p.pic.pendingVector(0) >= 0);
      if (vector >= 0) {
        if (this.guestIf()) {
          p.pic.acknowledge(vector);
          vm.v.halted = false;
          vm.counters.interruptsInjected++;
          this.injectInterrupt(vector);
          if (!vm.running) break;
        } else this.blockedInterrupt();
      }
      if (vm.v.halted) {
        if (!this.wake(budget - used())) vm.stop('halted');
        // The interpreter delivers the interrupt itself when it next runs.
        else if (this.cpuDeliversInterrupts) vm.v.halted = false;
        continue;
      }
      const before = used();
      this.step(Math.max(1, Math.min(budget - used(), p.timer.untilNext())));
      if (this.yielded) {
        this.yielded = false;
        break;
      }
      if (used() !== before) stalled = 0;
      else if (++stalled >= MAX_STALLED_STEPS && vm.running) {
        this.crash(
          `the VM is stuck: ${MAX_STALLED_STEPS} exits or faults in a row completed no guest instruction`,
          this.cpu.pc >>> 0,
        );
        break;
      }
    }
    if (vm.running && p.poweroff.state.requested) vm.stop('poweroff');
    return used();
  }

  /**
   * The guest sits in `hlt`. True if something will wake it: an interrupt deliverable now, or the
   * timer's next expiry (time is fast-forwarded to it and counted as idle). Idles at most `left`
   * instructions' worth of time, the rest of the budget: a run stopped there (its limit, a snapshot)
   * resumes halted with the rest of the wait still to go.
   */
  private wake(left: number): boolean {
    const vm = this.vm;
    const p = vm.platform;
    if (!this.guestIf()) return false;
    if (p.pic.pendingVector(this.guestCr8()) >= 0) return true;
    const wait = p.timer.untilNext();
    if (wait === Infinity) return false;
    if (wait > left) {
      p.timer.advance(left);
      vm.idleInstructions += left;
      return true;
    }
    p.timer.advance(wait);
    vm.idleInstructions += wait;
    // An expiry the controller would not deliver (masked, below cr8, blocked by one in service) will not
    // be delivered on the next expiry either: nothing else changes while halted.
    return p.pic.pendingVector(this.guestCr8()) >= 0;
  }
}

export const IF = FLAGS.IF;
