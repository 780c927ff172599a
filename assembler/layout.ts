// Pass-1 layout helpers: placing an item at the location counter, with the image-size limits.
import type { Expr, Statement } from './ast.js';
import { evaluate } from './expr.js';
import { MAX_IMAGE_BYTES } from './limits.js';
import type { Assembly, Item, ItemKind, Unit } from './state.js';

/** Counts of the numeric local labels a statement refers to (so pass 2 resolves `1b`/`1f` identically). */
export function countsFor(a: Assembly, st: Statement): Map<number, number> | null {
  let m: Map<number, number> | null = null;
  for (const o of st.operands) {
    if (o.k === 'expr') m = collectLocals(a, o.e, m);
    else if (o.k === 'mem' && o.disp) m = collectLocals(a, o.disp, m);
  }
  return m;
}

function collectLocals(a: Assembly, e: Expr, m: Map<number, number> | null): Map<number, number> | null {
  switch (e.k) {
    case 'local':
      return (m ?? new Map<number, number>()).set(e.n, a.counts.get(e.n) ?? 0);
    case 'un':
      return collectLocals(a, e.e, m);
    case 'bin':
      return collectLocals(a, e.r, collectLocals(a, e.l, m));
    default:
      return m;
  }
}

/** Value of an expression in pass 1: undefined when not known yet (nothing is reported). */
export function peek(a: Assembly, unit: Unit, st: Statement, e: Expr): number | undefined {
  if (e.k === 'num') return e.v;
  return evaluate(e, a.envAt(a.here(a.counts), unit, st.line, a.sink.seq));
}

type ItemExtra = Omit<Item, 'kind' | 'stmt' | 'unit' | 'seq' | 'size' | 'scope' | 'sec' | 'off' | 'counts'>;

/**
 * Record an item of `size` bytes at the current location and move past it.
 * Returns false (after a diagnostic) when the section would outgrow the image limit.
 */
export function place(a: Assembly, unit: Unit, st: Statement, kind: ItemKind, size: number, extra: ItemExtra = {}): boolean {
  const sec = a.sections[a.cur]!;
  if (!fits(a, unit, st, size)) return false;
  a.items.push({ kind, stmt: st, unit, seq: a.seq, size, scope: a.scope, sec: a.cur, off: sec.off, counts: countsFor(a, st), ...extra });
  sec.off += size;
  if (sec.off > sec.size) sec.size = sec.off;
  return true;
}

/** Whether `size` more bytes fit in the current section; reports when not. */
export function fits(a: Assembly, unit: Unit, st: Statement, size: number): boolean {
  const sec = a.sections[a.cur]!;
  const end = sec.off + size;
  if (end > MAX_IMAGE_BYTES || (sec.baseKnown && sec.base + end > 0x1_0000_0000)) {
    a.error(unit, st, st.head ?? { col: 1, len: 1 }, `section \`${sec.name}\` would exceed the image size limit (${MAX_IMAGE_BYTES / (1024 * 1024)} MiB)`);
    return false;
  }
  if (a.cur === 0) sec.touched = true;
  return true;
}

export function hex(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(4, '0');
}
