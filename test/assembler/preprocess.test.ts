// Macros, includes, conditionals and -D defines; the listing and map.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { assembleSource, SDK_INCLUDE_DIR } from '../../assembler/index.js';
import { asm, enc, errs, image, sym, words } from './helpers.js';

describe('macros', () => {
  it('substitutes named parameters', () => {
    expect(words('.macro addi reg, val\n  add \\reg, \\val\n.endm\naddi r1, 5\naddi r2, (1 + 2) * 3')).toEqual([
      ...enc('add.ri', { a: 1, imm: 5 }),
      ...enc('add.ri', { a: 2, imm: 9 }),
    ]);
  });

  it('accepts a comma after the macro name and arguments with brackets and commas inside', () => {
    expect(words('.macro load, dst, mem\n  ld \\dst, \\mem\n.endm\nload r1, [r2 + 4]')).toEqual([...enc('ld.rm', { a: 1, b: 2, imm: 4 })]);
  });

  it('gives each expansion a unique \\@ for labels', () => {
    const src = '.macro spin\nwait\\@: jmp wait\\@\n.endm\nspin\nspin';
    expect(words(src)).toEqual([...enc('jmp', { imm: -4 }), ...enc('jmp', { imm: -4 })]);
  });

  it('expands macros that use other macros, and labels and conditionals inside them', () => {
    const src = [
      '.macro inc r',
      '  add \\r, 1',
      '.endm',
      '.macro inc2 r, twice',
      '  inc \\r',
      '  .if \\twice',
      '  inc \\r',
      '  .endif',
      '.endm',
      'inc2 r3, 1',
      'inc2 r4, 0',
    ].join('\n');
    expect(words(src)).toEqual([...enc('add.ri', { a: 3, imm: 1 }), ...enc('add.ri', { a: 3, imm: 1 }), ...enc('add.ri', { a: 4, imm: 1 })]);
  });

  it('keeps string escapes in macro bodies', () => {
    const img = image('.macro msg\n.ascii "a\\n"\n.endm\n.data\nmsg');
    expect([...img.segments[1]!.data]).toEqual([0x61, 10]);
  });

  it('reports errors inside an expansion at the body line, with the expansion chain', () => {
    const r = asm('nop\n.macro bad\n  add r1, nowhere\n.endm\nbad\n');
    expect(errs(r)).toEqual(['3:11: undefined symbol `nowhere`']);
    expect(r.diagnostics[0]!.chain).toEqual(['in macro `bad` expanded at main.s:5']);
  });

  it('puts expansion lines in the line table at the macro body line', () => {
    const img = image('.macro two\n nop\n nop\n.endm\ntwo');
    expect(img.lines.map((l) => l.line)).toEqual([2, 3]);
  });
});

describe('includes', () => {
  it('includes a file from the including file’s folder, sharing symbols', () => {
    const files = { 'inc/defs.inc': '.equ K, 42\n', 'inc/a.s': '.include "defs.inc"\nli r1, K\n' };
    const r = assembleSource('.include "inc/a.s"\nli r2, K', 'main.s', { readFile: (p) => files[p as keyof typeof files] });
    expect(errs(r)).toEqual([]);
  });

  it('searches -I paths after the including folder, then the SDK folder', () => {
    const seen: string[] = [];
    const files: Record<string, string> = { 'extra/x.inc': '.equ X, 1\n' };
    const r = assembleSource('.include "x.inc"\n.include "vx32.inc"\nli r1, X + PAGE_SIZE', 'src/main.s', {
      includePaths: ['extra'],
      readFile: (p) => {
        seen.push(p);
        return files[p] ?? (p.startsWith(SDK_INCLUDE_DIR) ? '.equ PAGE_SIZE, 4096\n' : undefined);
      },
    });
    expect(errs(r)).toEqual([]);
    expect(seen).toEqual([join('src', 'x.inc'), join('extra', 'x.inc'), join('src', 'vx32.inc'), join('extra', 'vx32.inc'), join(SDK_INCLUDE_DIR, 'vx32.inc')]);
  });

  it('reads the real SDK include from disk by default', () => {
    const r = assembleSource('.include "vx32.inc"\nli r1, PAGE_SIZE', 'main.s');
    expect(errs(r)).toEqual([]);
  });

  it('names the SDK include relative to the working directory, so listings do not depend on the checkout path', () => {
    const r = assembleSource('.include "vx32.inc"\nli r1, PAGE_SIZE', 'main.s', { listing: true });
    expect(r.listing).toContain(';;; include sdk/include/vx32.inc');
    expect(r.listing).not.toContain(SDK_INCLUDE_DIR);
  });

  it('detects include cycles and reports them with the chain', () => {
    const files = { 'a.inc': '.include "b.inc"\n', 'b.inc': 'nop\n.include "a.inc"\n' };
    const r = asm('.include "a.inc"', { files });
    expect(errs(r)).toEqual(['2:10: include cycle: `a.inc` is already being included']);
    expect(r.diagnostics[0]!.file).toBe('b.inc');
    expect(r.diagnostics[0]!.chain).toEqual(['included from a.inc:1', 'included from main.s:1']);
  });

  it('reports errors in included files at their own file and line', () => {
    const r = asm('nop\n.include "x.inc"', { files: { 'x.inc': '\n\n  bogus r1\n' } });
    expect(r.diagnostics.map((d) => [d.file, d.line, d.col, d.message, d.chain])).toEqual([
      ['x.inc', 3, 3, 'unknown instruction `bogus`', ['included from main.s:2']],
    ]);
  });

  it('treats two spellings of one file as the same file in a cycle', () => {
    const r = asm('.include "self.inc"', { files: { 'self.inc': '.include "./self.inc"\n' } });
    expect(errs(r)).toEqual(['1:10: include cycle: `self.inc` is already being included']);
  });

  it('limits include depth', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`f${i}.inc`] = `.include "f${i + 1}.inc"\n`;
    files['f40.inc'] = 'nop\n';
    const r = asm('.include "f0.inc"', { files });
    expect(errs(r)).toEqual(['1:10: includes nested too deeply (more than 32)']);
    expect(r.diagnostics[0]!.file).toBe('f31.inc');
  });
});

describe('conditionals and defines', () => {
  it('assembles the taken branch of .if / .else', () => {
    expect(words('.equ A, 2\n.if A > 1\nnop\n.else\nhlt\n.endif\n.if A == 5\nhlt\n.else\nret\n.endif')).toEqual([...enc('nop'), ...enc('ret')]);
  });

  it('nests conditionals and skips everything inside a false one', () => {
    expect(words('.if 0\n.if 1\nhlt\n.else\nhlt\n.endif\nbogus stuff\n.else\nnop\n.endif')).toEqual([...enc('nop')]);
  });

  it('tests definitions with .ifdef / .ifndef, seeing -D defines', () => {
    const src = '.ifdef DEBUG\nli r1, DEBUG\n.endif\n.ifndef DEBUG\nhlt\n.endif';
    expect(words(src, { defines: { DEBUG: 3 } })).toEqual([...enc('li.ri', { a: 1, imm: 3 })]);
    expect(words(src)).toEqual([...enc('hlt')]);
  });

  it('defines labels written on conditional lines', () => {
    const img = image('nop\nhere: .if 1\nnop\n.endif');
    expect(sym(img, 'here')).toBe(0x1004);
  });

  it('underlines the whole directive of an unterminated conditional', () => {
    const r = asm('.ifdef X\nnop');
    expect(r.diagnostics.map((d) => [d.line, d.col, d.length, d.message])).toEqual([[1, 1, 6, 'unterminated conditional (missing `.endif`)']]);
  });

  it('uses -D values in expressions', () => {
    expect(sym(image('.equ Y, X * 2', { defines: { X: 21 } }), 'Y')).toBe(42);
  });
});

describe('listing and map', () => {
  it('shows each .set value as it was at that line', () => {
    const r = asm('.set X, 1\n.set X, X + 1', { listing: true });
    expect(r.listing!.split('\n').slice(1, 3)).toEqual([
      '00001000  = 00000001                 .set X, 1',
      '00001000  = 00000002                 .set X, X + 1',
    ]);
  });

  it('shows address, bytes and source, marking macro and include lines', () => {
    const r = asm('.macro two\n nop\n.endm\n_start: li r1, 5 ; five\ntwo\n.include "x.inc"', { listing: true, files: { 'x.inc': 'hlt\n' } });
    expect(errs(r)).toEqual([]);
    const lines = r.listing!.trimEnd().split('\n');
    expect(lines).toContain('00001000  02 01 05 00                _start: li r1, 5 ; five');
    expect(lines).toContain('00001004  00 00 00 00              +  nop');
    expect(lines).toContain('                                   I ;;; include x.inc');
    expect(lines).toContain('00001008  50 00 00 00              I hlt');
    expect(r.map).toBe('VALUE     KIND   BIND    NAME\n00001000  label  local   _start\n');
  });
});
