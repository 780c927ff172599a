// Instruction encoding through the assembler: forms, aliases, short/long selection, branches.
import { describe, expect, it } from 'vitest';
import { ABS_FLAG } from '../../isa/table.js';
import { enc, words } from './helpers.js';

describe('instruction forms', () => {
  it('encodes register, immediate and no-operand forms', () => {
    expect(words('nop\nadd r1, r2\nsub r3, 4\nnot r5\nneg sp\nret\nhlt\n')).toEqual([
      ...enc('nop'),
      ...enc('add.rr', { a: 1, b: 2 }),
      ...enc('sub.ri', { a: 3, imm: 4 }),
      ...enc('not', { a: 5 }),
      ...enc('neg', { a: 15 }),
      ...enc('ret'),
      ...enc('hlt'),
    ]);
  });

  it('is case-insensitive for mnemonics and registers', () => {
    expect(words('ADD R1, Sp\nMov r2, R3')).toEqual([...enc('add.rr', { a: 1, b: 15 }), ...enc('mov', { a: 2, b: 3 })]);
  });

  it('aliases mov ra, imm to li; mov crN to mov.cr / mov.rc; je/jne to jz/jnz', () => {
    expect(words('mov r1, 5\nmov cr3, r2\nmov r4, cr8\nx: je x\njne x')).toEqual([
      ...enc('li.ri', { a: 1, imm: 5 }),
      ...enc('mov.cr', { a: 2, b: 3 }),
      ...enc('mov.rc', { a: 4, b: 8 }),
      ...enc('jz', { imm: -4 }),
      ...enc('jnz', { imm: -8 }),
    ]);
  });

  it('encodes ports, vectors and the remaining system instructions', () => {
    expect(words('in r1, 0x3f8\nout 0x3f9, r2\nint 0x80\nbrk\nhcall\niret\ncli\nsti\npushf\npopf\nlidt r1\nsidt r2\ninvlpg r3\nrdcpl r4\npush r5\npop r6')).toEqual([
      ...enc('in', { a: 1, imm: 0x3f8 }),
      ...enc('out', { a: 2, imm: 0x3f9 }),
      ...enc('int', { imm: 0x80 }),
      ...enc('brk'),
      ...enc('hcall'),
      ...enc('iret'),
      ...enc('cli'),
      ...enc('sti'),
      ...enc('pushf'),
      ...enc('popf'),
      ...enc('lidt', { a: 1 }),
      ...enc('sidt', { a: 2 }),
      ...enc('invlpg', { a: 3 }),
      ...enc('rdcpl', { a: 4 }),
      ...enc('push', { a: 5 }),
      ...enc('pop', { a: 6 }),
    ]);
  });

  it('encodes indirect jumps and calls', () => {
    expect(words('jmp r3\ncall r4')).toEqual([...enc('jmp.r', { a: 3 }), ...enc('call.r', { a: 4 })]);
  });
});

describe('short and long forms', () => {
  it('uses imm16 when the value is known and fits, else the long form', () => {
    expect(words('li r1, 0x7fff\nli r2, -0x8000\nli r3, 0x8000\nli r4, 0x12345678\nli r5, -1')).toEqual([
      ...enc('li.ri', { a: 1, imm: 0x7fff }),
      ...enc('li.ri', { a: 2, imm: -0x8000 }),
      ...enc('li.rI', { a: 3, imm: 0x8000 }),
      ...enc('li.rI', { a: 4, imm: 0x12345678 }),
      ...enc('li.ri', { a: 5, imm: -1 }),
    ]);
  });

  it('uses the long form for forward references even when the value is small', () => {
    expect(words('li r1, later\n.equ later, 3\nli r2, later')).toEqual([
      ...enc('li.rI', { a: 1, imm: 3 }),
      ...enc('li.ri', { a: 2, imm: 3 }),
    ]);
  });

  it('chooses for ALU and compare instructions the same way', () => {
    expect(words('add r1, 1\nand r2, 0xffff0000\ncmp r3, 100000\ntest r4, 1')).toEqual([
      ...enc('add.ri', { a: 1, imm: 1 }),
      ...enc('and.rI', { a: 2, imm: 0xffff0000 }),
      ...enc('cmp.rI', { a: 3, imm: 100000 }),
      ...enc('test.ri', { a: 4, imm: 1 }),
    ]);
  });

  it('encodes memory operands: base+disp short, big or absolute long', () => {
    expect(
      words('ld r1, [r2]\nld r1, [r2 + 8]\nldh r1, [r2 - 4]\nldb r1, [r2 + 0x10000]\nst [r3 + 4], r1\nsth [0x2000], r1\nstb [r3 - 2 + 1], r4'),
    ).toEqual([
      ...enc('ld.rm', { a: 1, b: 2, imm: 0 }),
      ...enc('ld.rm', { a: 1, b: 2, imm: 8 }),
      ...enc('ldh.rm', { a: 1, b: 2, imm: -4 }),
      ...enc('ldb.rM', { a: 1, b: 2, imm: 0x10000, imm16: 0 }),
      ...enc('st.mr', { a: 1, b: 3, imm: 4 }),
      ...enc('sth.Mr', { a: 1, b: 0, imm: 0x2000, imm16: ABS_FLAG }),
      ...enc('stb.mr', { a: 4, b: 3, imm: -1 }),
    ]);
  });

  it('uses the long memory form for a label displacement, with or without base', () => {
    const w = words('ld r1, [r2 + tbl]\nst [tbl + 4], r1\ntbl: .word 0');
    expect(w.slice(0, 4)).toEqual([
      ...enc('ld.rM', { a: 1, b: 2, imm: 0x1010, imm16: 0 }),
      ...enc('st.Mr', { a: 1, b: 0, imm: 0x1014, imm16: ABS_FLAG }),
    ]);
  });
});

describe('branches', () => {
  it('encodes word offsets from the next instruction, backward and forward', () => {
    expect(words('top: nop\njmp top\njz done\ncall top\ndone: ret')).toEqual([
      ...enc('nop'),
      ...enc('jmp', { imm: -8 }),
      ...enc('jz', { imm: 4 }),
      ...enc('call', { imm: -16 }),
      ...enc('ret'),
    ]);
  });

  it('takes expressions as targets', () => {
    expect(words('a: nop\nnop\njmp a + 4')).toEqual([...enc('nop'), ...enc('nop'), ...enc('jmp', { imm: -8 })]);
  });
});
