// The VX32 assembly lexer: token vocabulary (ordered allTokens) and one shared chevrotain Lexer.
import { createToken, Lexer, type TokenType } from 'chevrotain';

// Identifiers come after keywords in allTokens; keywords name them as longer_alt so `r10x` or
// `.bytes` lex as one identifier rather than a keyword followed by junk.
export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_$][A-Za-z0-9_$.]*/ });
export const DotIdentifier = createToken({ name: 'DotIdentifier', pattern: /\.[A-Za-z_$][A-Za-z0-9_$.]*/ });

export const Register = createToken({
  name: 'Register',
  pattern: /r1[0-5]|r[0-9]|sp/i,
  longer_alt: Identifier,
});
export const CtrlRegister = createToken({ name: 'CtrlRegister', pattern: /cr[0-9]+/i, longer_alt: Identifier });

/** Category of every directive keyword; the parser consumes the category. */
export const Directive = createToken({ name: 'Directive', pattern: Lexer.NA });

export const DIRECTIVE_NAMES = [
  'byte', 'half', 'word', 'ascii', 'asciz', 'space', 'align', 'org', 'text', 'data', 'bss',
  'section', 'global', 'globl', 'entry', 'include', 'macro', 'endm', 'if', 'ifdef', 'ifndef',
  'else', 'endif', 'pv', 'error', 'equ', 'set',
] as const;

// Longest names first so `.ifdef` is not taken as `.if` + `def` (longer_alt also guards this).
const directiveTokens: TokenType[] = [...DIRECTIVE_NAMES]
  .sort((a, b) => b.length - a.length)
  .map((n) =>
    createToken({
      name: `Dir_${n}`,
      pattern: new RegExp(`\\.${n}`, 'i'),
      longer_alt: DotIdentifier,
      categories: [Directive],
      start_chars_hint: ['.'],
    }),
  );

export const Newline = createToken({ name: 'Newline', pattern: /\n/, line_breaks: true });
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\f\v]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: 'Comment', pattern: /;[^\n]*/, group: Lexer.SKIPPED });

export const StringLit = createToken({ name: 'StringLit', pattern: /"(?:[^"\\\n]|\\[^\n])*"/ });
export const CharLit = createToken({ name: 'CharLit', pattern: /'(?:[^'\\\n]{1,2}|\\[^\n]{1,3})'/ });

export const HexNumber = createToken({ name: 'HexNumber', pattern: /0[xX][0-9a-fA-F_]+/ });
export const BinNumber = createToken({ name: 'BinNumber', pattern: /0[bB][01_]+/ });
/** `1b` / `1f`: a reference to the numeric local label 1, backward or forward. */
export const LocalRef = createToken({
  name: 'LocalRef',
  pattern: /[0-9]+[bf](?![0-9A-Za-z_$])/,
  start_chars_hint: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
});
export const DecNumber = createToken({ name: 'DecNumber', pattern: /[0-9]+/ });

/** Category of the binary operators; the visitor orders them by C precedence. */
export const BinOp = createToken({ name: 'BinOp', pattern: Lexer.NA });
const op = (name: string, pattern: string): TokenType =>
  createToken({ name, pattern, categories: [BinOp] });

export const OrOr = op('OrOr', '||');
export const AndAnd = op('AndAnd', '&&');
export const Shl = op('Shl', '<<');
export const Shr = op('Shr', '>>');
export const EqEq = op('EqEq', '==');
export const NotEq = op('NotEq', '!=');
export const Le = op('Le', '<=');
export const Ge = op('Ge', '>=');
export const Lt = op('Lt', '<');
export const Gt = op('Gt', '>');
export const Pipe = op('Pipe', '|');
export const Caret = op('Caret', '^');
export const Amp = op('Amp', '&');
export const Plus = op('Plus', '+');
export const Minus = op('Minus', '-');
export const Star = op('Star', '*');
export const Slash = op('Slash', '/');
export const Percent = op('Percent', '%');

export const Tilde = createToken({ name: 'Tilde', pattern: '~' });
export const Bang = createToken({ name: 'Bang', pattern: '!' });
export const Comma = createToken({ name: 'Comma', pattern: ',' });
export const Colon = createToken({ name: 'Colon', pattern: ':' });
export const LBracket = createToken({ name: 'LBracket', pattern: '[' });
export const RBracket = createToken({ name: 'RBracket', pattern: ']' });
export const LParen = createToken({ name: 'LParen', pattern: '(' });
export const RParen = createToken({ name: 'RParen', pattern: ')' });
/** `.` alone: the current address. */
export const Dot = createToken({ name: 'Dot', pattern: '.' });

export const allTokens: TokenType[] = [
  Newline,
  WhiteSpace,
  Comment,
  StringLit,
  CharLit,
  HexNumber,
  BinNumber,
  LocalRef,
  DecNumber,
  ...directiveTokens,
  Directive,
  DotIdentifier,
  Register,
  CtrlRegister,
  Identifier,
  OrOr,
  AndAnd,
  Shl,
  Shr,
  EqEq,
  NotEq,
  Le,
  Ge,
  Lt,
  Gt,
  Pipe,
  Caret,
  Amp,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  BinOp,
  Tilde,
  Bang,
  Comma,
  Colon,
  LBracket,
  RBracket,
  LParen,
  RParen,
  Dot,
];

let lexer: Lexer | undefined;

/** The one lexer, built on first use: building it analyses every token's pattern, which commands that never assemble should not pay for. */
export function vx32Lexer(): Lexer {
  return (lexer ??= new Lexer(allTokens, { positionTracking: 'onlyStart', ensureOptimizations: true }));
}
