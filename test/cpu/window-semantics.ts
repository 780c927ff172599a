// Per-instruction semantics of the ISA table's window class: #UD for a guest in any ring, the effect inside the code-cache window.
//
// Each check runs the instruction twice: as guest code (CPL 0, 1 and 3, no window), where it must
// raise #UD at its own address like any invalid opcode; and as translated code fetched through a
// code-cache window at CPL 1, where it must act on the window's data area. The translator's use of
// them end to end is covered by test/hv/bt.test.ts.

import { expect } from 'vitest';
import { FLAGS, VEC } from '../../isa/abi.js';
import { encode, type EncodeFields } from '../../isa/encoding.js';
import { OP, type WindowInsnId } from '../../isa/table.js';
import { CodeWindow, WINDOW_BASE } from '../../vmm/machine/code-window.js';
import { boot, CODE, rig, STACK } from './harness.js';

type Sem = () => void;

/** One window instruction: its id and the encoder's fields. */
type W = readonly [WindowInsnId, Omit<EncodeFields, 'opcode'>?];

const words = (prog: readonly W[]) => prog.flatMap(([id, f]) => encode({ opcode: OP[id], ...f }));

/** The first instruction of `prog` as guest code at each CPL: #UD at its address, nothing else run. */
function undefinedForGuests(first: W): void {
  for (const cpl of [0, 1, 3]) {
    const g = boot([]);
    g.poke(CODE, words([first]));
    g.cpu.cpl = cpl;
    expect(g.go(), `CPL ${cpl}`).toBe('halt');
    expect(g.frame(), `CPL ${cpl}`).toMatchObject({ vector: VEC.UD, error: 0, pc: CODE, flags: cpl << FLAGS.CPL_SHIFT });
    expect(g.cpu.stats.instructions, `CPL ${cpl}`).toBe(1); // the stub's hlt, nothing before it
  }
}

const DATA_WORDS = 64;
const WINDOW_PAGE_PA = 0x6000;
/** Callout every window program ends with. */
const END = 99;

/** Run `prog` as translated code at CPL 1 through a window whose data area starts as `data`; it ends in a callout. */
function inWindow(prog: readonly W[], data: Record<number, number> = {}, regs: Record<number, number> = {}) {
  const g = rig();
  g.poke(WINDOW_PAGE_PA, words(prog));
  const win = new CodeWindow(1, DATA_WORDS);
  win.pages[0] = WINDOW_PAGE_PA;
  for (const [k, v] of Object.entries(data)) win.data[Number(k)] = v;
  g.cpu.reset(WINDOW_BASE, STACK);
  g.cpu.cpl = 1;
  for (const [k, v] of Object.entries(regs)) g.cpu.r[Number(k)] = v;
  g.cpu.setCodeWindow(win);
  const stop = g.cpu.run(100);
  return { cpu: g.cpu, win, stop };
}

/** `check` runs inside the window; the same instruction is #UD as guest code. */
function windowOnly(first: W, check: () => void): Sem {
  return () => {
    undefinedForGuests(first);
    check();
  };
}

export const WINDOW_SEMANTICS = {
  wld: windowOnly(['wld', { a: 1, slot: 3 }], () => {
    const { cpu, stop } = inWindow([['wld', { a: 1, slot: 3 }], ['wcall', { imm: END }]], { 3: 0x1234_5678 });
    expect(stop).toBe('exit');
    expect(cpu.r[1]).toBe(0x1234_5678);
  }),
  wst: windowOnly(['wst', { a: 2, slot: 4 }], () => {
    const { win } = inWindow([['wst', { a: 2, slot: 4 }], ['wcall', { imm: END }]], {}, { 2: -77 });
    expect(win.data[4]).toBe(-77);
  }),
  wldx: windowOnly(['wldx', { a: 1, b: 2, slot: 10 }], () => {
    // rb is a byte offset: 8 selects the second word after the slot; the index wraps inside the area.
    const { cpu } = inWindow([['wldx', { a: 1, b: 2, slot: 10 }], ['wldx', { a: 3, b: 4, slot: DATA_WORDS - 1 }], ['wcall', { imm: END }]], { 12: 55, 0: 66 }, { 2: 8, 4: 4 });
    expect(cpu.r[1]).toBe(55);
    expect(cpu.r[3]).toBe(66);
  }),
  wset: windowOnly(['wset', { slot: 5, imm: -2 }], () => {
    const { win } = inWindow([['wset', { slot: 5, imm: -2 }], ['wset', { slot: 6, imm: 0x200 }], ['wcall', { imm: END }]]);
    expect(win.data[5]).toBe(-2);
    expect(win.data[6]).toBe(0x200);
  }),
  winc: windowOnly(['winc', { slot: 6 }], () => {
    const { win } = inWindow([['winc', { slot: 6 }], ['winc', { slot: 6 }], ['wcall', { imm: END }]], { 6: 41 });
    expect(win.data[6]).toBe(43);
  }),
  wjmp: windowOnly(['wjmp', { slot: 7 }], () => {
    const { win } = inWindow([['wjmp', { slot: 7 }], ['wcall', { imm: 1 }], ['wcall', { imm: 2 }]], { 7: WINDOW_BASE + 8 });
    expect(win.callout).toBe(2);
  }),
  wcall: windowOnly(['wcall', { imm: 42 }], () => {
    const { cpu, win, stop } = inWindow([['wcall', { imm: 42 }]]);
    expect(stop).toBe('exit');
    expect(win.callout).toBe(42);
    expect(cpu.pc).toBe(WINDOW_BASE); // the VMM resumes or redirects from the wcall itself
    expect(cpu.stats.instructions).toBe(0);
  }),
  wcallnz: windowOnly(['wcallnz', { slot: 8, imm: 9 }], () => {
    const prog: W[] = [['wcallnz', { slot: 8, imm: 9 }], ['wcall', { imm: END }]];
    expect(inWindow(prog, { 8: 0 }).win.callout).toBe(END);
    const taken = inWindow(prog, { 8: 1 });
    expect(taken.win.callout).toBe(9);
    expect(taken.cpu.pc).toBe(WINDOW_BASE);
  }),
  wskip: windowOnly(['wskip', { imm: 2 }], () => {
    const { cpu, win } = inWindow([['wskip', { imm: 2 }], ['winc', { slot: 1 }], ['winc', { slot: 1 }], ['winc', { slot: 1 }], ['wcall', { imm: END }]]);
    expect(win.data[1]).toBe(3);
    expect(win.overhead).toBe(2);
    expect(cpu.stats.instructions - win.overhead).toBe(1); // the one winc that was not declared overhead
  }),
} satisfies Record<WindowInsnId, Sem>;
