// The differential fuzzer's kernels as data: a structured description of a random but legal kernel, and the
// fast-check arbitraries that draw one (so a failing kernel shrinks for free, op by op and segment by segment).
//
// A kernel is a list of segments, each run at ring 0 or (entered by `iret`) at ring 3, each a list of ops.
// Every op leaves its result in the running checksum (r13), and every segment prints it, so the console
// says where a technique first went wrong. render.ts turns a description into VX32 source.
import fc from 'fast-check';

/** Values worth computing with: the edges of every width and sign, shift counts around 32, and noise. */
export const EDGE_VALUES = [
  0, 1, 2, 3, 31, 32, 33, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000, 0x8000_0001,
  0xffff_fffe, 0xffff_ffff,
] as const;

export const ALU_OPS = ['add', 'sub', 'and', 'or', 'xor', 'shl', 'shr', 'sar', 'mul', 'not', 'neg'] as const;
export const JCC = ['jz', 'jnz', 'jl', 'jle', 'jg', 'jge', 'jb', 'jae', 'ja', 'jbe'] as const;
export type Width = 1 | 2 | 4;

/** Data pages the kernel stores into (two, so accesses can cross between them). */
export const BUF_BYTES = 2 * 4096;
/** Pages the page-fault handler maps on demand (paging only): not present at boot. */
export const DEMAND_PAGES = 4;
/** Self-modifying-code templates in the runtime: `add/xor/sub/mul r1, imm16`, imm16 patched in. */
export const SMC_TEMPLATES = 4;
/** Instructions a ring-3 task may not run: each raises #GP there, and the handler steps over it. */
export const PRIVILEGED = ['cli', 'sti', 'hlt', 'iret', 'in', 'out', 'movcr', 'lidt', 'invlpg'] as const;
export const READABLE_CRS = [0, 2, 3, 4, 8] as const;

export type Op =
  /** r1 = a OP b (register or immediate b). */
  | { k: 'alu'; op: (typeof ALU_OPS)[number]; a: number; b: number; imm: boolean }
  /** Flags from cmp/test, read back through a conditional branch. */
  | { k: 'cmp'; test: boolean; jcc: (typeof JCC)[number]; a: number; b: number; imm: boolean }
  /** Unsigned divide or modulo; b = 0 raises #DE, which the handler steps over. */
  | { k: 'div'; mod: boolean; a: number; b: number; imm: boolean }
  /** A store of one width at one offset of the data pages, read back at another width and offset. */
  | { k: 'mem'; width: Width; off: number; value: number; abs: boolean; disp: number; rwidth: Width; roff: number }
  /** An unaligned store across the start of the page table (into its first entry) or across its end. */
  | { k: 'straddle'; width: 2 | 4; back: number; value: number; outOf: boolean }
  /** Accesses to a demand page, `repeat` times, each time unmapping it first if asked: page faults restart them. */
  | { k: 'demand'; page: number; off: number; width: Width; write: boolean; value: number; unmap: boolean; repeat: number }
  /** Read a demand page's page-table entry (its accessed and dirty bits are guest-visible). */
  | { k: 'readpte'; page: number }
  /** Pushes, pops and a call with the stack on the page table's last entries. */
  | { k: 'ptstack'; values: number[]; call: boolean }
  /** Patch an instruction (its whole word, its immediate, or one byte) and run it, out of line or just ahead. */
  | { k: 'smc'; tmpl: number; imm: number; how: 'word' | 'half' | 'byte'; byte: number; inline: boolean; value: number }
  /** `int` through a handler that mixes the pushed FLAGS into r1. */
  | { k: 'int'; value: number }
  /** `int v` with v < 48: #GP. */
  | { k: 'badint'; vector: number }
  | { k: 'brk' }
  | { k: 'pushf' }
  | { k: 'popf'; value: number }
  | { k: 'rdcpl' }
  | { k: 'sidt' }
  /** A counted loop of ALU work (translated blocks chained to themselves). */
  | { k: 'loop'; n: number; a: number; op: (typeof ALU_OPS)[number] }
  /** A direct or indirect call. */
  | { k: 'call'; indirect: boolean; value: number }
  /** Ring 0: interrupts off for a few instructions. */
  | { k: 'irqoff'; n: number }
  /** Ring 0: wait for the next interrupt (only with the timer on). */
  | { k: 'hlt' }
  /** Ring 0: a new timer period (only with the timer on). */
  | { k: 'retime'; period: number }
  /** Ring 0: paging off for a few instructions (a store among them), then on again (only with paging). */
  | { k: 'pgoff'; n: number; value: number }
  /** Ring 0: read a control register. */
  | { k: 'readcr'; cr: (typeof READABLE_CRS)[number] }
  /** Ring 3: a privileged instruction, which raises #GP. */
  | { k: 'priv'; insn: (typeof PRIVILEGED)[number] }
  /** Ring 3: the `mix` system call. */
  | { k: 'syscall'; value: number };

export interface Segment {
  readonly ring: 0 | 3;
  readonly ops: readonly Op[];
}

export interface Kernel {
  /** Paging on (identity map, demand pages) or off. */
  readonly paging: boolean;
  /** The periodic timer's first period in instructions, or null for no timer. */
  readonly timer: number | null;
  /** Ring-3 code runs with interrupts on (with the timer on). */
  readonly userIf: boolean;
  /** Run every technique on strict VX32 (trap always is), against a strict native run. */
  readonly strict: boolean;
  readonly segments: readonly Segment[];
}

const u32 = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_VALUES) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff_ffff }) },
  { weight: 1, arbitrary: fc.integer({ min: -40, max: 40 }).map((v) => v >>> 0) },
);
const width = fc.constantFrom<Width>(4, 2, 1);
/** Offsets biased to the edges of the two data pages. */
const bufOff = fc.oneof(
  fc.integer({ min: 0, max: 7 }),
  fc.integer({ min: 4088, max: 4100 }),
  fc.integer({ min: BUF_BYTES - 8, max: BUF_BYTES - 1 }),
  fc.integer({ min: 0, max: BUF_BYTES - 1 }),
);
const pageOff = fc.oneof(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 4088, max: 4095 }), fc.integer({ min: 0, max: 4095 }));
const period = fc.oneof(fc.integer({ min: 40, max: 160 }), fc.integer({ min: 40, max: 3000 }));

const alu = fc.record({ k: fc.constant('alu' as const), op: fc.constantFrom(...ALU_OPS), a: u32, b: u32, imm: fc.boolean() });
const cmp = fc.record({ k: fc.constant('cmp' as const), test: fc.boolean(), jcc: fc.constantFrom(...JCC), a: u32, b: u32, imm: fc.boolean() });
const div = fc.record({
  k: fc.constant('div' as const),
  mod: fc.boolean(),
  a: u32,
  b: fc.oneof(fc.constant(0), u32),
  imm: fc.boolean(),
});
const mem = fc.record({
  k: fc.constant('mem' as const),
  width,
  off: bufOff,
  value: u32,
  abs: fc.boolean(),
  disp: fc.oneof(fc.constant(0), fc.integer({ min: -8, max: 8 }), fc.integer({ min: -32768, max: 32767 })),
  rwidth: width,
  roff: fc.integer({ min: -3, max: 3 }),
});
const straddle = fc.record({
  k: fc.constant('straddle' as const),
  width: fc.constantFrom<2 | 4>(4, 2),
  back: fc.integer({ min: 1, max: 3 }),
  value: u32,
  outOf: fc.boolean(),
});
const demand = fc.record({
  k: fc.constant('demand' as const),
  page: fc.integer({ min: 0, max: DEMAND_PAGES - 1 }),
  off: pageOff,
  width,
  write: fc.boolean(),
  value: u32,
  unmap: fc.boolean(),
  repeat: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 12 })),
});
const readpte = fc.record({ k: fc.constant('readpte' as const), page: fc.integer({ min: 0, max: DEMAND_PAGES - 1 }) });
const ptstack = fc.record({ k: fc.constant('ptstack' as const), values: fc.array(u32, { minLength: 1, maxLength: 4 }), call: fc.boolean() });
const smc = fc.record({
  k: fc.constant('smc' as const),
  tmpl: fc.integer({ min: 0, max: SMC_TEMPLATES - 1 }),
  imm: fc.integer({ min: 0, max: 0xffff }),
  how: fc.constantFrom('word' as const, 'half' as const, 'byte' as const),
  byte: fc.integer({ min: 0, max: 1 }),
  inline: fc.boolean(),
  value: u32,
});
const int = fc.record({ k: fc.constant('int' as const), value: u32 });
const badint = fc.record({ k: fc.constant('badint' as const), vector: fc.integer({ min: 0, max: 47 }) });
const popf = fc.record({ k: fc.constant('popf' as const), value: u32 });
const loop = fc.record({ k: fc.constant('loop' as const), n: fc.integer({ min: 1, max: 24 }), a: u32, op: fc.constantFrom(...ALU_OPS) });
const call = fc.record({ k: fc.constant('call' as const), indirect: fc.boolean(), value: u32 });
const irqoff = fc.record({ k: fc.constant('irqoff' as const), n: fc.integer({ min: 0, max: 6 }) });
const hlt = fc.constant<Op>({ k: 'hlt' });
const retime = fc.record({ k: fc.constant('retime' as const), period });
const pgoff = fc.record({ k: fc.constant('pgoff' as const), n: fc.integer({ min: 0, max: 40 }), value: u32 });
const readcr = fc.record({ k: fc.constant('readcr' as const), cr: fc.constantFrom(...READABLE_CRS) });
const priv = fc.record({ k: fc.constant('priv' as const), insn: fc.constantFrom(...PRIVILEGED) });
const syscall = fc.record({ k: fc.constant('syscall' as const), value: u32 });

/** Each op kind's arbitrary, with its weight and the rings it is legal at. */
const OPS: Record<Op['k'], { readonly arb: fc.Arbitrary<Op>; readonly weight: number; readonly rings: readonly (0 | 3)[] }> = {
  alu: { arb: alu, weight: 3, rings: [0, 3] },
  cmp: { arb: cmp, weight: 2, rings: [0, 3] },
  div: { arb: div, weight: 1, rings: [0, 3] },
  mem: { arb: mem, weight: 4, rings: [0, 3] },
  straddle: { arb: straddle, weight: 3, rings: [0, 3] },
  demand: { arb: demand, weight: 4, rings: [0, 3] },
  readpte: { arb: readpte, weight: 1, rings: [0, 3] },
  ptstack: { arb: ptstack, weight: 2, rings: [0, 3] },
  smc: { arb: smc, weight: 3, rings: [0, 3] },
  int: { arb: int, weight: 1, rings: [0, 3] },
  badint: { arb: badint, weight: 1, rings: [0, 3] },
  brk: { arb: fc.constant<Op>({ k: 'brk' }), weight: 1, rings: [0, 3] },
  pushf: { arb: fc.constant<Op>({ k: 'pushf' }), weight: 1, rings: [0, 3] },
  popf: { arb: popf, weight: 1, rings: [0, 3] },
  rdcpl: { arb: fc.constant<Op>({ k: 'rdcpl' }), weight: 1, rings: [0, 3] },
  sidt: { arb: fc.constant<Op>({ k: 'sidt' }), weight: 1, rings: [0, 3] },
  loop: { arb: loop, weight: 1, rings: [0, 3] },
  call: { arb: call, weight: 1, rings: [0, 3] },
  irqoff: { arb: irqoff, weight: 2, rings: [0] },
  hlt: { arb: hlt, weight: 1, rings: [0] },
  retime: { arb: retime, weight: 1, rings: [0] },
  pgoff: { arb: pgoff, weight: 1, rings: [0] },
  readcr: { arb: readcr, weight: 1, rings: [0] },
  priv: { arb: priv, weight: 1, rings: [3] },
  syscall: { arb: syscall, weight: 2, rings: [3] },
};

/** Every op kind, in the order the arbitraries below choose among them. */
export const OP_KINDS = Object.keys(OPS) as Op['k'][];

/** The op kinds legal at a ring. */
export const opKindsAt = (ring: 0 | 3): Op['k'][] => OP_KINDS.filter((k) => OPS[k].rings.includes(ring));

/** One op of the kind: its arbitrary (tests draw one of each). */
export const opArb = (kind: Op['k']): fc.Arbitrary<Op> => OPS[kind].arb;

const opAt = (ring: 0 | 3): fc.Arbitrary<Op> =>
  fc.oneof(...opKindsAt(ring).map((k) => ({ weight: OPS[k].weight, arbitrary: OPS[k].arb })));
export const kernelOp = opAt(0);
export const userOp = opAt(3);

const ops = (op: fc.Arbitrary<Op>) => fc.array(op, { minLength: 1, maxLength: 10 });
const segment: fc.Arbitrary<Segment> = fc.oneof(
  fc.record({ ring: fc.constant(0 as const), ops: ops(kernelOp) }),
  fc.record({ ring: fc.constant(3 as const), ops: ops(userOp) }),
);

/** A whole kernel: mostly with paging and a timer, sometimes on strict VX32. */
export const kernelArb: fc.Arbitrary<Kernel> = fc.record({
  paging: fc.oneof({ weight: 1, arbitrary: fc.constant(false) }, { weight: 4, arbitrary: fc.constant(true) }),
  timer: fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 4, arbitrary: period }),
  userIf: fc.boolean(),
  strict: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  segments: fc.array(segment, { minLength: 1, maxLength: 8 }),
});

/** The features a kernel uses, for reports (`paging timer user smc ...`). */
export function features(k: Kernel): string[] {
  const kinds = new Set(k.segments.flatMap((s) => s.ops.map((o) => o.k)));
  const out: string[] = [];
  if (k.paging) out.push('paging');
  if (k.timer !== null) out.push(`timer(${k.timer})`);
  if (k.segments.some((s) => s.ring === 3)) out.push(k.userIf && k.timer !== null ? 'ring3(IF=1)' : 'ring3');
  if (k.strict) out.push('strict');
  out.push(...[...kinds].sort());
  return out;
}

/** Kernel-wide features `without` can switch off, besides every op kind. */
export const KERNEL_FEATURES = ['paging', 'timer', 'user', 'strict'] as const;
/** The kernel with some features switched off (ops of those kinds dropped; ring-3 segments dropped without `user`). */
export function without(k: Kernel, off: ReadonlySet<string>): Kernel {
  if (off.size === 0) return k;
  const segments = k.segments
    .filter((s) => !(off.has('user') && s.ring === 3))
    .map((s) => ({ ring: s.ring, ops: s.ops.filter((o) => !off.has(o.k)) }))
    .filter((s) => s.ops.length > 0);
  return {
    paging: k.paging && !off.has('paging'),
    timer: off.has('timer') ? null : k.timer,
    userIf: k.userIf,
    strict: k.strict && !off.has('strict'),
    segments: segments.length ? segments : [{ ring: 0, ops: [{ k: 'alu', op: 'add', a: 1, b: 1, imm: false }] }],
  };
}
