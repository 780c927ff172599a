// Test harness for the CPU: assembles {id, a, b, imm} lists with the ISA encoder, builds memory and page tables, fakes the bus and PIC.

import { encode } from '../../isa/encoding.js';
import { OP, type InsnId } from '../../isa/table.js';
import { PTE } from '../../isa/abi.js';
import { Cpu, type CpuOptions } from '../../vmm/machine/cpu.js';
import type { InterruptSource, IoBus } from '../../vmm/machine/io.js';

export interface Insn {
  id: InsnId;
  a?: number;
  b?: number;
  imm?: number;
  imm16?: number;
}

/** Shorthand: I('add.ri', 1, 0, 5). */
export function I(id: InsnId, a = 0, b = 0, imm = 0, imm16?: number): Insn {
  return imm16 === undefined ? { id, a, b, imm } : { id, a, b, imm, imm16 };
}

export function assemble(prog: readonly Insn[]): number[] {
  const words: number[] = [];
  for (const p of prog) words.push(...encode({ opcode: OP[p.id], a: p.a ?? 0, b: p.b ?? 0, imm: p.imm ?? 0, imm16: p.imm16 ?? 0 }));
  return words;
}

/** Byte length of a program (for computing branch offsets). */
export function sizeOf(prog: readonly Insn[]): number {
  return assemble(prog).length * 4;
}

export class FakeBus implements IoBus {
  readonly writes: Array<[number, number]> = [];
  readonly mmioWrites: Array<[number, number, number]> = [];
  readonly ports = new Map<number, number>();
  mmioBase = 0xff00_0000;
  mmioSize = 0x1000;
  mmioValue = 0x1234_5678;
  portRead(port: number): number {
    return this.ports.get(port) ?? 0xffff_ffff;
  }
  portWrite(port: number, value: number): void {
    this.writes.push([port, value]);
  }
  claimsMmio(pa: number, size: number): boolean {
    return pa >= this.mmioBase && pa + size <= this.mmioBase + this.mmioSize;
  }
  mmioRead(_pa: number, size: 1 | 2 | 4): number {
    return size === 4 ? this.mmioValue : size === 2 ? this.mmioValue & 0xffff : this.mmioValue & 0xff;
  }
  mmioWrite(pa: number, size: 1 | 2 | 4, value: number): void {
    this.mmioWrites.push([pa, size, value]);
  }
}

/** A 16-line controller reduced to a pending set; acknowledge moves a line in service. */
export class FakePic implements InterruptSource {
  pending = new Set<number>();
  acked: number[] = [];
  pendingVector(cr8: number): number {
    let best = -1;
    for (const line of this.pending) if (line <= 15 - cr8 && (best < 0 || line < best)) best = line;
    return best < 0 ? -1 : 32 + best;
  }
  acknowledge(vector: number): void {
    this.pending.delete(vector - 32);
    this.acked.push(vector);
  }
}

export interface Rig {
  cpu: Cpu;
  mem: ArrayBuffer;
  u8: Uint8Array;
  dv: DataView;
  bus: FakeBus;
  pic: FakePic;
  /** Write words at physical address pa. */
  poke(pa: number, words: readonly number[]): void;
  peek(pa: number): number;
  load(pa: number, prog: readonly Insn[]): void;
}

export const RAM = 1 << 20; // 1 MiB

export function rig(opts: CpuOptions & { ram?: number } = {}): Rig {
  const mem = new ArrayBuffer(opts.ram ?? RAM);
  const bus = new FakeBus();
  const pic = new FakePic();
  const cpu = new Cpu(mem, bus, pic, opts);
  const dv = new DataView(mem);
  const poke = (pa: number, words: readonly number[]) => words.forEach((w, i) => dv.setUint32(pa + 4 * i, w >>> 0, true));
  cpu.reset(0x1000, opts.ram ?? RAM);
  return {
    cpu,
    mem,
    u8: new Uint8Array(mem),
    dv,
    bus,
    pic,
    poke,
    peek: (pa) => dv.getUint32(pa, true),
    load: (pa, prog) => poke(pa, assemble(prog)),
  };
}

/** Page-table builder over physical memory: directory at `dir`, tables allocated from `next`. */
export class PageTables {
  constructor(
    private readonly dv: DataView,
    readonly dir: number,
    private next: number,
  ) {
    for (let i = 0; i < 1024; i++) dv.setUint32(dir + 4 * i, 0, true);
  }
  map(va: number, pa: number, flags: number, pdeFlags = PTE.P | PTE.W | PTE.U): void {
    const di = va >>> 22;
    let pde = this.dv.getUint32(this.dir + 4 * di, true);
    if ((pde & PTE.P) === 0) {
      const t = this.next;
      this.next += 4096;
      for (let i = 0; i < 1024; i++) this.dv.setUint32(t + 4 * i, 0, true);
      pde = t | pdeFlags;
      this.dv.setUint32(this.dir + 4 * di, pde >>> 0, true);
    }
    const t = pde & ~0xfff;
    this.dv.setUint32(t + 4 * ((va >>> 12) & 1023), ((pa & ~0xfff) | flags) >>> 0, true);
  }
  mapRange(va: number, pa: number, bytes: number, flags: number): void {
    for (let o = 0; o < bytes; o += 4096) this.map(va + o, pa + o, flags);
  }
  pte(va: number): number {
    const pde = this.dv.getUint32(this.dir + 4 * (va >>> 22), true);
    return this.dv.getUint32((pde & ~0xfff) + 4 * ((va >>> 12) & 1023), true);
  }
  pde(va: number): number {
    return this.dv.getUint32(this.dir + 4 * (va >>> 22), true);
  }
  setPte(va: number, v: number): void {
    const pde = this.dv.getUint32(this.dir + 4 * (va >>> 22), true);
    this.dv.setUint32((pde & ~0xfff) + 4 * ((va >>> 12) & 1023), v >>> 0, true);
  }
}

/** Layout used by boot(): every IVT entry points at a `hlt` stub, so any trap stops the CPU there. */
export const IVT = 0x400;
export const STUB = 0x800;
export const CODE = 0x1000;
export const STACK = 0x8_0000;
export const KSTACK = 0x9_0000;

export interface Frame {
  vector: number;
  error: number;
  pc: number;
  flags: number;
  sp: number;
}

export interface Booted extends Rig {
  /** Run until a stop other than 'io' (default budget 10 000); `ioStops` counts the 'io' slices. */
  go(budget?: number): string;
  ioStops: number;
  /** The trap frame at sp if the CPU stopped in the stub, else null. */
  frame(): Frame | null;
}

/** A CPU at CPL 0, paging off, IVT at IVT (all entries → hlt stub), the program at CODE followed by hlt. */
export function boot(prog: readonly Insn[], opts: CpuOptions & { ram?: number } = {}): Booted {
  const g = rig(opts);
  for (let v = 0; v < 256; v++) g.poke(IVT + 4 * v, [STUB]);
  g.load(STUB, [I('hlt')]);
  g.load(CODE, [...prog, I('hlt')]);
  g.cpu.reset(CODE, STACK);
  g.cpu.ivtb = IVT;
  g.cpu.cr4 = KSTACK;
  const frame = (): Frame | null => {
    if (g.cpu.pc !== STUB + 4) return null;
    const sp = g.cpu.r[15]! >>> 0;
    return {
      vector: g.peek(sp),
      error: g.peek(sp + 4),
      pc: g.peek(sp + 8),
      flags: g.peek(sp + 12),
      sp: g.peek(sp + 16),
    };
  };
  const b: Booted = {
    ...g,
    ioStops: 0,
    go: (budget = 10_000) => {
      for (;;) {
        const s = g.cpu.run(budget);
        if (s !== 'io') return s;
        b.ioStops++;
      }
    },
    frame,
  };
  return b;
}

/** Identity-map [0, bytes) in fresh tables at `dir` with the given PTE flags, and turn paging on. */
export function identityPaging(g: Rig, bytes: number, flags: number, dir = 0xc_0000): PageTables {
  const pt = new PageTables(g.dv, dir, dir + 0x1000);
  pt.mapRange(0, 0, bytes, flags);
  g.cpu.cr3 = dir;
  g.cpu.cr0 = 1;
  return pt;
}
