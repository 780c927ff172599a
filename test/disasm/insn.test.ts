// disassembleInsn: every opcode renders in the pinned syntax; invalid and non-canonical words come back as `.word`; window instructions only in translated code.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { disassemble, disassembleInsn, disassembleTranslated, labelLookup } from '../../assembler/disasm.js';
import { SEG, type Image } from '../../assembler/types.js';
import { encode, type EncodeFields } from '../../isa/encoding.js';
import { BY_OPCODE, OP, OPCODE_COUNT, WINDOW_INSNS } from '../../isa/table.js';

const enc = (id: keyof typeof OP, f: { a?: number; b?: number; imm?: number; imm16?: number } = {}) =>
  encode({ opcode: OP[id], ...f });
const dis = (words: number[], pc = 0x1000, lookup?: Parameters<typeof disassembleInsn>[3]) =>
  disassembleInsn(words[0]!, words[1] ?? 0, pc, lookup);

describe('disassembleInsn', () => {
  it('renders each form in the assembler syntax', () => {
    const cases: [number[], string][] = [
      [enc('nop'), 'nop'],
      [enc('mov', { a: 1, b: 15 }), 'mov r1, sp'],
      [enc('li.ri', { a: 2, imm: -1 }), 'li r2, -1'],
      [enc('li.rI', { a: 3, imm: 0x12345678 }), 'li r3, 0x12345678'],
      [enc('add.ri', { a: 1, imm: 4 }), 'add r1, 4'],
      [enc('and.ri', { a: 1, imm: 0x7ff0 }), 'and r1, 0x7ff0'],
      [enc('cmp.rr', { a: 4, b: 5 }), 'cmp r4, r5'],
      [enc('not', { a: 7 }), 'not r7'],
      [enc('ld.rm', { a: 1, b: 2, imm: 8 }), 'ld r1, [r2 + 8]'],
      [enc('ld.rm', { a: 1, b: 2, imm: -4 }), 'ld r1, [r2 - 4]'],
      [enc('ldb.rm', { a: 1, b: 2, imm: 0 }), 'ldb r1, [r2]'],
      [enc('st.mr', { a: 3, b: 15, imm: 12 }), 'st [sp + 12], r3'],
      [enc('ld.rM', { a: 1, imm16: 1, imm: 0x1234 }), 'ld r1, [0x1234]'],
      [enc('st.Mr', { a: 1, b: 2, imm: 0x10000 }), 'st [r2 + 0x10000], r1'],
      [enc('sth.Mr', { a: 1, b: 2, imm: -0x10000 }), 'sth [r2 - 0x10000], r1'],
      [enc('jmp', { imm: -8 }), 'jmp 0xffc'],
      [enc('call', { imm: 0x100 }), 'call 0x1104'],
      [enc('jmp.r', { a: 3 }), 'jmp r3'],
      [enc('call.r', { a: 3 }), 'call r3'],
      [enc('ret'), 'ret'],
      [enc('int', { imm: 0x80 }), 'int 0x80'],
      [enc('in', { a: 1, imm: 0x3f8 }), 'in r1, 0x3f8'],
      [enc('out', { a: 2, imm: 0x3f8 }), 'out 0x3f8, r2'],
      [enc('mov.rc', { a: 1, b: 3 }), 'mov r1, cr3'],
      [enc('mov.cr', { a: 1, b: 0 }), 'mov cr0, r1'],
      [enc('rdcpl', { a: 4 }), 'rdcpl r4'],
      [enc('pushf'), 'pushf'],
    ];
    for (const [words, text] of cases) expect(dis(words)).toBe(text);
  });

  it('shows branch targets as symbols, or as an address with <name+offset>', () => {
    const lookup = labelLookup([
      { name: 'loop', value: 0x1000, kind: 'label', global: false },
      { name: 'N', value: 0x1004, kind: 'const', global: false },
    ]);
    expect(dis(enc('jmp', { imm: -4 }), 0x1000, lookup)).toBe('jmp loop');
    expect(dis(enc('call', { imm: 4 }), 0x1000, lookup)).toBe('call 0x1008 <loop+8>');
    expect(dis(enc('jz', { imm: -0x100 }), 0x1000, lookup)).toBe('jz 0xf04');
  });

  it('shows invalid opcodes and unassemblable words as .word with the reason', () => {
    expect(dis([0xff])).toBe('.word 0x000000ff ; invalid opcode 0xff');
    expect(dis([OPCODE_COUNT])).toMatch(/^\.word .* invalid opcode/);
    expect(dis([(OP.nop | (1 << 8)) >>> 0])).toBe('.word 0x00000100 ; nop: unused fields not zero');
    expect(dis(enc('mov.rc', { a: 1, b: 5 }))).toMatch(/no control register cr5/);
    expect(dis([(OP.int | (0x1ff << 16)) >>> 0])).toMatch(/^\.word/);
    expect(dis(enc('ld.rM', { a: 1, b: 2, imm16: 1, imm: 4 }))).toMatch(/absolute address with a base register/);
  });

  it('never throws, for any word pair and pc', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffff_ffff }), fc.nat({ max: 0xffff_ffff }), fc.nat({ max: 0xffff_ffff }), (w, e, pc) => {
        expect(dis([w, e], pc).length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('has a rendering for every opcode in the table', () => {
    for (const e of BY_OPCODE) {
      const text = disassembleInsn(e.opcode, 0, 0x1000);
      expect(text.startsWith(e.mnemonic), e.id).toBe(true);
    }
    for (const e of WINDOW_INSNS) expect(disassembleTranslated(e.opcode, 0, 0xf000_0000).startsWith(e.mnemonic), e.id).toBe(true);
  });

  it('shows a window instruction as invalid guest code, and by name in translated code', () => {
    const wld = encode({ opcode: OP.wld, a: 2, slot: 7 });
    expect(dis(wld)).toBe('.word 0x000702f0 ; invalid opcode 0xf0 (window instruction `wld`: only valid in translated code)');
    expect(disassembleTranslated(wld[0]!, 0, 0xf000_0000)).toBe('wld r2, [slot7]');
    const names = { slot: (n: number) => (n === 3 ? 'vif' : `s${n}`), callout: (n: number) => (n === 1 ? 'emulate' : String(n)) };
    const t = (id: keyof typeof OP, f: Omit<EncodeFields, 'opcode'>) => disassembleTranslated(encode({ opcode: OP[id], ...f })[0]!, 0, 0xf000_0000, names);
    expect(t('wst', { a: 15, slot: 3 })).toBe('wst [vif], sp');
    expect(t('wldx', { a: 1, b: 2, slot: 9 })).toBe('wldx r1, [s9 + r2]');
    expect(t('wset', { slot: 3, imm: -2 })).toBe('wset [vif], -2');
    expect(t('winc', { slot: 4 })).toBe('winc [s4]');
    expect(t('wjmp', { slot: 4 })).toBe('wjmp [s4]');
    expect(t('wcall', { imm: 1 })).toBe('wcall emulate');
    expect(t('wcallnz', { slot: 3, imm: 7 })).toBe('wcallnz [vif], 7');
    expect(t('wskip', { imm: 2 })).toBe('wskip 2');
    // Guest instructions in translated code print as the disassembler always prints them.
    expect(disassembleTranslated(enc('add.rr', { a: 1, b: 2 })[0]!, 0, 0xf000_0000)).toBe('add r1, r2');
  });
});

describe('disassemble (whole image)', () => {
  const words = (...ws: number[][]) => {
    const flat = ws.flat();
    const b = new Uint8Array(flat.length * 4);
    flat.forEach((w, i) => new DataView(b.buffer).setUint32(i * 4, w, true));
    return b;
  };
  const img: Image = {
    entry: 0x1000,
    flags: 0,
    segments: [
      {
        name: '.text',
        addr: 0x1000,
        flags: SEG.R | SEG.X,
        data: words(enc('li.rI', { a: 1, imm: 5 }), enc('jmp', { imm: -12 }), [0xff]),
        memSize: 16,
      },
      { name: '.data', addr: 0x2000, flags: SEG.R | SEG.W, data: new Uint8Array([1, 2, 3, 4, 5]), memSize: 5 },
      { name: '.bss', addr: 0x3000, flags: SEG.R | SEG.W, data: new Uint8Array(0), memSize: 64 },
    ],
    symbols: [
      { name: '_start', value: 0x1000, kind: 'label', global: true },
      { name: 'buf', value: 0x3010, kind: 'label', global: false },
      { name: 'r1', value: 0x2000, kind: 'label', global: false },
    ],
    lines: [],
  };

  it('keeps a small long-form value long with a forward-defined zero', () => {
    const text = disassemble(img, { symbols: true });
    expect(text).toMatch(/^_start:$/m);
    expect(text).toMatch(/^\s+li r1, 5 \+ __vx_long\s+; 00001000: 00000103 00000005$/m);
    expect(text).toMatch(/^\s+jmp _start\s+; 00001008:/m);
    expect(text).toMatch(/^\s+\.word 0x000000ff\s+; 0000100c: invalid opcode 0xff$/m);
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^\s+\.equ __vx_long, 0/);
    expect(text).toMatch(/\.entry _start/);
  });

  it('emits data as .word/.byte and .bss as .space split at labels; skips names the assembler would misread', () => {
    const text = disassemble(img, { symbols: true });
    expect(text).toMatch(/\.word 0x04030201\s+; 00002000  \.\.\.\.\n\s+\.byte 0x5\s+; 00002004/);
    expect(text).toMatch(/\.space 16\s+; 00003000\nbuf:\n\s+\.space 48\s+; 00003010/);
    expect(text).not.toMatch(/^r1:/m);
  });

  it('without --symbols prints no labels except the entry, and raw branch targets', () => {
    const text = disassemble(img);
    expect(text).not.toMatch(/^_start:/m);
    expect(text).toMatch(/^__vx_entry:$/m);
    expect(text).toMatch(/jmp 0x1000\b/);
  });

  it('never throws on any image: arbitrary bytes, labels anywhere, odd sizes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.integer({ min: 0, max: 64 }),
        fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.integer({ min: 0xff0, max: 0x1100 })), { maxLength: 6 }),
        fc.boolean(),
        (data, bss, syms, symbols) => {
          const image: Image = {
            entry: 0x1000,
            flags: 0,
            segments: [{ name: '.text', addr: 0x1000, flags: SEG.R | SEG.X, data, memSize: Math.max(1, data.length + bss) }],
            symbols: syms.map(([name, value]) => ({ name, value, kind: 'label' as const, global: false })),
            lines: [],
          };
          const text = disassemble(image, { symbols });
          expect(text).toMatch(/\.text/);
          for (const [name, value] of syms)
            if (symbols && /^[A-Za-z_$][\w$.]*$/.test(name) && !/^(r\d+|sp|cr\d+)$/i.test(name) && value >= 0x1000 && value < 0x1000 + image.segments[0]!.memSize)
              expect(text).toContain(`\n${name}:`);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

