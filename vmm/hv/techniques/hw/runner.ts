// Hardware assistance: the guest runs unmodified in non-root mode, at its own ring 0, under a control block
// that makes I/O, `hlt` and `hcall` exit; memory through second-stage tables (nested) or shadow tables.
//
// With nested paging the guest owns its control registers and page faults outright. With shadow paging
// (as first-generation VT-x, which had no second stage) control-register accesses, `invlpg` and page
// faults exit too, and the VMM keeps the shadow in sync exactly as under trap-and-emulate.

import { CR, CR0_PG, FLAGS, MEMMAP, PIC_EOI, SP, VEC } from '../../../../isa/abi.js';
import { frameFlags, trapFrameBase, trapFrameEnd, writeTrapFrame } from '../../../../isa/trap-frame.js';
import type { Cpu } from '../../../machine/cpu.js';
import { createVmControl, exitMask, type VmControl } from '../../../machine/vmx.js';
import { DivergenceDetector } from '../../divergence.js';
import { fromExitInfo, handleExit, type ExitHost } from '../../exits.js';
import { GuestAccess } from '../../guest-access.js';
import { savedRegisters, type GuestRegisters } from '../../guest-state.js';
import type { Host, VmRegion } from '../../host.js';
import { buildSecondStage } from '../../memory/second-stage.js';
import { ShadowPager } from '../../memory/shadow.js';
import { ShadowDirtyLog } from '../../memory/shadow-dirty.js';
import { SecondStageDirtyLog } from '../../memory/second-stage-dirty.js';
import type { DirtyLog } from '../../dirty-log.js';
import type { ShadowSync } from '../../memory/shadow-sync.js';
import { GuestFault, guestServices, type EmulationContext } from '../../privileged.js';
import type { VirtualCpu } from '../../vcpu.js';
import type { Vm } from '../../vm.js';
import { CpuShare } from '../cpu-share.js';
import { Runner, type MemoryCounts } from '../runner.js';

const KERNEL_WRITE = { write: true, user: false, fetch: false } as const;

export class HwRunner extends Runner implements ExitHost {
  readonly technique = 'hw' as const;
  readonly cpu: Cpu;
  readonly vmcs: VmControl;
  readonly shadow: ShadowPager | null;
  /** The second stage's dirty log while a migration reads it (nested paging only). */
  private nestedLog: SecondStageDirtyLog | null = null;
  readonly access: GuestAccess;
  /** The machine's strictness: in non-root mode the CPU raises #GP for the guest itself, through its table. */
  readonly strict: boolean;
  private readonly share: CpuShare;
  private readonly ctx: EmulationContext;
  private readonly divergences: DivergenceDetector;

  constructor(
    vm: Vm,
    private readonly host: Host,
    private readonly region: VmRegion,
    readonly memory: 'nested' | 'shadow',
    /** The physical NIC is this VM's: its registers are mapped straight in and its interrupts exit to us. */
    readonly passthrough = false,
    shadowSync?: ShadowSync,
  ) {
    super(vm);
    const cpu = host.cpu;
    this.cpu = cpu;
    this.strict = host.strict;
    const g = region.guest;
    const shadowed = memory === 'shadow';
    this.vmcs = createVmControl({
      exitOn: this.baseExits(shadowed),
      exceptionBitmap: shadowed ? 1 << VEC.PF : 0,
      extInterruptExit: passthrough,
    });
    // Every port exits: the guest's devices are the VMM's models (the hypervisor-direct model).
    this.vmcs.ioBitmap.fill(0xff);
    this.shadow = shadowed ? new ShadowPager(host.words, region.pool, g, (gpa) => g.toHost(gpa), shadowSync) : null;
    const v = vm.v;
    this.access = new GuestAccess(
      g,
      shadowed ? { cr0: () => v.cr0, cr3: () => v.cr3 } : { cr0: () => cpu.cr0, cr3: () => cpu.cr3 },
      this.shadow,
      { bus: vm.platform.bus, flushTlb: () => cpu.flushTlb() },
    );
    this.share = new CpuShare(cpu, vm);
    this.ctx = this.makeContext();
    // In non-root mode a ring-3 sensitive instruction reads the guest's own state: the detector is there
    // to prove it, and never fires.
    this.divergences = new DivergenceDetector(vm, this.ctx);
  }

  boot(): void {
    const vm = this.vm;
    const cpu = this.cpu;
    cpu.vmx = null;
    cpu.reset(vm.image.entry, vm.guest.size);
    if (this.shadow) {
      this.shadow.setGuestRoot(0, false);
      cpu.cr3 = this.shadow.root;
      cpu.cr0 = CR0_PG;
    } else {
      const nic = { gpa: MEMMAP.NIC_MMIO, hpa: MEMMAP.NIC_MMIO, writable: true };
      this.vmcs.eptRoot = buildSecondStage(this.host.words, this.region.pool, this.region.guest, this.passthrough ? [nic] : []);
    }
    vm.state = cpu.save();
  }

  switchIn(): void {
    const cpu = this.cpu;
    this.share.load();
    cpu.interceptTraps = false;
    cpu.sensitiveHook = this.divergences.hook;
    cpu.vmx = this.vmcs;
  }

  switchOut(): void {
    this.cpu.sensitiveHook = null;
    this.cpu.vmx = null;
    this.share.save();
  }

  protected guestIf(): boolean {
    return (this.cpu.flags & FLAGS.IF) !== 0;
  }

  protected guestCr8(): number {
    return this.cpu.cr8;
  }

  protected override canInject(): boolean {
    return this.vmcs.inject === null;
  }

  protected injectInterrupt(vector: number): void {
    this.vmcs.inject = { vector, error: 0 };
  }

  protected override blockedInterrupt(): void {
    this.vmcs.interruptWindowExit = true;
  }

  /**
   * With nested paging the guest writes cr8 without exiting. While an interrupt waits on its priority,
   * control-register accesses exit (as VT-x's CR8-load exiting), so the write that lets it through is
   * emulated and the interrupt injected right after it. Shadow paging exits on them anyway.
   */
  protected override priorityBlocked(waiting: boolean): void {
    const base = this.baseExits(this.shadow !== null);
    this.vmcs.exitOn = waiting ? base | exitMask('CR_ACCESS') : base;
  }

  /** The instructions that always exit: I/O and `hlt`; under shadow paging also what changes translations. */
  private baseExits(shadowed: boolean): number {
    return shadowed ? exitMask('HLT', 'IO', 'CR_ACCESS', 'INVLPG') : exitMask('HLT', 'IO');
  }

  protected step(slice: number): void {
    const cpu = this.cpu;
    const before = cpu.stats.instructions;
    const stop = cpu.run(slice);
    this.vm.retire(cpu.stats.instructions - before);
    switch (stop) {
      case 'budget':
      case 'io':
        return;
      case 'exit': {
        const e = cpu.exit;
        // A write the migration's dirty log refused: logged and given back; the guest retries it.
        if (e.reason === 'EPT_VIOLATION' && this.nestedLog?.fault(e.gpa, e.write, e.walk)) {
          this.vm.counters.exits.EPT_VIOLATION++;
          return;
        }
        handleExit(this, fromExitInfo(e));
        return;
      }
      default:
        this.crash(`the CPU stopped with '${stop}', which non-root mode never expects here`, cpu.pc);
    }
  }

  /** Non-root mode runs the guest at its own ring 0; only under shadow paging are cr0 and cr3 virtual. */
  override guestRegisters(): GuestRegisters {
    const real = savedRegisters(this.vm);
    return this.shadow ? { ...real, cr0: this.vm.v.cr0, cr3: this.vm.v.cr3 >>> 0 } : real;
  }

  /**
   * What the control block holds for the guest (an event waiting to be injected, an interrupt window
   * asked for) and the shadow's counters. The second stage and the shadow are derived and rebuilt.
   */
  override saveState(): unknown {
    return {
      inject: this.vmcs.inject ? { ...this.vmcs.inject } : null,
      interruptWindowExit: this.vmcs.interruptWindowExit,
      shadow: this.shadow ? { ...this.shadow.stats } : null,
    };
  }

  override restoreState(saved: unknown): void {
    const s = saved as { inject: { vector: number; error: number } | null; interruptWindowExit: boolean; shadow: MemoryCounts | null };
    this.vmcs.inject = s.inject ? { ...s.inject } : null;
    this.vmcs.interruptWindowExit = s.interruptWindowExit;
    if (this.shadow) {
      const v = this.vm.v;
      this.shadow.setGuestRoot(v.cr3, (v.cr0 & CR0_PG) !== 0);
      if (s.shadow) Object.assign(this.shadow.stats, s.shadow);
      if (this.vm.state) this.vm.state = { ...this.vm.state, cr0: CR0_PG, cr3: this.shadow.root };
    }
  }

  /**
   * Under shadow paging, write-protected shadow entries log the guest's writes; under nested paging,
   * write-protected second-stage entries (each first write in a round is an EPT violation the log takes).
   */
  override dirtyLog(): DirtyLog {
    const shadow = this.shadow;
    const flush = () => this.cpu.flushTlb();
    if (shadow) return new ShadowDirtyLog(shadow, this.vm.guest, this.vm.platform.iommu, flush);
    const log = new SecondStageDirtyLog(this.host.words, () => this.vmcs.eptRoot, this.vm.guest, this.vm.platform.iommu, flush);
    this.nestedLog = log;
    return log;
  }

  override memoryCounts(): MemoryCounts {
    const s = this.shadow?.stats;
    return { shadowFaults: s?.shadowFaults ?? 0, shadowSyncs: s?.shadowSyncs ?? 0, shadowFlushes: s?.shadowFlushes ?? 0 };
  }

  // ---- ExitHost ----

  context(): EmulationContext {
    return this.ctx;
  }

  guestCpl(): number {
    return this.cpu.cpl;
  }

  flushTlb(): void {
    this.cpu.flushTlb();
  }

  clearInterruptWindow(): void {
    this.vmcs.interruptWindowExit = false;
  }

  pendingEvent(): { vector: number; error: number } | null {
    return this.vmcs.inject;
  }

  /** The VMM takes the physical interrupt and raises the same line on the guest's controller. */
  hostInterrupt(vector: number): void {
    const pic = this.host.pic;
    pic.acknowledge(vector);
    pic.write(0, 4, PIC_EOI);
    this.vm.platform.pic.line(vector - VEC.IRQ_BASE).raise();
  }

  crash(reason: string, pc: number, vector?: number, error?: number): void {
    this.vm.stop('crash', this.share.crashReport(reason, pc, (va) => this.access.read32(va), vector, error, this.ctx));
  }

  /** Event injection: the CPU delivers it through the guest's own vector table on the next entry. */
  deliver(vector: number, error: number, cr2?: number): void {
    if (cr2 !== undefined) this.cpu.cr2 = cr2 >>> 0;
    this.vmcs.inject = { vector, error };
  }

  deliverBySoftware(vector: number, error: number): boolean {
    const cpu = this.cpu;
    const access = this.access;
    try {
      const handler = access.read32((cpu.ivtb + vector * 4) >>> 0);
      if (handler === 0) return false;
      const oldSp = cpu.r[SP]! >>> 0;
      const frame = trapFrameBase(cpu.cpl, 0, oldSp, cpu.cr4);
      // As the CPU does: both ends of the frame must be writable before anything is pushed.
      access.translate(frame, KERNEL_WRITE);
      access.translate(trapFrameEnd(frame), KERNEL_WRITE);
      writeTrapFrame(access, frame, vector, error, cpu.pc, frameFlags(cpu.flags, cpu.cpl), oldSp);
      cpu.r[SP] = frame | 0;
      cpu.cpl = 0;
      cpu.flags &= ~FLAGS.IF;
      cpu.pc = handler >>> 0;
      this.vmcs.inject = null;
      this.vm.counters.reflectedTraps++;
      return true;
    } catch (e) {
      if (e instanceof GuestFault) return false;
      throw e;
    }
  }

  private makeContext(): EmulationContext {
    const cpu = this.cpu;
    const vm = this.vm;
    const bus = vm.platform.bus;
    const shadow = this.shadow;
    const access = this.access;
    // In non-root mode the guest's IF and most control registers are the real ones; only cr0 and cr3
    // are virtual, and only under shadow paging (the real ones point at the shadow).
    const v: VirtualCpu = {
      get vif() {
        return (cpu.flags & FLAGS.IF) !== 0;
      },
      set vif(on: boolean) {
        cpu.flags = on ? cpu.flags | FLAGS.IF : cpu.flags & ~FLAGS.IF;
      },
      get cr0() {
        return shadow ? vm.v.cr0 : cpu.cr0;
      },
      set cr0(x: number) {
        if (shadow) vm.v.cr0 = x;
        else cpu.cr0 = x;
      },
      get cr2() {
        return cpu.cr2;
      },
      set cr2(x: number) {
        cpu.cr2 = x;
      },
      get cr3() {
        return shadow ? vm.v.cr3 : cpu.cr3;
      },
      set cr3(x: number) {
        if (shadow) vm.v.cr3 = x;
        else cpu.cr3 = x;
      },
      get cr4() {
        return cpu.cr4;
      },
      set cr4(x: number) {
        cpu.cr4 = x;
      },
      get cr8() {
        return cpu.cr8;
      },
      set cr8(x: number) {
        cpu.cr8 = x;
      },
      get ivtb() {
        return cpu.ivtb;
      },
      set ivtb(x: number) {
        cpu.ivtb = x;
      },
      get halted() {
        return vm.v.halted;
      },
      set halted(x: boolean) {
        vm.v.halted = x;
      },
    };
    return {
      regs: cpu.r,
      get pc() {
        return cpu.pc;
      },
      set pc(x: number) {
        cpu.pc = x >>> 0;
      },
      get arith() {
        return cpu.flags & FLAGS.ARITH;
      },
      set arith(x: number) {
        cpu.flags = (cpu.flags & FLAGS.IF) | (x & FLAGS.ARITH);
      },
      get cpl() {
        return cpu.cpl;
      },
      v,
      ...guestServices(bus, access, () => cpu.cpl),
      setControl(cr, value) {
        if (shadow && (cr === CR.CR0 || cr === CR.CR3)) {
          if (cr === CR.CR0) vm.v.cr0 = value;
          else vm.v.cr3 = value;
          shadow.setGuestRoot(vm.v.cr3, (vm.v.cr0 & CR0_PG) !== 0);
          cpu.flushTlb();
          return;
        }
        switch (cr) {
          case CR.CR0:
            cpu.cr0 = value;
            break;
          case CR.CR2:
            cpu.cr2 = value;
            break;
          case CR.CR3:
            cpu.cr3 = value;
            break;
          case CR.CR4:
            cpu.cr4 = value;
            break;
          case CR.CR8:
            cpu.cr8 = value;
            break;
        }
      },
      invlpg(va) {
        shadow?.invlpg(va);
        cpu.flushTlb();
      },
      returnTo(pc, sp, cpl) {
        cpu.pc = pc >>> 0;
        cpu.r[SP] = sp | 0;
        cpu.cpl = cpl;
      },
    };
  }
}
