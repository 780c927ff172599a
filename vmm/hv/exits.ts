// VM exits as one typed union, and the one function that handles them for every technique.
//
// Hardware-assisted VMs exit through the virtualization extension; a trap-and-emulate guest's faults
// reach the VMM as EXCEPTION exits of the same union. What differs by technique (how a trap reaches
// the guest, where its control registers live) comes in through ExitHost.

import { PF_ERR, VEC, type ExitReason } from '../../isa/abi.js';
import type { Decoded } from '../../isa/encoding.js';
import { ABS_FLAG } from '../../isa/table.js';
import type { ExitInfo } from '../machine/vmx.js';
import { faultingPc, tripleFaultReason } from '../report/crash.js';
import type { GuestAccess } from './guest-access.js';
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
      // A refused page-table reference is no device access of the instruction's: only a data access can be.
      if (!exit.fetch && !exit.walk && deviceAccess(h, exit.gpa, exit.pc)) return;
      // Neither RAM nor a device: a bus error, reported to the guest as a protection fault.
      h.deliver(
        VEC.PF,
        PF_ERR.P | (exit.write ? PF_ERR.W : 0) | (exit.fetch ? PF_ERR.F : 0) | (h.guestCpl() === 3 ? PF_ERR.U : 0),
        exit.fetch ? exit.pc : faultAddress(h, exit.pc),
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
      if (!deviceAccess(h, r.gpa, e.pc)) h.deliver(VEC.PF, PF_ERR.P | (access.write ? PF_ERR.W : 0), e.cr2);
      return;
    case 'ptwrite':
      h.flushTlb();
      pageTableWrite(h, shadow, r.gpa, e.pc, e.cr2);
  }
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
    h.deliver(err.vector, err.error, err.address);
    return true;
  }
  h.vm.counters.emulatedInstructions++;
  h.vm.retire(1);
  return true;
}

const LOAD_SIZE: Readonly<Record<string, 1 | 2 | 4>> = { ld: 4, ldh: 2, ldb: 1 };
const STORE_SIZE: Readonly<Record<string, 1 | 2 | 4>> = { st: 4, sth: 2, stb: 1 };

/** The virtual address the load or store at pc accessed (for cr2), or pc if it cannot be decoded. */
function faultAddress(h: ExitHost, pc: number): number {
  let d: Decoded | null = null;
  try {
    d = h.access.fetch(pc);
  } catch {
    return pc;
  }
  if (d === null) return pc;
  const regs = h.context().regs;
  switch (d.info.form) {
    case 'rm':
    case 'mr':
      return (regs[d.b]! + d.imm) >>> 0;
    case 'rM':
    case 'Mr':
      return ((d.imm16 & ABS_FLAG ? 0 : regs[d.b]!) + d.imm) >>> 0;
    default:
      return (d.info.mnemonic === 'push' ? regs[15]! - 4 : regs[15]!) >>> 0;
  }
}

/**
 * Emulate the privileged instruction at pc for a technique that reached the VMM without a fault or an
 * exit (a binary translator's callout). False if pc does not hold a privileged or sensitive instruction.
 */
export function emulateInstruction(h: ExitHost, pc: number): boolean {
  return emulateAt(h, pc);
}

/** A guest load or store reached a device register: perform it on the VM's device model. */
function deviceAccess(h: ExitHost, gpa: number, pc: number): boolean {
  const bus = h.vm.platform.bus;
  const d = fetchAt(h, pc);
  if (d === null) return true;
  const mn = d.info.mnemonic;
  const size = LOAD_SIZE[mn] ?? STORE_SIZE[mn];
  if (size === undefined || !bus.claimsMmio(gpa, size)) return false;
  const ctx = h.context();
  if (LOAD_SIZE[mn] !== undefined) ctx.regs[d.a] = bus.mmioRead(gpa, size);
  else bus.mmioWrite(gpa, size, ctx.regs[d.a]! >>> 0);
  ctx.pc = (pc + d.size) >>> 0;
  h.vm.counters.emulatedInstructions++;
  h.vm.retire(1);
  return true;
}

/** The guest wrote one of its page tables (write-protected in the shadow): do the store, then sync. */
function pageTableWrite(h: ExitHost, shadow: ShadowPager, gpa: number, pc: number, va: number): void {
  const d = fetchAt(h, pc);
  if (d === null) return;
  const ctx = h.context();
  const mn = d.info.mnemonic;
  const size = STORE_SIZE[mn] ?? (mn === 'push' ? 4 : undefined);
  if (size === undefined) {
    h.crash(`\`${mn}\` wrote a page-table page; the VMM emulates only stores and pushes there`, pc);
    return;
  }
  // A store that straddles into the next page is rare enough to leave to a byte-wise path.
  if ((va & 0xfff) + size > 0x1000) {
    h.crash('a store straddling a page-table page boundary is not supported by the shadow pager', pc);
    return;
  }
  const value = ctx.regs[d.a]! >>> 0;
  shadow.guestWrite(gpa, size, value);
  if (mn === 'push') ctx.regs[15] = (ctx.regs[15]! - 4) | 0;
  ctx.pc = (pc + d.size) >>> 0;
  h.flushTlb();
  h.vm.counters.emulatedInstructions++;
  h.vm.retire(1);
}
