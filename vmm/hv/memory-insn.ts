// The VMM performing one guest instruction that touches memory, as the bare machine would have: the one
// path for every access the real CPU could not make for the guest (a store to a write-protected guest
// page table or to a page of translated code, a device register behind a trap or an exit, a callout).
//
// What the instruction does to memory comes from its ISA table entry (`mem`, `flow`), never from its
// mnemonic: the address (the memory operand, below sp, at sp), the width, the data (register a, the
// return address, the popped target) and what moves afterwards (sp, pc). FLAGS and trap frames belong to
// the virtual CPU, so those instructions (pushf, popf, iret) are left to the caller's handler, which
// reaches memory through the same path. The bytes move through memory/access-path.ts: any width and
// alignment, across pages, onto RAM or a device. Faults are precise: every byte is translated before
// one moves, and no register changes until the access is done.

import { VEC } from '../../isa/abi.js';
import type { Decoded } from '../../isa/encoding.js';
import { ABS_FLAG, SP, type MemEffect, type Width } from '../../isa/table.js';
import type { AccessMode } from './memory/access-path.js';
import { GuestFault } from './privileged.js';

/** Guest-virtual memory as an emulated instruction reaches it. */
export interface InsnMemory {
  fetch(pc: number): Decoded | null;
  read(va: number, size: Width, mode: AccessMode): number;
  write(va: number, size: Width, value: number, mode: AccessMode): void;
}

/** The guest's live registers and pc (an EmulationContext is one). */
export interface GuestRegisters {
  readonly regs: Int32Array;
  pc: number;
}

export interface MemoryInsnHost {
  readonly vm: { readonly counters: { emulatedInstructions: number }; retire(n: number): void };
  readonly access: InsnMemory;
  context(): GuestRegisters;
  /** The guest's own privilege level: 3 makes its accesses user accesses. */
  guestCpl(): number;
  /** Deliver a fault into the guest (cr2 for #PF). */
  deliver(vector: number, error: number, cr2?: number): void;
}

/**
 * Emulates an instruction whose memory data is FLAGS or a trap frame (the caller's handler against its
 * virtual CPU; its accesses go through the same InsnMemory). Throws GuestFault.
 */
export type SystemMemoryInsn = (d: Decoded) => void;

/** The address of d's memory operand ([rb + imm], [rb + imm32] or [imm32]). */
export function operandAddress(d: Decoded, regs: Int32Array): number {
  const base = d.info.long && (d.imm16 & ABS_FLAG) !== 0 ? 0 : regs[d.b]!;
  return (base + d.imm) >>> 0;
}

/** The first address d's memory access touches, from its table entry (null: it touches no memory). */
export function accessAddress(d: Decoded, regs: Int32Array): number | null {
  const m = d.info.mem;
  if (m === null) return null;
  return addressOf(m, d, regs);
}

function addressOf(m: MemEffect, d: Decoded, regs: Int32Array): number {
  const sp = regs[SP]! >>> 0;
  switch (m.at) {
    case 'operand':
      return operandAddress(d, regs);
    case 'push':
      return (sp - m.width) >>> 0;
    case 'pop':
    case 'frame':
      return sp;
  }
}

/**
 * Perform the guest instruction at `pc` that touches memory, through the one access path, and go on after
 * it. True when it is done or the guest took its fault; false when the table says it touches no memory
 * (or its data is FLAGS or a frame and no `system` handler was given): the caller decides what then.
 */
export function emulateMemoryInsn(h: MemoryInsnHost, pc: number, system?: SystemMemoryInsn): boolean {
  let d: Decoded | null;
  try {
    d = h.access.fetch(pc);
  } catch (err) {
    if (!(err instanceof GuestFault)) throw err;
    h.deliver(err.vector, err.error, err.address);
    return true;
  }
  if (d === null) return false;
  const m = d.info.mem;
  if (m === null) return false;
  const isSystem = m.data === 'flags' || m.data === 'frame';
  if (isSystem && system === undefined) return false;
  try {
    if (isSystem) system!(d);
    else perform(h, d, m, pc);
  } catch (err) {
    if (!(err instanceof GuestFault)) throw err;
    h.deliver(err.vector, err.error, err.vector === VEC.PF ? err.address : undefined);
    return true;
  }
  h.vm.counters.emulatedInstructions++;
  h.vm.retire(1);
  return true;
}

/** An innocuous memory instruction: its data is register a or the pc. */
function perform(h: MemoryInsnHost, d: Decoded, m: MemEffect, pc: number): void {
  const ctx = h.context();
  const regs = ctx.regs;
  const mode: AccessMode = { user: h.guestCpl() === 3, devices: true };
  const va = addressOf(m, d, regs);
  const next = (pc + d.size) >>> 0;
  // Everything the instruction reads from registers, before anything changes (call r pushes, then jumps to the old r).
  let to = next;
  if (d.info.flow === 'call') to = d.info.form === 'j' ? (next + d.imm) >>> 0 : regs[d.a]! >>> 0;
  if (m.access === 'write') {
    h.access.write(va, m.width, m.data === 'pc' ? next : regs[d.a]! >>> 0, mode);
    if (m.at === 'push') regs[SP] = va | 0;
    ctx.pc = to;
    return;
  }
  const value = h.access.read(va, m.width, mode);
  // sp moves first, so `pop sp` leaves sp = the popped word (as the CPU does).
  if (m.at === 'pop') regs[SP] = (va + m.width) | 0;
  if (m.data === 'pc') ctx.pc = value;
  else {
    regs[d.a] = value | 0;
    ctx.pc = to;
  }
}
