// Property: assemble(disassemble(image)) reproduces the image's segments, for images the assembler built from random programs.
//
// The property is stated over assembler-built images (random instruction lists, labels, forward
// constants that force long forms with small values, data) because only those have the section
// layout the assembler itself produces; arbitrary words in a .text segment are covered too, since
// random data words are also disassembled as code when placed in .text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { disassemble } from '../../assembler/disasm.js';
import { assembleSource } from '../../assembler/index.js';
import type { Image } from '../../assembler/types.js';

const reg = fc.oneof(fc.integer({ min: 0, max: 15 }).map((n) => `r${n}`), fc.constant('sp'));
const value = fc.oneof(
  fc.integer({ min: -0x8000, max: 0x7fff }),
  fc.integer({ min: 0, max: 0xffff_ffff }),
  fc.integer({ min: -(2 ** 31), max: -1 }),
);
const fmt = (v: number) => (v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`);
const mem = fc.oneof(
  fc.tuple(reg, value).map(([r, d]) => (d === 0 ? `[${r}]` : d < 0 ? `[${r} - ${fmt(-d)}]` : `[${r} + ${fmt(d)}]`)),
  fc.integer({ min: 0, max: 0xffff_ffff }).map((a) => `[${fmt(a)}]`),
);
const ALU = ['add', 'sub', 'and', 'or', 'xor', 'shl', 'shr', 'sar', 'mul', 'div', 'mod', 'cmp', 'test'];
const BR = ['jmp', 'jz', 'jnz', 'je', 'jne', 'jl', 'jle', 'jg', 'jge', 'jb', 'jae', 'ja', 'jbe', 'call'];
const NONE = ['nop', 'ret', 'hlt', 'cli', 'sti', 'iret', 'pushf', 'popf', 'brk', 'hcall'];
const ONE = ['not', 'neg', 'push', 'pop', 'rdcpl', 'sidt', 'lidt', 'invlpg', 'jmp', 'call'];

/** One line of a random program; `L<k>` labels and `F<k>` forward constants are defined by the caller. */
const insn = (labels: number, consts: number) =>
  fc.oneof(
    fc.constantFrom(...NONE),
    fc.tuple(fc.constantFrom(...ONE), reg).map(([m, a]) => `${m} ${a}`),
    fc.tuple(reg, reg).map(([a, b]) => `mov ${a}, ${b}`),
    fc.tuple(fc.constantFrom('li', 'mov'), reg, value).map(([m, a, v]) => `${m} ${a}, ${fmt(v)}`),
    fc.tuple(fc.constantFrom(...ALU), reg, reg).map(([m, a, b]) => `${m} ${a}, ${b}`),
    fc.tuple(fc.constantFrom(...ALU), reg, value).map(([m, a, v]) => `${m} ${a}, ${fmt(v)}`),
    fc.tuple(fc.constantFrom('ld', 'ldh', 'ldb'), reg, mem).map(([m, a, x]) => `${m} ${a}, ${x}`),
    fc.tuple(fc.constantFrom('st', 'sth', 'stb'), mem, reg).map(([m, x, a]) => `${m} ${x}, ${a}`),
    fc.tuple(fc.constantFrom(...BR), fc.nat(labels - 1)).map(([m, k]) => `${m} L${k}`),
    fc.tuple(fc.constantFrom('li', 'add', 'cmp'), reg, fc.nat(consts - 1)).map(([m, a, k]) => `${m} ${a}, F${k}`),
    fc.tuple(reg, fc.nat(consts - 1)).map(([a, k]) => `ld ${a}, [${a} + F${k}]`),
    fc.integer({ min: 0x30, max: 0xff }).map((v) => `int ${fmt(v)}`),
    fc.tuple(reg, fc.integer({ min: 0, max: 0xffff })).map(([a, p]) => `in ${a}, ${fmt(p)}`),
    fc.tuple(reg, fc.integer({ min: 0, max: 0xffff })).map(([a, p]) => `out ${fmt(p)}, ${a}`),
    fc.tuple(reg, fc.constantFrom(0, 2, 3, 4, 8), fc.boolean()).map(([a, c, to]) =>
      to ? `mov cr${c}, ${a}` : `mov ${a}, cr${c}`,
    ),
    // data inside .text with a label at an unaligned address (`@` is replaced by a unique number)
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 3 }).map(
      (bs) => `.byte ${bs.join(', ')}\nM@:\n        .align 4`,
    ),
  );

const LABELS = 4;
const CONSTS = 3;
const program = fc
  .record({
    body: fc.array(fc.tuple(insn(LABELS, CONSTS), fc.option(fc.nat(LABELS - 1), { freq: 4 })), {
      minLength: 1,
      maxLength: 40,
    }),
    consts: fc.array(value, { minLength: CONSTS, maxLength: CONSTS }),
    data: fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), { maxLength: 6 }),
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 7 }),
    bss: fc.nat(300),
    symbols: fc.boolean(),
  })
  .map((p) => {
    const lines = ['        .text', 'start:'];
    const placed = new Set<number>();
    p.body.forEach(([text, label], i) => {
      if (label !== null && !placed.has(label)) {
        placed.add(label);
        lines.push(`L${label}:`);
      }
      lines.push(`        ${text.replace('@', String(i))}`);
    });
    for (let k = 0; k < LABELS; k++) if (!placed.has(k)) lines.push(`L${k}:`);
    lines.push('        hlt', '        .data', 'table:');
    if (p.data.length) lines.push(`        .word ${p.data.map(fmt).join(', ')}`);
    if (p.bytes.length) lines.push(`        .byte ${p.bytes.join(', ')}`);
    lines.push('        .bss', `buf:    .space ${p.bss + 1}`);
    // Defined last: unknown in pass 1, so instructions using them take long forms even for small values.
    p.consts.forEach((v, k) => lines.push(`        .equ F${k}, ${fmt(v)}`));
    return { source: `${lines.join('\n')}\n`, symbols: p.symbols };
  });

const layout = (img: Image) =>
  img.segments.map((s) => ({ name: s.name, addr: s.addr, flags: s.flags, memSize: s.memSize, data: [...s.data] }));

function assembleOk(source: string, name: string): Image {
  const r = assembleSource(source, name, {});
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !r.image)
    throw new Error(`${name} did not assemble:\n${errors.map((d) => `${d.line}: ${d.message}`).join('\n')}\n${source}`);
  return r.image;
}

describe('disassembly round trip', () => {
  it('assemble(disassemble(img)) has the same segments as img', () => {
    fc.assert(
      fc.property(program, ({ source, symbols }) => {
        const img = assembleOk(source, 'random.s');
        const text = disassemble(img, { symbols });
        const again = assembleOk(text, 'random.dis');
        expect(layout(again)).toEqual(layout(img));
        expect(again.entry).toBe(img.entry);
        expect(again.flags).toBe(img.flags);
      }),
      { numRuns: 300 },
    );
  });

  it('random words placed in .text disassemble and reassemble to the same bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), { minLength: 1, maxLength: 40 }), (ws) => {
        const img = assembleOk(`        .text\nstart:\n        .word ${ws.map(fmt).join(', ')}\n`, 'words.s');
        const again = assembleOk(disassemble(img), 'words.dis');
        expect(layout(again)).toEqual(layout(img));
      }),
      { numRuns: 300 },
    );
  });
});
