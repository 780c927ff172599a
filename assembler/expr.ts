// Evaluation of assembler expressions in 32-bit two's complement (C precedence is fixed by the AST).
import type { Expr, Span } from './ast.js';

/** What an expression can see. Lookups return undefined when a value is not known (yet). */
export interface EvalEnv {
  /** Pass 2: every value must be known, and unknown ones are reported. */
  readonly final: boolean;
  dot(): number | undefined;
  symbol(name: string, span: Span): number | undefined;
  local(n: number, fwd: boolean, span: Span): number | undefined;
  /** Report a problem at a span (only called when it is an error in this pass). */
  report(span: Span, message: string): void;
}

/** Value of `e` as a signed 32-bit integer, or undefined if unknown or invalid (then reported if final). */
export function evaluate(e: Expr, env: EvalEnv): number | undefined {
  switch (e.k) {
    case 'num':
      return e.v;
    case 'sym':
      return env.symbol(e.name, e);
    case 'local':
      return env.local(e.n, e.fwd, e);
    case 'dot':
      return env.dot();
    case 'un': {
      const v = evaluate(e.e, env);
      if (v === undefined) return undefined;
      switch (e.op) {
        case '-':
          return -v | 0;
        case '+':
          return v;
        case '~':
          return ~v;
        case '!':
          return v === 0 ? 1 : 0;
      }
      return undefined;
    }
    case 'bin': {
      const l = evaluate(e.l, env);
      const r = evaluate(e.r, env);
      if (l === undefined || r === undefined) return undefined;
      switch (e.op) {
        case '+':
          return (l + r) | 0;
        case '-':
          return (l - r) | 0;
        case '*':
          return Math.imul(l, r);
        case '/':
        case '%':
          if (r === 0) {
            if (env.final) env.report(e.r, 'division by zero');
            return undefined;
          }
          return e.op === '/' ? (l / r) | 0 : l % r | 0;
        // Shifts take the count mod 32 like the CPU; >> is logical, which is what address arithmetic wants.
        case '<<':
          return l << (r & 31);
        case '>>':
          return (l >>> (r & 31)) | 0;
        case '&':
          return l & r;
        case '|':
          return l | r;
        case '^':
          return l ^ r;
        case '==':
          return l === r ? 1 : 0;
        case '!=':
          return l !== r ? 1 : 0;
        case '<':
          return l < r ? 1 : 0;
        case '<=':
          return l <= r ? 1 : 0;
        case '>':
          return l > r ? 1 : 0;
        case '>=':
          return l >= r ? 1 : 0;
        case '&&':
          return l !== 0 && r !== 0 ? 1 : 0;
        case '||':
          return l !== 0 || r !== 0 ? 1 : 0;
      }
      return undefined;
    }
  }
}

/** Calls `f` on every symbol and local-label reference in `e`. */
export function forEachRef(e: Expr, f: (e: Expr) => void): void {
  switch (e.k) {
    case 'sym':
    case 'local':
      f(e);
      return;
    case 'un':
      forEachRef(e.e, f);
      return;
    case 'bin':
      forEachRef(e.l, f);
      forEachRef(e.r, f);
      return;
    default:
      return;
  }
}
