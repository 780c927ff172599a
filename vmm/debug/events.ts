// What a traced or debugged run records: one event per guest instruction, exit, interrupt and MMU change.

import type { VmExit } from '../hv/exits.js';
import type { GuestRegisters } from '../hv/guest-state.js';

/** The kinds `--trace` selects. */
export const TRACE_KINDS = ['insn', 'exits', 'irq', 'mmu'] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];

/** A register an instruction changed: its name (r0..r15 as `sp`, flags, cpl, cr0..cr8, ivtb), old and new value. */
export interface RegChange {
  readonly name: string;
  readonly before: number;
  readonly after: number;
}

export interface InsnEvent {
  readonly kind: 'insn';
  readonly vm: string;
  /** Guest instructions the VM had completed before this one (its index in the run, from 0). */
  readonly n: number;
  readonly pc: number;
  /** The disassembly, or null where the instruction could not be read. */
  readonly text: string | null;
  /** `file:line` from the image's line table. */
  readonly where: string | null;
  readonly changed: readonly RegChange[];
  /** The registers after it (kept for the debugger; not printed). */
  readonly after?: GuestRegisters;
}

export interface ExitEvent {
  readonly kind: 'exits';
  readonly vm: string;
  readonly n: number;
  readonly exit: VmExit;
  readonly where: string | null;
}

export interface IrqEvent {
  readonly kind: 'irq';
  readonly vm: string;
  readonly n: number;
  readonly vector: number;
}

export interface MmuEvent {
  readonly kind: 'mmu';
  readonly vm: string;
  readonly n: number;
  readonly pc: number;
  readonly where: string | null;
  /** `cr3`, `cr0`, `pf` (a page fault: cr2 took a new value), `invlpg`. */
  readonly what: 'cr3' | 'cr0' | 'pf' | 'invlpg';
  readonly before: number;
  readonly after: number;
}

export type TraceEvent = InsnEvent | ExitEvent | IrqEvent | MmuEvent;
