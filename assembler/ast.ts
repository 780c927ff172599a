// The assembler's AST: one Statement per source line, with operands and expressions carrying columns.

/** A span inside one source line (1-based column, length in characters). */
export interface Span {
  readonly col: number;
  readonly len: number;
}

export type BinaryOperator =
  | '||' | '&&' | '|' | '^' | '&' | '==' | '!=' | '<' | '<=' | '>' | '>='
  | '<<' | '>>' | '+' | '-' | '*' | '/' | '%';
export type UnaryOperator = '-' | '+' | '~' | '!';

// Every node is its own Span (col/len inline rather than a nested object: fewer allocations per line).
export type Expr = Span &
  (
    | { readonly k: 'num'; readonly v: number }
    | { readonly k: 'sym'; readonly name: string }
    | { readonly k: 'local'; readonly n: number; readonly fwd: boolean }
    | { readonly k: 'dot' }
    | { readonly k: 'un'; readonly op: UnaryOperator; readonly e: Expr }
    | { readonly k: 'bin'; readonly op: BinaryOperator; readonly l: Expr; readonly r: Expr }
  );

export type Operand = Span &
  (
    | { readonly k: 'reg'; readonly n: number }
    | { readonly k: 'cr'; readonly n: number }
    | { readonly k: 'mem'; readonly base: number | null; readonly disp: Expr | null }
    | { readonly k: 'str'; readonly bytes: Uint8Array }
    | { readonly k: 'expr'; readonly e: Expr }
  );

export interface Label extends Span {
  /** Symbol name, or the decimal digits of a numeric local label. */
  readonly name: string;
  readonly numeric: boolean;
}

export interface Statement {
  /** 1-based line within the parsed text. */
  readonly line: number;
  readonly labels: readonly Label[];
  /** Mnemonic, macro name or directive (directives keep their leading dot, lower-cased). */
  readonly head: (Span & { readonly name: string; readonly directive: boolean }) | null;
  readonly operands: readonly Operand[];
}
