// A one-time warm-up of the CPU's hot loop: runs every loop opcode on a scratch CPU so the JIT has type feedback for all of them.
//
// Without it, the first time a guest uses an opcode the optimized loop deoptimizes on the missing
// feedback and has to be recompiled; with a workload that keeps meeting new opcodes this repeats
// hundreds of times. A few tens of thousands of instructions at start-up avoid that.

import { encode } from '../../isa/encoding.js';
import { BY_OPCODE, OP, type InsnId } from '../../isa/table.js';
import { PTE } from '../../isa/abi.js';
import type { InterruptSource, IoBus } from './io.js';

/** What the warm-up needs of a CPU (cpu.ts passes itself in, so this file does not import it). */
export interface WarmableCpu {
  readonly r: Int32Array;
  pc: number;
  cr0: number;
  cr3: number;
  ivtb: number;
  reset(entry: number, sp: number): void;
  run(budget: number): string;
}

export const WARMUP_RAM = 0x1_0000;
const CODE = 0x1000;
const DIR = 0x6000;
const TABLE = 0x7000;
const DATA = 0x8000;
const HANDLER = 0x800;
const ITERATIONS = 200;

type Line = [InsnId, number?, number?, number?, number?];

const ALU = ['add', 'sub', 'and', 'or', 'xor', 'shl', 'shr', 'sar', 'mul', 'div', 'mod'];
/** The conditional branches, by the table's flow. */
const JCC = BY_OPCODE.filter((e) => e.flow === 'branch').map((e) => e.id as InsnId);

function body(): Line[] {
  const p: Line[] = [['nop'], ['mov', 1, 2], ['li.ri', 1, 0, 7], ['li.rI', 1, 0, 0x12345], ['li.ri', 3, 0, 3]];
  for (const op of ALU) {
    p.push([`${op}.rr` as InsnId, 1, 3], [`${op}.ri` as InsnId, 1, 0, 3], [`${op}.rI` as InsnId, 1, 0, 3]);
    p.push(['or.ri', 1, 0, 0x70]);
  }
  for (const c of ['cmp.rr', 'cmp.ri', 'cmp.rI', 'test.rr', 'test.ri', 'test.rI'] as InsnId[]) {
    p.push([c, 1, 3, 3]);
    for (const j of JCC) p.push([j, 0, 0, 0]);
  }
  p.push(['not', 1], ['neg', 1]);
  for (const off of [0, 1, 0xffe]) {
    p.push(['ld.rm', 1, 2, off], ['ldh.rm', 1, 2, off], ['ldb.rm', 1, 2, off]);
    p.push(['st.mr', 1, 2, off], ['sth.mr', 1, 2, off], ['stb.mr', 1, 2, off]);
    p.push(['ld.rM', 1, 2, off], ['ldh.rM', 1, 2, off], ['ldb.rM', 1, 2, off]);
    p.push(['st.Mr', 1, 2, off], ['sth.Mr', 1, 2, off], ['stb.Mr', 1, 2, off]);
  }
  p.push(['ld.rM', 1, 0, DATA, 1], ['st.Mr', 1, 0, DATA, 1]);
  p.push(['push', 1], ['pop', 1], ['jmp', 0, 0, 0]);
  // call/ret and the indirect forms: r5 = the address of the pop, plus 16
  p.push(['call', 0, 0, 0], ['pop', 5], ['add.ri', 5, 0, 16], ['jmp.r', 5], ['nop']);
  p.push(['call', 0, 0, 0], ['pop', 5], ['add.ri', 5, 0, 16], ['call.r', 5], ['jmp', 0, 0, 4], ['ret']);
  // materialized flags (popf) for every branch, and a trap and its return
  p.push(['pushf'], ['popf']);
  for (const j of JCC) p.push([j, 0, 0, 0]);
  p.push(['int', 0, 0, 0x80], ['brk']);
  return p;
}

function assemble(lines: Line[]): number[] {
  const out: number[] = [];
  for (const [id, a = 0, b = 0, imm = 0, imm16 = 0] of lines) out.push(...encode({ opcode: OP[id], a, b, imm, imm16 }));
  return out;
}

/** The bus and interrupt source the scratch CPU is built with. */
export const WARMUP_BUS: IoBus = {
  portRead: () => 0xffff_ffff,
  portWrite: () => {},
  claimsMmio: () => false,
  mmioRead: () => 0,
  mmioWrite: () => {},
};
export const WARMUP_PIC: InterruptSource = { pendingVector: () => -1, acknowledge: () => {} };

/** Run the warm-up program on `cpu`, built over `mem` (WARMUP_RAM bytes). */
export function warmUp(cpu: WarmableCpu, mem: ArrayBuffer): void {
  const dv = new DataView(mem);
  dv.setUint32(DIR, TABLE | PTE.P | PTE.W, true);
  for (let i = 0; i < WARMUP_RAM >>> 12; i++) dv.setUint32(TABLE + 4 * i, ((i << 12) | PTE.P | PTE.W) >>> 0, true);
  const handler = assemble([['iret']]);
  handler.forEach((w, i) => dv.setUint32(HANDLER + 4 * i, w >>> 0, true));
  for (let v = 0; v < 256; v++) dv.setUint32(0x400 + 4 * v, HANDLER, true);
  const prologue = assemble([
    ['li.rI', 2, 0, DATA],
    ['li.rI', 14, 0, ITERATIONS],
  ]);
  const loop = assemble([...body(), ['sub.ri', 14, 0, 1], ['cmp.ri', 14, 0, 0]]);
  const back = -(loop.length + 1) * 4;
  const words = [...prologue, ...loop, ...assemble([['jnz', 0, 0, back], ['hlt']])];
  words.forEach((w, i) => dv.setUint32(CODE + 4 * i, w >>> 0, true));
  cpu.reset(CODE, 0x6000);
  cpu.ivtb = 0x400;
  cpu.cr3 = DIR;
  cpu.cr0 = 1;
  // Small slices first, so the loop's exit paths get feedback too.
  let budget = 7;
  for (let i = 0; i < 100_000; i++) {
    const s = cpu.run(budget);
    if (s !== 'budget') break;
    if (i > 200) budget = 10_000;
  }
}
