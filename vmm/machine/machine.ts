// The physical machine for a native run: RAM, the CPU, the bus with every device at its abi.ts address, and the run loop.
//
// The run loop slices CPU execution at the timer's next expiry so the timer (which counts guest
// instructions) fires at an exact instruction, services the devices between slices, and turns the
// CPU's stop reasons into a RunResult. Devices never see the CPU; this file is the only place they meet.
import type { Image } from '../../assembler/types.js';
import { EXIT_CODE, FLAGS, MEMMAP, PAGE_SIZE, VEC } from '../../isa/abi.js';
import type { BlockDevice } from '../devices/block.js';
import { Platform, type PlatformOptions } from '../platform.js';
import type { Bus } from '../devices/bus.js';
import type { Iommu } from '../devices/iommu.js';
import type { Loopback, Nic } from '../devices/nic.js';
import type { Pic } from '../devices/pic.js';
import type { PowerOff } from '../devices/poweroff.js';
import type { TestPort } from '../devices/testport.js';
import type { Timer } from '../devices/timer.js';
import type { Uart } from '../devices/uart.js';
import { buildCrashReport, cpuRegisters, vectorName, type CrashReport } from '../report/crash.js';
import { Cpu, type StopReason } from './cpu.js';
import { loadProfile, type CostProfile } from '../cost/profile.js';
import { buildRunStats } from '../stats.js';
import { loadImage } from './loader.js';
import type { RunResult, RunStats, RunStatus } from './run-result.js';

export interface MachineOptions extends PlatformOptions {
  /** Bytes of RAM: a multiple of the page size, at most MEMMAP.MAX_RAM. */
  ramSize?: number;
  /** Strict VX32: the sensitive-unprivileged instructions trap at CPL > 0. */
  strict?: boolean;
  /** Cost profile for modeled cycles (default: `modern`). */
  profile?: CostProfile;
  /** Watches each external interrupt the CPU takes: the guest instructions completed before it, and its vector. */
  onInterrupt?: InterruptObserver;
}

/**
 * Sees each external interrupt delivered to a guest, as it is delivered: `at` is the number of guest
 * instructions completed before it (the guest's own clock, the same under every technique), `vector` its
 * vector. An interrupt is taken only at an instruction boundary, before the next instruction is tried.
 */
export type InterruptObserver = (at: number, vector: number) => void;

export interface RunOptions {
  /**
   * Budget of simulated time in instructions: guest instructions plus idle time fast-forwarded in
   * `hlt`, so an idle loop woken by the timer also ends. The run stops with status `limit` when it
   * is used up.
   */
  maxInstructions: number;
}

/** A machine option out of range. */
export class MachineConfigError extends Error {}

export class Machine {
  readonly ramSize: number;
  readonly mem: Uint8Array;
  /** The devices, at their ABI addresses; the fields below are shortcuts into it. */
  readonly platform: Platform;
  readonly bus: Bus;
  readonly pic: Pic;
  readonly timer: Timer;
  readonly uart: Uart;
  readonly poweroff: PowerOff;
  readonly testport: TestPort;
  readonly iommu: Iommu;
  readonly block: BlockDevice;
  readonly nic: Nic;
  /** The NIC's far end: tests read `wire.sent` and `wire.inject()` packets. */
  readonly wire: Loopback;
  readonly cpu: Cpu;
  readonly profile: CostProfile;
  private image: Image | undefined;
  /** CPU instruction count the timer has been advanced to. */
  private timerClock = 0;
  private idle = 0;

  constructor(opts: MachineOptions = {}) {
    const ramSize = opts.ramSize ?? MEMMAP.DEFAULT_RAM;
    if (!Number.isInteger(ramSize) || ramSize < PAGE_SIZE || ramSize % PAGE_SIZE !== 0 || ramSize > MEMMAP.MAX_RAM)
      throw new MachineConfigError(
        `RAM size ${ramSize} must be a multiple of ${PAGE_SIZE} bytes between ${PAGE_SIZE} and ${MEMMAP.MAX_RAM}`,
      );
    this.ramSize = ramSize;
    const buffer = new ArrayBuffer(ramSize);
    this.mem = new Uint8Array(buffer);
    const p = new Platform(this.mem, opts);
    this.platform = p;
    this.bus = p.bus;
    this.pic = p.pic;
    this.timer = p.timer;
    this.uart = p.uart;
    this.poweroff = p.poweroff;
    this.testport = p.testport;
    this.iommu = p.iommu;
    this.block = p.block;
    this.nic = p.nic;
    this.wire = p.wire;
    // The guest must see the timer's count as of the instruction that reads it, not as of the slice start.
    this.bus.beforeAccess = (name) => {
      if (name === 'timer') this.syncTimer();
    };
    // An interrupt check inside a slice (after sti, iret, popf, ...) must see an expiry due at that very
    // instruction, as the check at the next slice's start does.
    this.pic.beforeQuery = () => this.syncTimer();

    this.cpu = new Cpu(buffer, this.bus, this.pic, { strict: opts.strict ?? false });
    const watch = opts.onInterrupt;
    if (watch) this.pic.onAcknowledge = (vector) => watch(this.cpu.stats.instructions, vector);
    this.profile = opts.profile ?? loadProfile();
  }

  /** Load an image and reset the CPU to its entry: CPL 0, IF = 0, paging off, sp = top of RAM. */
  load(image: Image): void {
    loadImage(this.mem, image);
    this.image = image;
    this.cpu.reset(image.entry, this.ramSize);
  }

  /** Console text so far. */
  get console(): string {
    return this.platform.console;
  }

  run(opts: RunOptions): RunResult {
    const start = performance.now();
    const cpu = this.cpu;
    const budget = Math.max(0, Math.floor(opts.maxInstructions));
    const first = cpu.stats.instructions;
    const firstIdle = this.idle;
    const used = () => cpu.stats.instructions - first + (this.idle - firstIdle);
    let status: RunStatus | undefined;
    let crash: CrashReport | undefined;

    while (status === undefined) {
      if (this.poweroff.state.requested) {
        status = 'poweroff';
        break;
      }
      const spent = used();
      if (spent >= budget) {
        status = 'limit';
        break;
      }
      const slice = Math.max(1, Math.min(budget - spent, this.timer.untilNext()));
      const stop: StopReason = cpu.run(slice);
      this.syncTimer();
      switch (stop) {
        case 'budget':
        case 'io':
          break;
        case 'halt':
          if (!this.wake(budget - used())) status = 'halted';
          break;
        case 'triple':
          status = 'crash';
          crash = this.crashReport('triple fault');
          break;
        default:
          // 'exit' and 'trap' only happen when a hypervisor asked for them; native never does.
          status = 'crash';
          crash = this.crashReport(`the CPU stopped for a reason native runs never request (${stop})`);
      }
    }
    return this.result(status, crash, performance.now() - start);
  }

  /**
   * The CPU sits in `hlt`. Returns true if it can continue: an interrupt is deliverable now, or the
   * timer will raise one (time is fast-forwarded to that expiry and counted as idle). False if
   * nothing can ever wake it: IF = 0, or no armed source whose interrupt the controller would deliver.
   * Idles at most `left` instructions' worth of time (the rest of the budget).
   */
  private wake(left: number): boolean {
    const cpu = this.cpu;
    if ((cpu.flags & FLAGS.IF) === 0) return false;
    if (this.pic.pendingVector(cpu.cr8) >= 0) return true;
    const wait = this.timer.untilNext();
    if (wait === Infinity) return false;
    if (wait > left) {
      // The budget ends before the timer does: idle to the end; the loop then reports `limit`.
      this.timer.advance(left);
      this.idle += left;
      return true;
    }
    this.timer.advance(wait);
    this.idle += wait;
    // An expiry the controller would not deliver (masked, below cr8, blocked by one in service)
    // will not be delivered on the next expiry either: nothing else changes while halted.
    return this.pic.pendingVector(cpu.cr8) >= 0;
  }

  private syncTimer(ahead = 0): void {
    const now = this.cpu.stats.instructions + ahead;
    if (now > this.timerClock) this.timer.advance(now - this.timerClock);
    this.timerClock = now;
  }

  private crashReport(reason: string): CrashReport {
    const cpu = this.cpu;
    const info = cpu.tripleInfo;
    // Faults save the faulting instruction's pc; `int` and `brk` save the next one (both are 4 bytes);
    // an interrupt has no instruction of its own, so name the one it interrupted.
    const trapLike = info !== null && (info.vector === VEC.BP || info.vector >= VEC.SOFT_MIN);
    const pc = info ? (trapLike ? info.pc - 4 : info.pc) >>> 0 : cpu.pc >>> 0;
    const registers = cpuRegisters(cpu);
    return buildCrashReport({
      reason: info ? `triple fault: ${describeTriple(info.vector)}` : reason,
      pc,
      words: this.peekWords(pc),
      fault: info ? { vector: info.vector, error: info.error, cr2: cpu.cr2 >>> 0 } : null,
      registers,
      ...(this.image ? { image: this.image } : {}),
    });
  }

  /** The two words at virtual address `va` as the CPU would fetch them, or null if unreadable. */
  private peekWords(va: number): readonly [number, number] | null {
    const user = this.cpu.cpl === 3;
    const pa = this.cpu.probe(va, false, user);
    if (pa < 0 || pa + 4 > this.ramSize) return null;
    const view = new DataView(this.mem.buffer);
    const w = view.getUint32(pa, true);
    const pa2 = this.cpu.probe((va + 4) | 0, false, user);
    const ext = pa2 >= 0 && pa2 + 4 <= this.ramSize ? view.getUint32(pa2, true) : 0;
    return [w, ext];
  }

  private result(status: RunStatus, crash: CrashReport | undefined, wallMs: number): RunResult {
    const exitCode =
      status === 'poweroff'
        ? this.poweroff.state.status & 0xff
        : status === 'halted'
          ? EXIT_CODE.OK
          : status === 'limit'
            ? EXIT_CODE.LIMIT
            : EXIT_CODE.CRASH;
    const r: RunResult = { status, exitCode, console: this.console, stats: this.stats(), wallMs };
    if (crash) r.crash = crash;
    return r;
  }

  /** Counted events so far, with modeled cycles. */
  stats(): RunStats {
    const c = this.cpu.stats;
    return buildRunStats({
      technique: 'native',
      cpu: c,
      guestInstructions: c.instructions,
      idleInstructions: this.idle,
      platform: this.platform,
      profile: this.profile,
    });
  }

  /** Every device's state as one JSON-able object (the disk contents excluded). */
  snapshotDevices(): DeviceSnapshot {
    return {
      pic: this.pic.snapshot(),
      timer: this.timer.snapshot(),
      uart: this.uart.snapshot(),
      poweroff: this.poweroff.snapshot(),
      testport: this.testport.snapshot(),
      block: this.block.snapshot(),
      nic: this.nic.snapshot(),
      iommu: this.iommu.snapshot(),
    };
  }

  restoreDevices(s: DeviceSnapshot): void {
    this.pic.restore(s.pic);
    this.timer.restore(s.timer);
    this.uart.restore(s.uart);
    this.poweroff.restore(s.poweroff);
    this.testport.restore(s.testport);
    this.block.restore(s.block);
    this.nic.restore(s.nic);
    this.iommu.restore(s.iommu);
  }
}

export interface DeviceSnapshot {
  pic: ReturnType<Pic['snapshot']>;
  timer: ReturnType<Timer['snapshot']>;
  uart: ReturnType<Uart['snapshot']>;
  poweroff: ReturnType<PowerOff['snapshot']>;
  testport: ReturnType<TestPort['snapshot']>;
  block: ReturnType<BlockDevice['snapshot']>;
  nic: ReturnType<Nic['snapshot']>;
  iommu: ReturnType<Iommu['snapshot']>;
}

function describeTriple(vector: number): string {
  if (vector === VEC.DF) return 'a double fault could not be delivered';
  return `${vectorName(vector)} could not be delivered (no usable handler), nor the double fault that followed`;
}
