// The VX32 disassembler: one instruction to text (for traces, crash reports, BT dumps) and whole images to re-assemblable source.
//
// Driven only by isa/table.ts (through isa/encoding.ts): a new table entry disassembles without
// touching this file unless it brings a new form.
//
// Whole-image output is source the assembler accepts and that reassembles to the same segment
// bytes. Each line carries the address and words as a trailing comment (`; 00001000: 00050102`)
// rather than a leading column, because a leading `00001000:` would not parse. Three honest
// compromises keep the round trip exact:
//  - A long form (li/ALU imm32, [rb + imm32]) whose value would fit in 16 signed bits would come
//    back short, since the assembler picks the short form for values known in its first pass. Such
//    values are printed as `value + __vx_long`, where `.equ __vx_long, 0` is emitted at the end of
//    the output: a forward reference is unknown in pass 1, so the assembler keeps the long form.
//  - Words the assembler would never produce (unused fields not zero, an unknown control register,
//    a vector above 255, a branch target outside the address space, an invalid opcode) are printed
//    as `.word` with a comment saying why.
//  - Segments are written as `.text` (with `.org` for its origin), `.data` and `.bss`, which the
//    assembler places on the page boundaries after .text. An image not laid out that way (not
//    built by vmlab) gets a `; note:` where the reassembled address would differ.
//  - Short immediates are never replaced by symbols: a symbol defined later would be unknown in
//    pass 1 and turn the instruction long. Branch targets, absolute addresses and long immediates
//    that do not fit 16 bits are symbolised, since their size does not depend on the value.

import { CR_NUMBERS, PAGE_SIZE } from '../isa/abi.js';
import { decode, fitsImm16, lengthOf, type Decoded } from '../isa/encoding.js';
import { ABS_FLAG, registerName } from '../isa/table.js';
import { IMAGE_FLAG, SEG, type Image, type Segment, type SymbolEntry } from './types.js';

/** Nearest symbol at or below an address: used to annotate `call 0x1234 <name+8>`. */
export type SymbolLookup = (addr: number) => { readonly name: string; readonly offset: number } | undefined;

export interface DisassembleOptions {
  /** Print labels from the symbol table and use them for branch targets and addresses. */
  readonly symbols?: boolean;
  /** Shown in the header comment, e.g. the file name. */
  readonly title?: string;
}

/** How window instructions name data-area slots and callout ids (the translator's layout); plain numbers by default. */
export interface WindowNames {
  slot(n: number): string;
  callout(n: number): string;
}

const PLAIN_WINDOW_NAMES: WindowNames = { slot: (n) => `slot${n}`, callout: String };

/** The pieces of one rendered instruction. */
interface Rendered {
  /** Assembly text: `add r1, r2`, or `.word 0x…` when not representable. */
  readonly text: string;
  /** Why the instruction is shown as `.word`, or an annotation such as `<name+8>`. */
  readonly note: string;
}

/** How operands that name addresses are printed. */
interface Namer {
  /** A symbol exactly at addr that the output defines (or the caller vouches for). */
  exact(addr: number): string | undefined;
  /** `name+8` for an address that has no exact symbol. */
  near(addr: number): string | undefined;
  /** Suffix forcing a long form for a value that would fit 16 bits, or null to print plainly. */
  readonly longMark: string | null;
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

/** Small immediates read best in decimal, the rest (masks, addresses) in hex; negatives keep their sign. */
function num(v: number): string {
  if (v > -256 && v < 256) return String(v);
  return v < 0 ? `-${hex(-v)}` : hex(v);
}

/** Whether a 32-bit value would be taken short by the assembler under either reading of its sign. */
function wouldBeShort(ext: number): boolean {
  return fitsImm16(ext | 0) || fitsImm16(ext >>> 0);
}

const NOT_ASSEMBLED = (why: string, words: readonly number[]): Rendered => ({
  text: `.word ${words.map((w) => `0x${hex8(w)}`).join(', ')}`,
  note: why,
});

/** Renders a decoded instruction at pc, or explains why it cannot be written as assembly. */
function render(d: Decoded, w: number, ext: number, pc: number, namer: Namer | null, wn = PLAIN_WINDOW_NAMES): Rendered {
  const { info, a, b, imm16 } = d;
  const words = info.long ? [w, ext] : [w];
  const ra = registerName(a);
  const rb = registerName(b);
  const op = (operands: string, note = ''): Rendered => ({ text: `${info.mnemonic} ${operands}`, note });
  const unused = (cond: boolean) => (cond ? null : NOT_ASSEMBLED(`${info.id}: unused fields not zero`, words));

  /** A 32-bit value of a long form: a symbol when one fits, else a number, with the long-form mark when needed. */
  const longValue = (value: number): string => {
    const name = namer?.exact(value >>> 0);
    const short = wouldBeShort(value);
    const base = name ?? (short ? num(value | 0) : hex(value));
    return short && namer?.longMark ? `${base} + ${namer.longMark}` : base;
  };
  const disp = (base: string, v: number) => (v === 0 ? `[${base}]` : v < 0 ? `[${base} - ${num(-v)}]` : `[${base} + ${num(v)}]`);
  const longMem = (): string | Rendered => {
    if (imm16 === ABS_FLAG) {
      if (b !== 0) return NOT_ASSEMBLED(`${info.id}: absolute address with a base register field`, words);
      return `[${namer?.exact(ext >>> 0) ?? hex(ext)}]`;
    }
    if (imm16 !== 0) return NOT_ASSEMBLED(`${info.id}: unknown addressing bits ${hex(imm16)}`, words);
    const v = ext | 0;
    if (wouldBeShort(ext) && namer?.longMark) return `[${rb} + ${num(v)} + ${namer.longMark}]`;
    return disp(rb, v);
  };

  switch (info.form) {
    case 'none':
      return unused(a === 0 && b === 0 && imm16 === 0) ?? { text: info.mnemonic, note: '' };
    case 'r':
      return unused(b === 0 && imm16 === 0) ?? op(ra);
    case 'rr':
      return unused(imm16 === 0) ?? op(`${ra}, ${rb}`);
    case 'ri':
      return unused(b === 0) ?? op(`${ra}, ${num(d.imm)}`);
    case 'rI':
      return unused(b === 0 && imm16 === 0) ?? op(`${ra}, ${longValue(ext)}`);
    case 'rm':
      return op(`${ra}, ${disp(rb, d.imm)}`);
    case 'mr':
      return op(`${disp(rb, d.imm)}, ${ra}`);
    case 'rM': {
      const m = longMem();
      return typeof m === 'string' ? op(`${ra}, ${m}`) : m;
    }
    case 'Mr': {
      const m = longMem();
      return typeof m === 'string' ? op(`${m}, ${ra}`) : m;
    }
    case 'j': {
      const target = pc + 4 + d.imm;
      if (target < 0 || target > 0xffff_ffff)
        return NOT_ASSEMBLED(`${info.id}: branch target ${target} is outside the address space`, words);
      const name = namer?.exact(target);
      if (name) return op(name);
      const near = namer?.near(target);
      return op(hex(target), near ? `<${near}>` : '');
    }
    case 'v':
      return unused(a === 0 && b === 0 && imm16 <= 255) ?? op(hex(imm16));
    case 'rp':
      return unused(b === 0) ?? op(`${ra}, ${hex(imm16)}`);
    case 'pr':
      return unused(b === 0) ?? op(`${hex(imm16)}, ${ra}`);
    case 'rc':
    case 'cr': {
      if (imm16 !== 0 || !(CR_NUMBERS as readonly number[]).includes(b))
        return NOT_ASSEMBLED(`${info.id}: no control register cr${b}`, words);
      return op(info.form === 'rc' ? `${ra}, cr${b}` : `cr${b}, ${ra}`);
    }
    // window forms: only in translated code, never in an image, so there is no round trip to keep
    case 'rs':
      return op(`${ra}, [${wn.slot(d.slot)}]`);
    case 'sr':
      return op(`[${wn.slot(d.slot)}], ${ra}`);
    case 'rsx':
      return op(`${ra}, [${wn.slot(d.slot)} + ${rb}]`);
    case 's':
      return op(`[${wn.slot(d.slot)}]`);
    case 'si':
      return op(`[${wn.slot(d.slot)}], ${d.imm}`);
    case 'sc':
      return op(`[${wn.slot(d.slot)}], ${wn.callout(d.imm)}`);
    case 'c':
      return op(wn.callout(d.imm));
    case 'n':
      return op(String(d.imm));
  }
}

/**
 * One instruction as text: `add r1, r2`, `jmp loop`, `call 0x1234 <name+8>`. `ext` is the word after
 * `word` (ignored unless the opcode has a long form). Invalid words come back as `.word 0x… ; why`.
 */
export function disassembleInsn(word: number, ext: number, pc: number, symbolLookup?: SymbolLookup): string {
  word >>>= 0;
  const d = decode(word, ext);
  if (!d) return invalidWord(word);
  const namer: Namer | null = symbolLookup
    ? {
        exact: (addr) => {
          const s = symbolLookup(addr);
          return s && s.offset === 0 ? s.name : undefined;
        },
        near: (addr) => {
          const s = symbolLookup(addr);
          return s ? `${s.name}+${s.offset}` : undefined;
        },
        longMark: null,
      }
    : null;
  const r = render(d, word, ext >>> 0, pc >>> 0, namer);
  return r.note ? `${r.text} ${r.text.startsWith('.word') ? `; ${r.note}` : r.note}` : r.text;
}

/** Why a guest cannot execute `word`, naming the window instruction it would be in translated code. */
function invalidNote(word: number): string {
  const w = decode(word, 0, true);
  const why = w ? ` (window instruction \`${w.info.mnemonic}\`: only valid in translated code)` : '';
  return `invalid opcode ${hex(word & 0xff)}${why}`;
}

const invalidWord = (word: number) => `.word 0x${hex8(word)} ; ${invalidNote(word)}`;

/**
 * One word of translated code (the code cache) as text: window instructions included, their slots and
 * callouts named by `names`; guest instructions as disassembleInsn prints them.
 */
export function disassembleTranslated(word: number, ext: number, pc: number, names?: WindowNames): string {
  word >>>= 0;
  const d = decode(word, ext, true);
  if (!d) return invalidWord(word);
  if (d.info.cls !== 'window') return disassembleInsn(word, ext, pc);
  const r = render(d, word, ext >>> 0, pc >>> 0, null, names);
  return r.note ? `${r.text} ${r.note}` : r.text;
}

/** A SymbolLookup over an image's labels (constants are not addresses): nearest label at or below. */
export function labelLookup(symbols: readonly SymbolEntry[]): SymbolLookup {
  const labels = symbols.filter((s) => s.kind === 'label').sort((x, y) => x.value - y.value);
  const addrs = labels.map((s) => s.value >>> 0);
  return (addr) => {
    let lo = 0;
    let hi = addrs.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (addrs[mid]! <= addr) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0) return undefined;
    // Of several labels at the same address, the first in the table wins.
    while (best > 0 && addrs[best - 1] === addrs[best]) best--;
    return { name: labels[best]!.name, offset: addr - addrs[best]! };
  };
}

// ---------------------------------------------------------------------------------------------
// whole images

/** Names the assembler would read back as a plain label (not a register, directive or number). */
const LABEL_RE = /^[A-Za-z_$][A-Za-z0-9_$.]*$/;
const REGISTER_RE = /^(r1[0-5]|r[0-9]|sp|cr[0-9]+)$/i;
function isPrintableLabel(name: string): boolean {
  return LABEL_RE.test(name) && !REGISTER_RE.test(name);
}

const COMMENT_COL = 40;
const line = (text: string, comment: string) =>
  comment ? `${`        ${text} `.padEnd(COMMENT_COL)}; ${comment}` : `        ${text}`;

/** Printable ASCII of data bytes, `.` for the rest: strings stay recognisable in data segments. */
const ascii = (b: Uint8Array) => String.fromCharCode(...[...b].map((c) => (c >= 0x20 && c < 0x7f ? c : 0x2e)));

function segmentDirective(s: Segment): string {
  if (s.name === '.text' || s.name === '.data' || s.name === '.bss') return s.name;
  return `.section ${s.name}`;
}

const alignUp = (v: number, n: number) => Math.ceil(v / n) * n;

const flagString = (f: number) => `${f & SEG.R ? 'r' : '-'}${f & SEG.W ? 'w' : '-'}${f & SEG.X ? 'x' : '-'}`;

/** Source text for a whole image; see the file header for what reassembles exactly. */
export function disassemble(image: Image, opts: DisassembleOptions = {}): string {
  const segs = [...image.segments].sort((x, y) => x.addr - y.addr);
  const taken = new Set(image.symbols.map((s) => s.name));
  const fresh = (base: string) => {
    let n = base;
    for (let i = 1; taken.has(n); i++) n = `${base}_${i}`;
    taken.add(n);
    return n;
  };
  const longMark = fresh('__vx_long');
  let longUsed = false;

  // Labels placed in the output, by address. A label belongs to the segment containing it, or to
  // the one it ends (a label just past the last byte, e.g. `text_end:`).
  const labelsAt = new Map<number, string[]>();
  const home = (addr: number) =>
    segs.find((s) => addr >= s.addr && addr < s.addr + s.memSize) ?? segs.find((s) => addr === s.addr + s.memSize);
  const place = (addr: number, name: string) => {
    const list = labelsAt.get(addr) ?? [];
    list.push(name);
    labelsAt.set(addr, list);
  };
  if (opts.symbols) {
    const seen = new Set<string>();
    for (const s of image.symbols) {
      if (s.kind !== 'label' || seen.has(s.name) || !isPrintableLabel(s.name) || !home(s.value >>> 0)) continue;
      seen.add(s.name);
      place(s.value >>> 0, s.name);
    }
  }
  // Operands name only the image's own labels; the synthetic entry label below is not one of them.
  const symbolAt = new Map([...labelsAt].map(([addr, names]) => [addr, names[0]!]));
  let entryName = labelsAt.get(image.entry)?.[0];
  if (!entryName && home(image.entry)) {
    entryName = fresh('__vx_entry');
    place(image.entry, entryName);
  }
  const labelAddrs = [...labelsAt.keys()].sort((x, y) => x - y);
  const nextLabelAfter = (addr: number): number => {
    let lo = 0;
    let hi = labelAddrs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (labelAddrs[mid]! > addr) hi = mid;
      else lo = mid + 1;
    }
    return labelAddrs[lo] ?? Infinity;
  };
  const namer: Namer = {
    exact: (addr) => symbolAt.get(addr),
    near: () => undefined,
    get longMark() {
      longUsed = true;
      return longMark;
    },
  };
  if (opts.symbols) {
    const lookup = labelLookup(image.symbols.filter((s) => labelsAt.get(s.value >>> 0)?.includes(s.name)));
    namer.near = (addr) => {
      const s = lookup(addr);
      return s ? `${s.name}+${s.offset}` : undefined;
    };
  }

  const out: string[] = [];
  out.push(`; ${opts.title ? `${opts.title}: ` : ''}VX32 image, entry ${hex(image.entry)}` +
    `${image.flags & IMAGE_FLAG.PV ? ', paravirtual' : ''}, ${segs.length} segment(s)`);
  out.push('; disassembled by vmlab; reassembles to the same segment bytes');
  if (image.flags & IMAGE_FLAG.PV) out.push('        .pv');
  const emitLabels = (addr: number) => {
    for (const n of labelsAt.get(addr) ?? []) out.push(`${n}:`);
  };

  let placedEnd = 0;
  for (const s of segs) {
    const dataEnd = s.addr + s.data.length;
    out.push('');
    out.push(`; segment ${s.name}: ${hex(s.addr)}..${hex(s.addr + s.memSize)} ` +
      `(${s.memSize} bytes, ${s.data.length} initialised) ${flagString(s.flags)}`);
    out.push(`        ${segmentDirective(s)}`);
    // Only .text has an origin; the assembler places .data and .bss on the next page boundaries.
    if (s.name === '.text') out.push(`        .org ${hex(s.addr)}`);
    else if (s.addr !== alignUp(placedEnd, PAGE_SIZE))
      out.push(`; note: the assembler will place this at ${hex(alignUp(placedEnd, PAGE_SIZE))}, not ${hex(s.addr)}`);
    placedEnd = s.addr + s.memSize;
    const view = new DataView(s.data.buffer, s.data.byteOffset, s.data.byteLength);
    let addr = s.addr;
    while (addr < dataEnd) {
      emitLabels(addr);
      const limit = Math.min(dataEnd, nextLabelAfter(addr));
      const avail = limit - addr;
      const off = addr - s.addr;
      // Instructions live at 4-byte-aligned addresses; bytes before the next boundary (data in
      // .text, split by a label) or too few for a word are written as .byte.
      const misaligned = s.flags & SEG.X ? (4 - (addr & 3)) & 3 : 0;
      if (avail < 4 || misaligned) {
        const n = misaligned ? Math.min(avail, misaligned) : avail;
        const bytes = s.data.subarray(off, off + n);
        out.push(line(`.byte ${[...bytes].map((x) => hex(x)).join(', ')}`, `${hex8(addr)}  ${ascii(bytes)}`));
        addr += n;
        continue;
      }
      const w = view.getUint32(off, true);
      if (s.flags & SEG.X) {
        const size = lengthOf(w);
        if (size === 0) {
          out.push(line(`.word 0x${hex8(w)}`, `${hex8(addr)}: ${invalidNote(w)}`));
          addr += 4;
          continue;
        }
        if (size === 8 && avail < 8) {
          const why = avail === dataEnd - addr ? 'long instruction cut by the segment end' : 'a label splits this long instruction';
          out.push(line(`.word 0x${hex8(w)}`, `${hex8(addr)}: ${why}`));
          addr += 4;
          continue;
        }
        const ext = size === 8 ? view.getUint32(off + 4, true) : 0;
        const r = render(decode(w, ext)!, w, ext, addr, namer);
        const words = size === 8 ? `${hex8(w)} ${hex8(ext)}` : hex8(w);
        out.push(line(r.text, `${hex8(addr)}: ${words}${r.note ? `  ${r.note}` : ''}`));
        addr += size;
      } else {
        const n = Math.min(4, Math.floor(avail / 4));
        const ws: string[] = [];
        for (let i = 0; i < n; i++) ws.push(`0x${hex8(view.getUint32(off + 4 * i, true))}`);
        out.push(line(`.word ${ws.join(', ')}`, `${hex8(addr)}  ${ascii(s.data.subarray(off, off + 4 * n))}`));
        addr += 4 * n;
      }
    }
    // Zero-filled tail (.bss): `.space`, split where labels point into it.
    const end = s.addr + s.memSize;
    while (addr < end) {
      emitLabels(addr);
      const next = Math.min(end, nextLabelAfter(addr));
      out.push(line(`.space ${next - addr}`, hex8(addr)));
      addr = next;
    }
    if (!segs.some((t) => t.addr === end && t.memSize > 0)) emitLabels(end);
  }

  out.push('');
  if (entryName) out.push(`        .entry ${entryName}`);
  if (longUsed) out.push(`        .equ ${longMark}, 0                ; defined last on purpose: keeps long forms long`);
  return `${out.join('\n')}\n`;
}
