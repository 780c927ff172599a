// A VM whose guest runs on a CPU of its own over the VM's RAM and devices, taking interrupts itself.
//
// Bare metal (native) and the VMM's interpreter (emulate) both run the guest this way: nothing traps to a
// VMM, every device access goes straight to the VM's device models, and the CPU delivers interrupts from
// the VM's controller at its own instruction boundaries. They differ only in what the work is charged as.

import { FLAGS } from '../../../isa/abi.js';
import { faultingPc, tripleFaultReason } from '../crash.js';
import { Cpu } from '../../machine/cpu.js';
import { savedRegisters, type GuestRegisters } from '../guest-state.js';
import type { VmRegion } from '../host.js';
import type { Vm } from '../vm.js';
import { CpuShare } from './cpu-share.js';
import { Runner } from './runner.js';

export abstract class OwnCpuRunner extends Runner {
  readonly cpu: Cpu;
  protected override readonly cpuDeliversInterrupts = true;
  private readonly share: CpuShare;
  /** Instructions the CPU had retired when the VM's timer was last brought up to date. */
  private clock = 0;

  constructor(vm: Vm, region: VmRegion, strict: boolean) {
    super(vm);
    const p = vm.platform;
    this.cpu = new Cpu(region.guest.raw, p.bus, p.pic, { strict });
    this.share = new CpuShare(this.cpu, vm);
    // A guest reading the timer mid-slice must see its count as of that instruction.
    p.bus.beforeAccess = (name) => {
      if (name === 'timer') this.sync();
    };
    // ... and its interpreter's interrupt checks mid-slice must see every expiry due by then.
    p.pic.beforeQuery = () => this.sync();
  }

  /** The guest runs on this CPU at its own privilege: its registers are the real ones. */
  override guestRegisters(): GuestRegisters {
    return savedRegisters(this.vm);
  }

  /** Nothing of the technique's own: the CPU's registers are the VM's, saved with it. */
  override saveState(): unknown {
    return null;
  }

  /** `n` more guest instructions ran on this CPU (for the technique's own accounting). */
  protected abstract ran(n: number): void;

  boot(): void {
    this.cpu.reset(this.vm.image.entry, this.vm.guest.size);
    this.vm.state = this.cpu.save();
  }

  switchIn(): void {
    this.share.load();
  }

  switchOut(): void {
    this.share.save();
  }

  protected guestIf(): boolean {
    return (this.cpu.flags & FLAGS.IF) !== 0;
  }

  protected guestCr8(): number {
    return this.cpu.cr8;
  }

  protected injectInterrupt(): void {
    // Not called: the CPU takes interrupts from the VM's controller itself.
  }

  /** The interpreter takes interrupts mid-step: count what it has run since the VM's clock last moved. */
  override guestClock(): number {
    return this.vm.guestInstructions + this.cpu.stats.instructions - this.clock;
  }

  private sync(): void {
    const now = this.cpu.stats.instructions;
    const n = now - this.clock;
    this.clock = now;
    this.vm.retire(n);
    this.ran(n);
  }

  protected step(slice: number): void {
    const cpu = this.cpu;
    this.clock = cpu.stats.instructions;
    const stop = cpu.run(slice);
    this.sync();
    switch (stop) {
      case 'budget':
      case 'io':
        return;
      case 'halt':
        this.vm.v.halted = true;
        return;
      case 'triple': {
        // This CPU is the guest's own: its registers are what the guest sees.
        const t = cpu.tripleInfo;
        if (t === null) this.crash('triple fault', cpu.pc);
        else this.crash(tripleFaultReason(t.vector), faultingPc(t.vector, t.pc), t.vector, t.error);
        return;
      }
      default:
        this.vm.stop('crash', this.share.crashReport(`the CPU stopped with '${stop}'`, cpu.pc, (va) => this.read32(va)));
    }
  }

  crash(reason: string, pc: number, vector?: number, error?: number): void {
    this.vm.stop('crash', this.share.crashReport(reason, pc, (va) => this.read32(va), vector, error));
  }

  private read32(va: number): number {
    const pa = this.cpu.probe(va, false, false);
    if (pa < 0 || pa + 4 > this.vm.guest.size) throw new Error('unreadable');
    return this.vm.guest.read32(pa);
  }
}

