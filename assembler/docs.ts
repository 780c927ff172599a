// Generates docs/assembler.md, the assembler language reference, from the assembler's own tables; registered in scripts/generated.ts.
//
// Generated from: the lexer's directive names and literal forms, the visitor's operator precedence,
// the escape table, the directive reference (directive-docs.ts, one entry per directive, each
// example assembled by a test) and limits.ts. The prose around them is written here.

import { DIRECTIVE_DOCS, DIRECTIVE_GROUPS } from './directive-docs.js';
import { DIRECTIVE_NAMES } from './lexer.js';
import * as LIMITS from './limits.js';
import { ESCAPES } from './strings.js';
import { PREC } from './visitor.js';

/** What each limit is, in the words of the reference (a test checks every constant of limits.ts is here). */
export const LIMIT_DOCS: Readonly<Record<keyof typeof LIMITS, string>> = {
  MAX_IMAGE_BYTES: 'bytes in the image, all sections and .bss included',
  MAX_LINE_LENGTH: 'characters on one source line',
  MAX_INCLUDE_DEPTH: 'nested .include levels',
  MAX_MACRO_DEPTH: 'nested macro expansions',
  MAX_TOTAL_LINES: 'source lines read or produced by macro expansion in one run',
  MAX_ERRORS: 'errors reported before the assembler stops',
  MAX_ALIGN: 'the largest .align',
  MAX_NESTING: 'nested parentheses in one expression',
};

const ESCAPE_NAMES: Readonly<Record<string, string>> = {
  n: 'newline', t: 'tab', r: 'carriage return', '0': 'NUL', '\\': 'backslash', "'": 'single quote', '"': 'double quote',
  a: 'bell', b: 'backspace', f: 'form feed', v: 'vertical tab', e: 'escape',
};

const cell = (s: string) => s.replace(/\|/g, '\\|');
const code = (s: string) => `\`${s.replace(/`/g, '\\`')}\``;

function fmt(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  return n.toLocaleString('en-US');
}

export function generateAssemblerDoc(): string {
  const out: string[] = [];
  const add = (...lines: string[]) => out.push(...lines);
  add(
    '# The VX32 assembler language',
    '',
    '<!-- GENERATED from the assembler\'s tables by `npm run gen` (assembler/docs.ts) - do not edit; a test checks it is current. -->',
    '',
    'What `vmlab asm` (and every command that takes a `.s` file) accepts. The instructions themselves,',
    'their operands and encodings are in [isa.md](isa.md); this page is everything else. Every example',
    'below assembles as it stands (a test assembles each one).',
    '',
    '## Lines',
    '',
    'A line holds at most one statement: an optional label, then an instruction, a directive or a macro',
    'invocation. `;` starts a comment to the end of the line (not inside a string or character literal).',
    'Mnemonics, register names and directives are case-insensitive; symbols are case-sensitive.',
    '',
    '```',
    "start:  li   r1, 'A'      ; a label, an instruction, a comment",
    '        .word 1, 2         ; a directive',
    '```',
    '',
    '## Literals',
    '',
    '| form | example | value |',
    '|---|---|---|',
    '| decimal | `42` | 42 |',
    '| hexadecimal (`_` separates digits) | `0xdead_beef` | 0xdeadbeef |',
    '| binary | `0b1010_0001` | 161 |',
    "| character | `'A'`, `'\\n'`, `'\\x41'` | its code point (one character or one escape) |",
    '| string (`.ascii`, `.asciz`, `.include`, `.error`) | `"hi\\n"` | its bytes; other characters as UTF-8 |',
    '',
    `A literal above 0xffffffff is an error. Escapes, in character and string literals: ${Object.keys(ESCAPES)
      .map((k) => `${code(`\\${k}`)} ${ESCAPE_NAMES[k] ?? ''}`.trim())
      .join(', ')}, and ${code('\\xHH')} (a byte in hex).`,
    '',
    '## Symbols and labels',
    '',
    '- A symbol is a letter, `_` or `$`, then letters, digits, `_`, `$` or `.`. `name:` defines a label',
    '  at the current address; `.equ`/`.set` define constants; `-D NAME[=VALUE]` on the command line',
    '  defines one before the first line (VALUE: decimal, `0x…` or `0b…`, default 1).',
    '- `.` in an expression is the address of the current statement.',
    '- **Local labels** start with `.L` and belong to the last global label before them: two functions',
    '  can both have `.Lloop`. From elsewhere, `func.Lloop` names one. The symbol table lists them as',
    '  `func.Lloop`.',
    '- **Numeric labels** `1:` to any number may be defined many times; `1b` refers to the nearest `1:`',
    '  before, `1f` to the nearest after. They are left out of the symbol table.',
    '',
    '```',
    'copy:   li   r3, 0',
    '.Lnext: add  r3, 1',
    '        cmp  r3, 4',
    '        jnz  .Lnext',
    '1:      jmp  1f',
    '1:      jmp  1b',
    '```',
    '',
    '## Expressions',
    '',
    'Values are 32-bit two\'s complement: `+ - *` wrap, `/` and `%` are signed, `>>` is a logical shift and',
    'shift counts are taken mod 32; comparisons (signed) and `&& || !` give 1 or 0; dividing by zero is an',
    'error. Unary operators (`-`, `+`, `~`',
    'bitwise not, `!` logical not) bind tighter than any binary one. Binary operators, tightest first',
    '(C\'s precedence; each level is left-associative):',
    '',
    '| precedence | operators |',
    '|---|---|',
  );
  const levels = [...new Set(Object.values(PREC))].sort((a, b) => b - a);
  for (const l of levels)
    add(`| ${l} | ${Object.entries(PREC).filter(([, p]) => p === l).map(([op]) => code(op)).map(cell).join(' ')} |`);
  add(
    '',
    `Parentheses group, up to ${LIMITS.MAX_NESTING} deep. An expression that must be known early (\`.if\`, \`.space\`, \`.align\`,`,
    '`.org`) may use only constants and labels defined above it in `.text`: `.data` and `.bss` addresses are',
    'known only once `.text` is laid out. Instructions with a 16-bit immediate form use it when the value',
    'is known in the first pass and fits; otherwise they take the long form.',
    '',
    '```',
    '.equ FLAGS, (1 << 9) | 0x3',
    '.equ MASK, ~FLAGS & 0xffff',
    "        li r1, FLAGS + 'a' - 'A'",
    '```',
    '',
    '## Sections',
    '',
    'An image has three sections, laid out in this order: `.text` (code; where assembly starts, at 0x1000',
    'unless `.org` says otherwise), `.data` (at the first page boundary after `.text`) and `.bss` (zero-',
    'filled, at the first page after `.data`; only labels, `.space` and `.align` may go there). `.section',
    'NAME` switches by name. Switching back to a section continues where it stopped.',
    '',
    '## Directives',
    '',
  );
  const grouped = DIRECTIVE_GROUPS.flatMap((g) => g.names);
  if (grouped.length !== DIRECTIVE_NAMES.length || DIRECTIVE_NAMES.some((n) => !grouped.includes(n)))
    throw new Error('every directive belongs to exactly one group in directive-docs.ts');
  for (const g of DIRECTIVE_GROUPS) {
    add(`### ${g.title}`, '');
    const shown = new Set<string>();
    for (const n of g.names) {
      const d = DIRECTIVE_DOCS[n];
      add(`**${code(d.syntax)}**: ${d.what}`, '');
      if (shown.has(d.example)) continue;
      shown.add(d.example);
      add('```', d.example, '```', '');
    }
  }
  add(
    '## Includes and the search path',
    '',
    '`.include "file"` looks for a relative name in the including file\'s own folder, then in each `-I`',
    'folder in the order given, then in the SDK\'s `sdk/include` (where `vx32.inc`, `hypercall.inc` and the',
    'ring macros live); an absolute name is used as it is. An include guard (`.ifndef NAME` / `.equ NAME, 1`',
    '/ `.endif`) makes a file safe to include twice.',
    '',
    '```',
    'vmlab asm kernel.s -I include -I ../common -D NCPU=2 -D DEBUG',
    '```',
    '',
    '## Limits',
    '',
    'Past a limit the assembler reports an error with the line; it never crashes, hangs or runs out of memory.',
    '',
    '| limit | at most |',
    '|---|---|',
  );
  for (const [k, what] of Object.entries(LIMIT_DOCS)) add(`| ${what} | ${fmt(LIMITS[k as keyof typeof LIMITS])} |`);
  add(
    '',
    '## Diagnostics',
    '',
    'Errors are reported as `file:line:col: error: message`, with the source line and a caret, all of them',
    'in source order (up to the limit above), never only the first. Inside a macro expansion the',
    'error points at the body line and names the chain of expansion sites; inside an include, the chain of',
    'includes.',
    '',
  );
  return `${out.join('\n')}\n`;
}
