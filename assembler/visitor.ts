// CST -> AST: a chevrotain visitor that builds Statements and applies C operator precedence.
import type { CstNode, IToken } from 'chevrotain';
import type { BinaryOperator, Expr, Label, Operand, Span, Statement, UnaryOperator } from './ast.js';
import { parser } from './parser.js';
import { charValue, decodeEscapes } from './strings.js';

/** A problem found while building the AST (bad literal), at a line and span. */
export interface AstError {
  readonly line: number;
  readonly col: number;
  readonly len: number;
  readonly message: string;
}

type Ctx = Record<string, (CstNode | IToken)[] | undefined>;

// C precedence: higher binds tighter.
export const PREC: Readonly<Record<BinaryOperator, number>> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6,
  '<': 7, '<=': 7, '>': 7, '>=': 7, '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

const MAX_U32 = 0xffffffff;
/** Stands in for a part that error recovery left out (its line is dropped). */
const PLACEHOLDER: Expr = { k: 'num', v: 0, col: 1, len: 1 };

function tokSpan(t: IToken): Span {
  return { col: t.startColumn ?? 1, len: t.image.length };
}

function join(a: Span, b: Span): Span {
  return { col: a.col, len: b.col + b.len - a.col };
}

function regNumber(image: string): number {
  const s = image.toLowerCase();
  return s === 'sp' ? 15 : Number(s.slice(1));
}

const PRIMARY_KEYS = ['Identifier', 'DecNumber', 'HexNumber', 'DotIdentifier', 'LocalRef', 'CharLit', 'BinNumber', 'Dot', 'Directive'] as const;
/** Every token kind that can be a direct child of an expression. */
const FLAT_KEYS = [...PRIMARY_KEYS, 'Minus', 'Plus', 'Tilde', 'Bang', 'BinOp', 'LParen', 'RParen'] as const;

const NO_LABELS: readonly Label[] = Object.freeze([]);
const NO_OPERANDS: readonly Operand[] = Object.freeze([]);

/**
 * Register operands are immutable and repeat endlessly (`r1` at column 5 ...), so they are shared:
 * fewer objects that live until pass 2, which is most of the assembler's garbage-collection work.
 */
const regOperands = new Map<number, Operand>();
function regOperand(n: number, col: number, len: number): Operand {
  const key = n + 16 * (len + 4 * col);
  let o = regOperands.get(key);
  if (!o) {
    if (regOperands.size > 65536) regOperands.clear();
    regOperands.set(key, (o = { k: 'reg', n, col, len }));
  }
  return o;
}

/** What the driver uses of the CST visitor. */
export interface AstBuilder {
  /** Reset by the driver per chunk; the visitor appends bad literals here. */
  errors: AstError[];
  /** Added to token lines: the parsed text may be a chunk of a larger one. */
  lineOffset: number;
  visit(cst: CstNode): unknown;
}

/** The visitor's class, made when first needed: its base class comes from the (lazily built) parser. */
function createAstBuilder(): AstBuilder {
  class AstBuilder extends parser().getBaseCstVisitorConstructor() {
    errors: AstError[] = [];
    /** Added to token lines: the parsed text may be a chunk of a larger one. */
    lineOffset = 0;
    /** Line of the statement being built (every token of a statement is on one line). */
    private curLine = 0;

    constructor() {
      super();
      this.validateVisitor();
    }

    program(ctx: Ctx): Statement[] {
      const out: Statement[] = [];
      for (const l of (ctx.line as CstNode[] | undefined) ?? []) {
        // Error recovery can leave partial nodes; such a line has a syntax error and is dropped anyway.
        if (l.recoveredNode) continue;
        let s: Statement | null = null;
        try {
          s = this.visit(l) as Statement | null;
        } catch {
          s = null;
        }
        if (s) out.push(s);
      }
      return out;
    }

    line(ctx: Ctx): Statement | null {
      const labelNodes = ctx.label as CstNode[] | undefined;
      const dir = ctx.Directive?.[0] as IToken | undefined;
      const t = (dir ?? ctx.Identifier?.[0] ?? ctx.DotIdentifier?.[0]) as IToken | undefined;
      const first = labelNodes ? firstToken(labelNodes[0]!) : t && !t.isInsertedInRecovery ? t : undefined;
      if (!first) return null;
      const line = (first.startLine ?? 0) + this.lineOffset;
      this.curLine = line;
      let labels: readonly Label[] = NO_LABELS;
      if (labelNodes) {
        const ls: Label[] = [];
        for (const n of labelNodes) {
          const l = this.visit(n) as Label | null;
          if (l) ls.push(l);
        }
        labels = ls;
      }
      if (!t) return { line, labels, head: null, operands: NO_OPERANDS };
      const head = {
        name: dir ? t.image.toLowerCase() : t.image,
        directive: dir !== undefined || t.image.charCodeAt(0) === 46,
        col: t.startColumn ?? 1,
        len: t.image.length,
      };
      const nodes = ctx.operand as CstNode[] | undefined;
      let operands: readonly Operand[] = NO_OPERANDS;
      if (nodes) {
        const ops: Operand[] = [];
        for (const o of nodes) ops.push(this.visit(o) as Operand);
        operands = ops;
      }
      return { line, labels, head, operands };
    }

    label(ctx: Ctx): Label | null {
      const t = (ctx.Identifier ?? ctx.DotIdentifier ?? ctx.DecNumber)?.[0] as IToken | undefined;
      if (!t || t.isInsertedInRecovery) return null;
      return { name: t.image, numeric: ctx.DecNumber !== undefined, col: t.startColumn ?? 1, len: t.image.length };
    }

    operand(ctx: Ctx): Operand {
      const reg = ctx.Register?.[0] as IToken | undefined;
      if (reg) return regOperand(regNumber(reg.image), reg.startColumn ?? 1, reg.image.length);
      const cr = ctx.CtrlRegister?.[0] as IToken | undefined;
      if (cr) return { k: 'cr', n: Number(cr.image.slice(2)), col: cr.startColumn ?? 1, len: cr.image.length };
      const str = ctx.StringLit?.[0] as IToken | undefined;
      if (str) {
        const d = decodeEscapes(str.image.slice(1, -1));
        const span = tokSpan(str);
        if (d.error) this.err(span.col + 1 + d.error.offset, 2, d.error.message);
        return { k: 'str', bytes: Uint8Array.from(d.bytes), ...span };
      }
      const mem = ctx.memory?.[0] as CstNode | undefined;
      if (mem) return this.visit(mem) as Operand;
      const e = this.flat(ctx, null);
      return { k: 'expr', e, col: e.col, len: e.len };
    }

    memory(ctx: Ctx): Operand {
      const lb = (ctx.LBracket?.[0] as IToken | undefined) ?? ({ image: '[', startColumn: 1 } as IToken);
      const rb = ctx.RBracket?.[0] as IToken | undefined;
      const span = rb && !rb.isInsertedInRecovery ? join(tokSpan(lb), tokSpan(rb)) : tokSpan(lb);
      const reg = ctx.Register?.[0] as IToken | undefined;
      const exprNode = ctx.expression?.[0] as CstNode | undefined;
      let disp: Expr | null = null;
      if (exprNode) {
        // `[r2 - 4 + 1]` means r2 + (-4 + 1): negate only the first term, by folding `0 - ...`.
        const zero = reg && ctx.Minus ? ({ k: 'num', v: 0, col: (ctx.Minus[0] as IToken).startColumn ?? 1, len: 1 } as Expr) : null;
        disp = this.flat(exprNode.children as Ctx, zero);
      }
      return { k: 'mem', base: reg ? regNumber(reg.image) : null, disp, ...span };
    }

    expression(ctx: Ctx): Expr {
      return this.flat(ctx, null);
    }

    /**
     * The expression whose tokens (and parenthesised sub-expression nodes) are direct children of ctx.
     * `zero`, when given, is a leading `zero -` (see memory()).
     */
    private flat(ctx: Ctx, zero: Expr | null): Expr {
      if (!zero && !ctx.BinOp && !ctx.LParen && !ctx.Minus && !ctx.Plus && !ctx.Tilde && !ctx.Bang) {
        // The common case: one number or name.
        for (const k of PRIMARY_KEYS) {
          const t = ctx[k]?.[0] as IToken | undefined;
          if (t) return t.isInsertedInRecovery ? PLACEHOLDER : this.primaryToken(k, t);
        }
        return PLACEHOLDER;
      }
      const toks: { t: IToken; key: string }[] = [];
      for (const key of FLAT_KEYS) {
        const list = ctx[key] as IToken[] | undefined;
        if (list) for (const t of list) if (!t.isInsertedInRecovery) toks.push({ t, key });
      }
      toks.sort((x, y) => x.t.startOffset - y.t.startOffset);
      const nested = (ctx.expression as CstNode[] | undefined) ?? [];
      let ni = 0;
      const units: Expr[] = zero ? [zero] : [];
      const ops: BinaryOperator[] = zero ? ['-'] : [];
      let pre: IToken[] = [];
      let open: IToken | null = null;
      let inner: Expr = PLACEHOLDER;
      const push = (u: Expr): void => {
        let e = u;
        for (let i = pre.length - 1; i >= 0; i--) {
          const t = pre[i]!;
          e = { k: 'un', op: t.image as UnaryOperator, e, ...join(tokSpan(t), e) };
        }
        units.push(e);
        pre = [];
      };
      for (const { t, key } of toks) {
        switch (key) {
          case 'Minus':
          case 'Plus':
          case 'Tilde':
          case 'Bang':
            pre.push(t);
            break;
          case 'BinOp':
            ops.push(t.image as BinaryOperator);
            break;
          case 'LParen': {
            const node = nested[ni++];
            open = t;
            inner = node ? (this.visit(node) as Expr) : PLACEHOLDER;
            break;
          }
          case 'RParen':
            if (open) {
              // Parentheses widen the span so diagnostics underline the whole group.
              push({ ...inner, ...join(tokSpan(open), tokSpan(t)) });
              open = null;
            }
            break;
          default:
            push(this.primaryToken(key, t));
        }
      }
      if (open) push(inner);
      return climb(units, ops);
    }

    private primaryToken(key: string, t: IToken): Expr {
      const span = tokSpan(t);
      switch (key) {
        case 'HexNumber':
          return this.num(Number.parseInt(t.image.slice(2).replace(/_/g, ''), 16), span);
        case 'BinNumber':
          return this.num(Number.parseInt(t.image.slice(2).replace(/_/g, ''), 2), span);
        case 'DecNumber':
          return this.num(Number(t.image), span);
        case 'CharLit': {
          const c = charValue(t.image.slice(1, -1));
          if (c.error) this.err(span.col, span.len, c.error);
          return { k: 'num', v: c.value, col: span.col, len: span.len };
        }
        case 'LocalRef':
          return { k: 'local', n: Number(t.image.slice(0, -1)), fwd: t.image.endsWith('f'), col: span.col, len: span.len };
        case 'Dot':
          return { k: 'dot', col: span.col, len: span.len };
        case 'Directive':
          return { k: 'sym', name: t.image.toLowerCase(), col: span.col, len: span.len };
        default:
          return { k: 'sym', name: t.image, col: span.col, len: span.len };
      }
    }

    private num(v: number, span: Span): Expr {
      if (!(v <= MAX_U32)) {
        this.err(span.col, span.len, 'number does not fit in 32 bits');
        return { k: 'num', v: 0, col: span.col, len: span.len };
      }
      return { k: 'num', v: v | 0, col: span.col, len: span.len };
    }

    private err(col: number, len: number, message: string): void {
      this.errors.push({ line: this.curLine, col, len, message });
    }
  }
  return new AstBuilder();
}


/** Operator-precedence climbing over a flat `u0 op0 u1 op1 u2 ...` sequence (left-associative). */
function climb(units: Expr[], ops0: BinaryOperator[]): Expr {
  if (units.length === 0) return PLACEHOLDER;
  if (units.length === 1) return units[0]!;
  // Recovery can leave an operator without its right operand; ignore such trailing operators.
  const ops = ops0.length < units.length ? ops0 : ops0.slice(0, units.length - 1);
  const st: Climb = { units, ops, i: 0 };
  return climbFrom(st, units[0]!, 0);
}

interface Climb {
  readonly units: Expr[];
  readonly ops: BinaryOperator[];
  /** Index of the next operator; units[i + 1] follows ops[i]. */
  i: number;
}

function climbFrom(st: Climb, left0: Expr, minPrec: number): Expr {
  const { units, ops } = st;
  let left = left0;
  while (st.i < ops.length && PREC[ops[st.i]!] >= minPrec) {
    const op = ops[st.i]!;
    let right = units[st.i + 1]!;
    st.i++;
    // Bind tighter operators to the right operand first.
    while (st.i < ops.length && PREC[ops[st.i]!] > PREC[op]) right = climbFrom(st, right, PREC[op] + 1);
    left = { k: 'bin', op, l: left, r: right, col: left.col, len: right.col + right.len - left.col };
  }
  return left;
}

/** The first real token of a label or body node (their first child is always a single token). */
function firstToken(n: CstNode): IToken | undefined {
  const c = n.children as Ctx;
  const t = (c.Identifier ?? c.DotIdentifier ?? c.DecNumber ?? c.Directive)?.[0] as IToken | undefined;
  return t && !t.isInsertedInRecovery ? t : undefined;
}

let builder: AstBuilder | undefined;

/** One builder, reused: visitors are stateless apart from the error list reset per file. */
export function astBuilder(): AstBuilder {
  return (builder ??= createAstBuilder());
}
