// Directives, sections, symbols, expressions and the image the assembler builds.
import { describe, expect, it } from 'vitest';
import { IMAGE_FLAG, SEG } from '../../assembler/types.js';
import { enc, image, segment, sym, words } from './helpers.js';

const bytes = (u: Uint8Array): number[] => [...u];

describe('data directives', () => {
  it('emits .byte, .half and .word little-endian, with negative values and labels', () => {
    const img = image('.data\nd: .byte 1, -1, 0xff\n.half 0x1234, -2\n.word 0xdeadbeef, d');
    expect(bytes(segment(img, '.data'))).toEqual([1, 0xff, 0xff, 0x34, 0x12, 0xfe, 0xff, 0xef, 0xbe, 0xad, 0xde, 0x00, 0x10, 0, 0]);
    // With .text empty, .data starts where .text would have.
    expect(img.segments.find((s) => s.name === '.data')!.addr).toBe(0x1000);
  });

  it('emits .ascii and .asciz with C escapes', () => {
    const img = image('.data\n.ascii "a\\n\\t\\\\\\"\\x41"\n.asciz "hi", "yo"');
    expect(bytes(segment(img, '.data'))).toEqual([0x61, 10, 9, 92, 34, 0x41, 0x68, 0x69, 0, 0x79, 0x6f, 0]);
  });

  it('fills .space and pads .align, with an optional fill byte', () => {
    const img = image('.data\n.byte 1\n.align 4, 0xee\n.space 3, 7\n.space 1');
    expect(bytes(segment(img, '.data'))).toEqual([1, 0xee, 0xee, 0xee, 7, 7, 7, 0]);
  });

  it('moves the location forward with .org and pads .text with zero words (nop)', () => {
    const img = image('nop\n.org 0x1010\nhere: hlt');
    expect(sym(img, 'here')).toBe(0x1010);
    expect(segment(img, '.text').length).toBe(0x14);
  });

  it('lets .org before any code set the origin of .text', () => {
    const img = image('.org 0x8000\n_start: nop');
    expect(img.segments[0]!.addr).toBe(0x8000);
    expect(img.entry).toBe(0x8000);
  });
});

describe('sections and the image', () => {
  it('places .text at 0x1000, .data and .bss after it page-aligned, with the right flags', () => {
    const img = image('nop\n.data\nx: .word 1\n.bss\nbuf: .space 0x2000\n.text\nnop');
    expect(img.segments.map((s) => [s.name, s.addr, s.flags, s.data.length, s.memSize])).toEqual([
      ['.text', 0x1000, SEG.R | SEG.X, 8, 8],
      ['.data', 0x2000, SEG.R | SEG.W, 4, 4],
      ['.bss', 0x3000, SEG.R | SEG.W, 0, 0x2000],
    ]);
    expect(sym(img, 'buf')).toBe(0x3000);
  });

  it('accepts .section with the standard names', () => {
    const img = image('.section .data\n.word 5\n.section .text\nnop');
    expect(img.segments.map((s) => s.name)).toEqual(['.text', '.data']);
  });

  it('chooses the entry: .entry, else _start, else start, else the start of .text', () => {
    expect(image('nop\nmain: nop\n.entry main').entry).toBe(0x1004);
    expect(image('nop\n_start: nop\nstart: nop').entry).toBe(0x1004);
    expect(image('nop\nnop\nstart: nop').entry).toBe(0x1008);
    expect(image('nop').entry).toBe(0x1000);
  });

  it('sets the PV flag with .pv', () => {
    expect(image('.pv\nnop').flags).toBe(IMAGE_FLAG.PV);
    expect(image('nop').flags).toBe(0);
  });

  it('marks .global symbols and lists every symbol sorted by value', () => {
    const img = image('.global main\n.equ K, 7\nmain: nop\nother: nop');
    expect(img.symbols.map((s) => [s.name, s.value, s.kind, s.global])).toEqual([
      ['K', 7, 'const', false],
      ['main', 0x1000, 'label', true],
      ['other', 0x1004, 'label', false],
    ]);
  });

  it('records one line-table entry per instruction or data directive with its file and line', () => {
    const img = image('nop\n\n  ; c\nadd r1, 2\n.data\n.word 1', {});
    expect(img.lines).toEqual([
      { addr: 0x1000, file: 'main.s', line: 1 },
      { addr: 0x1004, file: 'main.s', line: 4 },
      { addr: 0x2000, file: 'main.s', line: 6 },
    ]);
  });
});

describe('expressions', () => {
  const val = (e: string): number => sym(image(`.equ V, ${e}`), 'V') | 0;

  it('follows C precedence and parentheses', () => {
    expect(val('1 + 2 * 3')).toBe(7);
    expect(val('(1 + 2) * 3')).toBe(9);
    expect(val('1 | 2 ^ 3 & 4')).toBe(1 | (2 ^ (3 & 4)));
    expect(val('1 << 2 + 1')).toBe(8);
    expect(val('10 - 4 - 3')).toBe(3);
    expect(val('100 / 10 / 5')).toBe(2);
    expect(val('17 % 5 * 2')).toBe(4);
    expect(val('-2 * -3')).toBe(6);
    expect(val('~0 & 0xff')).toBe(0xff);
    expect(val('1 + 2 == 3 && 4 > 3 || 0')).toBe(1);
    expect(val('!5 + 1')).toBe(1);
    expect(val('0xff000000 >> 22')).toBe(0x3fc);
  });

  it('reads hex, binary, decimal and character literals', () => {
    expect(val('0x10 + 0b101 + 7')).toBe(28);
    expect(val("'A'")).toBe(65);
    expect(val("'\\n' + '\\0' + '\\\\' + '\\''")).toBe(10 + 0 + 92 + 39);
  });

  it('knows `.` as the current address', () => {
    const img = image('nop\nhere: .equ H, .\nli r1, . - 4');
    expect(sym(img, 'H')).toBe(0x1004);
  });

  it('resolves forward references, including .equ of later labels', () => {
    const img = image('.equ SIZE, end - begin\nbegin: nop\nnop\nend:');
    expect(sym(img, 'SIZE')).toBe(8);
  });

  it('re-assigns .set symbols in order', () => {
    expect(words('.set N, 1\nli r1, N\n.set N, N + 1\nli r2, N')).toEqual([
      ...enc('li.ri', { a: 1, imm: 1 }),
      ...enc('li.ri', { a: 2, imm: 2 }),
    ]);
  });
});

describe('labels', () => {
  it('resolves numeric local labels backward and forward', () => {
    expect(words('1: nop\njmp 1b\njmp 1f\n1: nop\njmp 1b')).toEqual([
      ...enc('nop'),
      ...enc('jmp', { imm: -8 }),
      ...enc('jmp', { imm: 0 }),
      ...enc('nop'),
      ...enc('jmp', { imm: -8 }),
    ]);
  });

  it('scopes .L labels to the enclosing global label', () => {
    const img = image('f: .Lloop: jmp .Lloop\ng: .Lloop: nop\njmp .Lloop\njmp f.Lloop');
    expect(sym(img, 'f.Lloop')).toBe(0x1000);
    expect(sym(img, 'g.Lloop')).toBe(0x1004);
    expect(words('f: .Lloop: jmp .Lloop\ng: .Lloop: nop\njmp .Lloop\njmp f.Lloop').slice(2)).toEqual([
      ...enc('jmp', { imm: -8 }),
      ...enc('jmp', { imm: -16 }),
    ]);
  });

  it('allows several labels on one line and a label alone on a line', () => {
    const img = image('a: b:\nc: nop');
    expect([sym(img, 'a'), sym(img, 'b'), sym(img, 'c')]).toEqual([0x1000, 0x1000, 0x1000]);
  });
});
