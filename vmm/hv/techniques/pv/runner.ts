// Paravirtualization: a kernel built with the SDK (`.pv` image) runs in ring 1 on the real CPU, on its own
// page tables (direct paging), and asks the VMM for privileged work with hypercalls.
//
// Every trap goes to the VMM (interceptTraps) except the direct gates: a system call from ring 3 enters
// the kernel's handler and the return gate goes back to ring 3 without the VMM (docs/vx32.md). `hcall`
// raises #UD outside non-root mode; the VMM sees it at ring 1 and dispatches the hypercall. Other traps
// are reflected through the virtual trap table; events arrive through the registered upcall, at defined
// points only: after a hypercall, at each step boundary (a timer tick ends a step), and on iret/unmask.

import { OP } from '../../../../isa/table.js';
import {
  CR0_PG,
  EVT_BIND,
  FLAGS,
  FRAME,
  HC_ERR,
  IRQ,
  PAGE_SIZE,
  PF_ERR,
  PIC_EOI,
  PORT,
  PV_FEATURE,
  PV_IRET,
  PV_KERNEL_RING,
  PV_START_MAGIC,
  PV_VEC,
  SP,
  START_INFO,
  TIMER_ENABLE,
  TIMER_PERIODIC,
  VEC,
  VECTOR_COUNT,
  VIRQ,
  type HypercallName,
} from '../../../../isa/abi.js';
import { frameCpl, frameFlags, newTrapReturn, readTrapReturn, trapFrameBase, writeTrapFrame } from '../../../../isa/trap-frame.js';
import type { Cpu } from '../../../machine/cpu.js';
import type { IommuDomain } from '../../../devices/iommu.js';
import type { Host, VmRegion } from '../../host.js';
import { emulateMemoryInsn, type MemoryInsnHost } from '../../memory-insn.js';
import { GuestFault } from '../../privileged.js';
import type { DeviceMode } from '../../types.js';
import type { Vm } from '../../vm.js';
import type { DirtyLog } from '../../dirty-log.js';
import { LogDirty } from './log-dirty.js';
import { backendName, type Backend, type BackendHost, type BackendSet, type Connection } from '../../pv/backend.js';
import { DirectPaging, type SavedPaging } from '../../pv/direct.js';
import type { PvDomainView } from '../../pv/audit.js';
import { EventChannels, type SavedEvents } from '../../pv/events.js';
import { FRAME_OWNER, FrameTable, type SavedFrames } from '../../pv/frames.js';
import { GrantTable, type BackendId, type SavedGrants } from '../../pv/grants.js';
import { dispatch, NO_RESULT, type Args, type HcContext, type HcResult } from '../../pv/hypercalls.js';
import { SharedInfo } from '../../pv/shared-info.js';
import { PvMemory } from '../../pv/vmem.js';
import { SnapshotStateError } from '../../state-error.js';
import { CpuShare } from '../cpu-share.js';
import { Runner } from '../runner.js';

/** Pages at the top of RAM the VMM keeps for the domain: start info, then shared info. */
export const PV_RESERVED_PAGES = 2;

/** PvRunner.saveState(): a PV domain's state beside its RAM and registers. */
export interface SavedPvDomain {
  readonly frames: SavedFrames;
  readonly paging: SavedPaging;
  readonly events: SavedEvents;
  readonly grants: SavedGrants;
  readonly vtable: readonly number[];
  readonly upcallAt: number;
  readonly connections: readonly Connection[];
  readonly blocked: boolean;
  readonly blockRequested: boolean;
  /** The VMM was entered since the guest last ran (absent in older snapshots: true). */
  readonly entered?: boolean;
}

export class PvRunner extends Runner implements HcContext, PvDomainView {
  readonly technique = 'pv' as const;
  readonly memory = 'direct' as const;
  readonly cpu: Cpu;
  readonly mem: PvMemory;
  /** The iret hypercall's words, read into one object rather than a new one per return. */
  private readonly ret = newTrapReturn();
  /** Every frame's owner, type and reference counts; the VMM's stores into the domain's RAM go through it. */
  readonly frames: FrameTable;
  readonly paging: DirectPaging;
  readonly shinfo: SharedInfo;
  readonly events: EventChannels;
  readonly grants: GrantTable;
  readonly features: number;
  /** Pseudo-physical address of the start-info page (in r1 at boot). */
  readonly startInfo: number;
  private readonly share: CpuShare;
  /** The guest's virtual trap table (copied at set_trap_table) and its event upcall. */
  private vtable = new Uint32Array(VECTOR_COUNT);
  private upcallAt = 0;
  /**
   * The VMM has been entered since the guest last ran (a hypercall, a trap, a timer expiry, an injected
   * interrupt), so it looks for a deliverable event before resuming the guest. A guest that unmasks events
   * with a plain store is noticed only at its next entry, as under Xen; a step cut short only by the
   * caller's budget (a debugger stepping, a snapshot point) is no entry, so slicing a run never changes it.
   */
  private entered = true;
  /** Direct gates for the CPU: the trap table's software-interrupt entries. */
  private readonly gates = new Uint32Array(VECTOR_COUNT);
  /** The back-ends device_connect connected, with what the guest passed (a restore connects them again). */
  private readonly connected = new Map<BackendId, { readonly backend: Backend; readonly conn: Connection }>();
  /** The VM's device DMA domains, fenced from page-table and reserved pages (--devices emulated). */
  readonly dma: IommuDomain[];
  /** sched_block was called and no event has been delivered since. */
  private blocked = false;
  private blockRequested = false;
  /** This domain's registers are on the CPU. */
  private running = false;
  /** Called after each exit the VMM handled (a hypercall, a reflected trap): tests run the frame auditor here. */
  afterExit: (() => void) | null = null;

  constructor(
    vm: Vm,
    private readonly host: Host,
    region: VmRegion,
    readonly devices: DeviceMode,
    private readonly backends: BackendSet,
  ) {
    super(vm);
    this.cpu = host.cpu;
    const g = region.guest;
    const reserved = g.size - PV_RESERVED_PAGES * PAGE_SIZE;
    this.startInfo = reserved;
    this.frames = new FrameTable(g);
    // The VMM's pages: the guest reads start info, and writes shared info (its event mask) as the VMM does.
    this.frames.reserve(reserved / PAGE_SIZE, FRAME_OWNER.VMM_READONLY);
    this.frames.reserve(reserved / PAGE_SIZE + 1, FRAME_OWNER.VMM_SHARED);
    this.mem = new PvMemory(this.cpu, g, this.frames, vm.platform.bus);
    this.shinfo = new SharedInfo(g, this.frames, reserved + PAGE_SIZE);
    this.events = new EventChannels(this.shinfo);
    this.grants = new GrantTable(g, this.frames);
    this.paging = new DirectPaging(host.words, region.pool, g, this.frames, {
      // Under --devices emulated the kernel may map the VM's device registers; each access traps to the model.
      deviceFrame: (ma) => devices === 'emulated' && vm.platform.bus.claimsMmio(ma, 1) && !host.bus.claimsMmio(ma, 1),
      // The emulated block device and NIC write guest RAM by DMA: never into a page table, or a guest could
      // program a device to write the entries mmu_update would refuse.
      typeChanged: (pfn, table) => {
        for (const d of this.dma) d.mapPage(pfn * PAGE_SIZE, pfn * PAGE_SIZE, !table);
      },
    });
    this.dma = devices === 'emulated' ? [vm.platform.iommu.domain('block'), vm.platform.iommu.domain('nic')] : [];
    this.features =
      PV_FEATURE.DIRECT_PAGING | PV_FEATURE.EVTCHN | PV_FEATURE.MULTICALL |
      (Object.keys(backends).length ? PV_FEATURE.SPLIT_DEVICES : 0) |
      (devices === 'emulated' ? PV_FEATURE.DEVICE_MMIO : 0);
    this.share = new CpuShare(this.cpu, vm);
  }

  boot(): void {
    const vm = this.vm;
    const cpu = this.cpu;
    const g = vm.guest;
    const f = this.frames;
    const si = this.startInfo;
    f.fill(si, g.size - si, 0);
    f.write32(si + START_INFO.MAGIC, PV_START_MAGIC);
    f.write32(si + START_INFO.NR_PAGES, g.size / PAGE_SIZE);
    f.write32(si + START_INFO.MACHINE_BASE, g.base);
    f.write32(si + START_INFO.SHARED_INFO, this.shinfo.addr);
    f.write32(si + START_INFO.RESERVED_PAGES, PV_RESERVED_PAGES);
    // Device DMA page by page over the domain's RAM, so that a pinned table can be made read-only to it;
    // the VMM's reserved pages are never a DMA target.
    for (const d of this.dma) {
      d.mapRange(0, 0, g.size, true);
      for (let a = si; a < g.size; a += PAGE_SIZE) d.mapPage(a, a, false);
    }
    // Events start masked, as IF starts at 0 on the bare machine.
    this.shinfo.masked = true;
    cpu.vmx = null;
    cpu.reset(vm.image.entry, this.startInfo);
    cpu.cpl = PV_KERNEL_RING;
    cpu.flags = FLAGS.IF;
    cpu.cr3 = this.paging.buildBootMap();
    cpu.cr0 = CR0_PG;
    cpu.r[1] = this.startInfo;
    vm.state = cpu.save();
  }

  switchIn(): void {
    const cpu = this.cpu;
    this.share.load();
    cpu.vmx = null;
    cpu.interceptTraps = true;
    cpu.sensitiveHook = null;
    cpu.gates = this.gates;
    cpu.gateCpl = PV_KERNEL_RING;
    cpu.returnGate = PV_VEC.USER_RETURN;
    this.running = true;
  }

  switchOut(): void {
    const cpu = this.cpu;
    cpu.gates = null;
    cpu.returnGate = -1;
    cpu.interceptTraps = false;
    this.share.save();
    this.running = false;
  }

  /** The directory the CPU walks for this domain, whether it runs now or not (for the auditor). */
  get cr3(): number {
    return this.running || this.vm.state === null ? this.cpu.cr3 : this.vm.state.cr3;
  }

  // A PV guest has no virtual interrupt controller: the runner takes every timer expiry and turns it into
  // VIRQ_TIMER; whether the guest sees it now is the shared-info mask's business.
  protected guestIf(): boolean {
    return true;
  }

  protected guestCr8(): number {
    return 0;
  }

  /** The guest takes no interrupts: each timer expiry becomes an event, counted when it reaches the upcall. */
  override interruptsDelivered(): number {
    return 0;
  }

  protected injectInterrupt(vector: number): void {
    this.entered = true;
    this.vm.platform.pic.eoi();
    if (vector === VEC.IRQ_BASE + IRQ.TIMER) {
      const port = this.events.portOf(EVT_BIND.VIRQ, VIRQ.TIMER);
      if (port > 0) this.events.raise(port);
    }
    // A blocked domain sleeps on until an event it can take is pending.
    if (this.blocked && !this.events.deliverable()) this.vm.v.halted = true;
  }

  protected step(slice: number): void {
    const vm = this.vm;
    const cpu = this.cpu;
    this.shinfo.setTime(vm.guestInstructions + vm.idleInstructions);
    if (this.entered && this.events.deliverable() && this.upcallAt !== 0) {
      this.upcall();
      if (!vm.running) return;
    }
    this.entered = false;
    const timerCut = slice === vm.platform.timer.untilNext();
    const before = cpu.stats.instructions;
    const stop = cpu.run(slice);
    vm.retire(cpu.stats.instructions - before);
    switch (stop) {
      case 'budget':
        // Ending the slice at the timer's expiry enters the VMM; ending it at the caller's budget does not.
        if (timerCut) this.entered = true;
        return;
      case 'io':
        this.entered = true;
        return;
      case 'trap':
        this.entered = true;
        this.trap();
        return;
      default:
        this.crash(`the CPU stopped with '${stop}', which a ring-1 PV guest never causes`, cpu.pc);
    }
  }

  /** A PV guest's hypercalls are #UD traps the VMM took as requests, not deliveries. */
  override adjustDeliveries(delivered: Uint32Array): void {
    delivered[VEC.UD] = Math.max(0, delivered[VEC.UD]! - this.vm.counters.exits.HCALL);
  }

  /**
   * The domain's own state, taken switched out: the frame table, the paging, event-channel and grant
   * state, the virtual trap table and upcall, the connections device_connect made, and whether the domain
   * is blocked. Shared info and the guest's page tables are in its RAM; the back-ends save their own.
   */
  /** Log-dirty mode: the CPU's page-modification log, and the VMM's own writes into the domain. */
  override dirtyLog(): DirtyLog {
    return new LogDirty(this.cpu, this.vm.guest, this.paging, this.vm.platform.iommu, this.host.words.length * 4);
  }

  override saveState(): SavedPvDomain {
    return {
      frames: this.frames.save(),
      paging: this.paging.save(),
      events: this.events.save(),
      grants: this.grants.save(),
      vtable: Array.from(this.vtable),
      upcallAt: this.upcallAt,
      connections: [...this.connected.values()].map((c) => c.conn),
      blocked: this.blocked,
      blockRequested: this.blockRequested,
      entered: this.entered,
    };
  }

  /**
   * On a domain just built and booted, with its RAM and registers back: the same state, the direct gates
   * derived from the trap table again, and each connection wired to its back-end again without side
   * effects (the back-ends put back their own rings and indices next).
   */
  override restoreState(saved: unknown): void {
    const s = saved as SavedPvDomain;
    this.frames.restore(s.frames);
    this.paging.restore(s.paging);
    this.events.restore(s.events);
    this.grants.restore(s.grants);
    this.setTrapTable(Uint32Array.from(s.vtable), s.upcallAt);
    this.entered = s.entered ?? true;
    for (const conn of s.connections) {
      const factory = this.backends[backendName(conn.backend)];
      const made = factory?.(this.backendHost(conn.port), conn, true);
      if (made === undefined || typeof made === 'number')
        throw new SnapshotStateError(`${this.vm.name}: the snapshot's ${backendName(conn.backend).toLowerCase()} back-end cannot be connected again here`);
      this.connected.set(conn.backend, { backend: made, conn });
    }
    this.blocked = s.blocked;
    this.blockRequested = s.blockRequested;
  }

  crash(reason: string, pc: number, vector?: number, error?: number): void {
    this.vm.stop('crash', this.share.crashReport(reason, pc, (va) => this.mem.read32(va), vector, error));
  }

  // ---- traps ----

  private trap(): void {
    const cpu = this.cpu;
    const vm = this.vm;
    const c = vm.counters;
    const v = cpu.trapVector;
    const pc = cpu.pc >>> 0;
    c.hostTraps++;
    if (v === VEC.UD && cpu.cpl === PV_KERNEL_RING && this.isHcall(pc)) {
      c.exits.HCALL++;
      vm.onExit?.({ reason: 'HCALL', pc });
      this.hypercall(pc);
      this.afterExit?.();
      return;
    }
    c.exits.EXCEPTION++;
    c.exceptionExits[v] = (c.exceptionExits[v] ?? 0) + 1;
    vm.onExit?.({ reason: 'EXCEPTION', pc, vector: v, error: cpu.trapError, cr2: cpu.cr2 });
    if (v === VEC.PF && this.devices === 'emulated' && this.deviceAccess(pc, cpu.cr2, cpu.trapError)) {
      this.afterExit?.();
      return;
    }
    // A return gate the CPU refused (a frame that is not a ring-3 one): as a bad iret, #GP.
    if (v === PV_VEC.USER_RETURN && cpu.cpl === PV_KERNEL_RING) this.reflect(VEC.GP, 0);
    else this.reflect(v, cpu.trapError, v === VEC.PF ? cpu.cr2 : undefined);
    this.afterExit?.();
  }

  private isHcall(pc: number): boolean {
    const pa = this.mem.phys(pc, false);
    return pa >= 0 && pc % 4 === 0 && (this.vm.guest.read32(pa) & 0xff) === OP.hcall;
  }

  private hypercall(pc: number): void {
    const cpu = this.cpu;
    const r = cpu.r;
    const args = [r[1]! >>> 0, r[2]! >>> 0, r[3]! >>> 0, r[4]! >>> 0, r[5]! >>> 0] as const satisfies Args;
    let res: HcResult;
    try {
      res = dispatch(this, r[0]! >>> 0, args);
    } catch (e) {
      // A pointer that became unmapped part-way through a batch (its own mmu_update unmapped it).
      if (!(e instanceof GuestFault)) throw e;
      res = -HC_ERR.EFAULT;
    }
    if (res !== NO_RESULT) {
      r[0] = res | 0;
      cpu.pc = (pc + 4) >>> 0;
    }
    this.vm.retire(1);
    if (this.vm.platform.poweroff.state.requested) return;
    this.events.sync();
    if (this.blockRequested) {
      this.blockRequested = false;
      this.shinfo.masked = false;
      if (!this.events.deliverable()) {
        this.blocked = true;
        this.vm.v.halted = true;
        return;
      }
    }
    if (this.events.deliverable() && this.upcallAt !== 0) this.upcall();
  }

  /**
   * Deliver a trap through the virtual trap table: a frame on the kernel stack (the stack_switch one when
   * coming from ring 3), as the CPU builds it, with the virtual IF in its FLAGS and events masked.
   */
  private reflect(vector: number, error: number, cr2?: number): void {
    if (cr2 !== undefined) this.shinfo.set('CR2', cr2);
    if (this.enter(this.vtable[vector]!, vector, error)) {
      this.vm.counters.reflectedTraps++;
      return;
    }
    if (vector !== VEC.DF && this.enter(this.vtable[VEC.DF]!, VEC.DF, vector)) {
      this.vm.counters.reflectedTraps++;
      return;
    }
    this.crash('triple fault: the PV guest could not take a trap, nor the double fault that followed', this.cpu.pc, vector, error);
  }

  private upcall(): void {
    this.events.sync();
    if (!this.enter(this.upcallAt, PV_VEC.UPCALL, 0)) {
      this.crash('the PV guest could not take its event upcall (its kernel stack is not mapped and writable)', this.cpu.pc);
      return;
    }
    this.vm.counters.upcalls++;
    this.blocked = false;
    this.vm.v.halted = false;
  }

  private enter(handler: number, vector: number, error: number): boolean {
    if (handler === 0) return false;
    const cpu = this.cpu;
    const from = cpu.cpl;
    const oldSp = cpu.r[SP]! >>> 0;
    const frame = trapFrameBase(from, PV_KERNEL_RING, oldSp, cpu.cr4);
    // The virtual IF is the event mask.
    const flags = frameFlags((cpu.flags & FLAGS.ARITH) | (this.shinfo.masked ? 0 : FLAGS.IF), from);
    if (!this.mem.check(frame, FRAME.SIZE, true)) return false;
    writeTrapFrame(this.mem, frame, vector, error, cpu.pc, flags, oldSp);
    cpu.r[SP] = frame | 0;
    cpu.cpl = PV_KERNEL_RING;
    cpu.pc = handler >>> 0;
    this.shinfo.masked = true;
    return true;
  }

  /**
   * An access the kernel made to a device register it mapped (--devices emulated): the VMM performs the
   * instruction on the model (memory-insn.ts). False if the fault was not at a device register.
   */
  private deviceAccess(pc: number, va: number, error: number): boolean {
    const cpu = this.cpu;
    const ma = cpu.probe(va, (error & PF_ERR.W) !== 0, cpu.cpl === 3);
    if (ma < 0 || this.paging.owns(ma)) return false;
    return emulateMemoryInsn(this.insnHost, pc);
  }

  /** What the memory-instruction emulator acts on: the real registers, the kernel's memory, reflection. */
  private get insnHost(): MemoryInsnHost {
    const cpu = this.cpu;
    const regs = { regs: cpu.r, get pc() { return cpu.pc; }, set pc(x: number) { cpu.pc = x >>> 0; } };
    return {
      vm: this.vm,
      access: this.mem,
      context: () => regs,
      guestCpl: () => (cpu.cpl === 3 ? 3 : 0),
      deliver: (vector, err, cr2) => this.reflect(vector, err, cr2),
    };
  }

  // ---- HcContext: what the hypercall handlers act on ----

  count(name: HypercallName): void {
    const h = this.vm.counters.hypercalls;
    h[name] = (h[name] ?? 0) + 1;
  }

  console(bytes: Uint8Array): void {
    for (const b of bytes) this.vm.platform.writeConsole(b);
  }

  setTrapTable(table: Uint32Array, upcall: number): void {
    this.vtable = Uint32Array.from(table);
    this.upcallAt = upcall >>> 0;
    this.gates.fill(0);
    // Software interrupts from ring 3 (system calls) go straight to the kernel: Xen's fast trap gate.
    for (let v: number = VEC.SOFT_MIN; v < VECTOR_COUNT; v++) if (v !== PV_VEC.USER_RETURN) this.gates[v] = table[v]!;
  }

  setBase(ma: number): number {
    const err = this.paging.setBase(ma >>> 0);
    if (err) return err;
    this.cpu.cr3 = ma >>> 0;
    return 0;
  }

  setKernelStack(sp: number): void {
    this.cpu.cr4 = sp >>> 0;
  }

  flushTlb(): void {
    this.cpu.flushTlb();
  }

  invalidatePage(va: number): void {
    this.cpu.invalidatePage(va);
  }

  setTimer(period: number, periodic: boolean): void {
    const t = this.vm.platform.timer;
    const at = (port: number) => port - PORT.TIMER_CTRL;
    t.write(at(PORT.TIMER_CTRL), 4, 0);
    if (period === 0) return;
    t.write(at(PORT.TIMER_PERIOD), 4, period);
    t.write(at(PORT.TIMER_CTRL), 4, TIMER_ENABLE | (periodic ? TIMER_PERIODIC : 0));
  }

  yieldSlice(): void {
    this.yielded = true;
  }

  block(): void {
    this.blockRequested = true;
  }

  hasBackend(id: BackendId): boolean {
    return this.backends[backendName(id)] !== undefined;
  }

  connect(id: BackendId, ring: number, port: number, ring2: number): number {
    const factory = this.backends[backendName(id)];
    if (!factory) return -HC_ERR.ENOENT;
    if (this.connected.has(id)) return -HC_ERR.EBUSY;
    const b = this.events.binding(port);
    if (b === null || b.kind !== EVT_BIND.BACKEND || b.which !== id) return -HC_ERR.EINVAL;
    const conn = { backend: id, ring, port, ring2 };
    const made = factory(this.backendHost(port), conn);
    if (typeof made === 'number') return made < 0 ? made : -HC_ERR.EINVAL;
    this.connected.set(id, { backend: made, conn });
    return made.connectResult ?? 0;
  }

  /** What a back-end connected on `port` may use of this domain. */
  private backendHost(port: number): BackendHost {
    const vm = this.vm;
    return {
      vm: vm.name,
      grants: this.grants,
      platform: vm.platform,
      raise: () => {
        this.events.raise(port);
        if (this.blocked && this.events.deliverable()) vm.v.halted = false;
      },
      console: (bytes) => this.console(bytes),
    };
  }

  notify(port: number): number {
    const b = this.events.binding(port);
    if (b === null) return -HC_ERR.ENOENT;
    if (b.kind !== EVT_BIND.BACKEND) return -HC_ERR.EINVAL;
    const c = this.connected.get(b.which as BackendId);
    if (!c) return -HC_ERR.ENOENT;
    c.backend.notify();
    return 0;
  }

  shutdown(status: number): void {
    this.vm.platform.poweroff.write(0, 4, status);
  }

  iret(): HcResult {
    const cpu = this.cpu;
    const at = cpu.r[SP]! >>> 0;
    if (!this.mem.check(at, PV_IRET.FRAME + FRAME.SIZE, false)) return -HC_ERR.EFAULT;
    const r0 = this.mem.read32((at + PV_IRET.R0) >>> 0);
    const f = this.ret;
    readTrapReturn(this.mem, (at + PV_IRET.FRAME) >>> 0, f);
    const cpl = frameCpl(f.flags);
    if ((cpl !== PV_KERNEL_RING && cpl !== 3) || f.pc % 4 !== 0) return -HC_ERR.EINVAL;
    cpu.flags = (f.flags & FLAGS.ARITH) | FLAGS.IF;
    this.shinfo.masked = (f.flags & FLAGS.IF) === 0;
    cpu.cpl = cpl;
    cpu.pc = f.pc;
    cpu.r[SP] = f.sp | 0;
    cpu.r[0] = r0 | 0;
    return NO_RESULT;
  }
}
