// Invariants of the ISA table and its encoding.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, J_MAX, J_MIN } from '../../isa/encoding.js';
import { BY_OPCODE, ISA, OP, OPCODE_COUNT } from '../../isa/table.js';

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
});
