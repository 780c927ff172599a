// A bare machine to run one kernel on: the native technique through the one run loop, with its parts in reach.
//
// Tests and tools that want "the kernel alone on the machine" use this instead of assembling a
// hypervisor: it is one, running the oracle technique, so bare metal and every VMM technique share one
// definition of budget, idle time and interrupt delivery.

import type { Image } from '../assembler/types.js';
import type { CostProfile } from './cost/profile.js';
import { Hypervisor } from './hv/hypervisor.js';
import { oracle } from './hv/techniques/registry.js';
import type { Cpu } from './machine/cpu.js';
import { MachineConfigError, ramSizeError } from './machine/ram.js';
import type { RunResult, RunStats } from './run-result.js';
import type { Platform, PlatformOptions } from './platform.js';

export { MachineConfigError };

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
   * Budget of simulated time in instructions for this call: guest instructions plus idle time in `hlt`.
   * A run that uses it up reports `limit`, and a later call goes on from there.
   */
  maxInstructions: number;
}

export class Machine {
  private hv: Hypervisor | null = null;

  constructor(private readonly opts: MachineOptions = {}) {
    const bad = opts.ramSize !== undefined ? ramSizeError(opts.ramSize) : null;
    if (bad) throw new MachineConfigError(bad);
  }

  /** Load an image and reset the CPU to its entry: CPL 0, IF = 0, paging off, sp = top of RAM. */
  load(image: Image): void {
    const o = this.opts;
    this.hv = new Hypervisor(
      [
        {
          name: 'guest',
          image,
          ...(o.ramSize !== undefined ? { ramSize: o.ramSize } : {}),
          ...(o.stdin !== undefined ? { stdin: o.stdin } : {}),
          ...(o.blockImage ? { blockImage: o.blockImage } : {}),
          ...(o.consoleSink ? { consoleSink: o.consoleSink } : {}),
          ...(o.packets ? { packets: o.packets } : {}),
        },
      ],
      {
        technique: oracle().name,
        strict: o.strict ?? false,
        ...(o.profile ? { profile: o.profile } : {}),
        ...(o.onInterrupt ? { onInterrupt: (_vm: string, at: number, vector: number) => o.onInterrupt!(at, vector) } : {}),
      },
    );
  }

  private get loaded(): Hypervisor {
    if (!this.hv) throw new Error('load an image first');
    return this.hv;
  }

  run(opts: RunOptions): RunResult {
    const hv = this.loaded;
    hv.runUntil(hv.usedBy(0) + Math.max(0, Math.floor(opts.maxInstructions)));
    const { status, exitCode, guestStatus, console, stats, wallMs, crash } = hv.results()[0]!;
    return { status, exitCode, ...(guestStatus !== undefined ? { guestStatus } : {}), console, stats, wallMs, ...(crash ? { crash } : {}) };
  }

  /** Counted events so far, with modeled cycles. */
  stats(): RunStats {
    return this.loaded.results()[0]!.stats;
  }

  get platform(): Platform {
    return this.loaded.vms[0]!.platform;
  }
  /** Physical memory, as the CPU and DMA see it. */
  get mem(): Uint8Array {
    return this.loaded.vms[0]!.guest.raw;
  }
  get cpu(): Cpu {
    return this.loaded.runners[0]!.cpu;
  }
  get console(): string {
    return this.platform.console;
  }
  get block() {
    return this.platform.block;
  }
  get wire() {
    return this.platform.wire;
  }
  get poweroff() {
    return this.platform.poweroff;
  }
  get testport() {
    return this.platform.testport;
  }
  get pic() {
    return this.platform.pic;
  }
  get timer() {
    return this.platform.timer;
  }
  get uart() {
    return this.platform.uart;
  }
  get nic() {
    return this.platform.nic;
  }
}
