// The VX32 CPU: one hot interpreter loop with rings, traps, interrupts, paging and the virtualization extension.
//
// Structure: `loop()` runs straight-line code with all hot state in locals and leaves on any rare
// event with a code (fault, trap, I/O, exit, a system instruction); `run()` handles that code and
// re-enters. Every fault leaves the loop through the same path, so the loop has no try/catch and
// allocates nothing. Condition flags are lazy: cmp/test store their two operands and a branch
// compares them directly (test a, b sets exactly the flags of cmp a & b, 0).
//
// Choices where docs/vx32.md is silent:
// - `push sp` pushes the value sp had before the push; `pop sp` leaves sp = the popped word (as x86).
// - Budget: a trap delivery retires no instruction but uses one unit of run()'s budget, so a handler
//   that faults on its own first fetch cannot hang run().
// - Interrupts are checked on entry to run() and after each instruction that may unblock one (every
//   system instruction but int, brk, hlt, in and out) unless it used the budget's last unit: an external
//   interrupt is taken at an instruction boundary, before the next instruction, and only if one runs.
// - Non-root mode: privilege (#GP) is checked before an instruction exit; an EXCEPTION exit for an
//   int-like trap (brk) carries the pc after it; a second-stage violation (or, with #PF exits on, a
//   page fault) while delivering an event exits and leaves the event in `vmx.inject` for re-delivery;
//   EXT_INTERRUPT exits leave the interrupt pending at the controller; setting A/D bits in a guest
//   table needs second-stage write permission; `interceptTraps` applies in root mode only.

import { BY_OPCODE, INSNS, OP, SP, type InsnClass } from '../../isa/table.js';
import { CR0_PG, EXIT_REASONS, FLAGS, VEC, type ExitReason } from '../../isa/abi.js';
import { lengthOf } from '../../isa/encoding.js';
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
import { createStats, type CpuState, type CpuStats, type TripleInfo } from './cpu-state.js';
import type { InterruptSource, IoBus } from './io.js';
import { ACC_READ, ACC_WRITE, MS_EPT, MS_OK, MS_PF, Mmu } from './mmu.js';
import { WARMUP_BUS, WARMUP_PIC, WARMUP_RAM, warmUp } from './cpu-warmup.js';
import { clearExitInfo, createExitInfo, EXIT_BIT, type ExitInfo, type VmControl } from './vmx.js';
import type { CodeWindow } from './code-window.js';

export type StopReason = 'budget' | 'io' | 'halt' | 'triple' | 'exit' | 'trap';

export interface CpuOptions {
  /** Strict VX32: pushf, popf, rdcpl and sidt raise #GP at CPL > 0. */
  strict?: boolean;
  /** TLB entries per privilege set (power of two; default 256). */
  tlbEntries?: number;
}

// Why loop() returned.
const C_BUDGET = 0;
/** An exception detected by the CPU itself (fv, fe); pc at the faulting instruction. */
const C_FAULT = 1;
/** A memory fault or second-stage violation reported by the MMU; pc at the faulting instruction. */
const C_MEM = 2;
/** int / brk retired: deliver fv with pc already at the next instruction. */
const C_TRAP = 3;
const C_IO = 4;
const C_HALT = 5;
const C_EXIT = 6;
/** Something that may unblock an interrupt (IF, cr8, ring) changed: check events. */
const C_CHECK = 7;
/** A window instruction retired: go on, nothing to check. */
const C_WIN = 8;
/** wskip: extend the budget by `skipped` and go on; counts as no instruction. */
const C_SKIP = 9;

const IF = FLAGS.IF;
const ARITH = FLAGS.ARITH;
const KEEP = ARITH | IF;

// Per-opcode tables for the system path: class (0 innocuous, 1 privileged, 2 sensitive, 3 invalid,
// 4 window: invalid too unless fetched through the code-cache window) and the exit bit of instruction
// exits (EXCEPTION is decided at delivery, HCALL always exits).
const CLS = new Uint8Array(256).fill(3);
const CLS_OF = { innocuous: 0, privileged: 1, sensitive: 2, window: 4 } as const satisfies Record<InsnClass, number>;
const XBIT = new Int32Array(256);
for (const e of INSNS) {
  CLS[e.opcode] = CLS_OF[e.cls];
  XBIT[e.opcode] = e.exit !== null && e.exit !== 'EXCEPTION' ? EXIT_BIT[e.exit] : 0;
}
// Window opcodes as plain constants for windowOp's switch (OP is a large keyed object).
const WLD = OP.wld;
const WST = OP.wst;
const WLDX = OP.wldx;
const WSET = OP.wset;
const WINC = OP.winc;
const WJMP = OP.wjmp;
const WCALL = OP.wcall;
const WSKIP = OP.wskip;
// What each guest opcode does to memory, from the table, for exit qualifications: the access width (0 =
// none) and what a store writes (0 nothing, 1 register a, 2 the return address, 3 FLAGS).
const MEM_WIDTH = new Uint8Array(256);
const STORE_DATA = new Uint8Array(256);
for (const e of BY_OPCODE) {
  if (e.mem === null) continue;
  MEM_WIDTH[e.opcode] = e.mem.width;
  if (e.mem.access === 'write') STORE_DATA[e.opcode] = ({ ra: 1, pc: 2, flags: 3, frame: 0 } as const)[e.mem.data];
}
const LONG = new Uint8Array(256);
for (const e of BY_OPCODE) LONG[e.opcode] = e.long ? 1 : 0;
const VALID_CR = new Set<number>([0, 2, 3, 4, 8]);

/** Whether the JIT warm-up has run in this process (see cpu-warmup.ts). */
let warmed = false;

/** Z/S/C/O of `cmp x, y`. */
function lazyBits(x: number, y: number): number {
  const res = (x - y) | 0;
  return (
    (res === 0 ? FLAGS.Z : 0) |
    (res < 0 ? FLAGS.S : 0) |
    (x >>> 0 < y >>> 0 ? FLAGS.C : 0) |
    (((x ^ y) & (x ^ res)) < 0 ? FLAGS.O : 0)
  );
}

/** A conditional branch's condition from materialized flag bits (opcodes 60..69). */
function condFromBits(op: number, f: number): boolean {
  const z = (f & 1) !== 0;
  const s = (f & 2) !== 0;
  const c = (f & 4) !== 0;
  const o = (f & 8) !== 0;
  switch (op) {
    case 60: return z;
    case 61: return !z;
    case 62: return s !== o;
    case 63: return z || s !== o;
    case 64: return !z && s === o;
    case 65: return s === o;
    case 66: return c;
    case 67: return !c;
    case 68: return !c && !z;
    default: return c || z;
  }
}

export class Cpu {
  readonly r = new Int32Array(16);
  pc = 0;
  cr2 = 0;
  cr4 = 0;
  ivtb = 0;
  strict: boolean;
  readonly stats: CpuStats = createStats();
  /** Hand every trap and interrupt to the host instead of the IVT (root mode only): run() returns 'trap'. */
  interceptTraps = false;
  trapVector = 0;
  trapError = 0;
  sensitiveHook: ((opcode: number, value: number) => void) | null = null;
  /**
   * Direct gates for a paravirtual kernel (root mode with interceptTraps only; docs/vx32.md): handler per
   * vector, 0 = none. `int v` at CPL 3 with gates[v] != 0 enters the handler at CPL `gateCpl` on cr4's
   * stack without stopping the CPU, and `int returnGate` at CPL `gateCpl` pops a frame back to CPL 3.
   */
  gates: Uint32Array | null = null;
  gateCpl = 1;
  returnGate = -1;
  /** Non-null: non-root mode under this control block. */
  vmx: VmControl | null = null;
  readonly exit: ExitInfo = createExitInfo();
  halted = false;
  /** Set when run() returns 'triple'. */
  tripleInfo: TripleInfo | null = null;
  /** The code-cache window (binary translation): CPL 1 fetches come from it while set. See code-window.ts. */
  private window: CodeWindow | null = null;
  /** The window last taken out, and the TLB fills then (see setCodeWindow). */
  private windowOut: { window: CodeWindow | null; fills: number } | null = null;
  private skipped = 0;

  private readonly mmu: Mmu;
  private readonly u8: Uint8Array;
  private readonly i32: Int32Array;
  // Flags: `fl` holds IF, and Z/S/C/O when not lazy; when lazy they derive from cmp fx, fy.
  private fl = 0;
  private fx = 0;
  private fy = 0;
  private lz = false;
  private _cpl = 0;
  private _cr0 = 0;
  private _cr8 = 0;
  // Fetch cache: virtual page base of pc's page (1 = invalid) and host-physical minus virtual.
  private fva = 1;
  private fd = 0;
  // The exception loop() reports with C_FAULT / C_TRAP.
  private fv = 0;
  private fe = 0;
  private retired = 0;
  /** Instruction word at pc when loop() stopped (for exit qualifications). */
  private lastW = 0;
  private tlbVmx: VmControl | null = null;
  /** Kernel-rights word access for trap frames (isa/trap-frame.ts), and iret's words: built once, not per trap. */
  private readonly frameMem: FrameMemory;
  private readonly frameRet = newTrapReturn();

  /** `mem` is physical memory: a whole buffer, or a view of one (a VM's slice of host memory). */
  constructor(
    mem: ArrayBuffer | Uint8Array,
    private readonly bus: IoBus,
    private readonly pic: InterruptSource,
    opts: CpuOptions = {},
  ) {
    this.strict = opts.strict ?? false;
    this.mmu = new Mmu(mem, bus, this.stats, opts.tlbEntries ?? 256);
    this.u8 = this.mmu.u8;
    this.i32 = this.mmu.i32;
    const m = this.mmu;
    this.frameMem = {
      read32: (va) => m.load(va | 0, 4, false),
      write32: (va, value) => m.store(va | 0, 4, value, false),
      ok: () => m.status === MS_OK,
    };
    if (!warmed) {
      warmed = true;
      const mem = new ArrayBuffer(WARMUP_RAM);
      warmUp(new Cpu(mem, WARMUP_BUS, WARMUP_PIC), mem);
    }
  }

  // ---- architectural state with side effects ----

  get flags(): number {
    return this.lz ? (this.fl & IF) | lazyBits(this.fx, this.fy) : this.fl & KEEP;
  }
  set flags(v: number) {
    this.fl = v & KEEP;
    this.lz = false;
  }
  get cpl(): number {
    return this._cpl;
  }
  set cpl(v: number) {
    this._cpl = v & 3;
    this.fva = 1;
  }
  get cr0(): number {
    return this._cr0;
  }
  /** Writing cr0 flushes the TLB (paging may have toggled). */
  set cr0(v: number) {
    this._cr0 = v >>> 0;
    this.mmu.paging = (v & CR0_PG) !== 0;
    this.flushTlb();
  }
  get cr3(): number {
    return this.mmu.cr3;
  }
  /** Writing cr3 flushes the TLB. */
  set cr3(v: number) {
    this.mmu.cr3 = v >>> 0;
    this.flushTlb();
  }
  get cr8(): number {
    return this._cr8;
  }
  set cr8(v: number) {
    this._cr8 = v & 15;
  }

  reset(entry: number, sp: number): void {
    this.r.fill(0);
    this.r[SP] = sp;
    this.pc = entry >>> 0;
    this.fl = 0;
    this.lz = false;
    this._cpl = 0;
    this._cr0 = 0;
    this.mmu.paging = false;
    this.mmu.cr3 = 0;
    this.cr2 = 0;
    this.cr4 = 0;
    this._cr8 = 0;
    this.ivtb = 0;
    this.halted = false;
    this.tripleInfo = null;
    this.flushTlb();
  }

  save(): CpuState {
    return {
      r: Array.from(this.r),
      pc: this.pc >>> 0,
      flags: this.flags,
      cpl: this._cpl,
      cr0: this._cr0,
      cr2: this.cr2 >>> 0,
      cr3: this.mmu.cr3,
      cr4: this.cr4 >>> 0,
      cr8: this._cr8,
      ivtb: this.ivtb >>> 0,
      halted: this.halted,
    };
  }

  /**
   * Registers onto the CPU. The TLB is flushed unless `resume` says these are the registers this CPU
   * last held, with nothing loaded in between (the same VM going on after a pause), and the address
   * space is the same: pausing a run must not change what it costs.
   */
  load(s: CpuState, resume = false): void {
    const keepTlb = resume && s.cr3 >>> 0 === this.mmu.cr3 >>> 0 && s.cr0 >>> 0 === this._cr0 >>> 0;
    for (let i = 0; i < 16; i++) this.r[i] = s.r[i] ?? 0;
    this.pc = s.pc >>> 0;
    this.flags = s.flags;
    this._cpl = s.cpl & 3;
    this._cr0 = s.cr0 >>> 0;
    this.mmu.paging = (s.cr0 & CR0_PG) !== 0;
    this.mmu.cr3 = s.cr3 >>> 0;
    this.cr2 = s.cr2 >>> 0;
    this.cr4 = s.cr4 >>> 0;
    this._cr8 = s.cr8 & 15;
    this.ivtb = s.ivtb >>> 0;
    this.halted = s.halted;
    if (!keepTlb) this.flushTlb();
  }

  /** Log the pages written into this CPU's memory in `bits` (one byte per page), or stop with null. */
  logDirty(bits: Uint8Array | null): void {
    this.mmu.dirtyLog = bits;
    this.flushTlb();
  }

  flushTlb(): void {
    this.mmu.flush();
    this.fva = 1;
  }

  /** Evict one page's translation, as `invlpg` does (for a VMM acting on a paravirtual guest's request). */
  invalidatePage(va: number): void {
    this.stats.invlpgs++;
    this.mmu.invlpg(va | 0);
    this.fva = 1;
  }

  /**
   * Install (or remove, with null) the code-cache window. Supervisor fetches then come from it, through
   * the MMU (the hot loop does not know it exists), and no translation of its address range is cached.
   */
  setCodeWindow(w: CodeWindow | null): void {
    const old = this.window;
    this.window = w;
    this.mmu.window = w;
    if (w === null) {
      // The TLB never holds a supervisor entry in the window's range (mmu.ts), so its entries stay right
      // without it. The fetch page may still point into the code cache: nothing fetches before the next
      // VM is loaded (which flushes) or this window comes back.
      this.windowOut = { window: old, fills: this.mmu.fills };
      return;
    }
    // The window just taken out, put back with no TLB entry made meanwhile: the same VM going on after
    // a pause, whose TLB and fetch page must not be lost to it. Anything else: flush.
    const out = this.windowOut;
    this.windowOut = null;
    if (out === null || out.window !== w || out.fills !== this.mmu.fills) this.flushTlb();
  }

  get codeWindow(): CodeWindow | null {
    return this.window;
  }

  /** Translate `va` as the CPU would (no A/D update, no statistics), or -1 if the access would fault. */
  probe(va: number, write: boolean, user: boolean): number {
    const m = this.mmu;
    const saved = m.status;
    const h = m.walk(va | 0, write ? ACC_WRITE : 0, user, false);
    m.status = saved;
    return h;
  }

  /** Host-physical address the CPU would read for `va` at supervisor privilege, or -1 (for crash reports and debuggers). */
  peekPhysical(va: number): number {
    return this.probe(va, false, false);
  }

  // ---- running ----

  run(budget: number): StopReason {
    const vm = this.vmx;
    const mmu = this.mmu;
    const ept = vm === null ? -1 : vm.eptRoot;
    if (vm !== this.tlbVmx || ept !== mmu.ept) {
      // A different VM or second stage: the cached combined translations are someone else's.
      this.tlbVmx = vm;
      mmu.ept = ept;
      this.flushTlb();
    }
    mmu.status = MS_OK;
    mmu.io = false;
    if (vm !== null && vm.inject !== null) {
      const ev = vm.inject;
      vm.inject = null;
      this.halted = false;
      const s = this.deliver(ev.vector, ev.error, this.pc, -1, true);
      if (s !== null) return s;
    }
    let s = this.events();
    if (s !== null) return s;
    if (this.halted) return 'halt';
    let left = budget;
    while (left > 0) {
      const code = this.loop(left);
      // A delivery also uses up one unit of budget: a handler that faults on its first fetch must
      // not spin here forever (it still counts no instruction).
      left -= code === C_FAULT || code === C_MEM || code === C_TRAP ? this.retired + 1 : this.retired;
      switch (code) {
        case C_BUDGET:
          s = null;
          break;
        case C_FAULT:
        case C_TRAP:
          s = this.deliver(this.fv, this.fe, this.pc, -1);
          break;
        case C_MEM:
          s = mmu.status === MS_PF ? this.deliver(VEC.PF, mmu.pfErr, this.pc, mmu.pfAddr) : this.eptExit(this.lastW);
          mmu.status = MS_OK;
          break;
        case C_IO:
          s = 'io';
          break;
        case C_HALT:
          s = 'halt';
          break;
        case C_EXIT:
          s = 'exit';
          break;
        case C_WIN:
          s = null;
          break;
        case C_SKIP:
          left += this.skipped;
          s = null;
          break;
        default:
          // An interrupt is taken before the next instruction, so only if the budget lets one run: the
          // boundary after the budget's last instruction is checked on the next entry, once the caller
          // has brought its devices (the timer) up to that instruction. Every run loop then delivers at
          // the same instruction boundaries, whatever slices it runs in.
          s = left > 0 ? this.events() : null;
      }
      if (s !== null) {
        mmu.io = false;
        return s;
      }
      if (mmu.io) {
        mmu.io = false;
        return 'io';
      }
    }
    return 'budget';
  }

  /** Pending injection is handled by run(); this checks interrupts and the interrupt window. */
  private events(): StopReason | null {
    const vm = this.vmx;
    const ifOn = (this.fl & IF) !== 0;
    if (vm !== null) {
      if (vm.extInterruptExit) {
        const v = this.pic.pendingVector(0);
        if (v >= 0) {
          this.beginExit('EXT_INTERRUPT', this.pc).vector = v;
          return 'exit';
        }
      }
      if (vm.interruptWindowExit && ifOn) {
        this.beginExit('INTERRUPT_WINDOW', this.pc);
        return 'exit';
      }
      if (vm.extInterruptExit) return null;
    }
    if (!ifOn) return null;
    const v = this.pic.pendingVector(this._cr8);
    if (v < 0) return null;
    this.pic.acknowledge(v);
    this.stats.interrupts++;
    this.halted = false;
    return this.deliver(v, 0, this.pc, -1);
  }

  private beginExit(reason: ExitReason, pc: number): ExitInfo {
    const e = this.exit;
    clearExitInfo(e, reason, pc);
    this.stats.exits++;
    this.stats.exitsByReason[EXIT_REASONS.indexOf(reason)]!++;
    this.pc = pc >>> 0;
    return e;
  }

  /** An instruction exit: pc at the instruction, with its opcode and length. */
  private insnExit(reason: ExitReason, w: number, pc: number): ExitInfo {
    const e = this.beginExit(reason, pc);
    e.opcode = w & 255;
    e.length = lengthOf(w);
    e.reg = (w >>> 8) & 15;
    return e;
  }

  private eptExit(w: number): StopReason {
    const m = this.mmu;
    const e = this.beginExit('EPT_VIOLATION', this.pc);
    e.gpa = m.eptGpa;
    e.write = m.eptWrite;
    e.fetch = m.eptFetch;
    e.walk = m.eptWalk;
    if (!m.eptFetch) {
      const op = w & 255;
      const a = (w >>> 8) & 15;
      e.opcode = op;
      e.length = lengthOf(w);
      e.reg = a;
      e.size = MEM_WIDTH[op]!;
      const data = STORE_DATA[op]!;
      if (data === 1) e.value = this.r[a]! >>> 0;
      else if (data === 2) e.value = (this.pc + 4) >>> 0;
      else if (data === 3) e.value = (this.flags | (this._cpl << FLAGS.CPL_SHIFT)) >>> 0;
    }
    return 'exit';
  }

  /**
   * Deliver vector v (error code err, saved pc, cr2 for #PF or -1): through an exception exit, to the
   * host (interceptTraps), or through the IVT, falling back to #DF and then a triple fault.
   * Returns null when the CPU can go on running the handler. An `injected` event (from the VMM) goes
   * straight to the guest's table, as VT-x event injection ignores the exception bitmap: otherwise a
   * reflected #PF under shadow paging would exit again, forever.
   */
  private deliver(v: number, err: number, savedPc: number, cr2: number, injected = false): StopReason | null {
    this.stats.trapsByVector[v]!++;
    const vm = this.vmx;
    if (vm !== null) {
      if (!injected && v < 32 && ((vm.exceptionBitmap >>> v) & 1) !== 0) {
        const e = this.beginExit('EXCEPTION', savedPc);
        e.vector = v;
        e.error = err;
        if (cr2 >= 0) e.cr2 = cr2 >>> 0;
        return 'exit';
      }
    } else if (this.interceptTraps) {
      if (this.gates !== null && this.gate(v, savedPc)) return null;
      this.pc = savedPc >>> 0;
      this.trapVector = v;
      this.trapError = err;
      if (cr2 >= 0) this.cr2 = cr2 >>> 0;
      return 'trap';
    }
    if (cr2 >= 0) this.cr2 = cr2 >>> 0;
    const r = this.pushFrame(v, err, savedPc);
    if (r === MS_OK) return null;
    if (r === MS_EPT) return this.deliveryEptExit(v, err, savedPc);
    if (vm !== null && this.mmu.status === MS_PF && ((vm.exceptionBitmap >>> VEC.PF) & 1) !== 0)
      return this.deliveryPfExit(v, err, savedPc);
    if (v === VEC.DF) return this.triple(v, err, savedPc);
    // The entry was missing or the frame could not be written: #DF with the failed vector as error.
    this.stats.trapsByVector[VEC.DF]!++;
    if (vm !== null && ((vm.exceptionBitmap >>> VEC.DF) & 1) !== 0) {
      const e = this.beginExit('EXCEPTION', savedPc);
      e.vector = VEC.DF;
      e.error = v;
      return 'exit';
    }
    const r2 = this.pushFrame(VEC.DF, v, savedPc);
    if (r2 === MS_OK) return null;
    if (r2 === MS_EPT) return this.deliveryEptExit(VEC.DF, v, savedPc);
    // Under shadow paging the #DF frame's page may just not be in the shadow yet: let the VMM look.
    if (vm !== null && this.mmu.status === MS_PF && ((vm.exceptionBitmap >>> VEC.PF) & 1) !== 0)
      return this.deliveryPfExit(VEC.DF, v, savedPc);
    return this.triple(v, err, savedPc);
  }

  /** A second-stage violation while delivering: exit, and re-deliver the event on the next entry. */
  private deliveryEptExit(v: number, err: number, savedPc: number): StopReason {
    const m = this.mmu;
    m.status = MS_OK;
    this.redeliverLater(v);
    const e = this.beginExit('EPT_VIOLATION', savedPc);
    e.gpa = m.eptGpa;
    e.write = m.eptWrite;
    e.fetch = false;
    e.walk = m.eptWalk;
    e.vector = v;
    e.error = err;
    this.vmx!.inject = { vector: v, error: err };
    return 'exit';
  }

  /**
   * A page fault while delivering an event, with #PF exits on (shadow paging): exit so the VMM can fill
   * the shadow, and re-inject the event on the next entry, as VT-x does with its IDT-vectoring information.
   */
  private deliveryPfExit(v: number, err: number, savedPc: number): StopReason {
    const m = this.mmu;
    m.status = MS_OK;
    this.redeliverLater(v);
    // The #PF is raised and leaves as an EXCEPTION exit, which the VMM's accounting takes back off, as for
    // any #PF the exception bitmap sends to it.
    this.stats.trapsByVector[VEC.PF]!++;
    const e = this.beginExit('EXCEPTION', savedPc);
    e.vector = VEC.PF;
    e.error = m.pfErr;
    e.cr2 = m.pfAddr >>> 0;
    this.vmx!.inject = { vector: v, error: err };
    return 'exit';
  }

  /** Vector v goes back for re-injection on the next entry, where it is counted: it is one delivery, not two. */
  private redeliverLater(v: number): void {
    this.stats.trapsByVector[v]!--;
  }

  private triple(v: number, err: number, savedPc: number): StopReason {
    this.stats.triples++;
    this.pc = savedPc >>> 0;
    if (this.vmx !== null) {
      const e = this.beginExit('TRIPLE_FAULT', savedPc);
      e.vector = v;
      e.error = err;
      return 'exit';
    }
    this.tripleInfo = { vector: v, error: err, pc: savedPc >>> 0 };
    return 'triple';
  }

  /**
   * A direct gate (PV): enter the kernel's handler for a software interrupt from ring 3, or return to
   * ring 3 through the return gate, with no VMM. False if this vector or state is not for a gate, or
   * the frame cannot be read or written: the VMM then sees the trap and handles it the slow way.
   */
  private gate(v: number, savedPc: number): boolean {
    const m = this.mmu;
    if (v === this.returnGate) {
      if (this._cpl !== this.gateCpl) return false;
      const f = this.frameRet;
      if (!readTrapReturn(this.frameMem, this.r[SP]! >>> 0, f) || frameCpl(f.flags) !== 3 || (f.pc & 3) !== 0) {
        m.status = MS_OK;
        return false;
      }
      this.pc = f.pc;
      this.fl = (f.flags & ARITH) | IF;
      this.lz = false;
      this.r[SP] = f.sp;
      this.cpl = 3;
      return true;
    }
    const handler = v >= VEC.SOFT_MIN && this._cpl === 3 ? this.gates![v]! : 0;
    if (handler === 0) return false;
    const oldSp = this.r[SP]!;
    const base = trapFrameBase(this._cpl, this.gateCpl, oldSp, this.cr4) | 0;
    if (!this.ramAt(base, ACC_WRITE) || !this.ramAt(trapFrameEnd(base) | 0, ACC_WRITE)) {
      m.status = MS_OK;
      return false;
    }
    writeTrapFrame(this.frameMem, base, v, 0, savedPc, frameFlags(this.flags, this._cpl), oldSp);
    this.r[SP] = base;
    this.cpl = this.gateCpl;
    this.pc = handler >>> 0;
    return true;
  }

  /** Read the IVT entry and push the frame; MS_OK, MS_PF (any failure) or MS_EPT. Nothing changes on failure. */
  /** Whether supervisor access `acc` at `va` reaches RAM; if not, the MMU's status says why. */
  private ramAt(va: number, acc: number): boolean {
    const m = this.mmu;
    const hpa = m.translate(va, acc, false);
    if (hpa < 0) return false;
    if (hpa + 1 <= m.memSize) return true;
    m.busError(va, acc, false);
    return false;
  }

  private pushFrame(v: number, err: number, savedPc: number): number {
    const m = this.mmu;
    m.status = MS_OK;
    // The vector-table entry and the whole frame must be RAM (docs/vx32.md): on a device register or on
    // no memory at all the delivery fails before anything is written, which every VMM can reproduce.
    const entry = (this.ivtb + v * 4) | 0;
    if (!this.ramAt(entry, ACC_READ) || !this.ramAt((entry + 3) | 0, ACC_READ)) return m.status;
    const handler = m.load(entry, 4, false);
    if (m.status !== MS_OK) return m.status;
    if (handler === 0) return MS_PF;
    const oldSp = this.r[SP]!;
    const base = trapFrameBase(this._cpl, 0, oldSp, this.cr4) | 0;
    if (!this.ramAt(base, ACC_WRITE) || !this.ramAt(trapFrameEnd(base) | 0, ACC_WRITE)) return m.status;
    writeTrapFrame(this.frameMem, base, v, err, savedPc, frameFlags(this.flags, this._cpl), oldSp);
    if (m.status !== MS_OK) return m.status;
    this.r[SP] = base;
    this._cpl = 0;
    this.fl &= ~IF;
    this.pc = handler >>> 0;
    this.fva = 1;
    return MS_OK;
  }

  /**
   * The hot loop: executes until the budget is spent or a rare event; returns a C_* code. Opcode
   * numbers are literals (V8 only builds a jump table for literal case labels); the per-instruction
   * tests generated from the ISA table check each one.
   */
  private loop(budget: number): number {
    const r = this.r;
    const i32 = this.i32;
    const u8 = this.u8;
    const mmu = this.mmu;
    const tR = mmu.tR;
    const tW = mmu.tW;
    const tA = mmu.tA;
    const tm = mmu.mask;
    const user = this._cpl === 3;
    const mo = user ? mmu.size : 0;
    let pc = this.pc | 0;
    // An unaligned pc faults on fetch. Checked once here: inside the loop the fetch test below sends an
    // unaligned pc to the slow path, but the invalid-cache marker (fva = 1) would let one with pc & 3 = 1
    // in page 0 through to a stale fetch.
    if ((pc & 3) !== 0) {
      this.fv = VEC.GP;
      this.fe = 0;
      this.retired = 0;
      this.lastW = 0;
      return C_FAULT;
    }
    let fva = this.fva;
    let fd = this.fd;
    let fx = this.fx;
    let fy = this.fy;
    let lz = this.lz;
    const fl = this.fl;
    let n = 0;
    let hits = 0;
    let code = C_BUDGET;
    let w = 0;
    outer: while (n < budget) {
      let ext: number;
      if (((pc ^ fva) & 0xfffff003) === 0 && (pc & 0xffc) !== 0xffc) {
        const hw = (pc + fd) >> 2;
        w = i32[hw]!;
        ext = i32[hw + 1]!;
      } else {
        if ((pc & 3) !== 0) {
          this.fv = VEC.GP;
          this.fe = 0;
          code = C_FAULT;
          break;
        }
        // bit 0 of fva marks the fetch cache invalid (pc itself is aligned here)
        if (((pc ^ fva) & 0xfffff001) !== 0) {
          const vpn = pc >>> 12;
          const ti = (vpn & tm) | mo;
          let h: number;
          if (tR[ti] === vpn) {
            hits++;
            h = ((pc & ~0xfff) + tA[ti]!) | 0;
          } else {
            h = mmu.fetchPage(pc, user);
            if (h < 0) {
              w = 0;
              code = C_MEM;
              break;
            }
          }
          fva = pc & ~0xfff;
          fd = (h - fva) | 0;
        }
        w = i32[(pc + fd) >> 2]!;
        ext = 0;
        if (LONG[w & 255] === 1) {
          if ((pc & 0xffc) !== 0xffc) ext = i32[((pc + fd) >> 2) + 1]!;
          else {
            ext = mmu.fetchWord((pc + 4) | 0, user);
            if (mmu.status !== MS_OK) {
              code = C_MEM;
              break;
            }
          }
        }
      }
      const a = (w >>> 8) & 15;
      const b = (w >>> 12) & 15;
      switch (w & 255) {
        case 0: // nop
          pc = (pc + 4) | 0;
          break;
        case 1: // mov
          r[a] = r[b]!;
          pc = (pc + 4) | 0;
          break;
        case 2: // li.ri
          r[a] = w >> 16;
          pc = (pc + 4) | 0;
          break;
        case 3: // li.rI
          r[a] = ext;
          pc = (pc + 8) | 0;
          break;
        // ---- ALU, register form ----
        case 4: // add.rr
          r[a] = r[a]! + r[b]!;
          pc = (pc + 4) | 0;
          break;
        case 5: // sub.rr
          r[a] = r[a]! - r[b]!;
          pc = (pc + 4) | 0;
          break;
        case 6: // and.rr
          r[a] = r[a]! & r[b]!;
          pc = (pc + 4) | 0;
          break;
        case 7: // or.rr
          r[a] = r[a]! | r[b]!;
          pc = (pc + 4) | 0;
          break;
        case 8: // xor.rr
          r[a] = r[a]! ^ r[b]!;
          pc = (pc + 4) | 0;
          break;
        case 9: // shl.rr
          r[a] = r[a]! << r[b]!;
          pc = (pc + 4) | 0;
          break;
        case 10: // shr.rr
          r[a] = r[a]! >>> r[b]!;
          pc = (pc + 4) | 0;
          break;
        case 11: // sar.rr
          r[a] = r[a]! >> r[b]!;
          pc = (pc + 4) | 0;
          break;
        case 12: // mul.rr
          r[a] = Math.imul(r[a]!, r[b]!);
          pc = (pc + 4) | 0;
          break;
        case 13: // div.rr
        case 14: {
          // mod.rr
          const d = r[b]! >>> 0;
          if (d === 0) {
            this.fv = VEC.DE;
            this.fe = 0;
            code = C_FAULT;
            break outer;
          }
          const x = r[a]! >>> 0;
          r[a] = (w & 255) === 13 ? x / d : x % d;
          pc = (pc + 4) | 0;
          break;
        }
        // ---- ALU, imm16 form ----
        case 15: // add.ri
          r[a] = r[a]! + (w >> 16);
          pc = (pc + 4) | 0;
          break;
        case 16: // sub.ri
          r[a] = r[a]! - (w >> 16);
          pc = (pc + 4) | 0;
          break;
        case 17: // and.ri
          r[a] = r[a]! & (w >> 16);
          pc = (pc + 4) | 0;
          break;
        case 18: // or.ri
          r[a] = r[a]! | (w >> 16);
          pc = (pc + 4) | 0;
          break;
        case 19: // xor.ri
          r[a] = r[a]! ^ (w >> 16);
          pc = (pc + 4) | 0;
          break;
        case 20: // shl.ri
          r[a] = r[a]! << (w >> 16);
          pc = (pc + 4) | 0;
          break;
        case 21: // shr.ri
          r[a] = r[a]! >>> (w >> 16);
          pc = (pc + 4) | 0;
          break;
        case 22: // sar.ri
          r[a] = r[a]! >> (w >> 16);
          pc = (pc + 4) | 0;
          break;
        case 23: // mul.ri
          r[a] = Math.imul(r[a]!, w >> 16);
          pc = (pc + 4) | 0;
          break;
        case 24: // div.ri
        case 25: {
          // mod.ri
          const d = (w >> 16) >>> 0;
          if (d === 0) {
            this.fv = VEC.DE;
            this.fe = 0;
            code = C_FAULT;
            break outer;
          }
          const x = r[a]! >>> 0;
          r[a] = (w & 255) === 24 ? x / d : x % d;
          pc = (pc + 4) | 0;
          break;
        }
        // ---- ALU, imm32 form ----
        case 26: // add.rI
          r[a] = r[a]! + ext;
          pc = (pc + 8) | 0;
          break;
        case 27: // sub.rI
          r[a] = r[a]! - ext;
          pc = (pc + 8) | 0;
          break;
        case 28: // and.rI
          r[a] = r[a]! & ext;
          pc = (pc + 8) | 0;
          break;
        case 29: // or.rI
          r[a] = r[a]! | ext;
          pc = (pc + 8) | 0;
          break;
        case 30: // xor.rI
          r[a] = r[a]! ^ ext;
          pc = (pc + 8) | 0;
          break;
        case 31: // shl.rI
          r[a] = r[a]! << ext;
          pc = (pc + 8) | 0;
          break;
        case 32: // shr.rI
          r[a] = r[a]! >>> ext;
          pc = (pc + 8) | 0;
          break;
        case 33: // sar.rI
          r[a] = r[a]! >> ext;
          pc = (pc + 8) | 0;
          break;
        case 34: // mul.rI
          r[a] = Math.imul(r[a]!, ext);
          pc = (pc + 8) | 0;
          break;
        case 35: // div.rI
        case 36: {
          // mod.rI
          const d = ext >>> 0;
          if (d === 0) {
            this.fv = VEC.DE;
            this.fe = 0;
            code = C_FAULT;
            break outer;
          }
          const x = r[a]! >>> 0;
          r[a] = (w & 255) === 35 ? x / d : x % d;
          pc = (pc + 8) | 0;
          break;
        }
        // ---- flags ----
        case 37: // cmp.rr
          fx = r[a]!;
          fy = r[b]!;
          lz = true;
          pc = (pc + 4) | 0;
          break;
        case 38: // cmp.ri
          fx = r[a]!;
          fy = w >> 16;
          lz = true;
          pc = (pc + 4) | 0;
          break;
        case 39: // cmp.rI
          fx = r[a]!;
          fy = ext;
          lz = true;
          pc = (pc + 8) | 0;
          break;
        case 40: // test.rr
          fx = r[a]! & r[b]!;
          fy = 0;
          lz = true;
          pc = (pc + 4) | 0;
          break;
        case 41: // test.ri
          fx = r[a]! & (w >> 16);
          fy = 0;
          lz = true;
          pc = (pc + 4) | 0;
          break;
        case 42: // test.rI
          fx = r[a]! & ext;
          fy = 0;
          lz = true;
          pc = (pc + 8) | 0;
          break;
        case 43: // not
          r[a] = ~r[a]!;
          pc = (pc + 4) | 0;
          break;
        case 44: // neg
          r[a] = -r[a]!;
          pc = (pc + 4) | 0;
          break;
        // ---- loads (the fast paths take aligned words in pages the TLB holds; the rest goes through the MMU) ----
        case 45: // ld.rm
        case 46: {
          // ld.rM
          const long = (w & 255) === 46;
          const va = long ? (((w >>> 16) & 1) !== 0 ? ext : (r[b]! + ext) | 0) : (r[b]! + (w >> 16)) | 0;
          const vpn = va >>> 12;
          const ti = (vpn & tm) | mo;
          if (tR[ti] === vpn && (va & 3) === 0) {
            hits++;
            r[a] = i32[((va + tA[ti]!) | 0) >> 2]!;
          } else {
            const v = mmu.load(va, 4, user);
            if (mmu.status !== MS_OK) {
              code = C_MEM;
              break outer;
            }
            r[a] = v;
            if (mmu.io) {
              pc = (pc + (long ? 8 : 4)) | 0;
              n++;
              code = C_IO;
              break outer;
            }
          }
          pc = (pc + (long ? 8 : 4)) | 0;
          break;
        }
        case 47: // ldh.rm
        case 48: {
          // ldh.rM
          const long = (w & 255) === 48;
          const va = long ? (((w >>> 16) & 1) !== 0 ? ext : (r[b]! + ext) | 0) : (r[b]! + (w >> 16)) | 0;
          const vpn = va >>> 12;
          const ti = (vpn & tm) | mo;
          if (tR[ti] === vpn && (va & 0xfff) !== 0xfff) {
            hits++;
            const pa = (va + tA[ti]!) | 0;
            r[a] = u8[pa]! | (u8[pa + 1]! << 8);
          } else {
            const v = mmu.load(va, 2, user);
            if (mmu.status !== MS_OK) {
              code = C_MEM;
              break outer;
            }
            r[a] = v;
            if (mmu.io) {
              pc = (pc + (long ? 8 : 4)) | 0;
              n++;
              code = C_IO;
              break outer;
            }
          }
          pc = (pc + (long ? 8 : 4)) | 0;
          break;
        }
        case 49: // ldb.rm
        case 50: {
          // ldb.rM
          const long = (w & 255) === 50;
          const va = long ? (((w >>> 16) & 1) !== 0 ? ext : (r[b]! + ext) | 0) : (r[b]! + (w >> 16)) | 0;
          const vpn = va >>> 12;
          const ti = (vpn & tm) | mo;
          if (tR[ti] === vpn) {
            hits++;
            r[a] = u8[(va + tA[ti]!) | 0]!;
          } else {
            const v = mmu.load(va, 1, user);
            if (mmu.status !== MS_OK) {
              code = C_MEM;
              break outer;
            }
            r[a] = v;
            if (mmu.io) {
              pc = (pc + (long ? 8 : 4)) | 0;
              n++;
              code = C_IO;
              break outer;
            }
          }
          pc = (pc + (long ? 8 : 4)) | 0;
          break;
        }
        // ---- stores ----
        case 51: // st.mr
        case 52: {
          // st.Mr
          const long = (w & 255) === 52;
          const va = long ? (((w >>> 16) & 1) !== 0 ? ext : (r[b]! + ext) | 0) : (r[b]! + (w >> 16)) | 0;
          const v = r[a]!;
          const vpn = va >>> 12;
          const ti = (vpn & tm) | mo;
          if (tW[ti] === vpn && (va & 3) === 0) {
            hits++;
            i32[((va + tA[ti]!) | 0) >> 2] = v;
          } else {
            mmu.store(va, 4, v, user);
            if (mmu.status !== MS_OK) {
              code = C_MEM;
              break outer;
            }
            if (mmu.io) {
              pc = (pc + (long ? 8 : 4)) | 0;
              n++;
              code = C_IO;
              break outer;
            }
          }
          pc = (pc + (long ? 8 : 4)) | 0;
          break;
        }
        case 53: // sth.mr
        case 54: {
          // sth.Mr
          const long = (w & 255) === 54;
          const va = long ? (((w >>> 16) & 1) !== 0 ? ext : (r[b]! + ext) | 0) : (r[b]! + (w >> 16)) | 0;
          const v = r[a]!;
          const vpn = va >>> 12;
          const ti = (vpn & tm) | mo;
          if (tW[ti] === vpn && (va & 0xfff) !== 0xfff) {
            hits++;
            const pa = (va + tA[ti]!) | 0;
            u8[pa] = v;
            u8[pa + 1] = v >> 8;
          } else {
            mmu.store(va, 2, v, user);
            if (mmu.status !== MS_OK) {
              code = C_MEM;
              break outer;
            }
            if (mmu.io) {
              pc = (pc + (long ? 8 : 4)) | 0;
              n++;
              code = C_IO;
              break outer;
            }
          }
          pc = (pc + (long ? 8 : 4)) | 0;
          break;
        }
        case 55: // stb.mr
        case 56: {
          // stb.Mr
          const long = (w & 255) === 56;
          const va = long ? (((w >>> 16) & 1) !== 0 ? ext : (r[b]! + ext) | 0) : (r[b]! + (w >> 16)) | 0;
          const v = r[a]!;
          const vpn = va >>> 12;
          const ti = (vpn & tm) | mo;
          if (tW[ti] === vpn) {
            hits++;
            u8[(va + tA[ti]!) | 0] = v;
          } else {
            mmu.store(va, 1, v, user);
            if (mmu.status !== MS_OK) {
              code = C_MEM;
              break outer;
            }
            if (mmu.io) {
              pc = (pc + (long ? 8 : 4)) | 0;
              n++;
              code = C_IO;
              break outer;
            }
          }
          pc = (pc + (long ? 8 : 4)) | 0;
          break;
        }
        // ---- stack and calls: the word is written before sp moves, so a fault leaves sp alone ----
        case 57: {
          // push
          const v = r[a]!;
          const target = (pc + 4) | 0;
          const va = (r[15]! - 4) | 0;
          const vpn = va >>> 12;
          const ti = (vpn & tm) | mo;
          if (tW[ti] === vpn && (va & 3) === 0) {
            hits++;
            i32[((va + tA[ti]!) | 0) >> 2] = v;
          } else {
            mmu.store(va, 4, v, user);
            if (mmu.status !== MS_OK) {
              code = C_MEM;
              break outer;
            }
            if (mmu.io) {
              r[15] = va;
              pc = target;
              n++;
              code = C_IO;
              break outer;
            }
          }
          r[15] = va;
          pc = target;
          break;
        }
        case 70: {
          // call
          const v = (pc + 4) | 0;
          const target = (pc + 4 + ((w >> 8) << 2)) | 0;
          const va = (r[15]! - 4) | 0;
          const vpn = va >>> 12;
          const ti = (vpn & tm) | mo;
          if (tW[ti] === vpn && (va & 3) === 0) {
            hits++;
            i32[((va + tA[ti]!) | 0) >> 2] = v;
          } else {
            mmu.store(va, 4, v, user);
            if (mmu.status !== MS_OK) {
              code = C_MEM;
              break outer;
            }
            if (mmu.io) {
              r[15] = va;
              pc = target;
              n++;
              code = C_IO;
              break outer;
            }
          }
          r[15] = va;
          pc = target;
          break;
        }
        case 72: {
          // call.r
          const v = (pc + 4) | 0;
          const target = r[a]!;
          const va = (r[15]! - 4) | 0;
          const vpn = va >>> 12;
          const ti = (vpn & tm) | mo;
          if (tW[ti] === vpn && (va & 3) === 0) {
            hits++;
            i32[((va + tA[ti]!) | 0) >> 2] = v;
          } else {
            mmu.store(va, 4, v, user);
            if (mmu.status !== MS_OK) {
              code = C_MEM;
              break outer;
            }
            if (mmu.io) {
              r[15] = va;
              pc = target;
              n++;
              code = C_IO;
              break outer;
            }
          }
          r[15] = va;
          pc = target;
          break;
        }
        case 58: {
          // pop (sp moves first, so pop sp loads the popped word)
          const va = r[15]!;
          const vpn = va >>> 12;
          const ti = (vpn & tm) | mo;
          let v: number;
          if (tR[ti] === vpn && (va & 3) === 0) {
            hits++;
            v = i32[((va + tA[ti]!) | 0) >> 2]!;
          } else {
            v = mmu.load(va, 4, user);
            if (mmu.status !== MS_OK) {
              code = C_MEM;
              break outer;
            }
            if (mmu.io) {
              r[15] = (va + 4) | 0;
              r[a] = v;
          pc = (pc + 4) | 0;
              n++;
              code = C_IO;
              break outer;
            }
          }
          r[15] = (va + 4) | 0;
          r[a] = v;
          pc = (pc + 4) | 0;
          break;
        }
        case 73: {
          // ret
          const va = r[15]!;
          const vpn = va >>> 12;
          const ti = (vpn & tm) | mo;
          let v: number;
          if (tR[ti] === vpn && (va & 3) === 0) {
            hits++;
            v = i32[((va + tA[ti]!) | 0) >> 2]!;
          } else {
            v = mmu.load(va, 4, user);
            if (mmu.status !== MS_OK) {
              code = C_MEM;
              break outer;
            }
            if (mmu.io) {
              r[15] = (va + 4) | 0;
              pc = v;
              n++;
              code = C_IO;
              break outer;
            }
          }
          r[15] = (va + 4) | 0;
          pc = v;
          break;
        }
        // ---- branches ----
        case 59: // jmp
          pc = (pc + 4 + ((w >> 8) << 2)) | 0;
          break;
        case 60: // jz
          pc = (lz ? fx === fy : (fl & 1) !== 0) ? (pc + 4 + ((w >> 8) << 2)) | 0 : (pc + 4) | 0;
          break;
        case 61: // jnz
          pc = (lz ? fx !== fy : (fl & 1) === 0) ? (pc + 4 + ((w >> 8) << 2)) | 0 : (pc + 4) | 0;
          break;
        case 62: // jl
          pc = (lz ? fx < fy : condFromBits(62, fl)) ? (pc + 4 + ((w >> 8) << 2)) | 0 : (pc + 4) | 0;
          break;
        case 63: // jle
          pc = (lz ? fx <= fy : condFromBits(63, fl)) ? (pc + 4 + ((w >> 8) << 2)) | 0 : (pc + 4) | 0;
          break;
        case 64: // jg
          pc = (lz ? fx > fy : condFromBits(64, fl)) ? (pc + 4 + ((w >> 8) << 2)) | 0 : (pc + 4) | 0;
          break;
        case 65: // jge
          pc = (lz ? fx >= fy : condFromBits(65, fl)) ? (pc + 4 + ((w >> 8) << 2)) | 0 : (pc + 4) | 0;
          break;
        case 66: // jb
          pc = (lz ? fx >>> 0 < fy >>> 0 : condFromBits(66, fl)) ? (pc + 4 + ((w >> 8) << 2)) | 0 : (pc + 4) | 0;
          break;
        case 67: // jae
          pc = (lz ? fx >>> 0 >= fy >>> 0 : condFromBits(67, fl)) ? (pc + 4 + ((w >> 8) << 2)) | 0 : (pc + 4) | 0;
          break;
        case 68: // ja
          pc = (lz ? fx >>> 0 > fy >>> 0 : condFromBits(68, fl)) ? (pc + 4 + ((w >> 8) << 2)) | 0 : (pc + 4) | 0;
          break;
        case 69: // jbe
          pc = (lz ? fx >>> 0 <= fy >>> 0 : condFromBits(69, fl)) ? (pc + 4 + ((w >> 8) << 2)) | 0 : (pc + 4) | 0;
          break;
        case 71: // jmp.r
          pc = r[a]!;
          break;
        default: {
          // System instructions (74..90) and invalid opcodes leave the loop: they are rare, and most
          // change state the loop keeps in locals.
          this.pc = pc >>> 0;
          this.fx = fx;
          this.fy = fy;
          this.lz = lz;
          this.fva = fva;
          this.fd = fd;
          this.lastW = w;
          this.commit(n, hits);
          const c = this.system(w);
          const retired = c !== C_FAULT && c !== C_MEM && c !== C_EXIT && c !== C_SKIP;
          if (retired) this.stats.instructions++;
          this.retired = n + (retired ? 1 : 0);
          return c;
        }
      }
      n++;
    }
    this.pc = pc >>> 0;
    this.fx = fx;
    this.fy = fy;
    this.lz = lz;
    this.fva = fva;
    this.fd = fd;
    this.lastW = w;
    this.commit(n, hits);
    this.retired = n;
    return code;
  }

  private commit(n: number, hits: number): void {
    this.stats.instructions += n;
    if (this.mmu.translating) this.stats.tlbHits += hits;
  }

  private gp(): number {
    this.fv = VEC.GP;
    this.fe = 0;
    return C_FAULT;
  }

  /** Push a word for pushf at the current privilege; C_MEM on a fault (sp unchanged). */
  private push(v: number): boolean {
    const va = (this.r[SP]! - 4) | 0;
    this.mmu.store(va, 4, v, this._cpl === 3);
    if (this.mmu.status !== MS_OK) return false;
    this.r[SP] = va;
    return true;
  }

  /** Opcodes 74..90 and invalid ones; state is in `this`. Returns a C_* code. */
  private system(w: number): number {
    const op = w & 255;
    const a = (w >>> 8) & 15;
    const b = (w >>> 12) & 15;
    const pc = this.pc | 0;
    const cpl = this._cpl;
    const st = this.stats;
    const vm = this.vmx;
    const cls = CLS[op]!;
    if (cls === 4 && this.window !== null && cpl === 1) return this.windowOp(w);
    if (cls >= 3 || op < 74) {
      this.fv = VEC.UD;
      this.fe = 0;
      return C_FAULT;
    }
    if (cls !== 0) {
      st.privilegedExecuted++;
      if (cpl !== 0 && (cls === 1 || this.strict)) return this.gp();
    }
    if ((op === 83 || op === 84) && !VALID_CR.has(b)) {
      this.fv = VEC.UD;
      this.fe = 0;
      return C_FAULT;
    }
    if (vm !== null) {
      if (op === 76) {
        this.insnExit('HCALL', w, pc);
        return C_EXIT;
      }
      const bit = XBIT[op]!;
      if (bit !== 0 && (vm.exitOn & bit) !== 0) {
        if (op === 81 || op === 82) {
          const port = w >>> 16;
          if (((vm.ioBitmap[port >>> 3]! >>> (port & 7)) & 1) !== 0) {
            const e = this.insnExit('IO', w, pc);
            e.port = port;
            e.write = op === 82;
            e.size = 4;
            if (op === 82) e.value = this.r[a]! >>> 0;
            return C_EXIT;
          }
        } else {
          const e = this.insnExit(BY_OPCODE[op]!.exit!, w, pc);
          if (op === 83 || op === 84) {
            e.cr = b;
            e.write = op === 84;
            if (op === 84) e.value = this.r[a]! >>> 0;
          } else if (op === 74) e.vector = w >>> 16;
          else if (op === 85 || op === 86) e.value = this.r[a]! >>> 0;
          return C_EXIT;
        }
      }
    }
    const next = (pc + 4) >>> 0;
    switch (op) {
      case 74: {
        // int
        const v = w >>> 16;
        if (v < VEC.SOFT_MIN || v > 255) return this.gp();
        this.pc = next;
        this.fv = v;
        this.fe = 0;
        return C_TRAP;
      }
      case 75: // brk
        this.pc = next;
        this.fv = VEC.BP;
        this.fe = 0;
        return C_TRAP;
      case 76: // hcall outside non-root: #UD, which a trap-and-emulate or PV monitor treats as the hypercall
        this.fv = VEC.UD;
        this.fe = 0;
        return C_FAULT;
      case 77: {
        // iret
        // Word by word, stopping at the first that faults (the MMU's status then says why).
        const f = this.frameRet;
        if (!readTrapReturn(this.frameMem, this.r[SP]! >>> 0, f)) return C_MEM;
        const ncpl = frameCpl(f.flags);
        if (ncpl < cpl) return this.gp();
        this.pc = f.pc;
        this.flags = f.flags;
        this.r[SP] = f.sp;
        this.cpl = ncpl;
        return C_CHECK;
      }
      case 78: // cli
        this.fl &= ~IF;
        this.pc = next;
        return C_CHECK;
      case 79: // sti
        this.fl |= IF;
        this.pc = next;
        return C_CHECK;
      case 80: // hlt
        this.pc = next;
        this.halted = true;
        return C_HALT;
      case 81: // in
        st.portIo++;
        this.r[a] = this.bus.portRead(w >>> 16) | 0;
        this.pc = next;
        return C_IO;
      case 82: // out
        st.portIo++;
        this.bus.portWrite(w >>> 16, this.r[a]! >>> 0);
        this.pc = next;
        return C_IO;
      case 83: // mov rd, crN
        this.r[a] = this.readCr(b);
        this.pc = next;
        return C_CHECK;
      case 84: {
        // mov crN, rs
        const v = this.r[a]!;
        if (b === 0) this.cr0 = v;
        else if (b === 2) this.cr2 = v >>> 0;
        else if (b === 3) this.cr3 = v;
        else if (b === 4) this.cr4 = v >>> 0;
        else this.cr8 = v;
        this.pc = next;
        return C_CHECK;
      }
      case 85: // lidt
        this.ivtb = this.r[a]! >>> 0;
        this.pc = next;
        return C_CHECK;
      case 86: // invlpg
        st.invlpgs++;
        this.mmu.invlpg(this.r[a]!);
        this.fva = 1;
        this.pc = next;
        return C_CHECK;
      case 87: {
        // pushf
        const v = this.flags | (cpl << FLAGS.CPL_SHIFT);
        if (!this.push(v)) return C_MEM;
        this.sensitive(op, v, cpl);
        this.pc = next;
        return C_CHECK;
      }
      case 88: {
        // popf
        const sp = this.r[SP]!;
        const v = this.mmu.load(sp, 4, cpl === 3);
        if (this.mmu.status !== MS_OK) return C_MEM;
        this.r[SP] = (sp + 4) | 0;
        const keepIf = cpl === 0 ? v & IF : this.fl & IF;
        this.fl = (v & ARITH) | keepIf;
        this.lz = false;
        this.sensitive(op, v, cpl);
        this.pc = next;
        return C_CHECK;
      }
      case 89: // rdcpl
        this.r[a] = cpl;
        this.sensitive(op, cpl, cpl);
        this.pc = next;
        return C_CHECK;
      default: // 90 sidt
        this.r[a] = this.ivtb | 0;
        this.sensitive(op, this.ivtb >>> 0, cpl);
        this.pc = next;
        return C_CHECK;
    }
  }

  /** A window instruction (only fetched from the code cache, at CPL 1): see code-window.ts and isa/table.ts. */
  private windowOp(w: number): number {
    const win = this.window!;
    const d = win.data;
    const dm = d.length - 1;
    const a = (w >>> 8) & 15;
    const slot = (w >>> 16) & dm;
    const slot8 = ((w >>> 8) & 255) & dm;
    const next = (this.pc + 4) >>> 0;
    switch (w & 255) {
      case WLD:
        this.r[a] = d[slot]!;
        break;
      case WST:
        d[slot] = this.r[a]!;
        break;
      case WLDX:
        this.r[a] = d[(slot + (this.r[(w >>> 12) & 15]! >>> 2)) & dm]!;
        break;
      case WSET:
        d[slot8] = w >> 16;
        break;
      case WINC:
        d[slot] = (d[slot]! + 1) | 0;
        break;
      case WJMP:
        this.pc = d[slot]! >>> 0;
        return C_WIN;
      case WCALL:
        win.callout = w >>> 16;
        return C_EXIT;
      case WSKIP:
        this.skipped = w >>> 16;
        win.overhead += this.skipped;
        this.pc = next;
        return C_SKIP;
      default:
        // wcallnz
        if (d[slot8] !== 0) {
          win.callout = w >>> 16;
          return C_EXIT;
        }
    }
    this.pc = next;
    return C_WIN;
  }

  private sensitive(op: number, value: number, cpl: number): void {
    if (cpl === 0) return;
    this.stats.sensitiveAtCplGt0++;
    if (this.sensitiveHook !== null) this.sensitiveHook(op, value);
  }

  private readCr(n: number): number {
    switch (n) {
      case 0:
        return this._cr0 | 0;
      case 2:
        return this.cr2 | 0;
      case 3:
        return this.mmu.cr3 | 0;
      case 4:
        return this.cr4 | 0;
      default:
        return this._cr8;
    }
  }
}
