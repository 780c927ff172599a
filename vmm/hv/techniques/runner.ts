// The loop every VMM technique shares: deliver the guest's interrupts, slice execution at its timer's
// expiries, idle through `hlt`, and stop the VM on power-off. Techniques fill in how the guest runs.

import { FLAGS } from '../../../isa/abi.js';
import type { Cpu } from '../../machine/cpu.js';
import type { Technique, MemoryMode } from '../types.js';
import type { Vm } from '../vm.js';

/**
 * Steps in a row that may complete no guest instruction before the VM is declared stuck. Each such step
 * is an exit or a fault the VMM handled without the guest getting anywhere (a shadow fill, a reflected
 * fault whose handler faults at once). A healthy guest needs a handful; a fault storm that the bare
 * machine would end with a triple fault once its stack runs out takes at most MAX_RAM / FRAME.SIZE
 * deliveries (3.4 million), so the limit sits above that and only stops a loop that would never end.
 */
export const MAX_STALLED_STEPS = 4_000_000;

export abstract class Runner {
  abstract readonly technique: Technique;
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
        if (!this.wake()) vm.stop('halted');
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
   * timer's next expiry (time is fast-forwarded to it and counted as idle).
   */
  private wake(): boolean {
    const vm = this.vm;
    const p = vm.platform;
    if (!this.guestIf()) return false;
    if (p.pic.pendingVector(this.guestCr8()) >= 0) return true;
    const wait = p.timer.untilNext();
    if (wait === Infinity) return false;
    p.timer.advance(wait);
    vm.idleInstructions += wait;
    return p.pic.pendingVector(this.guestCr8()) >= 0;
  }
}

export const IF = FLAGS.IF;
