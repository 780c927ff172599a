// CPU throughput benchmark: guest MIPS of three kernel-mode loops with paging on (compute, memory, call/ret).

import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { encode } from '../isa/encoding.js';
import { OP, type InsnId } from '../isa/table.js';
import { CR0_PG, MEMMAP, PTE } from '../isa/abi.js';
import { Cpu } from '../vmm/machine/cpu.js';
import type { InterruptSource, IoBus } from '../vmm/machine/io.js';

export interface CpuBenchResult {
  name: string;
  /** Guest MIPS of each measured run, per second of this process's CPU time. */
  mips: number[];
  median: number;
}

const CODE = 0x1000;
const DIR = 0x10_0000;
const TABLE = 0x10_1000;
const DATA = 0x20_0000;
const STACK_TOP = 0x3f_f000;
/** Instructions per run() call, like a machine's time slice. */
const SLICE = 100_000;
const RUNS = 5;
const MIN_MS = 300;

type Asm = Array<[InsnId, number?, number?, number?]>;

function words(prog: Asm): number[] {
  const out: number[] = [];
  for (const [id, a = 0, b = 0, imm = 0] of prog) out.push(...encode({ opcode: OP[id], a, b, imm }));
  return out;
}

/** Byte offset for a branch at instruction index `from` to index `to` (all short instructions). */
const rel = (from: number, to: number) => (to - from - 1) * 4;

const PROGRAMS: Record<string, Asm> = {
  // r3 = mix of r1; r1 counts; effectively endless (the budget ends each run)
  compute: [
    ['li.rI', 2, 0, 0x7fff_ffff], // 0-1 (8 bytes: counted as two slots below)
    ['add.rr', 3, 1], // 2
    ['xor.ri', 3, 0, 0x55], // 3
    ['shl.ri', 4, 0, 1], // 4
    ['add.ri', 1, 0, 1], // 5
    ['cmp.rr', 1, 2], // 6
    ['jnz', 0, 0, rel(7, 2)], // 7
    ['jmp', 0, 0, rel(8, 0)], // 8
  ],
  // sum and update a 4 KiB array word by word
  memory: [
    ['li.rI', 6, 0, DATA], // 0-1
    ['li.ri', 1, 0, 0], // 2
    ['mov', 7, 6], // 3
    ['ld.rm', 3, 7, 0], // 4
    ['add.rr', 3, 1], // 5
    ['st.mr', 3, 7, 0], // 6
    ['add.ri', 7, 0, 4], // 7
    ['add.ri', 1, 0, 1], // 8
    ['cmp.ri', 1, 0, 1024], // 9
    ['jnz', 0, 0, rel(10, 4)], // 10
    ['jmp', 0, 0, rel(11, 2)], // 11
  ],
  // a leaf call per iteration
  calls: [
    ['li.ri', 1, 0, 0], // 0
    ['call', 0, 0, rel(1, 5)], // 1
    ['add.ri', 1, 0, 1], // 2
    ['test.rr', 1, 1], // 3
    ['jmp', 0, 0, rel(4, 1)], // 4
    ['add.rr', 3, 1], // 5: f
    ['ret'], // 6
  ],
};

const nullBus: IoBus = {
  portRead: () => 0xffff_ffff,
  portWrite: () => {},
  claimsMmio: () => false,
  mmioRead: () => 0,
  mmioWrite: () => {},
};
const noIrq: InterruptSource = { pendingVector: () => -1, acknowledge: () => {} };

/** A CPU at CPL 0 with the first 4 MiB identity-mapped and paging on, about to run `prog`. */
function setup(prog: Asm): Cpu {
  const mem = new ArrayBuffer(MEMMAP.DEFAULT_RAM);
  const dv = new DataView(mem);
  dv.setUint32(DIR, TABLE | PTE.P | PTE.W, true);
  for (let i = 0; i < 1024; i++) dv.setUint32(TABLE + 4 * i, ((i << 12) | PTE.P | PTE.W) >>> 0, true);
  words(prog).forEach((w, i) => dv.setUint32(CODE + 4 * i, w >>> 0, true));
  const cpu = new Cpu(mem, nullBus, noIrq);
  cpu.reset(CODE, STACK_TOP);
  cpu.cr3 = DIR;
  cpu.cr0 = CR0_PG;
  return cpu;
}

/** Milliseconds of CPU time this process has used: robust against other processes sharing the cores. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Guest MIPS over at least MIN_MS of this process's CPU time (wall time is also bounded by it). */
function measure(cpu: Cpu): number {
  const start = cpuMs();
  const wallStart = performance.now();
  const first = cpu.stats.instructions;
  let elapsed = 0;
  do {
    for (let i = 0; i < 20; i++) {
      const s = cpu.run(SLICE);
      if (s !== 'budget') throw new Error(`benchmark loop stopped: ${s} at pc 0x${cpu.pc.toString(16)}`);
    }
    elapsed = cpuMs() - start;
  } while (elapsed < MIN_MS && performance.now() - wallStart < 20 * MIN_MS);
  return (cpu.stats.instructions - first) / elapsed / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function benchCpu(): CpuBenchResult[] {
  const results: CpuBenchResult[] = [];
  for (const [name, prog] of Object.entries(PROGRAMS)) {
    const cpu = setup(prog);
    measure(cpu); // warm-up: let the JIT settle
    const mips: number[] = [];
    for (let i = 0; i < RUNS; i++) mips.push(measure(cpu));
    results.push({ name, mips, median: median(mips) });
  }
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of benchCpu())
    console.log(`${r.name.padEnd(8)} median ${r.median.toFixed(1).padStart(6)} MIPS   runs ${r.mips.map((m) => m.toFixed(1)).join(' ')}`);
}
