// The trap-frame codec: the layout it writes is isa/abi.ts FRAME, iret reads back what a trap pushed, and a failed word stops the read.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FLAGS, FRAME } from '../../isa/abi.js';
import {
  frameCpl,
  frameFlags,
  newTrapReturn,
  readTrapReturn,
  trapFrameBase,
  trapFrameEnd,
  writeTrapFrame,
  type FrameMemory,
} from '../../isa/trap-frame.js';

/** Word memory in a map, which fails (as a CPU's MMU would) on any address in `bad`, and logs reads. */
function memory(bad: ReadonlySet<number> = new Set()): FrameMemory & { words: Map<number, number>; reads: number[] } {
  let failed = false;
  const words = new Map<number, number>();
  const reads: number[] = [];
  return {
    words,
    reads,
    read32(addr) {
      reads.push(addr);
      if (bad.has(addr)) failed = true;
      return words.get(addr) ?? 0;
    },
    write32(addr, value) {
      if (bad.has(addr)) failed = true;
      else words.set(addr, value >>> 0);
    },
    ok: () => !failed,
  };
}

const word = fc.integer({ min: 0, max: 0xffff_ffff });

describe('the trap frame', () => {
  it('puts each field at its FRAME offset, and iret reads back pc, flags and sp', () => {
    fc.assert(
      fc.property(word, word, word, word, word, fc.integer({ min: 0, max: 3 }), word, (b, vector, error, pc, flags, cpl, sp) => {
        const base = (b & ~3) >>> 0;
        const mem = memory();
        const flagsWord = frameFlags(flags, cpl);
        writeTrapFrame(mem, base, vector, error, pc, flagsWord, sp);
        const at = (off: number) => mem.words.get((base + off) >>> 0);
        expect([at(FRAME.VECTOR), at(FRAME.ERROR), at(FRAME.PC), at(FRAME.FLAGS), at(FRAME.SP)]).toEqual(
          [vector, error, pc, flagsWord, sp].map((v) => v >>> 0),
        );
        expect(mem.words.size).toBe(FRAME.SIZE / 4);
        const out = newTrapReturn();
        expect(readTrapReturn(mem, base, out)).toBe(true);
        expect(out).toEqual({ pc: pc >>> 0, flags: flagsWord, sp: sp >>> 0 });
        expect(frameCpl(out.flags)).toBe(cpl);
        expect((out.flags & ~FLAGS.CPL_MASK) >>> 0).toBe((flags & ~FLAGS.CPL_MASK) >>> 0);
      }),
    );
  });

  it('stops reading at the first word that fails, in the order iret reads them', () => {
    const base = 0x1000;
    for (const [field, readsBefore] of [
      [FRAME.PC, 1],
      [FRAME.FLAGS, 2],
      [FRAME.SP, 3],
    ] as const) {
      const mem = memory(new Set([base + field]));
      expect(readTrapReturn(mem, base, newTrapReturn())).toBe(false);
      expect(mem.reads).toHaveLength(readsBefore);
      expect(mem.reads.at(-1)).toBe(base + field);
    }
  });

  it('goes on the kernel stack only when it leaves a less privileged ring', () => {
    expect(trapFrameBase(0, 0, 0x8000, 0x9000)).toBe(0x8000 - FRAME.SIZE);
    expect(trapFrameBase(3, 0, 0x8000, 0x9000)).toBe(0x9000 - FRAME.SIZE);
    // A PV kernel runs in ring 1: a trap from ring 1 stays on its stack, one from ring 3 switches.
    expect(trapFrameBase(1, 1, 0x8000, 0x9000)).toBe(0x8000 - FRAME.SIZE);
    expect(trapFrameBase(3, 1, 0x8000, 0x9000)).toBe(0x9000 - FRAME.SIZE);
    // Below address 0 it wraps, as the CPU's 32-bit stack pointer does.
    expect(trapFrameBase(0, 0, 8, 0)).toBe((8 - FRAME.SIZE) >>> 0);
    expect(trapFrameEnd(0x100) - 0x100 + 1).toBe(FRAME.SIZE);
  });
});
