// Every opcode in the ISA table is reachable from assembly syntax and encodes as isa/encoding.ts says.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CR_NUMBERS } from '../../isa/abi.js';
import { encode, type EncodeFields } from '../../isa/encoding.js';
import { ABS_FLAG, BY_OPCODE, WINDOW_INSNS, type OpcodeInfo } from '../../isa/table.js';
import { asm, errs, words } from './helpers.js';

const reg = fc.integer({ min: 0, max: 15 });
const imm16 = fc.integer({ min: -0x8000, max: 0x7fff });
const imm32Long = fc.oneof(fc.integer({ min: 0x8000, max: 0x7fffffff }), fc.integer({ min: -0x80000000, max: -0x8001 }));
const r = (n: number): string => (n === 15 ? 'sp' : `r${n}`);

/** Source text and expected fields for one instruction of `info`. */
function instance(info: OpcodeInfo): fc.Arbitrary<[string, EncodeFields]> {
  const m = info.mnemonic;
  const op = info.opcode;
  switch (info.form) {
    case 'none':
      return fc.constant([m, { opcode: op }]);
    case 'r':
      return reg.map((a) => [`${m} ${r(a)}`, { opcode: op, a }]);
    case 'rr':
      return fc.tuple(reg, reg).map(([a, b]) => [`${m} ${r(a)}, ${r(b)}`, { opcode: op, a, b }]);
    case 'ri':
      return fc.tuple(reg, imm16).map(([a, v]) => [`${m} ${r(a)}, ${v}`, { opcode: op, a, imm: v }]);
    case 'rI':
      return fc.tuple(reg, imm32Long).map(([a, v]) => [`${m} ${r(a)}, ${v}`, { opcode: op, a, imm: v }]);
    case 'rm':
      return fc.tuple(reg, reg, imm16).map(([a, b, d]) => [`${m} ${r(a)}, [${r(b)} + ${d}]`, { opcode: op, a, b, imm: d }]);
    case 'mr':
      return fc.tuple(reg, reg, imm16).map(([a, b, d]) => [`${m} [${r(b)} - ${-d}], ${r(a)}`, { opcode: op, a, b, imm: d }]);
    case 'rM':
      return fc.oneof(
        fc.tuple(reg, reg, imm32Long).map(([a, b, d]): [string, EncodeFields] => [`${m} ${r(a)}, [${r(b)} + (${d})]`, { opcode: op, a, b, imm: d, imm16: 0 }]),
        fc.tuple(reg, fc.nat()).map(([a, d]): [string, EncodeFields] => [`${m} ${r(a)}, [${d}]`, { opcode: op, a, imm: d, imm16: ABS_FLAG }]),
      );
    case 'Mr':
      return fc.oneof(
        fc.tuple(reg, reg, imm32Long).map(([a, b, d]): [string, EncodeFields] => [`${m} [${r(b)} + (${d})], ${r(a)}`, { opcode: op, a, b, imm: d, imm16: 0 }]),
        fc.tuple(reg, fc.nat()).map(([a, d]): [string, EncodeFields] => [`${m} [${d}], ${r(a)}`, { opcode: op, a, imm: d, imm16: ABS_FLAG }]),
      );
    case 'j':
      // `.` is this instruction; the offset counts from the next one.
      return fc.integer({ min: -1000, max: 1000 }).map((k) => [`${m} . + ${k * 4}`, { opcode: op, imm: k * 4 - 4 }]);
    case 'v':
      return fc.integer({ min: 0, max: 255 }).map((v) => [`${m} ${v}`, { opcode: op, imm: v }]);
    case 'rp':
      return fc.tuple(reg, fc.integer({ min: 0, max: 0xffff })).map(([a, p]) => [`${m} ${r(a)}, ${p}`, { opcode: op, a, imm: p }]);
    case 'pr':
      return fc.tuple(reg, fc.integer({ min: 0, max: 0xffff })).map(([a, p]) => [`${m} ${p}, ${r(a)}`, { opcode: op, a, imm: p }]);
    case 'rc':
      return fc.tuple(reg, fc.constantFrom(...CR_NUMBERS)).map(([a, c]) => [`${m} ${r(a)}, cr${c}`, { opcode: op, a, b: c }]);
    case 'cr':
      return fc.tuple(reg, fc.constantFrom(...CR_NUMBERS)).map(([a, c]) => [`${m} cr${c}, ${r(a)}`, { opcode: op, a, b: c }]);
    case 'rs':
    case 'sr':
    case 'rsx':
    case 's':
    case 'si':
    case 'sc':
    case 'c':
    case 'n':
      throw new Error(`${info.id} is a window instruction: the assembler refuses it (tested below)`);
  }
}

describe('the assembler covers the ISA table', () => {
  it.each(BY_OPCODE.map((i) => [i.id, i] as const))('%s assembles to its encoding', (_id, info) => {
    fc.assert(
      fc.property(instance(info), ([src, fields]) => {
        // .org puts the instruction away from address 0 so negative branch targets stay valid.
        expect(words(`.org 0x10000\n${src}`)).toEqual(encode(fields));
      }),
      { numRuns: 15 },
    );
  });
});

describe('window instructions are refused by name', () => {
  // They are table entries but not guest instructions: a guest would get #UD for each.
  it.each(WINDOW_INSNS.map((i) => [i.id, i] as const))('%s', (_id, info) => {
    const r = asm(`nop\n${info.mnemonic} r1, 2`);
    expect(r.image).toBeNull();
    expect(errs(r)).toEqual([`2:1: window instruction \`${info.mnemonic}\` is only emitted by the binary translator`]);
  });
});
