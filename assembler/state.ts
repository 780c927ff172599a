// The state of one assembly run shared by both passes: units, sections, symbols, items and diagnostics.
import type { Expr, Span, Statement } from './ast.js';
import { DiagSink, type Where } from './diag.js';
import type { EvalEnv } from './expr.js';
import { evaluate } from './expr.js';
import type { MacroDef } from './macros.js';
import { SEG, type AssembleOptions } from './types.js';
import type { OpcodeInfo } from '../isa/table.js';

/** A body of lines being assembled: a file, or one macro expansion. */
export interface Unit {
  /** Path shown in diagnostics and the line table. */
  readonly file: string;
  readonly lines: readonly string[];
  /** File line number of lines[0], minus 1 (non-zero for macro bodies). */
  readonly lineBase: number;
  /** Outermost last, as in Diagnostic.chain. */
  readonly chain: readonly string[];
  readonly includeDepth: number;
  readonly macroDepth: number;
  /** Absolute path of the file (for include-cycle detection); for expansions, the defining file. */
  readonly realPath: string;
  readonly parent: Unit | null;
  readonly isMacro: boolean;
}

export const TEXT = 0;
export const DATA = 1;
export const BSS = 2;

export interface Section {
  readonly name: string;
  readonly flags: number;
  /** Current location, relative to base. */
  off: number;
  /** Extent reached so far. */
  size: number;
  base: number;
  /** True when `base` is final; in pass 1 only .text's base is. */
  baseKnown: boolean;
  /** Something was placed or .org'ed in .text (after that, .org cannot set the origin). */
  touched: boolean;
  data: Uint8Array;
}

export function newSections(): Section[] {
  const mk = (name: string, flags: number, base: number, baseKnown: boolean): Section => ({
    name,
    flags,
    off: 0,
    size: 0,
    base,
    baseKnown,
    touched: false,
    data: new Uint8Array(0),
  });
  return [
    mk('.text', SEG.R | SEG.X, 0x1000, true),
    mk('.data', SEG.R | SEG.W, 0, false),
    mk('.bss', SEG.R | SEG.W, 0, false),
  ];
}

/** What an expression needs to be evaluated again later: its scope, location and local-label counts. */
export interface EvalPoint {
  readonly scope: string;
  readonly sec: number;
  readonly off: number;
  readonly counts: ReadonlyMap<number, number> | null;
}

export interface Sym {
  /** Full name (local `.L` labels carry their scope as a prefix). */
  readonly name: string;
  readonly kind: 'label' | 'const';
  readonly sec: number;
  readonly off: number;
  value: number | undefined;
  /** A const whose value was unknown in pass 1, evaluated on first use in pass 2. */
  pending: { readonly expr: Expr; readonly at: EvalPoint; readonly where: Where; readonly name: Span } | null;
  resolving: boolean;
  readonly isSet: boolean;
  global: boolean;
  /** Where it was defined ("main.s:3"), for duplicate-definition messages. */
  readonly definedAt: string;
}

export type ItemKind = 'insn' | 'data' | 'bytes' | 'space' | 'equ' | 'entry' | 'label';

/** One statement's contribution, recorded in pass 1 and completed in pass 2. */
export interface Item extends EvalPoint {
  readonly kind: ItemKind;
  readonly stmt: Statement;
  readonly unit: Unit;
  readonly seq: number;
  readonly size: number;
  readonly info?: OpcodeInfo;
  readonly width?: 1 | 2 | 4;
  readonly bytes?: Uint8Array;
  readonly fill?: number;
  readonly sym?: Sym;
  /** Set for .align padding, which gets no line-table entry. */
  readonly padding?: boolean;
  /** For .equ/.set: the value at this point (set in pass 2, shown in the listing). */
  value?: number;
}

/** A listing row: a source line, and what it produced. */
export interface ListRow {
  readonly unit: Unit;
  /** 0-based index into unit.lines, or -1 for a header row. */
  readonly idx: number;
  readonly item: Item | null;
  readonly sec: number;
  readonly off: number;
  /** The row holds a statement (so it has an address), not just a comment or blank line. */
  readonly stmt?: boolean;
  readonly header?: string;
}

export class Assembly {
  readonly sink = new DiagSink();
  readonly sections = newSections();
  cur = TEXT;
  readonly syms = new Map<string, Sym>();
  /** Definitions of numeric local labels, in order. */
  readonly numDefs = new Map<number, { sec: number; off: number }[]>();
  /** How many definitions of each numeric label have been passed (the walk position). */
  counts = new Map<number, number>();
  readonly macros = new Map<string, { def: MacroDef; unit: Unit }>();
  readonly items: Item[] = [];
  readonly rows: ListRow[] = [];
  readonly globals: { name: string; where: Where; span: Span; seq: number }[] = [];
  scope = '';
  /** Pass 2 is running: all bases are known, unknown symbols are errors. */
  final = false;
  pv = false;
  entry: Item | null = null;
  totalLines = 0;
  expansions = 0;
  seq = 0;

  constructor(readonly opts: AssembleOptions) {}

  whereOf(unit: Unit, line: number): Where {
    return { file: unit.file, line: unit.lineBase + line, sourceLine: unit.lines[line - 1] ?? '', chain: unit.chain };
  }

  /** Report at a statement's line. */
  error(unit: Unit, stmt: Statement | number, span: Span, message: string, seq?: number): void {
    const line = typeof stmt === 'number' ? stmt : stmt.line;
    this.sink.error(this.whereOf(unit, line), span.col, span.len, message, seq ?? this.sink.seq);
  }

  /** Symbol key: `.L` names are local to the enclosing global label. */
  keyOf(name: string, scope: string): string {
    return name.startsWith('.L') ? scope + name : name;
  }

  symValue(s: Sym): number | undefined {
    if (s.kind === 'label') {
      const sec = this.sections[s.sec]!;
      return sec.baseKnown ? (sec.base + s.off) | 0 : undefined;
    }
    if (s.value === undefined && s.pending && this.final) this.resolvePending(s);
    return s.value;
  }

  private resolvePending(s: Sym): void {
    const p = s.pending!;
    if (s.resolving) {
      this.sink.error(p.where, p.name.col, p.name.len, `circular definition of \`${s.name}\``);
      s.pending = null;
      return;
    }
    s.resolving = true;
    const v = evaluate(p.expr, this.env(p.at, p.where, this.sink.seq));
    s.resolving = false;
    s.pending = null;
    s.value = v ?? 0;
  }

  /** An evaluation environment at a point; `where` is the line reports go to. */
  env(at: EvalPoint, where: Where, seq = this.sink.seq): Env {
    return new Env(this, at, where, null, 0, seq, this.final, this.final);
  }

  /** Like env(), but the report location is built only if something is reported (hot path). */
  envAt(at: EvalPoint, unit: Unit, line: number, seq: number, final = this.final, reportUnknown = final): Env {
    return new Env(this, at, null, unit, line, seq, final, reportUnknown);
  }

  /** The current evaluation point of the walk (pass 1). */
  here(counts: ReadonlyMap<number, number> | null): EvalPoint {
    return { scope: this.scope, sec: this.cur, off: this.sections[this.cur]!.off, counts };
  }
}

/** An expression's view of the assembly at one point. A class, not closures: it is made per item. */
export class Env implements EvalEnv {
  constructor(
    private readonly a: Assembly,
    private at: EvalPoint,
    private readonly where: Where | null,
    private unit: Unit | null,
    private line: number,
    private seq: number,
    readonly final: boolean,
    /** Whether undefined symbols and missing local labels are errors (pass 2), or just unknown. */
    private readonly reportUnknown: boolean,
  ) {}

  /** Point a pass-2 environment at the next item (one Env serves the whole pass). */
  moveTo(at: EvalPoint, unit: Unit, line: number, seq: number): this {
    this.at = at;
    this.unit = unit;
    this.line = line;
    this.seq = seq;
    return this;
  }

  report(span: Span, message: string): void {
    const where = this.where ?? this.a.whereOf(this.unit!, this.line);
    this.a.sink.error(where, span.col, span.len, message, this.seq);
  }

  dot(): number | undefined {
    const sec = this.a.sections[this.at.sec]!;
    return sec.baseKnown ? (sec.base + this.at.off) | 0 : undefined;
  }

  symbol(name: string, span: Span): number | undefined {
    const s = this.a.syms.get(this.a.keyOf(name, this.at.scope));
    if (!s) {
      if (this.reportUnknown) {
        const hint = /^(r\d+|cr\d+)$/i.test(name) ? ' (not a register: registers are r0-r15 and sp)' : '';
        this.report(span, `undefined symbol \`${name}\`${hint}`);
      }
      return undefined;
    }
    return this.a.symValue(s);
  }

  local(n: number, fwd: boolean, span: Span): number | undefined {
    const defs = this.a.numDefs.get(n);
    const seen = this.at.counts?.get(n) ?? 0;
    const d = defs?.[fwd ? seen : seen - 1];
    if (!d) {
      if (this.reportUnknown) this.report(span, `no ${fwd ? 'following' : 'preceding'} local label \`${n}:\` for \`${n}${fwd ? 'f' : 'b'}\``);
      return undefined;
    }
    const sec = this.a.sections[d.sec]!;
    return sec.baseKnown ? (sec.base + d.off) | 0 : undefined;
  }
}
