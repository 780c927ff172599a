// Property tests: random instruction streams never throw a host exception and never write outside the frames they may touch.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PTE } from '../../isa/abi.js';
import { OPCODE_COUNT } from '../../isa/table.js';
import { createVmControl } from '../../vmm/machine/vmx.js';
import { assemble, I, PageTables, rig } from './harness.js';

const RAM = 1 << 20;
const DIR = 0x1_0000;
const IVT = 0x2000;
const HANDLER = 0x3000;
const KSTACK_PAGE = 0x4000;
const USER_CODE = 0x4_0000; // 2 pages
const USER_DATA = 0x5_0000; // 2 pages
const USER_RO = 0x6_0000; // readable, not writable

/** A word that is usually a valid instruction with random fields, sometimes fully random. */
const word = fc.oneof(
  fc.integer({ min: 0, max: 0xffff_ffff }),
  fc
    .record({
      op: fc.integer({ min: 0, max: OPCODE_COUNT + 3 }),
      a: fc.integer({ min: 0, max: 15 }),
      b: fc.integer({ min: 0, max: 15 }),
      imm: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0, 4, 8, 0xfffc, 1)),
    })
    .map(({ op, a, b, imm }) => (op | (a << 8) | (b << 12) | (imm << 16)) >>> 0),
);

const regValue = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.integer({ min: USER_DATA, max: USER_DATA + 0x1fff }),
  fc.integer({ min: USER_CODE, max: USER_CODE + 0x1fff }).map((v) => v & ~3),
  fc.constantFrom(0, 4, USER_RO, KSTACK_PAGE, IVT, 0xff00_0000),
);

/** Physical ranges the CPU may legitimately write while running ring-3 code. */
const WRITABLE: Array<[number, number]> = [
  [DIR, DIR + 0x2000], // page tables (A/D bits)
  [KSTACK_PAGE, KSTACK_PAGE + 0x1000], // trap frames
  [USER_CODE, USER_CODE + 0x2000],
  [USER_DATA, USER_DATA + 0x2000],
];

function setup(words: number[], regs: number[], intercept: boolean) {
  const g = rig({ ram: RAM });
  const pt = new PageTables(g.dv, DIR, DIR + 0x1000);
  // kernel: supervisor-only
  pt.mapRange(0, 0, 0x1_0000, PTE.P | PTE.W);
  pt.mapRange(USER_CODE, USER_CODE, 0x2000, PTE.P | PTE.W | PTE.U);
  pt.mapRange(USER_DATA, USER_DATA, 0x2000, PTE.P | PTE.W | PTE.U);
  pt.map(USER_RO, USER_RO, PTE.P | PTE.U);
  // every vector: skip the faulting word and return to the user
  for (let v = 0; v < 256; v++) g.poke(IVT + 4 * v, [HANDLER]);
  g.load(HANDLER, [I('push', 1), I('ld.rm', 1, 15, 12), I('add.ri', 1, 0, 4), I('st.mr', 1, 15, 12), I('pop', 1), I('iret')]);
  g.poke(USER_CODE, words);
  for (let i = 0; i < 0x2000; i += 4) g.u8[USER_DATA + i] = i & 0xff;
  const c = g.cpu;
  c.reset(USER_CODE, USER_DATA + 0x1000);
  regs.forEach((v, i) => (c.r[i] = v));
  c.cr3 = DIR;
  c.cr0 = 1;
  c.cr4 = KSTACK_PAGE + 0x1000;
  c.ivtb = IVT;
  c.cpl = 3;
  c.interceptTraps = intercept;
  return g;
}

/** First index where two buffers differ, or -1 (toEqual on megabyte arrays is far too slow). */
function firstDiff(x: Uint8Array, y: Uint8Array): number {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

function guardedSnapshot(u8: Uint8Array): Uint8Array {
  const copy = u8.slice();
  for (const [lo, hi] of WRITABLE) copy.fill(0, lo, hi);
  return copy;
}

describe('random ring-3 instruction streams with paging on', () => {
  it('never throw and never write outside the frames ring 3 and the trap path may write', () => {
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 64 }),
        fc.array(regValue, { minLength: 16, maxLength: 16 }),
        fc.boolean(),
        (words, regs, intercept) => {
          const g = setup(words, regs, intercept);
          const before = guardedSnapshot(g.u8);
          let steps = 0;
          for (let slice = 0; slice < 50 && steps < 2000; slice++) {
            const s = g.cpu.run(100);
            expect(['budget', 'io', 'halt', 'trap', 'triple']).toContain(s);
            if (s === 'trap') {
              // the host plays the kernel: skip the word and carry on in ring 3
              g.cpu.pc = (g.cpu.pc + 4) >>> 0;
            } else if (s === 'halt' || s === 'triple') break;
            steps += 100;
            expect(g.cpu.cpl === 3 || g.cpu.cpl === 0).toBe(true);
          }
          expect(firstDiff(guardedSnapshot(g.u8), before)).toBe(-1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a guest kernel in non-root mode never writes host memory outside its second-stage frames', () => {
    const GUEST = 0x8_0000;
    const EPT = 0x7_0000;
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 64 }), fc.array(regValue, { minLength: 16, maxLength: 16 }), (words, regs) => {
        const g = rig({ ram: RAM });
        const ep = new PageTables(g.dv, EPT, EPT + 0x1000);
        ep.mapRange(0, GUEST, 0x1_0000, PTE.P | PTE.W); // guest-physical [0, 64 KiB)
        g.poke(GUEST + 0x1000, words);
        g.poke(GUEST + 0x1000 + 4 * words.length, assemble([I('hlt')]));
        const c = g.cpu;
        c.reset(0x1000, 0x8000);
        regs.forEach((v, i) => (c.r[i] = v));
        c.vmx = createVmControl({ eptRoot: EPT, exitOn: 0 });
        const outside = (u8: Uint8Array) => {
          const copy = u8.slice();
          copy.fill(0, GUEST, GUEST + 0x1_0000);
          copy.fill(0, EPT, EPT + 0x2000);
          return copy;
        };
        const before = outside(g.u8);
        for (let i = 0; i < 20; i++) {
          const s = c.run(100);
          if (s === 'exit') {
            c.pc = (c.pc + 4) >>> 0;
            c.vmx!.inject = null;
          } else if (s === 'halt') break;
        }
        expect(firstDiff(outside(g.u8), before)).toBe(-1);
      }),
      { numRuns: 200 },
    );
  });
});
