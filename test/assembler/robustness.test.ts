// The assembler on hostile input: random text and token soup never throw, and limits are diagnostics.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assembleSource } from '../../assembler/index.js';
import { MAX_LINE_LENGTH, MAX_TOTAL_LINES } from '../../assembler/limits.js';
import { asm, errs } from './helpers.js';

function check(src: string): void {
  const r = assembleSource(src, 'fuzz.s', { readFile: () => undefined, listing: true });
  // Either an image or at least one error, and never the last-resort internal error.
  expect(r.image !== null || r.diagnostics.length > 0).toBe(true);
  for (const d of r.diagnostics) {
    expect(d.message).not.toMatch(/internal assembler error/);
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.col).toBeGreaterThanOrEqual(1);
  }
}

const TOKENS = [
  'add', 'ld', 'st', 'jmp', 'call', 'li', 'mov', 'in', 'out', 'int', 'push', 'nop', 'ret', 'je', 'foo',
  'r0', 'r1', 'r15', 'sp', 'r16', 'cr3', 'cr9', 'x', '.Lx', 'lbl', '1b', '1f', '1', '0x10', '0b1', "'a'", "'\\n'",
  '"s"', '"\\q"', ',', ':', '[', ']', '(', ')', '+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^', '~', '!', '==',
  '.', '.byte', '.word', '.half', '.ascii', '.asciz', '.space', '.align', '.org', '.text', '.data', '.bss',
  '.equ', '.set', '.global', '.entry', '.include', '.macro', '.endm', '.if', '.ifdef', '.else', '.endif', '.pv',
  '.error', '.section', '\\a', '\\@', ';', '\n', '\n', '\n', '\t', '\0', '\u00e9', '0xffffffff', '65536',
];

describe('random input never crashes the assembler', () => {
  it('survives arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), check), { numRuns: 300 });
  });

  it('survives arbitrary Unicode, including surrogates and control characters', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), check), { numRuns: 200 });
  });

  it('survives token soup built from real mnemonics, registers, directives and punctuation', () => {
    const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).chain((toks) =>
      fc.array(fc.constantFrom(' ', '', ' ', '\n'), { minLength: toks.length, maxLength: toks.length }).map((seps) =>
        toks.map((t, i) => t + seps[i]).join(''),
      ),
    );
    fc.assert(fc.property(soup, check), { numRuns: 500 });
  });

  it('survives mutated valid programs', () => {
    const base = '.macro m a\n add \\a, 1\n.endm\n_start: li r1, 5\n1: m r1\n jnz 1b\n.data\nd: .word d, 1\n.ascii "x"\n';
    fc.assert(
      fc.property(fc.nat(base.length), fc.nat(base.length), fc.string({ maxLength: 8 }), (i, j, ins) => {
        const [a, b] = i < j ? [i, j] : [j, i];
        check(base.slice(0, a) + ins + base.slice(b));
      }),
      { numRuns: 300 },
    );
  });
});

describe('limits are diagnostics', () => {
  it('rejects binary input', () => {
    expect(errs(asm('nop\nab\0cd'))).toEqual(['2:3: file is not text (it contains a NUL byte)']);
  });

  it('rejects over-long lines but keeps going', () => {
    const r = asm(`nop ; ${'x'.repeat(MAX_LINE_LENGTH)}\nfrob`);
    expect(errs(r)).toEqual([`1:${MAX_LINE_LENGTH + 1}: line too long (${MAX_LINE_LENGTH + 6} characters; the limit is ${MAX_LINE_LENGTH})`, '2:1: unknown instruction `frob`']);
  });

  it('rejects deeply nested parentheses instead of overflowing the stack', () => {
    expect(errs(asm(`li r1, ${'('.repeat(2000)}1${')'.repeat(2000)}\nfrob`))).toEqual([
      '1:108: expression nested too deeply (more than 100 parentheses)',
      '2:1: unknown instruction `frob`',
    ]);
    expect(errs(asm(`li r1, ${'('.repeat(100)}1${')'.repeat(100)}`))).toEqual([]);
  });

  it('stops a macro bomb at the total line limit', () => {
    const lines = ['.macro m0\n nop\n nop\n.endm'];
    for (let i = 1; i <= 8; i++) lines.push(`.macro m${i}\n${` m${i - 1}\n`.repeat(10)}.endm`);
    const r = asm(`${lines.join('\n')}\nm8\n`);
    expect(r.image).toBeNull();
    expect(r.diagnostics.map((d) => d.message)).toEqual([`too many lines to assemble (more than ${MAX_TOTAL_LINES}, counting macro expansions)`]);
  });

  it('refuses images over the size limit, however they are reached', () => {
    expect(errs(asm('.data\n.space 0x3000000\n.space 0x3000000'))).toEqual(['3:1: section `.data` would exceed the image size limit (64 MiB)']);
    expect(errs(asm('nop\n.org 0xfffffff0'))).toEqual(['2:1: section `.text` would exceed the image size limit (64 MiB)']);
    expect(errs(asm('.bss\n.space 0x3000000\n.data\n.space 0x3000000'))).toEqual(['1:1: the image would be 100663296 bytes, over the 64 MiB limit']);
  });

  it('reports a missing file as a diagnostic', async () => {
    const { assembleFile } = await import('../../assembler/index.js');
    const r = assembleFile('/nonexistent/dir/x.s');
    expect(errs(r)).toEqual(['1:1: cannot read `/nonexistent/dir/x.s` (no such file)']);
  });
});
