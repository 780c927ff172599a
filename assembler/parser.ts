// The VX32 assembly grammar: a chevrotain CstParser (one reused instance), line-oriented, with error recovery.
import { CstParser, type CstNode, type IOrAlt, type IRecognitionException, type IToken, type ManySepMethodOpts, type AtLeastOneSepMethodOpts } from 'chevrotain';
import {
  allTokens,
  BinNumber,
  BinOp,
  Bang,
  CharLit,
  Colon,
  Comma,
  CtrlRegister,
  DecNumber,
  Directive,
  Dot,
  DotIdentifier,
  HexNumber,
  Identifier,
  LBracket,
  LocalRef,
  LParen,
  Minus,
  Newline,
  Plus,
  RBracket,
  Register,
  RParen,
  StringLit,
  Tilde,
} from './lexer.js';

// Alternatives and separator options are built once and cached in fields: under tsx/esbuild (keepNames)
// every object-literal arrow function is wrapped in a naming helper on creation, which made building
// them per rule invocation the parser's main cost.
class Vx32Parser extends CstParser {
  private c: Record<string, IOrAlt<unknown>[]> = {};
  private sepOperands?: ManySepMethodOpts<unknown>;
  private sepUnits?: AtLeastOneSepMethodOpts<unknown>;
  /** Cached actions of MANY/OPTION, for the same reason. */
  private f: Record<string, () => void> = {};

  constructor() {
    super(allTokens, { recoveryEnabled: true, maxLookahead: 2, nodeLocationTracking: 'none' });
    this.performSelfAnalysis();
  }

  public program = this.RULE('program', () => {
    this.MANY((this.f.lines ??= () => this.SUBRULE(this.line)));
  });

  // A statement: labels, then a mnemonic, macro name or directive with its operands; it ends with a
  // Newline (the driver appends one to the last line). The head is inlined here rather than a rule of
  // its own: one CST node less per line.
  public line = this.RULE('line', () => {
    this.MANY((this.f.labels ??= () => this.SUBRULE(this.label)));
    this.OPTION(
      (this.f.body ??= () => {
        this.OR(
          (this.c.head ??= [
            { ALT: () => this.CONSUME(Directive) },
            { ALT: () => this.CONSUME(Identifier) },
            // An unknown `.name` at the head of a statement; reported as an unknown directive later.
            { ALT: () => this.CONSUME(DotIdentifier) },
          ]),
        );
        this.MANY_SEP((this.sepOperands ??= { SEP: Comma, DEF: () => this.SUBRULE(this.operand) }));
      }),
    );
    this.CONSUME(Newline);
  });

  public label = this.RULE('label', () => {
    this.OR(
      (this.c.label ??= [
        { ALT: () => this.CONSUME(Identifier) },
        { ALT: () => this.CONSUME(DotIdentifier) },
        { ALT: () => this.CONSUME(DecNumber) },
      ]),
    );
    this.CONSUME(Colon);
  });

  // An expression operand is inlined here (flatExpr) rather than a rule of its own: CST nodes are the
  // parser's main cost, and most operands are a single number or name.
  public operand = this.RULE('operand', () => {
    this.OR(
      (this.c.operand ??= [
        { ALT: () => this.CONSUME(Register) },
        { ALT: () => this.CONSUME(CtrlRegister) },
        { ALT: () => this.CONSUME(StringLit) },
        { ALT: () => this.SUBRULE(this.memory) },
        { ALT: () => this.flatExpr() },
      ]),
    );
  });

  public memory = this.RULE('memory', () => {
    this.CONSUME(LBracket);
    this.OR(
      (this.c.memory ??= [
        {
          ALT: () => {
            this.CONSUME(Register);
            this.OPTION(
              (this.f.disp ??= () => {
                this.OR2((this.c.sign ??= [{ ALT: () => this.CONSUME(Plus) }, { ALT: () => this.CONSUME(Minus) }]));
                this.SUBRULE(this.expression);
              }),
            );
          },
        },
        { ALT: () => this.SUBRULE2(this.expression) },
      ]),
    );
    this.CONSUME(RBracket);
  });

  public expression = this.RULE('expression', () => {
    this.flatExpr();
  });

  /**
   * `unit (BinOp unit)*` where a unit is prefix operators and a primary, all as direct children of the
   * calling rule; the visitor orders them by position and applies C precedence.
   */
  private flatExpr(): void {
    this.AT_LEAST_ONE_SEP(
      (this.sepUnits ??= {
        SEP: BinOp,
        DEF: () => {
          this.MANY(
            (this.f.prefix ??= () =>
              this.OR2(
                (this.c.unaryOp ??= [
                  { ALT: () => this.CONSUME(Minus) },
                  { ALT: () => this.CONSUME(Plus) },
                  { ALT: () => this.CONSUME(Tilde) },
                  { ALT: () => this.CONSUME(Bang) },
                ]),
              )),
          );
          this.OR3(
            (this.c.primary ??= [
              { ALT: () => this.CONSUME(HexNumber) },
              { ALT: () => this.CONSUME(BinNumber) },
              { ALT: () => this.CONSUME(DecNumber) },
              { ALT: () => this.CONSUME(CharLit) },
              { ALT: () => this.CONSUME(LocalRef) },
              { ALT: () => this.CONSUME(Identifier) },
              { ALT: () => this.CONSUME(DotIdentifier) },
              // A directive name as a value: only meaningful as the operand of `.section`.
              { ALT: () => this.CONSUME2(Directive) },
              { ALT: () => this.CONSUME(Dot) },
              {
                ALT: () => {
                  this.CONSUME(LParen);
                  this.SUBRULE3(this.expression);
                  this.CONSUME(RParen);
                },
              },
            ]),
          );
        },
      }),
    );
  }
}

let instance: Vx32Parser | undefined;

/**
 * The one parser instance; chevrotain parsers are built once and fed new input. Built on first use:
 * the grammar's self-analysis is the costliest part of loading the assembler.
 */
export function parser(): Vx32Parser {
  return (instance ??= new Vx32Parser());
}

export interface ParseOutput {
  readonly cst: CstNode;
  readonly errors: readonly IRecognitionException[];
}

export function parseTokens(tokens: IToken[]): ParseOutput {
  const p = parser();
  p.input = tokens;
  const cst = p.program();
  return { cst, errors: p.errors };
}
