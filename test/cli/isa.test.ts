// `vmlab isa` data and the Theorem 1 verdict: computed from the ISA table, shared with docs/isa.md.
import { describe, expect, it } from 'vitest';
import { insnJson } from '../../cli/commands/isa.js';
import { generateIsaDoc } from '../../isa/docs.js';
import { INSNS } from '../../isa/table.js';
import { theorem1 } from '../../isa/theorem1.js';

describe('Theorem 1 for VX32', () => {
  const t = theorem1();

  it('finds the four sensitive-but-unprivileged instructions, so VX32 is not classically virtualizable', () => {
    expect(t.sensitiveUnprivileged).toEqual(['pushf', 'popf', 'rdcpl', 'sidt']);
    expect(t.verdicts.find((v) => v.machine === 'VX32')).toMatchObject({ virtualizable: false });
    expect(t.verdicts.find((v) => v.machine === 'VX32')!.reason).toMatch(/sensitive ⊄ privileged/);
  });

  it('strict VX32 (the four trap outside ring 0) satisfies the theorem', () => {
    expect(t.verdicts.find((v) => v.machine === 'strict VX32')).toMatchObject({ virtualizable: true });
  });

  it('privileged ⊆ sensitive, and sensitive = privileged ∪ sensitive-unprivileged', () => {
    for (const p of t.privileged) expect(t.sensitive).toContain(p);
    expect([...t.sensitive].sort()).toEqual([...t.privileged, ...t.sensitiveUnprivileged].sort());
  });

  it('leaves the window class out of every set, as not guest-visible', () => {
    const windowIds = INSNS.filter((e) => e.cls === 'window').map((e) => e.mnemonic);
    expect(t.notGuestVisible).toEqual(windowIds);
    for (const n of windowIds) {
      expect(t.sensitive).not.toContain(n);
      expect(t.privileged).not.toContain(n);
    }
    expect(t.notGuestVisibleReason).toMatch(/#UD/);
    expect(t.verdicts.map((v) => v.virtualizable)).toEqual([false, true, true]);
  });

  it('docs/isa.md states the same verdict and lists every opcode', () => {
    const doc = generateIsaDoc();
    expect(doc).toMatch(/\| VX32 \| \*\*no\*\* \|/);
    expect(doc).toMatch(/\| strict VX32 \| yes \|/);
    for (const e of INSNS) expect(doc).toContain(`| \`${e.id}\` |`);
  });
});

describe('vmlab isa --json rows', () => {
  it('carry every documented field for every opcode', () => {
    for (const e of INSNS) {
      const j = insnJson(e);
      expect(Object.keys(j).sort()).toEqual(
        ['blockEnd', 'class', 'exit', 'flow', 'form', 'id', 'mem', 'mnemonic', 'opcode', 'summary', 'syntax'].sort(),
      );
      expect(j.syntax.startsWith(e.mnemonic)).toBe(true);
    }
    expect(insnJson(INSNS.find((e) => e.id === 'ld.rm')!).syntax).toBe('ld ra, [rb + imm16]');
  });
});
