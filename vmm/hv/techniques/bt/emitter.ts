// Builds one block of translated code: words, per-word metadata, and the direct branches still to resolve.

import { encode } from '../../../../isa/encoding.js';
import { OP } from '../../../../isa/table.js';
import { WOP } from '../../../machine/code-window.js';

/** Scratch registers a sequence may borrow, saved in SLOT.S1..S3. Bit k of a restore mask = rk. */
export const SCRATCH = [1, 2, 3] as const;

export class Emitter {
  readonly words: number[] = [];
  readonly guestPc: number[] = [];
  readonly seq: number[] = [];
  readonly mask: number[] = [];
  /** j-form words whose target is a guest address, resolved when the block is placed. */
  readonly branches: { at: number; target: number }[] = [];
  private pc = 0;
  private start = 0;
  /** Scratch registers the current sequence has overwritten so far. */
  private dirty = 0;

  /** Start the sequence standing for the guest instruction at `pc` (the guest's state is whole here). */
  begin(pc: number): void {
    this.pc = pc >>> 0;
    this.start = this.words.length;
    this.dirty = 0;
  }

  get length(): number {
    return this.words.length;
  }

  private push(w: number): void {
    this.words.push(w >>> 0);
    this.guestPc.push(this.pc);
    this.seq.push(this.start);
    this.mask.push(this.dirty);
  }

  /** Emit an instruction of the ISA (1 or 2 words). `clobbers`: scratch registers it overwrites. */
  insn(id: keyof typeof OP, f: { a?: number; b?: number; imm?: number; imm16?: number } = {}, clobbers = 0): void {
    for (const w of encode({ opcode: OP[id], ...f })) this.push(w);
    this.dirty |= clobbers;
  }

  /** Copy guest words unchanged. */
  copy(words: readonly number[]): void {
    for (const w of words) this.push(w);
  }

  /** A window instruction: op | a << 8 | b << 12 | imm16 << 16 (wset / wcallnz put their slot in bits 8-15). */
  win(op: number, a: number, b: number, imm: number, clobbers = 0): void {
    this.push((op | ((a & 15) << 8) | ((b & 15) << 12) | ((imm & 0xffff) << 16)) >>> 0);
    this.dirty |= clobbers;
  }

  winSlot8(op: number, slot: number, imm: number): void {
    this.push((op | ((slot & 255) << 8) | ((imm & 0xffff) << 16)) >>> 0);
  }

  save(reg: number, slot: number): void {
    this.win(WOP.WST, reg, 0, slot);
  }

  restore(reg: number, slot: number): void {
    this.win(WOP.WLD, reg, 0, slot);
    this.dirty &= ~(1 << reg);
  }

  /** A direct branch (jmp / jcc) to guest address `target`, chained when the block is placed. */
  branch(id: keyof typeof OP, target: number): void {
    this.branches.push({ at: this.words.length, target: target >>> 0 });
    this.push(encode({ opcode: OP[id], imm: 0 })[0]!);
  }
}
