// The operand syntax of each instruction form, as written in assembly; shown by `vmlab isa` and docs/isa.md.
import type { Form, InsnSpec } from './table.js';

/** Operand template per form (destination first, as the assembler takes them). */
export const FORM_OPERANDS = {
  none: '',
  r: 'ra',
  rr: 'ra, rb',
  ri: 'ra, imm16',
  rI: 'ra, imm32',
  rm: 'ra, [rb + imm16]',
  rM: 'ra, [rb + imm32] | [addr]',
  mr: '[rb + imm16], ra',
  Mr: '[rb + imm32] | [addr], ra',
  j: 'target',
  v: 'vector',
  rp: 'ra, port',
  pr: 'port, ra',
  rc: 'ra, crN',
  cr: 'crN, ra',
  rs: 'ra, [slot]',
  sr: '[slot], ra',
  rsx: 'ra, [slot + rb]',
  s: '[slot]',
  si: '[slot8], imm16',
  sc: '[slot8], callout',
  c: 'callout',
  n: 'count',
} as const satisfies Record<Form, string>;

/** One-line description of a form's encoding, for the docs' encoding overview. */
export const FORM_ENCODING = {
  none: 'one word; a, b and imm16 are 0',
  r: 'one word; register in a',
  rr: 'one word; registers in a and b',
  ri: 'one word; imm16 sign-extended',
  rI: 'two words; the second (ext) holds imm32',
  rm: 'one word; base register in b, displacement in imm16 (sign-extended)',
  rM: 'two words; displacement or absolute address in ext; imm16 bit 0 set = no base register',
  mr: 'one word; base register in b, displacement in imm16, data register in a',
  Mr: 'two words; like rM, data register in a',
  j: 'one word; bits 8-31 = signed word offset from the next instruction (±32 MiB)',
  v: 'one word; vector (0..255) in imm16',
  rp: 'one word; port (0..0xffff) in imm16',
  pr: 'one word; port (0..0xffff) in imm16, data register in a',
  rc: 'one word; control-register number in b',
  cr: 'one word; control-register number in b, source register in a',
  rs: 'window only; one word; register in a, slot (0..0xffff) in imm16',
  sr: 'window only; one word; slot (0..0xffff) in imm16, source register in a',
  rsx: 'window only; one word; registers in a and b, slot (0..0xffff) in imm16',
  s: 'window only; one word; slot (0..0xffff) in imm16',
  si: 'window only; one word; slot (0..255) in bits 8-15, imm16 sign-extended',
  sc: 'window only; one word; slot (0..255) in bits 8-15, callout id (0..0xffff) in imm16',
  c: 'window only; one word; callout id (0..0xffff) in imm16',
  n: 'window only; one word; count (0..0xffff) in imm16',
} as const satisfies Record<Form, string>;

/** `add ra, rb`, `ld ra, [rb + imm16]`, `ret`. */
export function insnSyntax(e: Pick<InsnSpec, 'mnemonic' | 'form'>): string {
  const ops = FORM_OPERANDS[e.form];
  return ops ? `${e.mnemonic} ${ops}` : e.mnemonic;
}
