// Pass 1 for directives other than conditionals and .include: data, sections, layout, symbols, image flags.
import type { Expr, Operand, Statement } from './ast.js';
import { evaluate } from './expr.js';
import { countsFor, hex, peek, place } from './layout.js';
import { MAX_ALIGN, MAX_IMAGE_BYTES } from './limits.js';
import { BSS, DATA, TEXT, type Assembly, type Unit } from './state.js';

type Handler = (a: Assembly, unit: Unit, st: Statement) => void;

const SECTION_BY_NAME: Readonly<Record<string, number>> = { '.text': TEXT, '.data': DATA, '.bss': BSS };

const HANDLERS: Readonly<Record<string, Handler>> = {
  '.byte': (a, u, s) => data(a, u, s, 1),
  '.half': (a, u, s) => data(a, u, s, 2),
  '.word': (a, u, s) => data(a, u, s, 4),
  '.ascii': (a, u, s) => ascii(a, u, s, false),
  '.asciz': (a, u, s) => ascii(a, u, s, true),
  '.space': space,
  '.align': align,
  '.org': org,
  '.text': (a, u, s) => section(a, u, s, TEXT),
  '.data': (a, u, s) => section(a, u, s, DATA),
  '.bss': (a, u, s) => section(a, u, s, BSS),
  '.section': namedSection,
  '.global': global,
  '.globl': global,
  '.entry': entry,
  '.equ': (a, u, s) => equ(a, u, s, false),
  '.set': (a, u, s) => equ(a, u, s, true),
  '.pv': (a, u, s) => {
    if (noOperands(a, u, s)) a.pv = true;
  },
  '.error': errorDirective,
  '.macro': (a, u, s) => a.error(u, s, s.head!, '`.macro` must be the first thing on its line'),
  '.endm': (a, u, s) => a.error(u, s, s.head!, '`.endm` must be the first thing on its line'),
};

export function directive(a: Assembly, unit: Unit, st: Statement): void {
  const h = HANDLERS[st.head!.name];
  if (h) h(a, unit, st);
  else a.error(unit, st, st.head!, `unknown directive \`${st.head!.name}\``);
}

function usage(a: Assembly, unit: Unit, st: Statement, form: string, at?: Operand): void {
  a.error(unit, st, at ?? st.head!, `\`${st.head!.name}\` expects \`${form}\``);
}

function noOperands(a: Assembly, unit: Unit, st: Statement): boolean {
  if (st.operands.length === 0) return true;
  a.error(unit, st, st.operands[0]!, `\`${st.head!.name}\` takes no operands`);
  return false;
}

/** A value that layout depends on, so it must be known in pass 1. */
function known(a: Assembly, unit: Unit, st: Statement, o: Operand | undefined, what: string): number | undefined {
  if (o?.k !== 'expr') return undefined;
  const env = a.envAt(a.here(a.counts), unit, st.line, a.sink.seq, true, false);
  const before = a.sink.errors;
  const v = evaluate(o.e, env);
  if (v === undefined && a.sink.errors === before) {
    a.error(unit, st, o, `${what} must be known at this point (no forward references or .data/.bss addresses)`);
  }
  return v;
}

function data(a: Assembly, unit: Unit, st: Statement, width: 1 | 2 | 4): void {
  if (st.operands.length === 0) return usage(a, unit, st, `${st.head!.name} expr[, expr...]`);
  for (const o of st.operands) {
    if (o.k !== 'expr') {
      const hint = o.k === 'str' ? ' (use .ascii for strings)' : '';
      a.error(unit, st, o, `\`${st.head!.name}\` takes numbers${hint}`);
      return;
    }
  }
  if (a.cur === BSS) {
    a.error(unit, st, st.head!, `\`${st.head!.name}\` cannot go in .bss (use .space)`);
    return;
  }
  place(a, unit, st, 'data', width * st.operands.length, { width });
}

function ascii(a: Assembly, unit: Unit, st: Statement, zero: boolean): void {
  const parts: Uint8Array[] = [];
  for (const o of st.operands) {
    if (o.k !== 'str') return usage(a, unit, st, `${st.head!.name} "text"[, "text"...]`, o);
    parts.push(o.bytes);
    if (zero) parts.push(new Uint8Array(1));
  }
  if (parts.length === 0) return usage(a, unit, st, `${st.head!.name} "text"`);
  if (a.cur === BSS) {
    a.error(unit, st, st.head!, `\`${st.head!.name}\` cannot go in .bss (use .space)`);
    return;
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    bytes.set(p, i);
    i += p.length;
  }
  place(a, unit, st, 'bytes', bytes.length, { bytes });
}

function fillOf(a: Assembly, unit: Unit, st: Statement, o: Operand | undefined): number | undefined {
  if (o === undefined) return 0;
  const f = known(a, unit, st, o, 'the fill value');
  if (f === undefined) return undefined;
  if (f < -128 || f > 255) {
    a.error(unit, st, o, `fill value ${f} does not fit in a byte`);
    return undefined;
  }
  if (f !== 0 && a.cur === BSS) {
    a.error(unit, st, o, '.bss can only be filled with zeros');
    return undefined;
  }
  return f & 0xff;
}

function space(a: Assembly, unit: Unit, st: Statement): void {
  const [n, f] = st.operands;
  if (st.operands.length < 1 || st.operands.length > 2 || n?.k !== 'expr') return usage(a, unit, st, '.space size[, fill]', n);
  const size = known(a, unit, st, n, 'the size of `.space`');
  if (size === undefined) return;
  if (size < 0 || size > MAX_IMAGE_BYTES) {
    a.error(unit, st, n, size < 0 ? `\`.space\` size is negative (${size})` : `\`.space\` size ${hex(size)} exceeds the image size limit (${MAX_IMAGE_BYTES / (1024 * 1024)} MiB)`);
    return;
  }
  const fill = fillOf(a, unit, st, f);
  if (fill === undefined) return;
  place(a, unit, st, 'space', size, { fill });
}

function align(a: Assembly, unit: Unit, st: Statement): void {
  const [n, f] = st.operands;
  if (st.operands.length < 1 || st.operands.length > 2 || n?.k !== 'expr') return usage(a, unit, st, '.align n[, fill]', n);
  const v = known(a, unit, st, n, 'the alignment');
  if (v === undefined) return;
  if (v <= 0 || v > MAX_ALIGN || (v & (v - 1)) !== 0) {
    a.error(unit, st, n, `alignment must be a power of two from 1 to ${MAX_ALIGN} (got ${v})`);
    return;
  }
  const fill = fillOf(a, unit, st, f);
  if (fill === undefined) return;
  const sec = a.sections[a.cur]!;
  // Sections start page-aligned, so aligning the offset aligns the address (up to 4096).
  const pad = (v - (sec.off % v)) % v;
  place(a, unit, st, 'space', pad, { fill, padding: true });
}

function org(a: Assembly, unit: Unit, st: Statement): void {
  const [o] = st.operands;
  if (st.operands.length !== 1 || o?.k !== 'expr') return usage(a, unit, st, '.org address', o);
  if (a.cur !== TEXT) {
    a.error(unit, st, st.head!, '`.org` is only supported in .text (.data and .bss are placed after it)');
    return;
  }
  const v = known(a, unit, st, o, 'the `.org` address');
  if (v === undefined) return;
  const addr = v >>> 0;
  const sec = a.sections[TEXT]!;
  if (!sec.touched) {
    // Before anything is placed, .org sets where .text starts.
    if (addr % 4 !== 0) {
      a.error(unit, st, o, `the origin of .text must be 4-byte aligned (got ${hex(addr)})`);
      return;
    }
    sec.base = addr;
    sec.touched = true;
    a.items.push({ kind: 'label', stmt: st, unit, seq: a.seq, size: 0, ...a.here(null) });
    return;
  }
  const cur = sec.base + sec.off;
  if (addr < cur) {
    a.error(unit, st, o, `\`.org\` cannot move backwards (from ${hex(cur)} to ${hex(addr)})`);
    return;
  }
  place(a, unit, st, 'space', addr - cur, { fill: 0, padding: true });
}

function section(a: Assembly, unit: Unit, st: Statement, n: number): void {
  if (noOperands(a, unit, st)) a.cur = n;
}

function namedSection(a: Assembly, unit: Unit, st: Statement): void {
  const [o] = st.operands;
  const name = o?.k === 'expr' && o.e.k === 'sym' ? o.e.name : undefined;
  if (st.operands.length !== 1 || name === undefined) return usage(a, unit, st, '.section name', o);
  const n = SECTION_BY_NAME[name];
  if (n === undefined) {
    a.error(unit, st, o!, `unknown section \`${name}\` (VX32 images have .text, .data and .bss)`);
    return;
  }
  a.cur = n;
}

function symName(o: Operand | undefined): string | undefined {
  return o?.k === 'expr' && o.e.k === 'sym' ? o.e.name : undefined;
}

function global(a: Assembly, unit: Unit, st: Statement): void {
  if (st.operands.length === 0) return usage(a, unit, st, '.global name[, name...]');
  for (const o of st.operands) {
    const name = symName(o);
    if (name === undefined) return usage(a, unit, st, '.global name[, name...]', o);
    a.globals.push({ name: a.keyOf(name, a.scope), where: a.whereOf(unit, st.line), span: o, seq: a.seq });
  }
}

function entry(a: Assembly, unit: Unit, st: Statement): void {
  const [o] = st.operands;
  if (st.operands.length !== 1 || o?.k !== 'expr') return usage(a, unit, st, '.entry symbol', o);
  if (a.entry) {
    a.error(unit, st, st.head!, 'the entry point is already set by an earlier `.entry`');
    return;
  }
  a.items.push((a.entry = { kind: 'entry', stmt: st, unit, seq: a.seq, size: 0, ...a.here(countsFor(a, st)) }));
}

function equ(a: Assembly, unit: Unit, st: Statement, isSet: boolean): void {
  const [n, e] = st.operands;
  const name = symName(n);
  const form = `${st.head!.name} NAME, expr`;
  if (st.operands.length !== 2 || name === undefined || e?.k !== 'expr') return usage(a, unit, st, form, name === undefined ? n : e);
  const key = a.keyOf(name, a.scope);
  const old = a.syms.get(key);
  if (old && !(isSet && old.isSet)) {
    a.error(unit, st, n!, `\`${name}\` is already defined (at ${old.definedAt})${old.isSet ? '' : isSet ? '' : ' (use .set for a symbol that changes)'}`);
    return;
  }
  const value = peek(a, unit, st, e.e);
  const where = a.whereOf(unit, st.line);
  const at = a.here(countsFor(a, st));
  const pending = value === undefined ? { expr: e.e as Expr, at, where, name: n! } : null;
  if (old) {
    old.value = value;
    old.pending = pending;
    a.items.push({ kind: 'equ', stmt: st, unit, seq: a.seq, size: 0, ...at, sym: old });
    return;
  }
  const sym = {
    name: key,
    kind: 'const' as const,
    sec: 0,
    off: 0,
    value,
    pending,
    resolving: false,
    isSet,
    global: false,
    definedAt: `${where.file}:${where.line}`,
  };
  a.syms.set(key, sym);
  a.items.push({ kind: 'equ', stmt: st, unit, seq: a.seq, size: 0, ...at, sym });
}

function errorDirective(a: Assembly, unit: Unit, st: Statement): void {
  const [o] = st.operands;
  if (st.operands.length > 1 || (o && o.k !== 'str')) return usage(a, unit, st, '.error "message"', o);
  const msg = o?.k === 'str' ? new TextDecoder().decode(o.bytes) : '`.error` directive reached';
  a.error(unit, st, st.head!, msg);
}

