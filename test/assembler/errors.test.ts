// The assembler's diagnostics: exact messages and positions for bad inputs, several errors per run.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../assembler/index.js';
import { asm, errs } from './helpers.js';

/** [source, expected `line:col: message` of the one diagnostic]. */
const CASES: readonly (readonly [string, string])[] = [
  ['foo r1', '1:1: unknown instruction `foo`'],
  ['nop\n  wld r1, 3', '2:3: window instruction `wld` is only emitted by the binary translator'],
  ['WCALL 1', '1:1: window instruction `WCALL` is only emitted by the binary translator'],
  ['  .foo 1', '1:3: unknown directive `.foo`'],
  ['add r1', '1:1: `add` expects `add rA, rB` or `add rA, imm`'],
  ['ld r1, r2', '1:1: `ld` expects `ld rA, [mem]`'],
  ['st r1, [r2]', '1:1: `st` expects `st [mem], rA`'],
  ['push 5', '1:1: `push` expects `push rA`'],
  ['add r1, r16', '1:9: bad register `r16` (registers are r0-r15 and sp)'],
  ['mov cr5, r1', '1:5: bad control register `cr5` (VX32 has cr0, cr2, cr3, cr4, cr8)'],
  ['nop\njmp nowhere', '2:5: undefined symbol `nowhere`'],
  ['x: nop\nx: nop', '2:1: `x` is already defined (at main.s:1)'],
  ['.data\n.byte 1, 300', '2:10: value 300 does not fit in a byte (-128..255)'],
  ['.data\n.half 70000', '2:7: value 70000 does not fit in a half (-32768..65535)'],
  ['li r1, 4 / (2 - 2)', '1:12: division by zero'],
  ['.org 0x2000\nnop\n.org 0x1000', '3:6: `.org` cannot move backwards (from 0x2004 to 0x1000)'],
  ['.if 1\nnop', '1:1: unterminated conditional (missing `.endif`)'],
  ['nop\n.else', '2:1: `.else` without `.if`'],
  ['.endif', '1:1: `.endif` without `.if`'],
  ['.if 1\n.else\n.else\n.endif', '3:1: second `.else` for the same `.if`'],
  ['nop\n.macro m a\n add \\a, 1', '2:1: unterminated `.macro` (missing `.endm`)'],
  ['.endm', '1:1: `.endm` without `.macro`'],
  ['.error "custom failure"', '1:1: custom failure'],
  ['.include "missing.inc"', '1:10: cannot find include file `missing.inc` (searched ., ' + 'SDK)'],
  ['add r1,, r2', '1:8: expected an operand but found `,`'],
  ['li r1, (1 + 2', '1:14: expected `)` but found end of line'],
  ['st [r2 + 4], r3 extra', '1:17: unexpected `extra`; expected end of line'],
  ['.byte 1\nnop', '2:1: instruction at 0x1001 is not 4-byte aligned (add `.align 4` before it)'],
  ['.space 0x7fffffff', '1:8: `.space` size 0x7fffffff exceeds the image size limit (64 MiB)'],
  ['int 300', '1:5: vector 300 is out of range (0..255)'],
  ['in r1, 0x10000', '1:8: port 65536 is out of range (0..0xffff)'],
  ['li r1, 0x100000000', '1:8: number does not fit in 32 bits'],
  ['.data\n.ascii "a\\q"', '2:10: unknown escape `\\q` (use \\n \\t \\r \\0 \\\\ \\\' \\" or \\xHH)'],
  ["li r1, 'ab'", '1:8: a character literal holds exactly one character'],
  ['.macro m a\n.endm\nm 1, 2', '3:1: macro `m` takes 1 argument (a), got 2'],
  ['.equ X, 1\n.equ X, 2', '2:6: `X` is already defined (at main.s:1) (use .set for a symbol that changes)'],
  ['.global nothere', '1:9: `.global` names `nothere`, which is never defined'],
  ['.align 3', '1:8: alignment must be a power of two from 1 to 1048576 (got 3)'],
  ['.if undefinedsym\n.endif', '1:5: `.if` needs a value known at this point (`undefinedsym` is not defined)'],
  ['jmp 1f', '1:5: no following local label `1:` for `1f`'],
  ['add r1, @', '1:9: unexpected character `@`'],
  ['.data\nx: .word 1\n.text\njmp x + 1', '4:5: branch target 0x2001 is not 4-byte aligned'],
  ['.bss\nnop', '2:1: instructions cannot go in .bss (it holds no bytes)'],
  ['.equ FAR, 0x4000000\njmp FAR', '2:5: branch target 0x4000000 is out of range (more than ±32 MiB from 0x1000)'],
  ['mov r1, cr3, r2', '1:1: `mov` expects `mov rA, rB`, `mov rA, crN`, `mov crN, rA` or `mov rA, imm`'],
  ['.bss\n.word 1', '2:1: `.word` cannot go in .bss (use .space)'],
  ['.space -1', '1:8: `.space` size is negative (-1)'],
  ['.space later\nlater:', '1:8: the size of `.space` must be known at this point (no forward references or .data/.bss addresses)'],
  ['.entry', '1:1: `.entry` expects `.entry symbol`'],
  ['.section .foo', '1:10: unknown section `.foo` (VX32 images have .text, .data and .bss)'],
  ['ld r1, [r2 + r3]', '1:14: expected an expression but found `r3`'],
  ['.macro m\n add \\zz, 1\n.endm\nm', '2:6: unknown macro parameter `\\zz`'],
  ['.data\n.word "s"', '2:7: `.word` takes numbers (use .ascii for strings)'],
  ['.macro m\n m\n.endm\nm', '2:2: macro expansion too deep (more than 64 nested expansions; is `m` recursive?)'],
  ['.data\n.org 0x3000', '2:1: `.org` is only supported in .text (.data and .bss are placed after it)'],
  ['nop\n.text 5', '2:7: `.text` takes no operands'],
  ['.macro 9x\n.endm', '1:8: bad macro name `9x`'],
  ['.macro m\n.endm\n.macro m\n.endm', '3:8: macro `m` is already defined (at main.s:1)'],
  ['x: .Lfoo: nop\njmp .Lbar', '2:5: undefined symbol `.Lbar`'],
  ['.entry 1 / 0', '1:12: division by zero'],
  ['.equ A, B\n.equ B, A\nli r1, A', '2:6: circular definition of `B`'],
];

describe('error suite', () => {
  it('has at least 25 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(CASES)('%j', (src, expected) => {
    const r = asm(src);
    expect(r.image).toBeNull();
    const got = errs(r).map((e) => e.replace(/\(searched \., .*sdk\/include\)/, '(searched ., SDK)'));
    expect(got).toEqual([expected]);
  });
});

describe('several errors per run', () => {
  it('reports three errors on three lines as exactly three diagnostics', () => {
    const r = asm('nop\nadd r1,, r2\nli r1, nowhere\n  frob r3\nret\n');
    expect(errs(r)).toEqual(['2:8: expected an operand but found `,`', '3:8: undefined symbol `nowhere`', '4:3: unknown instruction `frob`']);
  });

  it('reports syntax and semantic errors together, in source order', () => {
    const r = asm('.byte 999\n.data\nli r1, (\n.word x\nbad:\nbad:');
    expect(errs(r)).toEqual([
      '1:7: value 999 does not fit in a byte (-128..255)',
      '3:9: expected an expression but found end of line',
      '4:7: undefined symbol `x`',
      '6:1: `bad` is already defined (at main.s:5)',
    ]);
  });

  it('stops after 100 errors with a final note', () => {
    const r = asm('bogus\n'.repeat(150));
    expect(r.diagnostics).toHaveLength(101);
    expect(r.diagnostics[100]!.message).toBe('too many errors (100); stopping');
  });
});

describe('formatDiagnostic', () => {
  it('prints path:line:col, the source line and a caret with tildes, then the chain', () => {
    const r = asm('.macro m\n  add r1, nowhere\n.endm\nm');
    expect(formatDiagnostic(r.diagnostics[0]!)).toBe(
      ['main.s:2:11: error: undefined symbol `nowhere`', '  add r1, nowhere', '          ^~~~~~~', '  in macro `m` expanded at main.s:4'].join('\n'),
    );
  });

  it('keeps tabs in the caret line so the caret lines up', () => {
    const r = asm('\tfrob r1');
    expect(formatDiagnostic(r.diagnostics[0]!)).toBe('main.s:1:2: error: unknown instruction `frob`\n\tfrob r1\n\t^~~~');
  });

  it('colours only when asked', () => {
    const d = asm('frob').diagnostics[0]!;
    expect(formatDiagnostic(d, { color: true })).toContain('\u001b[');
    expect(formatDiagnostic(d)).not.toContain('\u001b[');
  });
});
