// The VX32 instruction table: the single source for the encoder, decoder, disassembler, CPU, docs and `vmlab isa`.
//
// Encoding (little-endian 32-bit words, 4-byte aligned):
//   word 0: bits 0-7 opcode | bits 8-11 field a | bits 12-15 field b | bits 16-31 imm16
//   form 'j' uses bits 8-31 as a signed 24-bit word offset from the next instruction instead.
//   forms ending in a capital letter ('rI', 'rM', 'Mr') carry a second word, `ext`, with a 32-bit value.
// The opcode of a guest instruction is its index in ISA below; window instructions (class 'window', at
// the end of the table) are numbered from WINDOW_OPCODE_BASE instead, so the guest opcode space can
// keep growing below them. The table is append-only: reordering changes the encoding.

import { REGISTER_COUNT, SP, type ExitReason } from './abi.js';

/**
 * Popek & Goldberg's classes. `sensitive` means sensitive but unprivileged: it does not trap outside ring 0.
 * `window` is not theirs: translator-only instructions, valid only in code fetched through the code-cache
 * window (vmm/machine/code-window.ts) and #UD anywhere else, so no guest can ever execute one.
 */
export type InsnClass = 'innocuous' | 'privileged' | 'sensitive' | 'window';
/** The classes of instructions a guest can execute (everything but `window`). */
export type GuestClass = Exclude<InsnClass, 'window'>;

/**
 * Operand forms. Fields: a = first register operand (the data register of loads and stores),
 * b = second register (the base of a memory operand), imm = imm16 (sign-extended) or ext.
 */
export type Form =
  | 'none' //  op
  | 'r' //     op ra
  | 'rr' //    op ra, rb
  | 'ri' //    op ra, imm16
  | 'rI' //    op ra, imm32                       (2 words)
  | 'rm' //    op ra, [rb + imm16]
  | 'rM' //    op ra, [rb + ext] | [ext]          (2 words; imm16 bit 0 set = no base register)
  | 'mr' //    op [rb + imm16], ra
  | 'Mr' //    op [rb + ext] | [ext], ra          (2 words; imm16 bit 0 set = no base register)
  | 'j' //     op target                          (24-bit signed word offset from the next instruction)
  | 'v' //     op vector                          (imm16 holds 0..255)
  | 'rp' //    op ra, port                        (imm16 holds the port)
  | 'pr' //    op port, ra                        (imm16 holds the port)
  | 'rc' //    op ra, crN                         (b holds the control-register number)
  | 'cr' //    op crN, ra                         (b holds the control-register number)
  // window forms: `slot` indexes the VMM's window data area; imm16 is unsigned unless said otherwise
  | 'rs' //    op ra, [slot]                      (slot in imm16)
  | 'sr' //    op [slot], ra                      (slot in imm16)
  | 'rsx' //   op ra, [slot + rb]                 (slot in imm16)
  | 's' //     op [slot]                          (slot in imm16)
  | 'si' //    op [slot8], imm16                  (slot8 in bits 8-15, imm16 sign-extended)
  | 'sc' //    op [slot8], callout                (slot8 in bits 8-15, callout id in imm16)
  | 'c' //     op callout                         (callout id in imm16)
  | 'n'; //    op count                           (count in imm16)

/** The forms only window instructions use. */
export type WindowForm = 'rs' | 'sr' | 'rsx' | 's' | 'si' | 'sc' | 'c' | 'n';
/** The forms of guest instructions: the assembler's. */
export type GuestForm = Exclude<Form, WindowForm>;

/** Forms that carry a 32-bit extension word. */
export const LONG_FORMS: ReadonlySet<Form> = new Set<Form>(['rI', 'rM', 'Mr']);
/** Opcode of the first window instruction; the rest follow in table order. */
export const WINDOW_OPCODE_BASE = 0xf0;
/** imm16 bit of 'rM'/'Mr' meaning "absolute address, no base register". */
export const ABS_FLAG = 1;

/** Bytes one memory access moves. */
export type Width = 1 | 2 | 4;

/**
 * What an instruction does to guest memory, in one access kind (no VX32 instruction both reads and
 * writes memory). Interpreters, the translator and every VMM path that performs a guest's access for
 * it derive the address, width and data from this, never from the mnemonic.
 */
export interface MemEffect {
  readonly access: 'read' | 'write';
  /** Bytes per access (iret reads three words of this width). */
  readonly width: Width;
  /**
   * Where: `operand` = the memory operand ([rb + imm], [rb + imm32] or [imm32]); `push` = the `width`
   * bytes below sp, and sp moves down once they are written; `pop` = the bytes at sp, and sp moves up
   * past them; `frame` = the trap frame at sp (FRAME.PC, FRAME.FLAGS, FRAME.SP in isa/abi.ts).
   */
  readonly at: 'operand' | 'push' | 'pop' | 'frame';
  /**
   * What moves: register a (zero-extended on a read), the pc (the return address a call pushes, the
   * target a return pops), the FLAGS word (with IF and the CPL), or a whole trap frame.
   */
  readonly data: 'ra' | 'pc' | 'flags' | 'frame';
}

/**
 * How an instruction moves the pc. `none` = on to the next instruction; `jump` = always to a target
 * (direct for form 'j', from a register for form 'r', from a data slot for a window jump); `branch` = a
 * conditional direct jump; `call` = pushes the return address and jumps; `ret` = pops the target;
 * `iret` = returns through a trap frame; `trap` = raises a trap or exits (int, brk, hcall); `halt` =
 * waits for an interrupt; `callout` = hands control to the VMM (window instructions).
 */
export type Flow = 'none' | 'jump' | 'branch' | 'call' | 'ret' | 'iret' | 'trap' | 'halt' | 'callout';

export interface InsnSpec {
  /** Unique id: `mnemonic` or `mnemonic.form` where a mnemonic has several forms. */
  readonly id: string;
  readonly mnemonic: string;
  readonly form: Form;
  readonly cls: InsnClass;
  /** Ends a basic block: every control transfer (flow other than `none`), and `mov crN` (paging may toggle). */
  readonly blockEnd: boolean;
  /** What it does to guest memory; null = nothing (the trap frame of `int` and `brk` is the delivery's, not theirs). */
  readonly mem: MemEffect | null;
  readonly flow: Flow;
  /** The exit reason under the virtualization extension when the control block asks for it; null = never exits. */
  readonly exit: ExitReason | null;
  /** Sets the condition flags. */
  readonly setsFlags: boolean;
  /** One line of semantics, for docs and `vmlab isa`. */
  readonly summary: string;
}

type Opts = Partial<Pick<InsnSpec, 'blockEnd' | 'exit' | 'setsFlags' | 'mem' | 'flow'>>;

function insn<const Id extends string, const C extends InsnClass>(
  id: Id,
  form: Form,
  cls: C,
  summary: string,
  opts: Opts = {},
): InsnSpec & { id: Id; cls: C } {
  const mnemonic = id.split('.')[0]!;
  return {
    id,
    mnemonic,
    form,
    cls,
    summary,
    blockEnd: opts.blockEnd ?? (opts.flow ?? 'none') !== 'none',
    mem: opts.mem ?? null,
    flow: opts.flow ?? 'none',
    exit: opts.exit ?? null,
    setsFlags: opts.setsFlags ?? false,
  };
}

const I = 'innocuous' as const;
const P = 'privileged' as const;
const S = 'sensitive' as const;
const W = 'window' as const;
const reads = (width: Width, at: MemEffect['at'] = 'operand', data: MemEffect['data'] = 'ra'): MemEffect => ({
  access: 'read',
  width,
  at,
  data,
});
const writes = (width: Width, at: MemEffect['at'] = 'operand', data: MemEffect['data'] = 'ra'): MemEffect => ({
  access: 'write',
  width,
  at,
  data,
});
const JUMP = { flow: 'jump' } as const;
const BRANCH = { flow: 'branch' } as const;

export const ISA = [
  insn('nop', 'none', I, 'do nothing'),
  insn('mov', 'rr', I, 'ra = rb'),
  insn('li.ri', 'ri', I, 'ra = sign-extended imm16'),
  insn('li.rI', 'rI', I, 'ra = imm32'),
  // ALU, register form
  insn('add.rr', 'rr', I, 'ra = ra + rb'),
  insn('sub.rr', 'rr', I, 'ra = ra - rb'),
  insn('and.rr', 'rr', I, 'ra = ra & rb'),
  insn('or.rr', 'rr', I, 'ra = ra | rb'),
  insn('xor.rr', 'rr', I, 'ra = ra ^ rb'),
  insn('shl.rr', 'rr', I, 'ra = ra << (rb & 31)'),
  insn('shr.rr', 'rr', I, 'ra = ra >>> (rb & 31) (logical)'),
  insn('sar.rr', 'rr', I, 'ra = ra >> (rb & 31) (arithmetic)'),
  insn('mul.rr', 'rr', I, 'ra = low 32 bits of ra * rb'),
  insn('div.rr', 'rr', I, 'ra = ra / rb, unsigned; #DE if rb = 0'),
  insn('mod.rr', 'rr', I, 'ra = ra % rb, unsigned; #DE if rb = 0'),
  // ALU, imm16 form (sign-extended)
  insn('add.ri', 'ri', I, 'ra = ra + imm'),
  insn('sub.ri', 'ri', I, 'ra = ra - imm'),
  insn('and.ri', 'ri', I, 'ra = ra & imm'),
  insn('or.ri', 'ri', I, 'ra = ra | imm'),
  insn('xor.ri', 'ri', I, 'ra = ra ^ imm'),
  insn('shl.ri', 'ri', I, 'ra = ra << (imm & 31)'),
  insn('shr.ri', 'ri', I, 'ra = ra >>> (imm & 31) (logical)'),
  insn('sar.ri', 'ri', I, 'ra = ra >> (imm & 31) (arithmetic)'),
  insn('mul.ri', 'ri', I, 'ra = low 32 bits of ra * imm'),
  insn('div.ri', 'ri', I, 'ra = ra / imm, unsigned; #DE if imm = 0'),
  insn('mod.ri', 'ri', I, 'ra = ra % imm, unsigned; #DE if imm = 0'),
  // ALU, imm32 form
  insn('add.rI', 'rI', I, 'ra = ra + imm32'),
  insn('sub.rI', 'rI', I, 'ra = ra - imm32'),
  insn('and.rI', 'rI', I, 'ra = ra & imm32'),
  insn('or.rI', 'rI', I, 'ra = ra | imm32'),
  insn('xor.rI', 'rI', I, 'ra = ra ^ imm32'),
  insn('shl.rI', 'rI', I, 'ra = ra << (imm32 & 31)'),
  insn('shr.rI', 'rI', I, 'ra = ra >>> (imm32 & 31) (logical)'),
  insn('sar.rI', 'rI', I, 'ra = ra >> (imm32 & 31) (arithmetic)'),
  insn('mul.rI', 'rI', I, 'ra = low 32 bits of ra * imm32'),
  insn('div.rI', 'rI', I, 'ra = ra / imm32, unsigned; #DE if imm32 = 0'),
  insn('mod.rI', 'rI', I, 'ra = ra % imm32, unsigned; #DE if imm32 = 0'),
  // comparisons: the only instructions that set the condition flags
  insn('cmp.rr', 'rr', I, 'flags from ra - rb', { setsFlags: true }),
  insn('cmp.ri', 'ri', I, 'flags from ra - imm', { setsFlags: true }),
  insn('cmp.rI', 'rI', I, 'flags from ra - imm32', { setsFlags: true }),
  insn('test.rr', 'rr', I, 'flags from ra & rb (C = O = 0)', { setsFlags: true }),
  insn('test.ri', 'ri', I, 'flags from ra & imm (C = O = 0)', { setsFlags: true }),
  insn('test.rI', 'rI', I, 'flags from ra & imm32 (C = O = 0)', { setsFlags: true }),
  insn('not', 'r', I, 'ra = ~ra'),
  insn('neg', 'r', I, 'ra = -ra'),
  // loads (zero-extending) and stores
  insn('ld.rm', 'rm', I, 'ra = 32-bit word at [rb + imm]', { mem: reads(4) }),
  insn('ld.rM', 'rM', I, 'ra = 32-bit word at [rb + imm32] or [imm32]', { mem: reads(4) }),
  insn('ldh.rm', 'rm', I, 'ra = zero-extended 16-bit half at [rb + imm]', { mem: reads(2) }),
  insn('ldh.rM', 'rM', I, 'ra = zero-extended 16-bit half at [rb + imm32] or [imm32]', { mem: reads(2) }),
  insn('ldb.rm', 'rm', I, 'ra = zero-extended byte at [rb + imm]', { mem: reads(1) }),
  insn('ldb.rM', 'rM', I, 'ra = zero-extended byte at [rb + imm32] or [imm32]', { mem: reads(1) }),
  insn('st.mr', 'mr', I, 'word at [rb + imm] = ra', { mem: writes(4) }),
  insn('st.Mr', 'Mr', I, 'word at [rb + imm32] or [imm32] = ra', { mem: writes(4) }),
  insn('sth.mr', 'mr', I, 'half at [rb + imm] = low 16 bits of ra', { mem: writes(2) }),
  insn('sth.Mr', 'Mr', I, 'half at [rb + imm32] or [imm32] = low 16 bits of ra', { mem: writes(2) }),
  insn('stb.mr', 'mr', I, 'byte at [rb + imm] = low 8 bits of ra', { mem: writes(1) }),
  insn('stb.Mr', 'Mr', I, 'byte at [rb + imm32] or [imm32] = low 8 bits of ra', { mem: writes(1) }),
  // stack
  insn('push', 'r', I, 'sp -= 4; word at [sp] = ra', { mem: writes(4, 'push') }),
  insn('pop', 'r', I, 'ra = word at [sp]; sp += 4', { mem: reads(4, 'pop') }),
  // control flow: direct targets are word offsets from the next instruction
  insn('jmp', 'j', I, 'pc = target', JUMP),
  insn('jz', 'j', I, 'if Z: pc = target (equal)', BRANCH),
  insn('jnz', 'j', I, 'if !Z: pc = target (not equal)', BRANCH),
  insn('jl', 'j', I, 'if S != O: pc = target (signed <)', BRANCH),
  insn('jle', 'j', I, 'if Z or S != O: pc = target (signed <=)', BRANCH),
  insn('jg', 'j', I, 'if !Z and S == O: pc = target (signed >)', BRANCH),
  insn('jge', 'j', I, 'if S == O: pc = target (signed >=)', BRANCH),
  insn('jb', 'j', I, 'if C: pc = target (unsigned <)', BRANCH),
  insn('jae', 'j', I, 'if !C: pc = target (unsigned >=)', BRANCH),
  insn('ja', 'j', I, 'if !C and !Z: pc = target (unsigned >)', BRANCH),
  insn('jbe', 'j', I, 'if C or Z: pc = target (unsigned <=)', BRANCH),
  insn('call', 'j', I, 'push the next pc; pc = target', { mem: writes(4, 'push', 'pc'), flow: 'call' }),
  insn('jmp.r', 'r', I, 'pc = ra (indirect)', JUMP),
  insn('call.r', 'r', I, 'push the next pc; pc = ra (indirect)', { mem: writes(4, 'push', 'pc'), flow: 'call' }),
  insn('ret', 'none', I, 'pc = pop()', { mem: reads(4, 'pop', 'pc'), flow: 'ret' }),
  // traps and system
  insn('int', 'v', I, 'software interrupt through vector v (48..255, else #GP)', { flow: 'trap', exit: 'SOFT_INT' }),
  insn('brk', 'none', I, 'breakpoint trap (#BP)', { flow: 'trap', exit: 'EXCEPTION' }),
  insn('hcall', 'none', I, 'hypercall: number in r0, arguments in r1..r5, result in r0; #UD outside non-root or a VMM', {
    flow: 'trap',
    exit: 'HCALL',
  }),
  insn('iret', 'none', P, 'return from a trap: pc, flags (IF, CPL) and sp from the frame at sp', {
    mem: reads(4, 'frame', 'frame'),
    flow: 'iret',
    exit: 'INTR_FLAG',
  }),
  insn('cli', 'none', P, 'IF = 0', { exit: 'INTR_FLAG' }),
  insn('sti', 'none', P, 'IF = 1', { exit: 'INTR_FLAG' }),
  insn('hlt', 'none', P, 'wait for an interrupt; with IF = 0 and nothing pending the machine stops', {
    flow: 'halt',
    exit: 'HLT',
  }),
  insn('in', 'rp', P, 'ra = value read from I/O port', { exit: 'IO' }),
  insn('out', 'pr', P, 'write ra to I/O port', { exit: 'IO' }),
  insn('mov.rc', 'rc', P, 'ra = control register crN', { exit: 'CR_ACCESS' }),
  insn('mov.cr', 'cr', P, 'control register crN = ra (cr3 flushes the TLB, cr0 may toggle paging)', {
    blockEnd: true,
    exit: 'CR_ACCESS',
  }),
  insn('lidt', 'r', P, 'vector-table base = ra', { exit: 'DESC_TABLE' }),
  insn('invlpg', 'r', P, 'evict the TLB entry of the page holding virtual address ra', { exit: 'INVLPG' }),
  // sensitive but unprivileged: these never trap, which is what breaks trap-and-emulate
  insn('pushf', 'none', S, 'push FLAGS with the real IF and the CPL in bits 12-13', { mem: writes(4, 'push', 'flags'), exit: 'INTR_FLAG' }),
  insn('popf', 'none', S, 'FLAGS = pop(); outside ring 0 IF is silently left unchanged', { mem: reads(4, 'pop', 'flags'), exit: 'INTR_FLAG' }),
  insn('rdcpl', 'r', S, 'ra = current privilege level', { exit: 'CPL_READ' }),
  insn('sidt', 'r', S, 'ra = vector-table base', { exit: 'DESC_TABLE' }),
  // window instructions (opcodes from WINDOW_OPCODE_BASE): emitted only by the binary translator into the
  // code cache, where they reach the VMM-private data area (virtual CPU state, scratch, branch table).
  // Slots wrap inside the area. Guest instructions must stay above this line.
  insn('wld', 'rs', W, 'ra = data[slot]'),
  insn('wst', 'sr', W, 'data[slot] = ra'),
  insn('wldx', 'rsx', W, 'ra = data[slot + (rb >>> 2)] (the index wraps inside the area)'),
  insn('wset', 'si', W, 'data[slot8] = sign-extended imm16'),
  insn('winc', 's', W, 'data[slot] += 1'),
  insn('wjmp', 's', W, 'pc = data[slot]', JUMP),
  insn('wcall', 'c', W, 'stop and hand the VMM the callout; pc stays at the wcall, which counts as no instruction', { flow: 'callout' }),
  insn('wcallnz', 'sc', W, 'if data[slot8] != 0: the callout, as wcall; else go on', { flow: 'callout' }),
  insn(
    'wskip',
    'n',
    W,
    "the next `count` instructions are the translation's own: they count neither as guest instructions nor " +
      "against run()'s budget (wskip counts as nothing), so the guest's timer stays exact",
  ),
] as const;

export type InsnId = (typeof ISA)[number]['id'];
/** Ids of the translator-only instructions. */
export type WindowInsnId = Extract<(typeof ISA)[number], { cls: 'window' }>['id'];
/** Ids of the instructions a guest can execute (and the assembler accepts). */
export type GuestInsnId = Exclude<InsnId, WindowInsnId>;

/** An entry with its opcode attached. */
export interface OpcodeInfo extends InsnSpec {
  readonly opcode: number;
  readonly long: boolean;
}

/** Every entry, in table order, with its opcode: guest ones at their index, window ones from WINDOW_OPCODE_BASE. */
export const INSNS: readonly OpcodeInfo[] = (() => {
  const firstWindow = ISA.findIndex((e) => e.cls === 'window');
  return ISA.map((e, i) => ({
    ...e,
    opcode: e.cls === 'window' ? WINDOW_OPCODE_BASE + i - firstWindow : i,
    long: LONG_FORMS.has(e.form),
  }));
})();

/** Opcode number by id, e.g. OP['add.rr'], OP.wld. */
export const OP = Object.fromEntries(INSNS.map((e) => [e.id, e.opcode])) as { readonly [K in InsnId]: number };

/** Guest instructions by opcode (0..OPCODE_COUNT-1): what a CPU decodes outside the code-cache window. */
export const BY_OPCODE: readonly OpcodeInfo[] = INSNS.filter((e) => e.cls !== 'window');
/** Guest opcodes are 0..OPCODE_COUNT-1; every other opcode is #UD for a guest. */
export const OPCODE_COUNT = BY_OPCODE.length;
/** The window instructions, in table order (opcodes WINDOW_OPCODE_BASE on). */
export const WINDOW_INSNS: readonly OpcodeInfo[] = INSNS.filter((e) => e.cls === 'window');
/** Every entry by opcode, window instructions included (undefined where none): for the encoder and window code. */
export const ANY_BY_OPCODE: readonly (OpcodeInfo | undefined)[] = (() => {
  const t = new Array<OpcodeInfo | undefined>(256).fill(undefined);
  for (const e of INSNS) t[e.opcode] = e;
  return t;
})();

/** Guest entries of a mnemonic, in table order (window mnemonics are not here: see WINDOW_BY_MNEMONIC). */
export const BY_MNEMONIC: ReadonlyMap<string, readonly OpcodeInfo[]> = (() => {
  const m = new Map<string, OpcodeInfo[]>();
  for (const e of BY_OPCODE) {
    const list = m.get(e.mnemonic) ?? [];
    list.push(e);
    m.set(e.mnemonic, list);
  }
  return m;
})();

/** Window entries by mnemonic: the assembler refuses them by name. */
export const WINDOW_BY_MNEMONIC: ReadonlyMap<string, OpcodeInfo> = new Map(WINDOW_INSNS.map((e) => [e.mnemonic, e]));

/** Register names: r0..r15, with sp as an alias of r15 (the register file is defined in isa/abi.ts). */
export { REGISTER_COUNT, SP };
export const REGISTER_ALIASES: Readonly<Record<string, number>> = { sp: SP };

export function registerName(n: number): string {
  return n === SP ? 'sp' : `r${n}`;
}
