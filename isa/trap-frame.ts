// The VX32 trap frame's one encoder and decoder: every engine that pushes or pops a frame goes through here.
//
// The CPU, the trap-and-emulate and hardware-assisted monitors (reflecting a trap in software), the PV
// hypervisor (virtual traps, upcalls and its iret hypercall), the CPU's PV gates and the privileged
// instruction emulator all push or pop the same five words. Each reaches guest memory its own way, so
// they hand in a FrameMemory; the layout (isa/abi.ts FRAME), the stack choice and the FLAGS word's CPL
// bits are known here only.
import { FLAGS, FRAME } from './abi.js';

/** Word access to the memory a frame lives in, as one engine sees it (virtual addresses, kernel rights). */
export interface FrameMemory {
  read32(addr: number): number;
  write32(addr: number, value: number): void;
  /** False once an access has failed; an engine whose accesses throw on a fault always answers true. */
  ok(): boolean;
}

/** The three words `iret` takes from a frame. */
export interface TrapReturn {
  pc: number;
  flags: number;
  sp: number;
}

/** An empty TrapReturn, to be filled by readTrapReturn (engines keep one rather than allocate per iret). */
export function newTrapReturn(): TrapReturn {
  return { pc: 0, flags: 0, sp: 0 };
}

/**
 * The lowest address of the frame a trap from ring `cpl` pushes: below `kernelSp` (cr4) when the trap
 * leaves a ring less privileged than `kernelRing`, else below the current `sp`.
 */
export function trapFrameBase(cpl: number, kernelRing: number, sp: number, kernelSp: number): number {
  return ((cpl > kernelRing ? kernelSp : sp) - FRAME.SIZE) >>> 0;
}

/** Address of the frame's last byte: with `base`, the two ends an engine checks before pushing. */
export function trapFrameEnd(base: number): number {
  return (base + FRAME.SIZE - 1) >>> 0;
}

/** The FLAGS word a frame holds: `flags` with the ring the trap came from in the CPL bits. */
export function frameFlags(flags: number, cpl: number): number {
  return ((flags & ~FLAGS.CPL_MASK) | (cpl << FLAGS.CPL_SHIFT)) >>> 0;
}

/** The ring a frame's FLAGS word returns to. */
export function frameCpl(flagsWord: number): number {
  return (flagsWord & FLAGS.CPL_MASK) >>> FLAGS.CPL_SHIFT;
}

/**
 * Push a frame at `base`, highest word first as a stack grows. The caller has checked that both ends
 * (base and trapFrameEnd(base)) are writable RAM, so no write fails part-way.
 */
export function writeTrapFrame(
  mem: FrameMemory,
  base: number,
  vector: number,
  error: number,
  pc: number,
  flagsWord: number,
  sp: number,
): void {
  mem.write32((base + FRAME.SP) >>> 0, sp);
  mem.write32((base + FRAME.FLAGS) >>> 0, flagsWord);
  mem.write32((base + FRAME.PC) >>> 0, pc);
  mem.write32((base + FRAME.ERROR) >>> 0, error);
  mem.write32((base + FRAME.VECTOR) >>> 0, vector);
}

/**
 * Read iret's words from the frame at `base` into `out`, in the order `iret` reads them (pc, flags, sp),
 * stopping at the first that fails: the fault names that word, and no device register after it is read.
 * False if one failed (out is then partly written and must not be used).
 */
export function readTrapReturn(mem: FrameMemory, base: number, out: TrapReturn): boolean {
  out.pc = mem.read32((base + FRAME.PC) >>> 0) >>> 0;
  if (!mem.ok()) return false;
  out.flags = mem.read32((base + FRAME.FLAGS) >>> 0) >>> 0;
  if (!mem.ok()) return false;
  out.sp = mem.read32((base + FRAME.SP) >>> 0) >>> 0;
  return mem.ok();
}
