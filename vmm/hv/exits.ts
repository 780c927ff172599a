// VM exits as one typed union, and the one function that handles them for every technique.
//
// Hardware-assisted VMs exit through the virtualization extension; a trap-and-emulate guest's faults
// reach the VMM as EXCEPTION exits of the same union. What differs by technique (how a trap reaches
// the guest, where its control registers live) comes in through ExitHost.

import { PF_ERR, VEC, type ExitReason } from '../../isa/abi.js';
import type { Decoded } from '../../isa/encoding.js';
import type { ExitInfo } from '../machine/vmx.js';
import { faultingPc, tripleFaultReason } from './crash.js';
import type { GuestAccess } from './guest-access.js';
import { emulateMemoryInsn } from './memory-insn.js';
import type { ShadowPager } from './memory/shadow.js';
import { GuestFault, isSystemId, type EmulationContext } from './privileged.js';
import type { Vm } from './vm.js';

interface Insn {
  readonly pc: number;
}

export type VmExit =
  | ({ readonly reason: 'HLT' | 'IO' | 'CR_ACCESS' | 'DESC_TABLE' | 'INVLPG' | 'INTR_FLAG' | 'CPL_READ' } & Insn)
  | ({ readonly reason: 'HCALL' } & Insn)
  | ({ readonly reason: 'SOFT_INT'; readonly vector: number } & Insn)
  | ({ readonly reason: 'EXCEPTION'; readonly vector: number; readonly error: number; readonly cr2: number } & Insn)
  | { readonly reason: 'EXT_INTERRUPT'; readonly vector: number }
  | { readonly reason: 'INTERRUPT_WINDOW' }
  | ({
      readonly reason: 'EPT_VIOLATION';
      readonly gpa: number;
      readonly write: boolean;
      readonly fetch: boolean;
      /** gpa is a guest page-table entry, not the instruction's data (write/fetch: the access that walked). */
      readonly walk: boolean;
    } & Insn)
  | { readonly reason: 'TRIPLE_FAULT'; readonly vector: number; readonly error: number };

// Every reason the extension can report has a case in the union.
type Missing = Exclude<ExitReason, VmExit['reason']>;
const _allReasonsCovered: Missing extends never ? true : never = true;
void _allReasonsCovered;

/** Convert the CPU's exit record into the union (copying, since the CPU reuses its record). */
export function fromExitInfo(e: ExitInfo): VmExit {
  switch (e.reason) {
    case 'SOFT_INT':
      return { reason: e.reason, pc: e.pc, vector: e.vector };
    case 'EXCEPTION':
      return { reason: e.reason, pc: e.pc, vector: e.vector, error: e.error, cr2: e.cr2 };
    case 'EXT_INTERRUPT':
      return { reason: e.reason, vector: e.vector };
    case 'INTERRUPT_WINDOW':
      return { reason: e.reason };
    case 'EPT_VIOLATION':
      return { reason: e.reason, pc: e.pc, gpa: e.gpa, write: e.write, fetch: e.fetch, walk: e.walk };
    case 'TRIPLE_FAULT':
      return { reason: e.reason, vector: e.vector, error: e.error };
    default:
      return { reason: e.reason, pc: e.pc };
  }
}

/** What the exit handler needs from the technique. */
export interface ExitHost {
  readonly vm: Vm;
  readonly access: GuestAccess;
  readonly shadow: ShadowPager | null;
  /** Whether the sensitive-unprivileged instructions trap (strict VX32) - only then are they emulated on #GP. */
  readonly strict: boolean;
  /** The emulation context for the guest's current state. */
  context(): EmulationContext;
  /** The guest's own privilege level (its kernel is 0 whatever ring it really runs in). */
  guestCpl(): number;
  /** Deliver an exception into the guest: through its vector table, as hardware would. `cr2` for #PF. */
  deliver(vector: number, error: number, cr2?: number): void;
  /**
   * The event the CPU was delivering when this exit happened, which it will re-inject on the next entry
   * (hardware only; null when the exit did not interrupt a delivery).
   */
  pendingEvent(): { readonly vector: number; readonly error: number } | null;
  /**
   * Deliver the pending event by hand (frame written through the guest's tables, so page-table pages
   * are synced), for a delivery the CPU could not finish because the frame fell on a write-protected
   * guest page table. False if the guest cannot take it (the caller then raises #DF).
   */
  deliverBySoftware(vector: number, error: number): boolean;
  /** The real TLB must forget translations (the shadow changed). */
  flushTlb(): void;
  /** Stop the interrupt-window exit (hardware only). */
  clearInterruptWindow(): void;
  /** A physical interrupt arrived (from a passed-through device): route it to the VM that owns the device. */
  hostInterrupt(vector: number): void;
  /** The guest crashed (triple fault, or a state the VMM cannot continue from). */
  crash(reason: string, pc: number, vector?: number, error?: number): void;
}

/** Handle one exit. Never throws for anything a guest can do. */
export function handleExit(h: ExitHost, exit: VmExit): void {
  const vm = h.vm;
  vm.counters.exits[exit.reason]++;
  vm.onExit?.(exit);
  switch (exit.reason) {
    case 'HLT':
    case 'IO':
    case 'CR_ACCESS':
    case 'DESC_TABLE':
    case 'INVLPG':
    case 'INTR_FLAG':
    case 'CPL_READ':
      emulateAt(h, exit.pc);
      return;
    case 'HCALL':
      // An unmodified kernel has no hypercalls: as on bare metal, the instruction is invalid.
      h.deliver(VEC.UD, 0);
      return;
    case 'SOFT_INT':
      h.deliver(exit.vector, 0);
      return;
    case 'EXCEPTION':
      vm.counters.exceptionExits[exit.vector] = (vm.counters.exceptionExits[exit.vector] ?? 0) + 1;
      exception(h, exit);
      return;
    case 'EXT_INTERRUPT':
      h.hostInterrupt(exit.vector);
      return;
    case 'INTERRUPT_WINDOW':
      h.clearInterruptWindow();
      return;
    case 'EPT_VIOLATION':
      if (deliveryFailed(h)) return;
      // A data access outside the second stage: the VMM performs the instruction, which reaches the device
      // it meant, or raises the bus error (or, for a page-table reference outside RAM, the walk's fault)
      // the bare machine would, at the address the bare machine would.
      if (!exit.fetch && emulateMemoryInstruction(h, exit.pc)) return;
      // Neither RAM nor a device: a bus error, reported to the guest as a protection fault.
      h.deliver(
        VEC.PF,
        PF_ERR.P | (exit.write ? PF_ERR.W : 0) | (exit.fetch ? PF_ERR.F : 0) | (h.guestCpl() === 3 ? PF_ERR.U : 0),
        exit.pc,
      );
      return;
    case 'TRIPLE_FAULT':
      h.crash(tripleFaultReason(exit.vector), faultingPc(exit.vector, h.context().pc), exit.vector, exit.error);
      return;
    default: {
      const never: never = exit;
      throw new Error(`unhandled exit ${String(never)}`);
    }
  }
}

/** A fault of the guest, intercepted by the VMM (trap-and-emulate, or the exception bitmap). */
function exception(h: ExitHost, e: Extract<VmExit, { reason: 'EXCEPTION' }>): void {
  const kernel = h.guestCpl() === 0;
  switch (e.vector) {
    case VEC.GP:
    case VEC.UD:
      if (kernel && e.vector === VEC.GP && emulateAt(h, e.pc, true)) return;
      h.deliver(e.vector, e.error);
      return;
    case VEC.PF:
      if (h.shadow) {
        shadowFault(h, h.shadow, e);
        return;
      }
      h.deliver(VEC.PF, e.error, e.cr2);
      return;
    default:
      h.deliver(e.vector, e.error);
  }
}

function shadowFault(h: ExitHost, shadow: ShadowPager, e: Extract<VmExit, { reason: 'EXCEPTION' }>): void {
  const access = {
    write: (e.error & PF_ERR.W) !== 0,
    user: (e.error & PF_ERR.U) !== 0,
    fetch: (e.error & PF_ERR.F) !== 0,
  };
  let r;
  try {
    r = shadow.fill(e.cr2, access);
  } catch (err) {
    h.crash(`the VMM could not shadow this guest's page tables: ${(err as Error).message}`, e.pc);
    return;
  }
  const pending = h.pendingEvent();
  if (r.kind !== 'filled' && pending !== null) {
    // The fault came from pushing a trap frame, not from the instruction at pc. On a page-table page
    // (a stack there is odd but legal) the VMM pushes the frame itself, keeping the shadow in sync.
    h.flushTlb();
    if (r.kind !== 'ptwrite' || !h.deliverBySoftware(pending.vector, pending.error)) deliveryFailed(h);
    return;
  }
  switch (r.kind) {
    case 'filled':
      h.flushTlb();
      return;
    case 'reflect':
      h.deliver(VEC.PF, r.error, e.cr2);
      return;
    case 'mmio':
      // A fetch from a device page is a bus error; a data access is the instruction's to perform.
      if (access.fetch || !emulateMemoryInstruction(h, e.pc)) h.deliver(VEC.PF, e.error | PF_ERR.P, e.cr2);
      return;
    case 'ptwrite':
      // The guest wrote one of its page tables (write-protected in the shadow): the VMM performs the
      // instruction, whatever it is and however its bytes fall, and syncs the shadow as it stores.
      h.flushTlb();
      if (!emulateMemoryInstruction(h, e.pc)) h.crash('an instruction the ISA table says writes no memory wrote a page-table page', e.pc);
  }
}

/**
 * Perform the memory instruction at pc (memory-insn.ts); FLAGS and trap frames through the VM's
 * handlers, against the virtual CPU. False if the instruction touches no memory. Also what a binary
 * translator's callout does for an instruction it retranslated not to fault.
 */
export function emulateMemoryInstruction(h: ExitHost, pc: number): boolean {
  return emulateMemoryInsn(h, pc, (d) => {
    const id = d.info.id;
    if (!isSystemId(id)) throw new Error(`${id} moves FLAGS or a frame but has no handler`);
    h.vm.handlers[id](h.context(), d);
  });
}

/**
 * If the exit interrupted the delivery of an event, the delivery failed for good (its frame or vector
 * is outside RAM, or not mapped by the guest): as on the bare machine, that is a double fault, and a
 * failed double fault is a triple fault. Returns false when no delivery was under way.
 */
function deliveryFailed(h: ExitHost): boolean {
  const ev = h.pendingEvent();
  if (ev === null) return false;
  // A double fault's error code is the vector whose delivery failed first: the report names that one, as natively.
  if (ev.vector === VEC.DF) h.crash(tripleFaultReason(ev.error), faultingPc(ev.error, h.context().pc), ev.error, 0);
  else h.deliver(VEC.DF, ev.vector);
  return true;
}

/** Decode the instruction at pc, or deliver the fault the fetch raised. */
function fetchAt(h: ExitHost, pc: number): Decoded | null {
  try {
    const d = h.access.fetch(pc);
    if (d === null) h.deliver(VEC.UD, 0);
    return d;
  } catch (err) {
    if (err instanceof GuestFault) h.deliver(err.vector, err.error, err.address);
    else throw err;
    return null;
  }
}

/**
 * Emulate the privileged or sensitive instruction at pc against the virtual CPU. With `onlyIfTrapped`
 * (a #GP), only instructions that really trap at the guest kernel's ring are emulated: privileged
 * ones, and the sensitive ones under strict VX32. Returns false if the instruction is not one of those.
 */
function emulateAt(h: ExitHost, pc: number, onlyIfTrapped = false): boolean {
  let d: Decoded | null;
  if (onlyIfTrapped) {
    // A #GP at an unaligned pc, or at one the VMM cannot fetch, came before any instruction: the guest
    // gets the #GP itself, not a fault of the VMM's fetch nor an instruction decoded from odd bytes.
    if ((pc & 3) !== 0) return false;
    try {
      d = h.access.fetch(pc);
    } catch (err) {
      if (err instanceof GuestFault) return false;
      throw err;
    }
    if (d === null) return false;
  } else {
    d = fetchAt(h, pc);
    if (d === null) return true;
  }
  const id = d.info.id;
  if (!isSystemId(id) || (onlyIfTrapped && d.info.cls === 'sensitive' && !h.strict)) return false;
  const ctx = h.context();
  try {
    h.vm.handlers[id](ctx, d);
  } catch (err) {
    if (!(err instanceof GuestFault)) throw err;
    h.deliver(err.vector, err.error, err.vector === VEC.PF ? err.address : undefined);
    return true;
  }
  h.vm.counters.emulatedInstructions++;
  h.vm.retire(1);
  return true;
}

/**
 * Emulate the privileged instruction at pc for a technique that reached the VMM without a fault or an
 * exit (a binary translator's callout). False if pc does not hold a privileged or sensitive instruction.
 */
export function emulateInstruction(h: ExitHost, pc: number): boolean {
  return emulateAt(h, pc);
}
