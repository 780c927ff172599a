// The events a hypervisor counts for one VM, on top of what the CPU counts itself.

import { EXIT_REASONS, type ExitReason } from '../../isa/abi.js';

export interface VirtCounters {
  /** Exits by reason (hardware-assisted VMs; a trap-and-emulate guest's faults count as EXCEPTION). */
  exits: Record<ExitReason, number>;
  /** EXCEPTION exits by vector number. */
  exceptionExits: Record<string, number>;
  /** Faults of a deprivileged guest taken by the VMM (trap-and-emulate). */
  hostTraps: number;
  /** Traps and interrupts the VMM delivered into the guest's own handlers by building the frame itself. */
  reflectedTraps: number;
  /** Privileged or sensitive instructions (and device and page-table accesses) the VMM decoded and emulated. */
  emulatedInstructions: number;
  /** Guest instructions run by the VMM's interpreter (software emulation). */
  interpretedInstructions: number;
  /** Virtual interrupts delivered into the guest. */
  interruptsInjected: number;
  shadowFaults: number;
  shadowSyncs: number;
  shadowFlushes: number;
  /** Switches of the physical CPU between VMs. */
  worldSwitches: number;
  /** Sensitive instructions that ran at ring > 0 and silently did the wrong thing. */
  silentFailures: number;
  hypercalls: Record<string, number>;
  /** Events the VMM delivered into a PV guest's upcall handler: each an entry into the VMM and back, so an exit. */
  upcalls: number;
}

export function createCounters(): VirtCounters {
  return {
    exits: Object.fromEntries(EXIT_REASONS.map((r) => [r, 0])) as Record<ExitReason, number>,
    exceptionExits: {},
    hostTraps: 0,
    reflectedTraps: 0,
    emulatedInstructions: 0,
    interpretedInstructions: 0,
    interruptsInjected: 0,
    shadowFaults: 0,
    shadowSyncs: 0,
    shadowFlushes: 0,
    worldSwitches: 0,
    silentFailures: 0,
    hypercalls: {},
    upcalls: 0,
  };
}

export function exitsTotal(c: VirtCounters): number {
  let n = 0;
  for (const r of EXIT_REASONS) n += c.exits[r];
  return n + c.upcalls;
}
