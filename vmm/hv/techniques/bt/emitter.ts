// Builds one block of translated code: words, per-word metadata, and the direct branches still to resolve.
//
// Code is emitted as sequences, each standing for one guest instruction (or for none: a fall-through
// jump, a stub). A sequence whose instructions outnumber the guest instructions it retires starts with
// `wskip k` so the CPU's count of guest instructions, and so the guest's timer, stays exact.

import { encode } from '../../../../isa/encoding.js';
import { OP, type GuestInsnId, type WindowInsnId } from '../../../../isa/table.js';

/** Operands of a window instruction, as isa/encoding.ts takes them for its form. */
export interface WindowFields {
  readonly a?: number;
  readonly b?: number;
  readonly slot?: number;
  readonly imm?: number;
}

export class Emitter {
  readonly words: number[] = [];
  readonly guestPc: number[] = [];
  readonly seq: number[] = [];
  readonly mask: number[] = [];
  /** Instructions of the sequence run before this word (wskip excluded). */
  readonly before: number[] = [];
  /** j-form words whose target is a guest address, resolved when the block is placed. */
  readonly branches: { at: number; target: number }[] = [];
  private pc = 0;
  private start = 0;
  private open = false;
  /** Guest instructions the CPU retires in the open sequence (0 when a callout or nothing does). */
  private guest = 0;
  private counted = 0;
  /** Scratch registers the open sequence has overwritten so far. */
  private dirty = 0;

  /**
   * Start the sequence for the guest instruction at `pc` (the guest's state is whole here). `guest`: 1
   * if the CPU retires that instruction in this sequence, 0 if the VMM does (a callout) or it is not one.
   */
  begin(pc: number, guest: 0 | 1 = 1): void {
    this.close();
    this.pc = pc >>> 0;
    this.start = this.words.length;
    this.guest = guest;
    this.counted = 0;
    this.dirty = 0;
    this.open = true;
    this.push(encode({ opcode: OP.wskip })[0]!, false); // filled in by close(), or removed
  }

  /** End the open sequence: declare its overhead, or drop the wskip if it has none. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    const k = this.counted - this.guest;
    if (k > 0) {
      this.words[this.start] = encode({ opcode: OP.wskip, imm: k })[0]!;
      return;
    }
    const s = this.start;
    for (const a of [this.words, this.guestPc, this.seq, this.mask, this.before]) a.splice(s, 1);
    for (const br of this.branches) if (br.at > s) br.at--;
  }

  get length(): number {
    return this.words.length;
  }

  private push(w: number, counts = true): void {
    this.words.push(w >>> 0);
    this.guestPc.push(this.pc);
    this.seq.push(this.start);
    this.mask.push(this.dirty);
    this.before.push(this.counted);
    if (counts) this.counted++;
  }

  /** Emit an instruction of the ISA (1 or 2 words). `clobbers`: scratch registers it overwrites. */
  insn(id: GuestInsnId, f: { a?: number; b?: number; imm?: number; imm16?: number } = {}, clobbers = 0): void {
    encode({ opcode: OP[id], ...f }).forEach((w, i) => this.push(w, i === 0));
    this.dirty |= clobbers;
  }

  /** Copy a guest instruction's words unchanged. */
  copy(words: readonly number[]): void {
    words.forEach((w, i) => this.push(w, i === 0));
  }

  /** A window instruction, encoded by the ISA table. wcall counts as no instruction (the VMM's callout runs it). */
  win(id: WindowInsnId, f: WindowFields, clobbers = 0): void {
    this.push(encode({ opcode: OP[id], ...f })[0]!, id !== 'wcall');
    this.dirty |= clobbers;
  }

  save(reg: number, slot: number): void {
    this.win('wst', { a: reg, slot });
  }

  restore(reg: number, slot: number): void {
    this.win('wld', { a: reg, slot });
    this.dirty &= ~(1 << reg);
  }

  /** A direct branch (jmp / jcc) to guest address `target`, chained when the block is placed. */
  branch(id: GuestInsnId, target: number): void {
    this.branches.push({ at: this.words.length, target: target >>> 0 });
    this.push(encode({ opcode: OP[id], imm: 0 })[0]!);
  }
}
