// What each assembler directive does, with an example that assembles: one entry per name in the lexer's DIRECTIVE_NAMES.

import type { DIRECTIVE_NAMES } from './lexer.js';

export interface DirectiveDoc {
  /** The forms it takes. */
  readonly syntax: string;
  readonly what: string;
  /** A complete source that assembles on its own (a test assembles every one). */
  readonly example: string;
}

type Name = (typeof DIRECTIVE_NAMES)[number];

const IF_EXAMPLE = `.equ NCPU, 2
.ifdef DEBUG
    li r1, 1
.else
    li r1, 0
.endif
.if NCPU > 1 && NCPU <= 8
    li r2, NCPU
.endif
    hlt`;

const MACRO_EXAMPLE = `.macro push2 a, b
    push \\a
    push \\b
.endm
.macro spin
1:  jmp 1b          ; a numeric label: each expansion has its own
.endm
    push2 r1, r2
    hlt`;

/** The directives, grouped as the reference presents them. */
export const DIRECTIVE_GROUPS: readonly { readonly title: string; readonly names: readonly Name[] }[] = [
  { title: 'Data', names: ['byte', 'half', 'word', 'ascii', 'asciz', 'space', 'align'] },
  { title: 'Sections and layout', names: ['text', 'data', 'bss', 'section', 'org'] },
  { title: 'Symbols and the image', names: ['equ', 'set', 'global', 'globl', 'entry', 'pv'] },
  { title: 'Conditionals', names: ['if', 'ifdef', 'ifndef', 'else', 'endif'] },
  { title: 'Macros', names: ['macro', 'endm'] },
  { title: 'Files and diagnostics', names: ['include', 'error'] },
];

export const DIRECTIVE_DOCS = {
  byte: { syntax: '.byte expr[, expr...]', what: 'One byte per value (the low 8 bits). Not in .bss.', example: `.data\nbytes: .byte 1, 2, 'A', 0xff` },
  half: { syntax: '.half expr[, expr...]', what: 'One 16-bit little-endian value each.', example: `.data\nhalves: .half 0x1234, -1` },
  word: { syntax: '.word expr[, expr...]', what: 'One 32-bit little-endian value each; a value may be a label (an address).', example: `.data\ntable: .word table, end - table\nend:` },
  ascii: { syntax: '.ascii "text"[, "text"...]', what: 'The bytes of the strings (C escapes; other characters as UTF-8), no terminator.', example: `.data\nmsg: .ascii "hi\\n"` },
  asciz: { syntax: '.asciz "text"[, "text"...]', what: 'Like .ascii, with a NUL after each string.', example: `.data\nname: .asciz "vx32"` },
  space: { syntax: '.space size[, fill]', what: 'size bytes of fill (default 0); the way to reserve room in .bss.', example: `.bss\nstack: .space 4096\nstack_top:` },
  align: { syntax: '.align n[, fill]', what: 'Pads to a multiple of n bytes (a power of two up to 1 MiB) with fill (default 0; nop words in .text).', example: `.data\n    .byte 1\n    .align 4\naligned: .word 7` },
  text: { syntax: '.text', what: 'Continue in the code section (where assembly starts; origin 0x1000 unless .org sets it).', example: `.data\nx: .word 1\n.text\n    hlt` },
  data: { syntax: '.data', what: 'Continue in the data section, placed at the first page boundary after .text.', example: `.data\ncounter: .word 0` },
  bss: { syntax: '.bss', what: 'Continue in the zero-filled section after .data: only labels, .space and .align.', example: `.bss\nbuffer: .space 256` },
  section: { syntax: '.section name', what: 'The same as .text, .data or .bss by name; VX32 images have no other sections.', example: `.section .data\nv: .word 3` },
  org: { syntax: '.org address', what: '.text only. Before any code it sets the origin (4-byte aligned); later it pads forward with nop words and cannot go back.', example: `.org 0x2000\nstart: hlt` },
  equ: { syntax: '.equ NAME, expr', what: 'Defines a constant; defining it again is an error. Known in pass 1 when its value is, so it can pick short instruction forms.', example: `.equ UART, 0x3f8\n    li r1, UART` },
  set: { syntax: '.set NAME, expr', what: 'Like .equ, but may be redefined later; each use sees the latest definition above it.', example: `.set N, 1\n.set N, N + 1\n    li r1, N` },
  global: { syntax: '.global name[, name...]', what: 'Marks symbols global in the image\'s symbol table.', example: `.global start\nstart: hlt` },
  globl: { syntax: '.globl name[, name...]', what: 'The same as .global (the GNU spelling).', example: `.globl start\nstart: hlt` },
  entry: { syntax: '.entry symbol', what: 'The image\'s entry point; once per program. Without it: the symbol `_start`, else `start`, else the start of .text.', example: `.entry main\n    nop\nmain: hlt` },
  pv: { syntax: '.pv', what: 'Marks the image as a paravirtual kernel built with the SDK: `--technique pv` runs only such images.', example: `.pv\n    hlt` },
  if: { syntax: '.if expr', what: 'Assembles what follows up to .else or .endif when expr is non-zero. Decided where it stands: expr may use only what is known there (no forward labels).', example: IF_EXAMPLE },
  ifdef: { syntax: '.ifdef NAME', what: 'Like .if, when NAME is defined (a label, .equ/.set or -D symbol above).', example: IF_EXAMPLE },
  ifndef: { syntax: '.ifndef NAME', what: 'Like .if, when NAME is not defined: the include-guard idiom.', example: `.ifndef ONCE\n.equ ONCE, 1\n.endif\n    hlt` },
  else: { syntax: '.else', what: 'The other branch of the innermost .if/.ifdef/.ifndef.', example: IF_EXAMPLE },
  endif: { syntax: '.endif', what: 'Ends the innermost conditional; conditionals nest.', example: IF_EXAMPLE },
  macro: {
    syntax: '.macro name [param[, param...]]',
    what: 'Defines a macro up to .endm. In the body `\\param` is replaced by the argument text (also inside strings) and `\\@` by the number of the expansion (from 1), for unique labels; an invocation passes exactly as many comma-separated arguments as there are parameters. Expansions nest up to 64 deep.',
    example: MACRO_EXAMPLE,
  },
  endm: { syntax: '.endm', what: 'Ends a macro definition (first on its line).', example: MACRO_EXAMPLE },
  include: {
    syntax: '.include "file"',
    what: 'Assembles another file in place. A relative name is looked for in the including file\'s folder, then in each -I folder in order, then in the SDK\'s sdk/include; includes nest up to 32 deep.',
    example: `.include "vx32.inc"\n    li r1, PORT_POWEROFF`,
  },
  error: { syntax: '.error ["message"]', what: 'Stops with an error at this line: a check a configuration must pass, usually inside a conditional.', example: `.equ NCPU, 2\n.if NCPU > 8\n.error "at most 8 CPUs"\n.endif\n    hlt` },
} as const satisfies Record<Name, DirectiveDoc>;
