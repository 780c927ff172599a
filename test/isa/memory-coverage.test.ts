// Every ISA table entry that touches memory is covered by the VMM's one emulation path (vmm/hv/memory-insn.ts).
//
// Two levels. In process: for each entry, random registers and random page layouts around the access
// (RAM, a read-only page, an unmapped page, a device register page, page and word boundaries), the
// emulator performs the instruction on one copy of memory and the CPU executes it on another; memory,
// registers, pc, the device's access log and the fault must be the same. In a VM: every entry at every
// place where a VMM must perform it (on a write-protected guest page table, across its start and end, on
// a device register and across a device page) under trap --strict, bt, hw/shadow, hw/nested and emulate
// gives native's console, status and every byte of RAM. Both derive their cases from the table, so a new
// entry is covered, or fails, without a change here.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CR0_PG, FLAGS, MEMMAP, PTE, VEC } from '../../isa/abi.js';
import { encode } from '../../isa/encoding.js';
import { ABS_FLAG, SP, type OpcodeInfo } from '../../isa/table.js';
import { GuestAccess } from '../../vmm/hv/guest-access.js';
import { GuestPhys } from '../../vmm/hv/memory/guest-phys.js';
import { emulateMemoryInsn, type GuestRegisters } from '../../vmm/hv/memory-insn.js';
import { guestServices, HANDLERS, isSystemId, type EmulationContext } from '../../vmm/hv/privileged.js';
import type { VirtualCpu } from '../../vmm/hv/vcpu.js';
import { Cpu } from '../../vmm/machine/cpu.js';
import type { IoBus } from '../../vmm/machine/io.js';
import { BT, EMULATE, firstDiff, HW_NESTED, HW_SHADOW, nativeMachine, ramOf, runVmm, source, spec, TRAP_STRICT } from '../hv/helpers.js';
import { everyCase, kernelSource, MEMORY_INSNS, placesFor } from '../hv/memory-cases.js';

const RAM = 128 * 1024;
const PD = 0x1000;
const PT = 0x2000;
const CODE_VA = 0x3000;
/** Virtual pages 8..15 hold the data; what each maps is drawn per sample. */
const DATA_VA = 0x8000;
const DATA_PAGES = 8;
const DEVICE = MEMMAP.NIC_MMIO;

type Kind = 'ram' | 'readonly' | 'absent' | 'device' | 'hole';
const KINDS: readonly Kind[] = ['ram', 'readonly', 'absent', 'device', 'hole'];

/** A device register file that logs every access: CPU and emulator must make the same ones. */
class LogBus implements IoBus {
  readonly log: string[] = [];
  readonly regs = new Uint8Array(0x1000);
  portRead(): number {
    return 0;
  }
  portWrite(): void {}
  claimsMmio(pa: number, size: number): boolean {
    return pa >= DEVICE && pa + size <= DEVICE + 0x1000;
  }
  mmioRead(pa: number, size: 1 | 2 | 4): number {
    let v = 0;
    for (let k = 0; k < size; k++) v |= this.regs[pa - DEVICE + k]! << (8 * k);
    this.log.push(`r${size}@${pa.toString(16)}=${(v >>> 0).toString(16)}`);
    return v >>> 0;
  }
  mmioWrite(pa: number, size: 1 | 2 | 4, value: number): void {
    this.log.push(`w${size}@${pa.toString(16)}=${(value >>> 0).toString(16)}`);
    for (let k = 0; k < size; k++) this.regs[pa - DEVICE + k] = value >>> (8 * k);
  }
}

interface Sample {
  readonly kinds: readonly Kind[];
  /** Data page and offset of the access's first byte. */
  readonly page: number;
  readonly offset: number;
  readonly regs: readonly number[];
  readonly a: number;
  readonly b: number;
  readonly imm: number;
  readonly absolute: boolean;
  readonly flags: number;
  readonly fill: number;
}

/** RAM with page tables: code at CODE_VA, data pages 8..15 mapped as `kinds` say (frames 16.. for RAM). */
function memory(s: Sample): ArrayBuffer {
  const buf = new ArrayBuffer(RAM);
  const g = new GuestPhys(buf, 0, RAM);
  const bytes = new Uint8Array(buf);
  for (let i = 0x10000; i < 0x18000; i++) bytes[i] = (i * 131 + s.fill) & 0xff;
  g.write32(PD, PT | PTE.P | PTE.W);
  g.write32(PT + (CODE_VA >>> 12) * 4, CODE_VA | PTE.P | PTE.W);
  s.kinds.forEach((k, i) => {
    const frame = k === 'device' ? DEVICE : k === 'hole' ? 0x00f0_0000 : (DATA_PAGES * 2 + i) << 12;
    const e = k === 'absent' ? 0 : (frame | PTE.P | (k === 'readonly' ? 0 : PTE.W)) >>> 0;
    g.write32(PT + ((DATA_VA >>> 12) + i) * 4, e);
  });
  return buf;
}

/** Registers that make the entry's access start at the sample's address. */
function setUp(e: OpcodeInfo, s: Sample): { regs: number[]; words: number[] } {
  const m = e.mem!;
  const addr = (DATA_VA + s.page * 0x1000 + s.offset) >>> 0;
  const regs = [...s.regs];
  const a = s.a;
  let b = s.b;
  let imm = s.imm;
  let imm16 = 0;
  if (m.at === 'operand') {
    if (e.long && s.absolute) {
      imm = addr;
      imm16 = ABS_FLAG;
      b = 0;
    } else {
      if (!e.long) imm = (imm << 16) >> 16;
      regs[b] = (addr - imm) | 0;
    }
  } else {
    regs[SP] = (m.at === 'push' ? addr + m.width : m.at === 'frame' ? addr - 8 : addr) | 0;
  }
  const fields =
    e.form === 'j'
      ? { opcode: e.opcode, imm: (imm & ~3) % 0x1000 }
      : e.form === 'none'
        ? { opcode: e.opcode }
        : e.form === 'r'
          ? { opcode: e.opcode, a }
          : { opcode: e.opcode, a, b, imm, imm16 };
  return { regs, words: encode(fields) };
}

const V = (): VirtualCpu => ({ vif: false, cr0: CR0_PG, cr2: 0, cr3: PD, cr4: 0, cr8: 0, ivtb: 0, halted: false });

function viaCpu(e: OpcodeInfo, s: Sample) {
  const buf = memory(s);
  const { regs, words } = setUp(e, s);
  words.forEach((w, i) => new DataView(buf).setUint32(CODE_VA + 4 * i, w >>> 0, true));
  const bus = new LogBus();
  const cpu = new Cpu(buf, bus, { pendingVector: () => -1, acknowledge: () => {} });
  cpu.load({ r: regs, pc: CODE_VA, flags: s.flags & (FLAGS.ARITH | FLAGS.IF), cpl: 0, cr0: CR0_PG, cr2: 0, cr3: PD, cr4: 0, cr8: 0, ivtb: 0, halted: false });
  cpu.interceptTraps = true;
  const stop = cpu.run(1);
  const fault = stop === 'trap' ? { vector: cpu.trapVector, error: cpu.trapError, cr2: cpu.trapVector === VEC.PF ? cpu.cr2 >>> 0 : 0 } : null;
  return { ram: new Uint8Array(buf), regs: Array.from(cpu.r), pc: cpu.pc >>> 0, flags: cpu.flags, cpl: cpu.cpl, log: bus.log, fault };
}

function viaEmulator(e: OpcodeInfo, s: Sample) {
  const buf = memory(s);
  const { regs, words } = setUp(e, s);
  words.forEach((w, i) => new DataView(buf).setUint32(CODE_VA + 4 * i, w >>> 0, true));
  const bus = new LogBus();
  const g = new GuestPhys(buf, 0, RAM);
  const access = new GuestAccess(g, { cr0: () => CR0_PG, cr3: () => PD }, null, { bus });
  const r = Int32Array.from(regs);
  const v = V();
  v.vif = (s.flags & FLAGS.IF) !== 0;
  let arith = s.flags & FLAGS.ARITH;
  let cpl = 0;
  const state: GuestRegisters = { regs: r, pc: CODE_VA };
  const ctx: EmulationContext = {
    regs: r,
    get pc() {
      return state.pc;
    },
    set pc(x: number) {
      state.pc = x >>> 0;
    },
    get arith() {
      return arith;
    },
    set arith(x: number) {
      arith = x & FLAGS.ARITH;
    },
    get cpl() {
      return cpl;
    },
    v,
    ...guestServices(bus, access, () => cpl),
    setControl: () => {
      throw new Error('no control register is written here');
    },
    invlpg: () => {},
    returnTo(pc, sp, c) {
      state.pc = pc >>> 0;
      r[SP] = sp | 0;
      cpl = c;
    },
  };
  let fault: { vector: number; error: number; cr2: number } | null = null;
  const handled = emulateMemoryInsn(
    {
      vm: { counters: { emulatedInstructions: 0 }, retire: () => {} },
      access,
      context: () => ctx,
      guestCpl: () => cpl,
      deliver: (vector, error, cr2) => (fault = { vector, error, cr2: cr2 ?? 0 }),
    },
    CODE_VA,
    (d) => {
      const id = d.info.id;
      if (!isSystemId(id)) throw new Error(`${id} has no handler`);
      HANDLERS[id](ctx, d);
    },
  );
  const flags = arith | (v.vif ? FLAGS.IF : 0);
  return { handled, ram: new Uint8Array(buf), regs: Array.from(r), pc: state.pc >>> 0, flags, cpl, log: bus.log, fault };
}

const sample = () =>
  fc.record<Sample>({
    kinds: fc.array(fc.constantFrom(...KINDS), { minLength: DATA_PAGES, maxLength: DATA_PAGES }),
    page: fc.integer({ min: 0, max: DATA_PAGES - 2 }),
    // Mostly near the end of the page, where accesses cross into the next one.
    offset: fc.oneof(fc.integer({ min: 0x1000 - 16, max: 0xfff }), fc.integer({ min: 0, max: 0xfff })),
    regs: fc.array(fc.integer({ min: -0x80000000, max: 0x7fffffff }), { minLength: 16, maxLength: 16 }),
    a: fc.integer({ min: 0, max: 15 }),
    b: fc.integer({ min: 0, max: 15 }),
    imm: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    absolute: fc.boolean(),
    flags: fc.integer({ min: 0, max: 0xffff }),
    fill: fc.integer({ min: 0, max: 255 }),
  });

describe('the emulator performs every memory entry of the ISA table as the CPU executes it', () => {
  it('covers every entry that touches memory (the table has some, of every kind)', () => {
    const kinds = new Set(MEMORY_INSNS.map((e) => `${e.mem!.access}/${e.mem!.at}/${e.mem!.data}`));
    expect(kinds.size).toBeGreaterThanOrEqual(8);
    for (const e of MEMORY_INSNS) expect(placesFor(e).length, e.id).toBeGreaterThan(0);
  });

  it.each(MEMORY_INSNS.map((e) => [e.id, e] as const))('%s', (_id, e) => {
    fc.assert(
      fc.property(sample(), (s) => {
        const want = viaCpu(e, s);
        const got = viaEmulator(e, s);
        expect(got.handled).toBe(true);
        expect(got.fault).toEqual(want.fault);
        expect(got.log).toEqual(want.log);
        expect(firstDiff(got.ram, want.ram), 'first byte of memory that differs').toBe(-1);
        expect(got.regs).toEqual(want.regs);
        expect(got.pc).toBe(want.pc);
        expect(got.flags).toBe(want.flags);
        expect(got.cpl).toBe(want.cpl);
      }),
      { numRuns: 60 },
    );
  });
});

describe('every memory entry, wherever a VMM must perform it, gives what native gives', () => {
  const cases = everyCase();
  // Three rounds: a binary translator retranslates an instruction that keeps faulting (adaptive).
  const img = source(kernelSource(cases, 3), 'memory-coverage.s');
  const loose = nativeMachine(img, { max: 5_000_000 });
  const strict = nativeMachine(img, { max: 5_000_000, strict: true });

  it('has a case for every entry, and the oracle runs them all', () => {
    expect(new Set(cases.map((c) => c.insn.id))).toEqual(new Set(MEMORY_INSNS.map((e) => e.id)));
    expect(loose.result.status).toBe('poweroff');
    expect(loose.result.console).toBe('done\n');
  });

  it.each([TRAP_STRICT, BT, HW_SHADOW, HW_NESTED, EMULATE].map((c) => [c.label, c] as const))('under %s', (_label, cfg) => {
    const { hv, results } = runVmm([spec('cases', img)], cfg, 5_000_000);
    const r = results[0]!;
    const want = cfg.strict ? strict : loose;
    expect({ status: r.status, console: r.console, crash: r.crash?.reason }).toEqual({
      status: want.result.status,
      console: want.result.console,
      crash: undefined,
    });
    expect(firstDiff(ramOf(hv, 0), want.machine.mem), 'first RAM byte that differs from native').toBe(-1);
    // The VMM did perform accesses: device registers under every VMM, page-table writes under shadow paging too.
    if (cfg.technique !== 'emulate') expect(r.stats.emulatedInstructions).toBeGreaterThan(0);
    if (cfg.memory !== 'nested' && cfg.technique !== 'emulate') expect(r.stats.shadowSyncs).toBeGreaterThan(cases.length);
  });
});
