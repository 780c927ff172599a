// Trap-and-emulate: the guest kernel runs deprivileged in ring 1 on shadow page tables; every fault comes to
// the VMM, which emulates privileged instructions against the virtual CPU and reflects the rest.
//
// The sensitive-unprivileged instructions do not fault, so the VMM never sees them: `popf` leaves the real
// IF alone, `pushf` shows the real IF. The simulator, which can see what a real VMM cannot, records each
// such silent failure with its source line (divergence.ts). On a strict machine they trap and are
// emulated like the others.

import { CR, CR0_PG, FLAGS, SP, VEC } from '../../../../isa/abi.js';
import { trapFrameBase, trapFrameEnd, writeTrapFrame } from '../../../../isa/trap-frame.js';
import type { Cpu } from '../../../machine/cpu.js';
import { faultingPc, tripleFaultReason } from '../../crash.js';
import { DivergenceDetector } from '../../divergence.js';
import { handleExit, type ExitHost } from '../../exits.js';
import { GuestAccess } from '../../guest-access.js';
import type { Host, VmRegion } from '../../host.js';
import { ShadowPager } from '../../memory/shadow.js';
import { ShadowDirtyLog } from '../../memory/shadow-dirty.js';
import type { DirtyLog } from '../../dirty-log.js';
import type { ShadowSync } from '../../memory/shadow-sync.js';
import { GuestFault, guestFlags, guestServices, type EmulationContext } from '../../privileged.js';
import { guestCpl, realCpl } from '../../vcpu.js';
import type { Vm } from '../../vm.js';
import { Runner, type MemoryCounts } from '../runner.js';
import { CpuShare } from '../cpu-share.js';

const KERNEL_WRITE = { write: true, user: false, fetch: false } as const;

export class TrapRunner extends Runner implements ExitHost {
  readonly technique: 'trap' | 'bt' = 'trap';
  readonly memory = 'shadow' as const;
  readonly cpu: Cpu;
  readonly shadow: ShadowPager;
  readonly access: GuestAccess;
  /** Strict VX32 is the machine's, not the technique's: the sensitive instructions trap at ring > 0. */
  readonly strict: boolean;
  private readonly share: CpuShare;
  private readonly ctx: EmulationContext;
  protected readonly divergences: DivergenceDetector;

  constructor(
    vm: Vm,
    private readonly host: Host,
    region: VmRegion,
    shadowSync?: ShadowSync,
  ) {
    super(vm);
    this.cpu = host.cpu;
    this.strict = host.strict;
    const g = region.guest;
    this.shadow = new ShadowPager(host.words, region.pool, g, (gpa) => g.toHost(gpa), shadowSync);
    const v = vm.v;
    this.access = new GuestAccess(g, { cr0: () => v.cr0, cr3: () => v.cr3 }, this.shadow, {
      bus: vm.platform.bus,
      flushTlb: () => this.cpu.flushTlb(),
    });
    this.share = new CpuShare(this.cpu, vm);
    this.ctx = this.makeContext();
    this.divergences = new DivergenceDetector(vm, this.ctx);
  }

  boot(): void {
    const vm = this.vm;
    const cpu = this.cpu;
    cpu.reset(vm.image.entry, vm.guest.size);
    cpu.cpl = realCpl(0);
    cpu.flags = FLAGS.IF;
    this.shadow.setGuestRoot(0, false);
    cpu.cr3 = this.shadow.root;
    cpu.cr0 = CR0_PG;
    vm.state = cpu.save();
  }

  switchIn(): void {
    const cpu = this.cpu;
    this.share.load();
    cpu.vmx = null;
    cpu.interceptTraps = true;
    cpu.sensitiveHook = this.divergences.hook;
  }

  switchOut(): void {
    this.cpu.sensitiveHook = null;
    this.cpu.interceptTraps = false;
    this.share.save();
  }

  protected guestIf(): boolean {
    return this.vm.v.vif;
  }

  protected guestCr8(): number {
    return this.vm.v.cr8;
  }

  protected injectInterrupt(vector: number): void {
    this.deliver(vector, 0);
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
      case 'trap':
        this.vm.counters.hostTraps++;
        handleExit(this, { reason: 'EXCEPTION', pc: cpu.pc, vector: cpu.trapVector, error: cpu.trapError, cr2: cpu.cr2 });
        return;
      default:
        // Ring 1 cannot halt, exit or triple-fault the real CPU: everything traps to us first.
        this.crash(`the CPU stopped with '${stop}', which trap-and-emulate never expects`, cpu.pc);
    }
  }

  /** The shadow's counters; the shadow itself is derived from the guest's tables and rebuilt. */
  override saveState(): unknown {
    return { shadow: { ...this.shadow.stats } };
  }

  override restoreState(saved: unknown): void {
    const s = saved as { shadow: MemoryCounts };
    const v = this.vm.v;
    // A fresh shadow of the guest's address space; the real CPU runs on it, at the guest's own pc.
    this.shadow.setGuestRoot(v.cr3, (v.cr0 & CR0_PG) !== 0);
    Object.assign(this.shadow.stats, s.shadow);
    if (this.vm.state) this.vm.state = { ...this.vm.state, cr0: CR0_PG, cr3: this.shadow.root };
  }

  /** Write-protected shadow entries: the first write to each page in a round faults and is logged. */
  override dirtyLog(): DirtyLog {
    return new ShadowDirtyLog(this.shadow, this.vm.guest, this.vm.platform.iommu, () => this.cpu.flushTlb());
  }

  override memoryCounts(): MemoryCounts {
    const s = this.shadow.stats;
    return { shadowFaults: s.shadowFaults, shadowSyncs: s.shadowSyncs, shadowFlushes: s.shadowFlushes };
  }

  // ---- ExitHost ----

  context(): EmulationContext {
    return this.ctx;
  }

  guestCpl(): number {
    return guestCpl(this.cpu.cpl);
  }

  flushTlb(): void {
    this.cpu.flushTlb();
  }

  clearInterruptWindow(): void {}

  deliverBySoftware(): boolean {
    return false;
  }

  pendingEvent(): null {
    // The VMM delivers every event itself, in software: none is ever left half-delivered.
    return null;
  }

  hostInterrupt(): void {
    // No device is passed through to a trap-and-emulate guest, so no physical interrupt is its.
  }

  crash(reason: string, pc: number, vector?: number, error?: number): void {
    this.vm.stop('crash', this.share.crashReport(reason, pc, (va) => this.access.read32(va), vector, error, this.ctx));
  }

  /**
   * Reflect vector v into the guest: build the trap frame on its kernel stack and enter its handler at
   * (real) ring 1 with the virtual IF cleared, exactly as the CPU would have at ring 0.
   */
  deliver(vector: number, error: number, cr2?: number): void {
    const cpu = this.cpu;
    const v = this.vm.v;
    if (cr2 !== undefined) v.cr2 = cr2 >>> 0;
    const tryDeliver = (vec: number, err: number): boolean => {
      try {
        const handler = this.access.read32((v.ivtb + vec * 4) >>> 0);
        if (handler === 0) return false;
        const from = this.guestCpl();
        const oldSp = cpu.r[SP]! >>> 0;
        const frame = trapFrameBase(from, 0, oldSp, v.cr4 >>> 0);
        // As the CPU does: both ends of the frame must be RAM before anything is written.
        this.access.translate(frame, KERNEL_WRITE);
        this.access.translate(trapFrameEnd(frame), KERNEL_WRITE);
        writeTrapFrame(this.access, frame, vec, err, cpu.pc, guestFlags(this.ctx), oldSp);
        cpu.r[SP] = frame | 0;
        cpu.cpl = realCpl(0);
        cpu.pc = handler;
        v.vif = false;
        this.vm.counters.reflectedTraps++;
        return true;
      } catch (e) {
        if (e instanceof GuestFault) return false;
        throw e;
      }
    };
    if (tryDeliver(vector, error)) return;
    if (vector !== VEC.DF && tryDeliver(VEC.DF, vector)) return;
    this.crash(tripleFaultReason(vector), faultingPc(vector, cpu.pc), vector, error);
  }

  private makeContext(): EmulationContext {
    const cpu = this.cpu;
    const v = this.vm.v;
    const bus = this.vm.platform.bus;
    const shadow = this.shadow;
    const access = this.access;
    const self = this;
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
        cpu.flags = (x & FLAGS.ARITH) | FLAGS.IF;
      },
      get cpl() {
        return self.guestCpl();
      },
      v,
      ...guestServices(bus, access, () => self.guestCpl()),
      setControl(cr, value) {
        switch (cr) {
          case CR.CR0:
            v.cr0 = value;
            shadow.setGuestRoot(v.cr3, (value & CR0_PG) !== 0);
            cpu.flushTlb();
            break;
          case CR.CR3:
            v.cr3 = value;
            shadow.setGuestRoot(value, (v.cr0 & CR0_PG) !== 0);
            cpu.flushTlb();
            break;
          case CR.CR2:
            v.cr2 = value;
            break;
          case CR.CR4:
            v.cr4 = value;
            break;
          case CR.CR8:
            v.cr8 = value & 15;
            break;
        }
      },
      invlpg(va) {
        shadow.invlpg(va);
        cpu.flushTlb();
      },
      returnTo(pc, sp, cpl) {
        cpu.pc = pc >>> 0;
        cpu.r[SP] = sp | 0;
        cpu.cpl = realCpl(cpl);
      },
    };
  }
}

