// Crash reports as data: what a triple fault looked like — the instruction, its source line, the fault, the registers.
// The hypervisor and the runners build them; vmm/report/crash.ts renders them.
import { readFileSync } from 'node:fs';
import { disassembleInsn, labelLookup } from '../../assembler/disasm.js';
import type { Image, LineEntry } from '../../isa/image.js';
import { VEC } from '../../isa/abi.js';
import type { CpuState } from '../machine/cpu-state.js';

/** The architectural registers, as in a CPU snapshot (with `r` shown unsigned). */
export type CrashRegisters = Omit<CpuState, 'halted'>;

/** The registers a crash report shows, read off a CPU. */
export function cpuRegisters(cpu: {
  readonly r: Int32Array;
  pc: number;
  flags: number;
  cpl: number;
  cr0: number;
  cr2: number;
  cr3: number;
  cr4: number;
  cr8: number;
  ivtb: number;
}): CrashRegisters {
  return {
    r: Array.from(cpu.r, (v) => v >>> 0),
    pc: cpu.pc >>> 0,
    flags: cpu.flags,
    cpl: cpu.cpl,
    cr0: cpu.cr0,
    cr2: cpu.cr2 >>> 0,
    cr3: cpu.cr3,
    cr4: cpu.cr4 >>> 0,
    cr8: cpu.cr8,
    ivtb: cpu.ivtb >>> 0,
  };
}

export interface CrashReport {
  /** One line: e.g. "triple fault: #GP could not be delivered (no handler, then #DF failed too)". */
  reason: string;
  /** Address of the instruction that raised the first fault. */
  pc: number;
  /** Its disassembly, or null if it could not be read. */
  instruction: string | null;
  /** `file:line` of that instruction from the image's line table, and the text of that line if the file is readable. */
  source: { file: string; line: number; text: string | null } | null;
  /** The fault that started the cascade. */
  fault: { vector: number; name: string; error: number; cr2: number } | null;
  registers: CrashRegisters;
}

export const VECTOR_NAMES: Readonly<Record<number, string>> = {
  [VEC.DE]: '#DE divide error',
  [VEC.BP]: '#BP breakpoint',
  [VEC.UD]: '#UD invalid opcode',
  [VEC.DF]: '#DF double fault',
  [VEC.GP]: '#GP general protection',
  [VEC.PF]: '#PF page fault',
};

export function vectorName(v: number): string {
  if (VECTOR_NAMES[v]) return VECTOR_NAMES[v]!;
  if (v >= VEC.IRQ_BASE && v < VEC.IRQ_BASE + 16) return `IRQ ${v - VEC.IRQ_BASE}`;
  return `vector ${v}`;
}

/** The line-table entry covering `pc`: the last entry at or below it (entries are per instruction). */
export function lineFor(lines: readonly LineEntry[], pc: number): LineEntry | undefined {
  let best: LineEntry | undefined;
  for (const l of lines) if (l.addr <= pc && (!best || l.addr > best.addr)) best = l;
  // Only trust an exact hit or one within a long instruction; a far-away entry names the wrong line.
  return best && pc - best.addr < 8 ? best : undefined;
}

/** Read line `line` (1-based) of `file`, or null if the file is gone. */
export function sourceText(file: string, line: number): string | null {
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/)[line - 1] ?? null;
  } catch {
    return null;
  }
}

/**
 * A triple fault's reason, in one wording for native and every technique: the vector whose delivery
 * failed (the first fault of the cascade), then the double fault that could not be delivered either.
 */
export function tripleFaultReason(vector: number): string {
  if (vector === VEC.DF) return 'triple fault: a double fault could not be delivered';
  return `triple fault: ${vectorName(vector)} could not be delivered (no usable handler), nor the double fault that followed`;
}

/**
 * The instruction a triple fault names, from the pc its trap frame would have saved: faults save the
 * faulting instruction's pc, `int` and `brk` the next one (both are one word), and an interrupt has no
 * instruction of its own, so it names the one it interrupted.
 */
export function faultingPc(vector: number, savedPc: number): number {
  const trapLike = vector === VEC.BP || vector >= VEC.SOFT_MIN;
  return (trapLike ? savedPc - 4 : savedPc) >>> 0;
}

export interface CrashInput {
  reason: string;
  pc: number;
  /** The instruction words at pc (word, ext), or null if pc is not readable. */
  words: readonly [number, number] | null;
  fault: { vector: number; error: number; cr2: number } | null;
  registers: CrashRegisters;
  image?: Image;
}

export function buildCrashReport(c: CrashInput): CrashReport {
  const lookup = c.image ? labelLookup(c.image.symbols) : undefined;
  const instruction = c.words ? disassembleInsn(c.words[0], c.words[1], c.pc, lookup) : null;
  const entry = c.image ? lineFor(c.image.lines, c.pc) : undefined;
  return {
    reason: c.reason,
    pc: c.pc >>> 0,
    instruction,
    source: entry ? { file: entry.file, line: entry.line, text: sourceText(entry.file, entry.line) } : null,
    fault: c.fault ? { ...c.fault, name: vectorName(c.fault.vector) } : null,
    registers: c.registers,
  };
}

