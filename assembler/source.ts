// Turning a text (a file or a macro expansion) into Statements: line checks, macro extraction, lexing, parsing.
import type { IRecognitionException, IToken } from 'chevrotain';
import type { Statement } from './ast.js';
import { MAX_LINE_LENGTH, MAX_NESTING } from './limits.js';
import { extractMacros, type LineError, type MacroDef } from './macros.js';
import { vx32Lexer } from './lexer.js';
import { parseTokens } from './parser.js';
import { astBuilder } from './visitor.js';

export interface ParsedText {
  /** Source lines without line terminators (as shown in diagnostics and listings). */
  readonly lines: readonly string[];
  /** Statements in line order; lines with syntax errors keep only the labels before the error. */
  readonly statements: readonly Statement[];
  readonly macros: readonly MacroDef[];
  /** Syntax and literal errors, at most one per line, in line order. */
  readonly errors: readonly LineError[];
}

/** Lines per lexer/parser run. */
const CHUNK_LINES = 256;

export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
  }
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Position of the first NUL character, which marks binary input; null for text. */
export function binaryAt(text: string): { line: number; col: number } | null {
  const i = text.indexOf('\0');
  if (i < 0) return null;
  const before = text.slice(0, i);
  const nl = before.lastIndexOf('\n');
  return { line: before.split('\n').length, col: i - nl };
}

export function parseText(rawLines: readonly string[]): ParsedText {
  const display = [...rawLines];
  const work = [...rawLines];
  const errors: LineError[] = [];
  for (let i = 0; i < work.length; i++) {
    if (work[i]!.length > MAX_LINE_LENGTH) {
      errors.push({
        line: i + 1,
        col: MAX_LINE_LENGTH + 1,
        len: 1,
        message: `line too long (${work[i]!.length} characters; the limit is ${MAX_LINE_LENGTH})`,
      });
      work[i] = '';
    } else if (work[i]!.includes('(')) {
      const at = tooDeep(work[i]!);
      if (at > 0) {
        errors.push({ line: i + 1, col: at, len: 1, message: `expression nested too deeply (more than ${MAX_NESTING} parentheses)` });
        work[i] = '';
      }
    }
  }
  const { macros, errors: macroErrors } = extractMacros(work);
  errors.push(...macroErrors);

  // Lex, parse and visit in chunks of lines: tokens and CST nodes then die young, which keeps garbage
  // collection cheap on big files; statements never span lines, so any line boundary is a valid cut.
  const stmts: Statement[] = [];
  for (let from = 0; from < work.length; from += CHUNK_LINES) {
    const chunk = work.slice(from, from + CHUNK_LINES);
    const lex = vx32Lexer().tokenize(chunk.join('\n') + '\n');
    for (const e of lex.errors) {
      const ch = chunk[(e.line ?? 1) - 1]?.[(e.column ?? 1) - 1] ?? '?';
      errors.push({ line: from + (e.line ?? 1), col: e.column ?? 1, len: 1, message: `unexpected character \`${ch}\`` });
    }
    const parsed = parseTokens(lex.tokens);
    for (const e of parsed.errors) {
      const se = syntaxError(e, chunk);
      errors.push({ ...se, line: se.line + from });
    }
    const builder = astBuilder();
    builder.errors = [];
    builder.lineOffset = from;
    for (const st of builder.visit(parsed.cst) as Statement[]) stmts.push(st);
    for (const e of builder.errors) errors.push(e);
  }

  // One error per line: the first; later ones on the same line are usually its echo.
  errors.sort((a, b) => a.line - b.line || a.col - b.col);
  const firstPerLine: LineError[] = [];
  const errCol = new Map<number, number>();
  for (const e of errors) {
    if (errCol.has(e.line)) continue;
    errCol.set(e.line, e.col);
    firstPerLine.push(e);
  }
  const statements: Statement[] = [];
  for (const s of stmts) {
    const col = errCol.get(s.line);
    if (col === undefined) statements.push(s);
    else {
      const labels = s.labels.filter((l) => l.col + l.len < col);
      if (labels.length > 0) statements.push({ line: s.line, labels, head: null, operands: [] });
    }
  }
  return { lines: display, statements, macros, errors: firstPerLine };
}

/** Column of the parenthesis that exceeds MAX_NESTING (outside literals and comments), or 0. */
function tooDeep(line: string): number {
  let depth = 0;
  let q = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (q) {
      if (c === 92) i++;
      else if (c === q) q = 0;
    } else if (c === 34 || c === 39) q = c;
    else if (c === 59) return 0;
    else if (c === 40 && ++depth > MAX_NESTING) return i + 1;
    else if (c === 41) depth--;
  }
  return 0;
}

function describe(t: IToken): string {
  if (t.tokenType.name === 'EOF' || t.image === '\n' || t.image === '') return 'end of line';
  return `\`${t.image}\``;
}

const RULE_WANTS: Record<string, string> = {
  operand: 'an operand',
  memory: 'a register or an address',
  expression: 'an expression',
  unary: 'an expression',
  primary: 'an expression',
  label: 'a label',
  body: 'an instruction or directive',
};

function syntaxError(e: IRecognitionException, lines: readonly string[]): LineError {
  const t = e.token;
  // EOF (or a recovered token) has no position: point at the end of the previous token's line.
  let line = t.startLine;
  let col = t.startColumn;
  if (line === undefined || Number.isNaN(line) || col === undefined || Number.isNaN(col)) {
    const prev = (e as IRecognitionException & { previousToken?: IToken }).previousToken;
    line = prev?.startLine ?? lines.length;
    col = (prev?.startColumn ?? 0) + (prev?.image.length ?? 0);
  }
  line = line ?? 1;
  col = col ?? 1;
  const len = t.image === '\n' || t.image === '' ? 1 : t.image.length;
  const rule = e.context.ruleStack[e.context.ruleStack.length - 1] ?? '';
  let message: string;
  const expected = /Expecting token of type --> (\w+) <--/.exec(e.message)?.[1];
  if (e.name === 'MismatchedTokenException' && expected === 'Newline') {
    message = `unexpected ${describe(t)}; expected end of line`;
  } else if (e.name === 'MismatchedTokenException' && expected) {
    const want: Record<string, string> = { RParen: '`)`', RBracket: '`]`', Colon: '`:`', Comma: '`,`' };
    message = `expected ${want[expected] ?? expected} but found ${describe(t)}`;
  } else {
    message = `expected ${RULE_WANTS[rule] ?? 'a statement'} but found ${describe(t)}`;
  }
  return { line: line || 1, col: col || 1, len, message };
}
