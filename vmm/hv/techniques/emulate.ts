// Software emulation: the VMM's own interpreter fetches, decodes and executes every guest instruction
// against a virtual CPU with a software MMU, over the VM's slice of host memory.
//
// Nothing of the guest runs on the real CPU, so nothing traps or exits: every device access goes straight
// to the VMM's device model and every instruction costs an interpretation (see the cost profile).

import { FLAGS } from '../../../isa/abi.js';
import { Cpu } from '../../machine/cpu.js';
import type { VmRegion } from '../host.js';
import type { Vm } from '../vm.js';
import { CpuShare } from './cpu-share.js';
import { Runner } from './runner.js';

export class EmulateRunner extends Runner {
  readonly technique = 'emulate' as const;
  /** The interpreter's own software MMU walks the guest's tables directly; no shadow or second stage. */
  readonly memory = null;
  readonly cpu: Cpu;
  protected override readonly cpuDeliversInterrupts = true;
  private readonly share: CpuShare;
  /** Instructions the interpreter had retired when the VM's timer was last brought up to date. */
  private clock = 0;

  constructor(vm: Vm, region: VmRegion) {
    super(vm);
    const p = vm.platform;
    this.cpu = new Cpu(region.guest.raw, p.bus, p.pic);
    this.share = new CpuShare(this.cpu, vm);
    // A guest reading the timer mid-slice must see its count as of that instruction.
    p.bus.beforeAccess = (name) => {
      if (name === 'timer') this.sync();
    };
    // ... and its interpreter's interrupt checks mid-slice must see every expiry due by then.
    p.pic.beforeQuery = () => this.sync();
  }

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
    // Not called: the interpreter takes interrupts from the VM's controller itself.
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
    this.vm.counters.interpretedInstructions += n;
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
      case 'triple':
        this.vm.stop(
          'crash',
          this.share.crashReport('triple fault', cpu.tripleInfo?.pc ?? cpu.pc, (va) => this.read32(va), cpu.tripleInfo?.vector, cpu.tripleInfo?.error),
        );
        return;
      default:
        this.vm.stop('crash', this.share.crashReport(`the interpreter stopped with '${stop}'`, cpu.pc, (va) => this.read32(va)));
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
