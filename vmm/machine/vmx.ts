// The virtualization extension's control block and exit record (VT-x + EPT alike; docs/vx32.md, last section).

import { EXIT_REASONS, type ExitReason } from '../../isa/abi.js';

/** Bit of an exit reason in `VmControl.exitOn`: bit i = EXIT_REASONS[i]. */
export const EXIT_BIT = Object.fromEntries(EXIT_REASONS.map((r, i) => [r, 1 << i])) as {
  readonly [K in ExitReason]: number;
};

/** Bitmask of `VmControl.exitOn` for a list of reasons. */
export function exitMask(...reasons: ExitReason[]): number {
  let m = 0;
  for (const r of reasons) m |= EXIT_BIT[r];
  return m;
}

/** An event to deliver through the guest's vector table on the next entry. */
export interface InjectedEvent {
  vector: number;
  error: number;
}

/** The per-VM control block. A non-null `Cpu.vmx` puts the CPU in non-root mode. */
export interface VmControl {
  /**
   * Instruction exit reasons enabled (bitmask of EXIT_BIT): HLT, IO, CR_ACCESS, DESC_TABLE, INVLPG,
   * INTR_FLAG, CPL_READ, SOFT_INT. `hcall` always exits HCALL; the other reasons have their own fields.
   */
  exitOn: number;
  /** 65536 bits: with IO in exitOn, a port exits iff its bit is set. */
  ioBitmap: Uint8Array;
  /** Bit v set: exception v (< 32) exits EXCEPTION instead of going through the guest's vector table. */
  exceptionBitmap: number;
  /** Interrupts from the physical controller exit EXT_INTERRUPT (whatever the guest's IF) instead of reaching the guest. */
  extInterruptExit: boolean;
  /** Exit INTERRUPT_WINDOW at the first instruction boundary where the guest has IF = 1. */
  interruptWindowExit: boolean;
  /** Second-stage page directory (host-physical), or -1: guest-physical addresses are host-physical. Call `Cpu.flushTlb()` after editing second-stage tables. */
  eptRoot: number;
  /** Delivered through the guest's vector table when run() starts, then cleared. */
  inject: InjectedEvent | null;
}

export function createVmControl(init: Partial<VmControl> = {}): VmControl {
  return {
    exitOn: 0,
    ioBitmap: new Uint8Array(65536 / 8),
    exceptionBitmap: 0,
    extInterruptExit: false,
    interruptWindowExit: false,
    eptRoot: -1,
    inject: null,
    ...init,
  };
}

/** Mark (or clear) port `port` in an I/O bitmap. */
export function setIoBit(bitmap: Uint8Array, port: number, on = true): void {
  const i = port >>> 3;
  const m = 1 << (port & 7);
  bitmap[i] = on ? bitmap[i]! | m : bitmap[i]! & ~m;
}

/**
 * Why the CPU left non-root mode. One object per CPU, overwritten by each exit; only the fields of
 * the reason's qualification are meaningful:
 * - IO: port, write, reg, size (4), value (for out)
 * - CR_ACCESS: cr, write, reg, value (for writes)
 * - DESC_TABLE / INVLPG / CPL_READ: reg (value = the register's content for lidt/invlpg)
 * - SOFT_INT: vector; EXCEPTION: vector, error, cr2 (for #PF; the CPU's cr2 is left alone)
 * - EXT_INTERRUPT: vector (still pending: the hypervisor acknowledges it at the controller)
 * - EPT_VIOLATION: gpa, write, fetch, walk, and for a data access reg, size (the ISA table's width; 0
 *   for an instruction that touches no memory), value (what a store writes); with `walk`
 *   the gpa is one of the guest's page-table entries and write/fetch describe the access that walked
 * - TRIPLE_FAULT: vector, error (the fault whose delivery failed)
 * `pc` is the instruction's address (instruction exits happen before it executes; the hypervisor
 * emulates and advances pc by `length`); for an EXCEPTION exit it is the pc the trap would save.
 */
export interface ExitInfo {
  reason: ExitReason;
  pc: number;
  /** Opcode and length in bytes of the instruction at pc (0 when the exit is not caused by one). */
  opcode: number;
  length: number;
  port: number;
  write: boolean;
  reg: number;
  size: number;
  value: number;
  cr: number;
  vector: number;
  error: number;
  cr2: number;
  gpa: number;
  fetch: boolean;
  walk: boolean;
}

export function createExitInfo(): ExitInfo {
  return {
    reason: 'HLT',
    pc: 0,
    opcode: 0,
    length: 0,
    port: 0,
    write: false,
    reg: 0,
    size: 0,
    value: 0,
    cr: 0,
    vector: 0,
    error: 0,
    cr2: 0,
    gpa: 0,
    fetch: false,
    walk: false,
  };
}

/** Reset the qualification fields before filling them for a new exit. */
export function clearExitInfo(e: ExitInfo, reason: ExitReason, pc: number): void {
  e.reason = reason;
  e.pc = pc >>> 0;
  e.opcode = 0;
  e.length = 0;
  e.port = 0;
  e.write = false;
  e.reg = 0;
  e.size = 0;
  e.value = 0;
  e.cr = 0;
  e.vector = 0;
  e.error = 0;
  e.cr2 = 0;
  e.gpa = 0;
  e.fetch = false;
  e.walk = false;
}
