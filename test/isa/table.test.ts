// Invariants of the ISA table and its encoding.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, J_MAX, J_MIN, lengthOf, reencode } from '../../isa/encoding.js';
import { ANY_BY_OPCODE, BY_OPCODE, INSNS, ISA, OP, OPCODE_COUNT, WINDOW_INSNS, WINDOW_OPCODE_BASE } from '../../isa/table.js';

describe('ISA table', () => {
  it('has unique ids and fits the 8-bit opcode field', () => {
    expect(new Set(ISA.map((e) => e.id)).size).toBe(ISA.length);
    expect(OPCODE_COUNT).toBeLessThanOrEqual(256);
  });

  it('classes follow DESIGN.md §3', () => {
    const cls = (id: keyof typeof OP) => BY_OPCODE[OP[id]]!.cls;
    for (const id of ['pushf', 'popf', 'rdcpl', 'sidt'] as const) expect(cls(id)).toBe('sensitive');
    for (const id of ['hlt', 'cli', 'sti', 'iret', 'in', 'out', 'mov.cr', 'mov.rc', 'lidt', 'invlpg'] as const)
      expect(cls(id)).toBe('privileged');
    expect(cls('add.rr')).toBe('innocuous');
  });

  it('every privileged or sensitive instruction names its exit reason', () => {
    for (const e of BY_OPCODE) if (e.cls !== 'innocuous') expect(e.exit, e.id).not.toBeNull();
  });

  it('numbers guest instructions by index and window instructions from WINDOW_OPCODE_BASE, with no overlap', () => {
    // Guest opcodes are what images on disk hold: they must stay the table index, below the window range.
    BY_OPCODE.forEach((e, i) => {
      expect(e.opcode, e.id).toBe(i);
      expect(e.cls, e.id).not.toBe('window');
    });
    expect(OPCODE_COUNT).toBeLessThanOrEqual(WINDOW_OPCODE_BASE);
    WINDOW_INSNS.forEach((e, i) => expect(e.opcode, e.id).toBe(WINDOW_OPCODE_BASE + i));
    expect(WINDOW_OPCODE_BASE + WINDOW_INSNS.length).toBeLessThanOrEqual(256);
    // Window entries come last, so appending a guest instruction cannot shift them (or them it).
    expect(ISA.findIndex((e) => e.cls === 'window')).toBe(OPCODE_COUNT);
    expect(new Set(INSNS.map((e) => e.opcode)).size).toBe(INSNS.length);
    for (const e of INSNS) expect(ANY_BY_OPCODE[e.opcode]).toBe(e);
  });

  it('keeps the window opcodes the translator has always used', () => {
    expect([OP.wld, OP.wst, OP.wldx, OP.wset, OP.winc, OP.wjmp, OP.wcall, OP.wcallnz, OP.wskip]).toEqual([
      0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
    ]);
  });

  it('says what each entry does to memory and to the pc, consistently', () => {
    for (const e of INSNS) {
      // Every control transfer ends a block; a window instruction never touches guest memory.
      if (e.flow !== 'none') expect(e.blockEnd, e.id).toBe(true);
      if (e.cls === 'window') expect(e.mem, e.id).toBeNull();
      const m = e.mem;
      if (m === null) continue;
      // A memory operand only where the form has one; the stack is words; a pc moves only with call and ret.
      expect(m.at === 'operand', e.id).toBe(['rm', 'rM', 'mr', 'Mr'].includes(e.form));
      if (m.at === 'operand') expect(m.access, e.id).toBe(e.form.startsWith('r') ? 'read' : 'write');
      else expect(m.width, e.id).toBe(4);
      expect(m.data === 'pc', e.id).toBe(e.flow === 'call' || e.flow === 'ret');
      if (m.data === 'pc') expect(m.at, e.id).toBe(e.flow === 'call' ? 'push' : 'pop');
      // FLAGS and frames are the virtual CPU's: only privileged or sensitive entries move them.
      expect(m.data === 'flags' || m.data === 'frame', e.id).toBe(e.cls !== 'innocuous');
    }
    expect(BY_OPCODE.filter((e) => e.mem?.access === 'write').map((e) => e.mnemonic)).toEqual(
      expect.arrayContaining(['st', 'sth', 'stb', 'push', 'call', 'pushf']),
    );
  });

  it('window instructions never exit and set no flags', () => {
    for (const e of WINDOW_INSNS) {
      expect(e.exit, e.id).toBeNull();
      expect(e.setsFlags, e.id).toBe(false);
    }
  });
});

describe('encoding', () => {
  const reg = fc.integer({ min: 0, max: 15 });
  it('encode(decode(w)) == w for every form', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: OPCODE_COUNT - 1 }),
        reg,
        reg,
        fc.integer({ min: -0x8000, max: 0x7fff }),
        fc.integer({ min: J_MIN, max: J_MAX }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffff }),
        (opcode, a, b, imm16, jwords, ext, u16) => {
          const info = BY_OPCODE[opcode]!;
          const fields =
            info.form === 'j'
              ? { opcode, imm: jwords * 4 }
              : info.long
                ? { opcode, a, b, imm: ext | 0, imm16: u16 & 1 }
                : info.form === 'v'
                  ? { opcode, imm: u16 & 0xff }
                  : info.form === 'rp' || info.form === 'pr'
                    ? { opcode, a, imm: u16 }
                    : info.form === 'none'
                      ? { opcode }
                      : { opcode, a, b: info.form === 'r' ? 0 : b, imm: info.form === 'rr' || info.form === 'r' ? 0 : imm16 };
          const words = encode(fields);
          const d = decode(words[0]!, words[1] ?? 0)!;
          expect(d.info.opcode).toBe(opcode);
          expect(encode({ opcode, a: d.a, b: d.b, imm: d.imm, imm16: d.imm16 })).toEqual(words);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('rejects an opcode past the table', () => {
    expect(decode(OPCODE_COUNT)).toBeNull();
  });

  it('decodes window instructions only when asked for translated code', () => {
    for (const e of WINDOW_INSNS) {
      const w = encode({ opcode: e.opcode })[0]!;
      expect(decode(w), e.id).toBeNull();
      expect(lengthOf(w), e.id).toBe(0);
      expect(decode(w, 0, true)?.info, e.id).toBe(e);
      expect(lengthOf(w, true), e.id).toBe(4);
    }
  });

  it('encode(decode(w, window)) == w for every window form, fields where the CPU reads them', () => {
    const slot16 = fc.integer({ min: 0, max: 0xffff });
    fc.assert(
      fc.property(
        fc.constantFrom(...WINDOW_INSNS),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 15 }),
        slot16,
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: -0x8000, max: 0x7fff }),
        slot16,
        (e, a, b, slot, slot8, simm, uimm) => {
          const opcode = e.opcode;
          const f = { rs: { a, slot }, sr: { a, slot }, rsx: { a, b, slot }, s: { slot }, si: { slot: slot8, imm: simm }, sc: { slot: slot8, imm: uimm }, c: { imm: uimm }, n: { imm: uimm } }[
            e.form as 'rs' | 'sr' | 'rsx' | 's' | 'si' | 'sc' | 'c' | 'n'
          ];
          const [w] = encode({ opcode, ...f });
          const d = decode(w!, 0, true)!;
          expect(reencode(d)).toEqual([w]);
          // The CPU's reading (cpu.ts windowOp): slot16 = bits 16-31, slot8 = bits 8-15, imm16 signed for wset.
          if ('slot' in f) expect(d.slot).toBe(e.form === 'si' || e.form === 'sc' ? w! >>> 8 & 255 : w! >>> 16);
          if (e.form === 'si') expect(d.imm).toBe(w! >> 16);
          if (e.form === 'rs' || e.form === 'sr' || e.form === 'rsx') expect(d.a).toBe(a);
          if (e.form === 'rsx') expect(d.b).toBe(b);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses window fields that do not fit', () => {
    expect(() => encode({ opcode: OP.wset, slot: 256 })).toThrow(/slot out of range/);
    expect(() => encode({ opcode: OP.wld, slot: 0x10000 })).toThrow(/slot out of range/);
    expect(() => encode({ opcode: OP.wcall, imm: -1 })).toThrow(/callout id out of range/);
    expect(() => encode({ opcode: OP.wset, slot: 1, imm: 0x8000 })).toThrow(/16-bit range/);
  });
});
