// Pass 1: walks files and macro expansions in order, handling conditionals, includes, macros and labels,
// laying out sections and choosing instruction sizes; records Items for pass 2.
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Statement } from './ast.js';
import { evaluate, forEachRef } from './expr.js';
import { MAX_INCLUDE_DEPTH, MAX_MACRO_DEPTH, MAX_TOTAL_LINES } from './limits.js';
import { splitArgs, substitute, type MacroDef } from './macros.js';
import { binaryAt, parseText, splitLines, type ParsedText } from './source.js';
import { Assembly, TEXT, type Unit } from './state.js';
import { StopAssembly } from './diag.js';
import { directive } from './pass1-directives.js';
import { instruction } from './pass1-insn.js';

/** Where .include looks last; set by index.ts. */
export interface IncludeConfig {
  readonly sdkDir: string;
  readonly readFile: (path: string) => string | undefined;
}

interface Cond {
  active: boolean;
  readonly parentActive: boolean;
  seenElse: boolean;
  /** Some branch of this .if chain has been taken. */
  taken: boolean;
  readonly line: number;
  readonly col: number;
  readonly len: number;
}

const COND_DIRECTIVES = new Set(['.if', '.ifdef', '.ifndef', '.else', '.endif']);

export class Walker {
  private readonly expansionCache = new Map<string, ParsedText>();

  constructor(
    readonly asm: Assembly,
    readonly inc: IncludeConfig,
  ) {}

  /** Assemble a top-level source text. */
  runTop(text: string, path: string): void {
    const unit = this.fileUnit(text, path, resolve(path), [], 0, null);
    if (unit) this.runText(unit.unit, unit.parsed);
  }

  private fileUnit(
    text: string,
    path: string,
    realPath: string,
    chain: readonly string[],
    includeDepth: number,
    parent: Unit | null,
  ): { unit: Unit; parsed: ParsedText } | null {
    const a = this.asm;
    const lines = splitLines(text);
    const unit: Unit = { file: path, lines, lineBase: 0, chain, includeDepth, macroDepth: 0, realPath, parent, isMacro: false };
    const bin = binaryAt(text);
    if (bin) {
      a.error(unit, bin.line, { col: bin.col, len: 1 }, 'file is not text (it contains a NUL byte)');
      return null;
    }
    this.countLines(unit, lines.length);
    return { unit, parsed: parseText(lines) };
  }

  private countLines(unit: Unit, n: number): void {
    const a = this.asm;
    a.totalLines += n;
    if (a.totalLines > MAX_TOTAL_LINES) {
      a.error(unit, 1, { col: 1, len: 1 }, `too many lines to assemble (more than ${MAX_TOTAL_LINES}, counting macro expansions)`);
      throw new StopAssembly();
    }
  }

  runText(unit: Unit, parsed: ParsedText): void {
    const a = this.asm;
    const conds: Cond[] = [];
    const { statements: S, macros: M, errors: E } = parsed;
    let si = 0;
    let mi = 0;
    let ei = 0;
    let listed = 0;
    const listing = a.opts.listing === true;
    for (;;) {
      const sl = S[si]?.line ?? Infinity;
      const ml = M[mi]?.line ?? Infinity;
      const el = E[ei]?.line ?? Infinity;
      const line = Math.min(sl, ml, el);
      if (line === Infinity) break;
      a.sink.seq = ++a.seq;
      if (listing) listed = this.listRaw(unit, listed, line - 1);
      if (el === line) {
        const e = E[ei++]!;
        a.error(unit, e.line, e, e.message);
        continue;
      }
      if (ml === line) {
        const def = M[mi++]!;
        if (active(conds)) this.defineMacro(unit, def);
        if (listing && listed < line) listed = this.listRaw(unit, listed, line);
        continue;
      }
      const st = S[si++]!;
      const rowsBefore = a.rows.length;
      const itemsBefore = a.items.length;
      const sec = a.cur;
      const off = a.sections[a.cur]!.off;
      if (listing) listed = line;
      this.statement(unit, st, conds);
      if (listing) {
        // The statement's row goes before the rows of anything it expanded or included.
        const item = a.items.length > itemsBefore && a.items[itemsBefore]!.unit === unit ? a.items[itemsBefore]! : null;
        a.rows.splice(rowsBefore, 0, { unit, idx: line - 1, item, sec, off, stmt: true });
      }
    }
    if (listing) this.listRaw(unit, listed, unit.lines.length);
    for (const c of conds) {
      a.error(unit, c.line, c, 'unterminated conditional (missing `.endif`)');
    }
  }

  /** Listing rows for lines [from, to) that hold no statement (comments, blanks, macro bodies). */
  private listRaw(unit: Unit, from: number, to: number): number {
    const a = this.asm;
    for (let i = from; i < to; i++) a.rows.push({ unit, idx: i, item: null, sec: a.cur, off: a.sections[a.cur]!.off });
    return Math.max(from, to);
  }

  private statement(unit: Unit, st: Statement, conds: Cond[]): void {
    const a = this.asm;
    const head = st.head;
    if (head && head.directive && COND_DIRECTIVES.has(head.name)) {
      if (active(conds)) for (const l of st.labels) this.defineLabel(unit, st, l);
      this.conditional(unit, st, conds);
      return;
    }
    if (!active(conds)) return;
    for (const l of st.labels) this.defineLabel(unit, st, l);
    if (!head) {
      if (st.labels.length > 0) a.items.push({ kind: 'label', stmt: st, unit, seq: a.seq, size: 0, ...a.here(null) });
      return;
    }
    if (head.directive) {
      if (head.name === '.include') this.include(unit, st);
      else directive(a, unit, st);
      return;
    }
    const macro = a.macros.get(head.name);
    if (macro) this.expand(unit, st, macro.def, macro.unit);
    else instruction(a, unit, st);
  }

  private conditional(unit: Unit, st: Statement, conds: Cond[]): void {
    const a = this.asm;
    const head = st.head!;
    const name = head.name;
    const top = conds[conds.length - 1];
    if (name === '.else' || name === '.endif') {
      if (st.operands.length > 0) a.error(unit, st, st.operands[0]!, `\`${name}\` takes no operands`);
      if (!top) {
        a.error(unit, st, head, `\`${name}\` without \`.if\``);
        return;
      }
      if (name === '.endif') {
        conds.pop();
        return;
      }
      if (top.seenElse) {
        a.error(unit, st, head, 'second `.else` for the same `.if`');
        return;
      }
      top.seenElse = true;
      top.active = top.parentActive && !top.taken;
      top.taken = true;
      return;
    }
    const parentActive = active(conds);
    let value = false;
    if (parentActive) {
      const op = st.operands[0];
      if (st.operands.length !== 1 || op?.k !== 'expr') {
        const form = name === '.if' ? '.if expr' : `${name} NAME`;
        a.error(unit, st, op ?? head, `\`${name}\` expects \`${form}\``);
      } else if (name === '.if') {
        // .if is decided now, so its value must be known now; errors in it are reported at once.
        const env = a.envAt(a.here(a.counts), unit, st.line, a.sink.seq, true, false);
        const before = a.sink.errors;
        const v = evaluate(op.e, env);
        if (v === undefined && a.sink.errors === before) {
          let why = '';
          forEachRef(op.e, (r) => {
            if (why || r.k !== 'sym') return;
            const s = a.syms.get(a.keyOf(r.name, a.scope));
            if (!s) why = ` (\`${r.name}\` is not defined)`;
            else if (a.symValue(s) === undefined) why = ` (\`${r.name}\` is not known yet)`;
          });
          a.error(unit, st, op, `\`.if\` needs a value known at this point${why}`);
        }
        value = (v ?? 0) !== 0;
      } else if (op.e.k !== 'sym') {
        a.error(unit, st, op, `\`${name}\` expects a symbol name`);
      } else {
        const defined = a.syms.has(a.keyOf(op.e.name, a.scope));
        value = name === '.ifdef' ? defined : !defined;
      }
    }
    conds.push({ active: parentActive && value, parentActive, seenElse: false, taken: value, line: st.line, col: head.col, len: head.len });
  }

  private defineLabel(unit: Unit, st: Statement, l: Statement['labels'][number]): void {
    const a = this.asm;
    const sec = a.sections[a.cur]!;
    if (a.cur === TEXT) sec.touched = true;
    if (l.numeric) {
      const n = Number(l.name);
      let defs = a.numDefs.get(n);
      if (!defs) a.numDefs.set(n, (defs = []));
      defs.push({ sec: a.cur, off: sec.off });
      a.counts.set(n, (a.counts.get(n) ?? 0) + 1);
      return;
    }
    const local = l.name.startsWith('.L');
    if (!local) a.scope = l.name;
    const key = a.keyOf(l.name, a.scope);
    const old = a.syms.get(key);
    if (old) {
      a.error(unit, st, l, `\`${l.name}\` is already defined (at ${old.definedAt})`);
      return;
    }
    const where = a.whereOf(unit, st.line);
    a.syms.set(key, {
      name: key,
      kind: 'label',
      sec: a.cur,
      off: sec.off,
      value: undefined,
      pending: null,
      resolving: false,
      isSet: false,
      global: false,
      definedAt: `${where.file}:${where.line}`,
    });
  }

  private defineMacro(unit: Unit, def: MacroDef): void {
    const a = this.asm;
    const old = a.macros.get(def.name);
    if (old) {
      const w = a.whereOf(old.unit, old.def.line);
      a.error(unit, def.line, def, `macro \`${def.name}\` is already defined (at ${w.file}:${w.line})`);
      return;
    }
    a.macros.set(def.name, { def, unit });
  }

  private expand(unit: Unit, st: Statement, def: MacroDef, defUnit: Unit): void {
    const a = this.asm;
    const head = st.head!;
    if (unit.macroDepth + 1 > MAX_MACRO_DEPTH) {
      a.error(unit, st, head, `macro expansion too deep (more than ${MAX_MACRO_DEPTH} nested expansions; is \`${def.name}\` recursive?)`);
      return;
    }
    const text = unit.lines[st.line - 1] ?? '';
    const args = splitArgs(text.slice(head.col - 1 + head.len));
    if (args.length !== def.params.length) {
      const want = def.params.length === 0 ? 'no arguments' : `${def.params.length} argument${def.params.length === 1 ? '' : 's'} (${def.params.join(', ')})`;
      a.error(unit, st, head, `macro \`${def.name}\` takes ${want}, got ${args.length}`);
      return;
    }
    this.countLines(unit, def.body.length);
    const where = a.whereOf(unit, st.line);
    const sub = substitute(def.body, def.params, args, ++a.expansions);
    const expansion: Unit = {
      file: defUnit.file,
      lines: sub.lines,
      lineBase: defUnit.lineBase + def.line,
      chain: [`in macro \`${def.name}\` expanded at ${where.file}:${where.line}`, ...unit.chain],
      includeDepth: unit.includeDepth,
      macroDepth: unit.macroDepth + 1,
      realPath: defUnit.realPath,
      parent: unit,
      isMacro: true,
    };
    if (sub.errors.length > 0) {
      // Point into the body as written, where the bad `\name` is.
      const raw: Unit = { ...expansion, lines: def.body };
      for (const e of sub.errors) a.error(raw, e.line, e, e.message);
      return;
    }
    this.runText(expansion, this.parseExpansion(sub.lines));
  }

  /** Expansions often repeat the same text (same arguments, no `\@`): parse each distinct text once. */
  private parseExpansion(lines: string[]): ParsedText {
    const key = lines.join('\n');
    let p = this.expansionCache.get(key);
    if (!p) {
      if (this.expansionCache.size >= 4096) this.expansionCache.clear();
      p = parseText(lines);
      this.expansionCache.set(key, p);
    }
    return p;
  }

  private include(unit: Unit, st: Statement): void {
    const a = this.asm;
    const head = st.head!;
    const op = st.operands[0];
    if (st.operands.length !== 1 || op?.k !== 'str') {
      a.error(unit, st, op ?? head, '`.include` expects `.include "file"`');
      return;
    }
    const name = new TextDecoder().decode(op.bytes);
    if (unit.includeDepth + 1 > MAX_INCLUDE_DEPTH) {
      a.error(unit, st, op, `includes nested too deeply (more than ${MAX_INCLUDE_DEPTH})`);
      return;
    }
    const dirs = isAbsolute(name) ? [''] : [dirname(unit.file), ...(a.opts.includePaths ?? []), this.inc.sdkDir];
    for (const dir of dirs) {
      const path = dir === '' ? name : join(dir, name);
      let text: string | undefined;
      try {
        text = this.inc.readFile(path);
      } catch {
        // A reader that fails (permissions, a directory) is treated like a missing file.
        text = undefined;
      }
      if (text === undefined) continue;
      const realPath = resolve(path);
      // The SDK lives wherever vmlab is installed: name it relative to the working directory when it can be.
      const shown = dir === this.inc.sdkDir ? shortPath(path) : path;
      for (let u: Unit | null = unit; u; u = u.parent) {
        if (!u.isMacro && u.realPath === realPath) {
          a.error(unit, st, op, `include cycle: \`${path}\` is already being included`);
          return;
        }
      }
      const where = a.whereOf(unit, st.line);
      const chain = [`included from ${where.file}:${where.line}`, ...unit.chain];
      const loaded = this.fileUnit(text, shown, realPath, chain, unit.includeDepth + 1, unit);
      if (!loaded) return;
      if (a.opts.listing) a.rows.push({ unit: loaded.unit, idx: -1, item: null, sec: a.cur, off: 0, header: `;;; include ${shown}` });
      this.runText(loaded.unit, loaded.parsed);
      return;
    }
    const searched = dirs.map((d) => (d === '' ? name : d)).join(', ');
    a.error(unit, st, op, `cannot find include file \`${name}\` (searched ${searched})`);
  }
}

function active(conds: readonly Cond[]): boolean {
  const top = conds[conds.length - 1];
  return top === undefined || top.active;
}

/** `path` relative to the working directory when it lies inside it, else as given. */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
