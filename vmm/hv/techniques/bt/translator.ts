// The translator: one guest kernel block at a time into safe VX32 code for the code cache.
//
// Innocuous instructions are copied. Sensitive ones work inline on the virtual CPU in the private data
// area (cli, sti, pushf, popf, rdcpl, sidt, control-register reads, cr2/cr4/cr8 writes). The rest of
// the privileged ones call out to the VMM. Direct branches go to their translations (chained) or to a
// stub that asks for one; indirect jumps, calls through registers and returns look the guest target up
// in a table, so the guest's stack holds only guest addresses. A block ends at a control transfer, a
// callout that may move the guest elsewhere, at a page boundary, or after MAX_BLOCK_INSNS instructions.

import { FLAGS, PAGE_MASK, SP } from '../../../../isa/abi.js';
import type { Decoded } from '../../../../isa/encoding.js';
import { BY_OPCODE } from '../../../../isa/table.js';
import type { GuestAccess } from '../../guest-access.js';
import { GuestFault } from '../../privileged.js';
import type { Block, BlockInsn, CodeCache } from './code-cache.js';
import { Emitter } from './emitter.js';
import { CALLOUT, SLOT, TABLE_ENTRIES, VIF_ON } from './layout.js';

export const MAX_BLOCK_INSNS = 64;
const R1 = 1 << 1;
const R2 = 1 << 2;

/**
 * Innocuous instructions that run unchanged from the cache: no control transfer, so no pc in their
 * result (the ISA table's flow). Memory accesses among them run natively on the guest's own addresses.
 */
const COPIED: ReadonlySet<string> = new Set(BY_OPCODE.filter((e) => e.cls === 'innocuous' && e.flow === 'none').map((e) => e.id));
/**
 * Memory instructions adaptive translation may turn into a MEMORY callout (memory-insn.ts performs any
 * of them): every one that touches memory and is not already a callout of its own (the privileged ones).
 */
export const ADAPTABLE: ReadonlySet<string> = new Set(BY_OPCODE.filter((e) => e.mem !== null && e.cls !== 'privileged').map((e) => e.id));

export interface TranslateEnv {
  readonly access: GuestAccess;
  readonly cache: CodeCache;
  /** Guest pcs of instructions retranslated as MEMORY callouts. */
  readonly adaptive: ReadonlySet<number>;
  /**
   * The machine is strict VX32: the real pushf and popf raise #GP at ring 1, so their inline sequences
   * (which borrow them for the condition bits) cannot be used; they call out instead.
   */
  readonly strict: boolean;
  /** A branch was chained to a translated target (at translation or by a CHAIN callout). */
  chained(): void;
}

const KERNEL_FETCH = { write: false, user: false, fetch: true } as const;

/** Emit a jump through the indirect table to the guest address in r1 (r1..r3 saved in S1..S3). */
function lookupTail(e: Emitter): void {
  e.save(1, SLOT.TGT);
  e.insn('mov', { a: 2, b: 1 }, R2);
  e.insn('shr.ri', { a: 2, imm: 2 });
  e.insn('and.ri', { a: 2, imm: TABLE_ENTRIES - 1 });
  e.insn('shl.ri', { a: 2, imm: 3 }); // byte offset of the entry: 2 words each
  e.win('wldx', { a: 3, b: 2, slot: SLOT.TABLE }, 1 << 3); // key
  e.insn('xor.rr', { a: 3, b: 1 }); // 0 exactly on a hit
  e.insn('mov', { a: 1, b: 3 });
  e.insn('neg', { a: 1 });
  e.insn('or.rr', { a: 3, b: 1 });
  e.insn('sar.ri', { a: 3, imm: 31 }); // -1 on a miss, 0 on a hit: no flag is touched
  e.win('wldx', { a: 2, b: 2, slot: SLOT.TABLE + 1 }); // the translation
  e.win('wld', { a: 1, slot: SLOT.MISS });
  e.insn('xor.rr', { a: 1, b: 2 });
  e.insn('and.rr', { a: 1, b: 3 });
  e.insn('xor.rr', { a: 2, b: 1 }); // hit ? translation : miss stub
  e.save(2, SLOT.JT);
  e.win('winc', { slot: SLOT.LOOKUPS });
  e.restore(1, SLOT.S1);
  e.restore(2, SLOT.S2);
  e.restore(3, SLOT.S3);
  e.win('wjmp', { slot: SLOT.JT });
}

function saveScratch(e: Emitter): void {
  e.save(1, SLOT.S1);
  e.save(2, SLOT.S2);
  e.save(3, SLOT.S3);
}

/**
 * Emit the translation of one guest instruction. Returns true if the block ends after it.
 */
function translateInsn(e: Emitter, d: Decoded, pc: number, words: readonly number[], adaptive: boolean, strict: boolean): boolean {
  const info = d.info;
  const id = info.id;
  const next = (pc + d.size) >>> 0;
  if (adaptive) {
    // The VMM performs the whole instruction, control transfer included; the block ends where it would.
    e.begin(pc, 0);
    e.win('wcall', { imm: CALLOUT.MEMORY });
    return info.flow !== 'none';
  }
  e.begin(pc);
  if (COPIED.has(id)) {
    e.copy(words);
    return false;
  }
  // Control transfers of the guest's own, by the table's flow: direct ones chain, indirect ones look up.
  const direct = info.form === 'j';
  switch (info.cls === 'innocuous' ? info.flow : 'none') {
    case 'jump':
      if (direct) e.branch('jmp', next + d.imm);
      else {
        saveScratch(e);
        e.insn('mov', { a: 1, b: d.a }, R1);
        lookupTail(e);
      }
      return true;
    case 'branch':
      e.branch(id as 'jz', next + d.imm);
      e.begin(next, 0);
      e.branch('jmp', next);
      return true;
    case 'call':
      // The guest's return address, not the cache's, goes on its stack.
      if (direct) {
        e.save(1, SLOT.S1);
        e.insn('li.rI', { a: 1, imm: next }, R1);
        e.insn('push', { a: 1 });
        e.restore(1, SLOT.S1);
        e.begin(next + d.imm, 0);
        e.branch('jmp', next + d.imm);
      } else {
        saveScratch(e);
        e.insn('mov', { a: 1, b: d.a }, R1); // the target as it was before the push (it may be sp)
        e.insn('li.rI', { a: 2, imm: next }, R2);
        e.insn('push', { a: 2 });
        lookupTail(e);
      }
      return true;
    case 'ret':
      saveScratch(e);
      e.insn('pop', { a: 1 });
      lookupTail(e);
      return true;
  }
  switch (id) {
    case 'cli':
      e.win('wset', { slot: SLOT.VIF, imm: 0 });
      return false;
    case 'sti':
      e.win('wset', { slot: SLOT.VIF, imm: VIF_ON });
      e.begin(next, 0);
      e.win('wcallnz', { slot: SLOT.PEND, imm: CALLOUT.PENDING });
      return false;
    case 'pushf':
      if (strict) break;
      // The real pushf gives the condition bits; the virtual IF and the virtual CPL 0 replace the rest.
      e.save(1, SLOT.S1);
      e.save(2, SLOT.S2);
      e.insn('pushf');
      e.insn('ld.rm', { a: 1, b: SP, imm: 0 }, R1);
      e.insn('and.ri', { a: 1, imm: FLAGS.ARITH });
      e.win('wld', { a: 2, slot: SLOT.VIF }, R2);
      e.insn('or.rr', { a: 1, b: 2 });
      e.insn('st.mr', { a: 1, b: SP, imm: 0 });
      e.restore(1, SLOT.S1);
      e.restore(2, SLOT.S2);
      return false;
    case 'popf':
      if (strict) break;
      // The guest's IF goes to the virtual IF; the real popf loads the condition bits and moves sp.
      e.save(1, SLOT.S1);
      e.insn('ld.rm', { a: 1, b: SP, imm: 0 }, R1);
      e.insn('and.ri', { a: 1, imm: FLAGS.IF });
      e.save(1, SLOT.VIF);
      e.restore(1, SLOT.S1);
      e.insn('popf');
      e.begin(next, 0);
      e.win('wcallnz', { slot: SLOT.PEND, imm: CALLOUT.PENDING });
      return false;
    case 'rdcpl':
      e.insn('li.ri', { a: d.a, imm: 0 }); // the virtual ring: the guest kernel believes it is in ring 0
      return false;
    case 'sidt':
      e.win('wld', { a: d.a, slot: SLOT.IVTB });
      return false;
    case 'mov.rc': {
      const slot = CR_SLOT[d.b];
      if (slot === undefined) break; // #UD, raised by the VMM
      e.win('wld', { a: d.a, slot });
      if (d.b === 8) e.insn('and.ri', { a: d.a, imm: 15 });
      return false;
    }
    case 'mov.cr':
      if (d.b === 2 || d.b === 4) {
        e.win('wst', { a: d.a, slot: CR_SLOT[d.b]! });
        return false;
      }
      if (d.b === 8) {
        e.win('wst', { a: d.a, slot: SLOT.CR8 });
        e.begin(next, 0);
        e.win('wcallnz', { slot: SLOT.PEND, imm: CALLOUT.PENDING });
        return false;
      }
      break;
  }
  // Everything else the VMM emulates: port I/O, cr0/cr3 writes, lidt, invlpg, hlt, iret, int, brk, hcall
  // (and pushf/popf on a strict machine).
  e.begin(pc, 0);
  e.win('wcall', { imm: CALLOUT.EMULATE });
  return info.blockEnd && !(id === 'mov.cr');
}

const CR_SLOT: Readonly<Record<number, number>> = { 0: SLOT.CR0, 2: SLOT.CR2, 3: SLOT.CR3, 4: SLOT.CR4, 8: SLOT.CR8 };

/**
 * Translate the block starting at guest `start` into the cache and register it. Throws GuestFault if
 * the first instruction cannot be fetched (the caller delivers it); null if the cache is full.
 */
export function translateBlock(env: TranslateEnv, start: number): Block | null {
  const { access, cache } = env;
  const e = new Emitter();
  const insns: { pc: number; size: number; from: number; to: number }[] = [];
  const vaPages: number[] = [];
  const gpaPages: number[] = [];
  const notePage = (va: number): void => {
    const vp = va >>> 12;
    if (vaPages.includes(vp)) return;
    const gpa = access.translate(va, KERNEL_FETCH);
    vaPages.push(vp);
    gpaPages.push(gpa >>> 12);
  };
  let pc = start >>> 0;
  for (let n = 0; ; n++) {
    let d: Decoded | null = null;
    let words: number[] = [];
    // A block stays in one guest page: it reads (and sets the accessed bit of) no page the guest has
    // not reached yet, and a write to a page drops only blocks that really came from it.
    if (n >= MAX_BLOCK_INSNS || (n > 0 && (pc & PAGE_MASK) === 0)) {
      e.begin(pc, 0);
      e.branch('jmp', pc);
      break;
    }
    try {
      notePage(pc);
      d = access.fetch(pc);
      if (d !== null) {
        if (d.size === 8 && ((pc + 4) & PAGE_MASK) === 0) notePage((pc + 4) >>> 0);
        words = [access.read32(pc) | 0];
        if (d.size === 8) words.push(access.read32((pc + 4) >>> 0) | 0);
      }
    } catch (err) {
      if (!(err instanceof GuestFault)) throw err;
      if (n === 0) throw err;
      // The fault belongs to the instruction that is never reached unless the guest gets there: end here.
      e.begin(pc, 0);
      e.branch('jmp', pc);
      break;
    }
    const from = e.length;
    let end: boolean;
    if (d === null) {
      // Not an instruction: the VMM raises #UD when the guest gets here (never copy it: it could be a window op).
      e.begin(pc, 0);
      e.win('wcall', { imm: CALLOUT.EMULATE });
      end = true;
    } else end = translateInsn(e, d, pc, words, env.adaptive.has(pc) && ADAPTABLE.has(d.info.id), env.strict);
    e.close();
    const size = d === null ? 4 : d.size;
    insns.push({ pc, size, from, to: e.length });
    pc = (pc + size) >>> 0;
    if (end) break;
  }
  // Every exit gets a stub that asks the VMM for its target; chained exits skip it, and go back to it
  // if their target is ever invalidated.
  e.close();
  const bodyLen = e.length;
  const exits = e.branches.slice();
  for (const br of exits) {
    e.begin(br.target, 0);
    e.win('wcall', { imm: CALLOUT.CHAIN });
  }
  e.close();
  const first = cache.alloc(e.length);
  if (first === null) return null;
  const tpc = cache.tpcOf(first);
  const block: Block = {
    id: cache.newId(),
    guestPc: start >>> 0,
    guestEnd: pc,
    tpc,
    words: e.length,
    insns: insns.map((i): BlockInsn => ({ pc: i.pc, size: i.size, from: cache.tpcOf(first + i.from), to: cache.tpcOf(first + i.to) })),
    gpaPages,
    vaPages,
    incoming: [],
    live: true,
  };
  for (let i = 0; i < e.length; i++) {
    cache.write(first + i, e.words[i]!);
    cache.guestPc[first + i] = e.guestPc[i]! | 0;
    cache.seq[first + i] = first + e.seq[i]!;
    cache.mask[first + i] = e.mask[i]!;
    cache.before[first + i] = e.before[i]!;
  }
  // Registered first, so a branch back to its own start (a loop) chains at once.
  cache.register(block);
  let stubAt = bodyLen;
  for (const br of exits) {
    const at = cache.tpcOf(first + br.at);
    const stub = cache.tpcOf(first + stubAt++);
    cache.stubs.set(stub, { at, target: br.target, from: block });
    const t = cache.lookup(br.target);
    if (t) {
      cache.patchBranch(at, t.tpc);
      t.incoming.push({ at, stub });
      env.chained();
    } else cache.patchBranch(at, stub);
  }
  return block;
}
