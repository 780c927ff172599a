// Encoding and decoding of VX32 instruction words, driven by the ISA table's forms.
//
// Decoding is a guest's view unless asked for the window's: a window instruction decodes (and has a
// length) only with `window` set, as the CPU executes one only in code fetched through the code-cache
// window. So tools reading guest code (the translator, trap-and-emulate, the disassembler) see window
// opcodes as the invalid opcodes they are for a guest.

import { ANY_BY_OPCODE, BY_OPCODE, LONG_FORMS, OPCODE_COUNT, type Form, type OpcodeInfo } from './table.js';

/** A decoded instruction. `imm` is sign-extended imm16, the ext word, or the j-form byte offset. */
export interface Decoded {
  readonly info: OpcodeInfo;
  readonly a: number;
  readonly b: number;
  /** imm16 as written in the word (sign-extended), or the j offset in bytes, or ext for long forms. */
  readonly imm: number;
  /** Raw imm16 field (unsigned) - carries the ABS flag in rM/Mr. */
  readonly imm16: number;
  /** Length in bytes: 4 or 8. */
  readonly size: number;
  /** Window forms: the data-area slot (imm16, or bits 8-15 for 'si'/'sc'); 0 for guest forms. */
  readonly slot: number;
}

export const J_MIN = -(1 << 23);
export const J_MAX = (1 << 23) - 1;
export const IMM16_MIN = -0x8000;
export const IMM16_MAX = 0x7fff;

export function fitsImm16(v: number): boolean {
  return v >= IMM16_MIN && v <= IMM16_MAX;
}

/** Fields to encode. For 'j', `imm` is the byte offset from the next instruction (a multiple of 4). */
export interface EncodeFields {
  readonly opcode: number;
  readonly a?: number;
  readonly b?: number;
  /** imm16 value (for short forms), byte offset (j form), or ext word (long forms). */
  readonly imm?: number;
  /** Raw imm16 for long forms (e.g. the ABS flag). */
  readonly imm16?: number;
  /** Window forms: the data-area slot. */
  readonly slot?: number;
}

export class EncodeError extends Error {}

/** Encode one instruction into 1 or 2 words. Throws EncodeError for values a form cannot hold. */
export function encode(f: EncodeFields): number[] {
  const info = ANY_BY_OPCODE[f.opcode];
  if (!info) throw new EncodeError(`no opcode ${f.opcode}`);
  const a = f.a ?? 0;
  const b = f.b ?? 0;
  if (a < 0 || a > 15 || b < 0 || b > 15) throw new EncodeError('register field out of range');
  const imm = f.imm ?? 0;
  const op = info.opcode;
  switch (info.form) {
    case 'j': {
      if (imm % 4 !== 0) throw new EncodeError('branch offset is not a multiple of 4');
      const words = imm / 4;
      if (words < J_MIN || words > J_MAX) throw new EncodeError('branch target out of range (±32 MiB)');
      return [(op | ((words & 0xffffff) << 8)) >>> 0];
    }
    case 'rI':
    case 'rM':
    case 'Mr': {
      const imm16 = f.imm16 ?? 0;
      return [(op | (a << 8) | (b << 12) | ((imm16 & 0xffff) << 16)) >>> 0, imm >>> 0];
    }
    case 'v':
      if (imm < 0 || imm > 255) throw new EncodeError('vector out of range (0..255)');
      return [(op | (imm << 16)) >>> 0];
    case 'rp':
    case 'pr':
      if (imm < 0 || imm > 0xffff) throw new EncodeError('port out of range (0..0xffff)');
      return [(op | (a << 8) | (imm << 16)) >>> 0];
    case 'rs':
    case 'sr':
    case 'rsx':
    case 's':
      return [(op | (a << 8) | (b << 12) | (u16(f.slot ?? 0, 'slot') << 16)) >>> 0];
    case 'si': {
      if (!fitsImm16(imm)) throw new EncodeError('immediate out of 16-bit range');
      return [(op | (slot8(f.slot ?? 0) << 8) | ((imm & 0xffff) << 16)) >>> 0];
    }
    case 'sc':
      return [(op | (slot8(f.slot ?? 0) << 8) | (u16(imm, 'callout id') << 16)) >>> 0];
    case 'c':
      return [(op | (u16(imm, 'callout id') << 16)) >>> 0];
    case 'n':
      return [(op | (u16(imm, 'count') << 16)) >>> 0];
    default:
      if (!fitsImm16(imm)) throw new EncodeError('immediate out of 16-bit range');
      return [(op | (a << 8) | (b << 12) | ((imm & 0xffff) << 16)) >>> 0];
  }
}

function u16(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new EncodeError(`${what} out of range (0..0xffff)`);
  return v;
}

function slot8(v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 255) throw new EncodeError('slot out of range (0..255)');
  return v;
}

/** Whether a form carries an extension word. */
export function isLong(form: Form): boolean {
  return LONG_FORMS.has(form);
}

/** The entry of opcode `op`: guest instructions only, unless `window` (translated code). */
function entryOf(op: number, window: boolean): OpcodeInfo | undefined {
  return window ? ANY_BY_OPCODE[op] : op < OPCODE_COUNT ? BY_OPCODE[op] : undefined;
}

/**
 * Length in bytes of the instruction whose first word is `w`, or 0 if the opcode is invalid (for a
 * guest; with `window`, for translated code).
 */
export function lengthOf(w: number, window = false): number {
  const info = entryOf(w & 0xff, window);
  return info ? (info.long ? 8 : 4) : 0;
}

/**
 * Decode the instruction at word `w` (and `ext`, the following word, for long forms). Null if invalid
 * for a guest, or with `window` set, for translated code (which may also hold window instructions).
 */
export function decode(w: number, ext = 0, window = false): Decoded | null {
  const info = entryOf(w & 0xff, window);
  if (!info) return null;
  const a = (w >>> 8) & 15;
  const b = (w >>> 12) & 15;
  const imm16 = w >>> 16;
  switch (info.form) {
    case 'j':
      return { info, a: 0, b: 0, imm: (w >> 8) * 4, imm16: 0, size: 4, slot: 0 };
    case 'rI':
    case 'rM':
    case 'Mr':
      return { info, a, b, imm: ext | 0, imm16, size: 8, slot: 0 };
    case 'v':
    case 'rp':
    case 'pr':
    case 'c':
    case 'n':
      return { info, a, b, imm: imm16, imm16, size: 4, slot: 0 };
    case 'rs':
    case 'sr':
    case 'rsx':
    case 's':
      return { info, a, b, imm: 0, imm16, size: 4, slot: imm16 };
    case 'si':
    case 'sc':
      return { info, a: 0, b: 0, imm: info.form === 'si' ? (imm16 << 16) >> 16 : imm16, imm16, size: 4, slot: (w >>> 8) & 255 };
    default:
      return { info, a, b, imm: (imm16 << 16) >> 16, imm16, size: 4, slot: 0 };
  }
}

/** Re-encode a decoded instruction; `encode(decode(w)) == w` for every canonical word. */
export function reencode(d: Decoded): number[] {
  return encode({ opcode: d.info.opcode, a: d.a, b: d.b, imm: d.imm, imm16: d.imm16, slot: d.slot });
}
