// Encoding and decoding of VX32 instruction words, driven by the ISA table's forms.

import { BY_OPCODE, LONG_FORMS, OPCODE_COUNT, type Form, type OpcodeInfo } from './table.js';

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
}

export class EncodeError extends Error {}

/** Encode one instruction into 1 or 2 words. Throws EncodeError for values a form cannot hold. */
export function encode(f: EncodeFields): number[] {
  const info = BY_OPCODE[f.opcode];
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
    default:
      if (!fitsImm16(imm)) throw new EncodeError('immediate out of 16-bit range');
      return [(op | (a << 8) | (b << 12) | ((imm & 0xffff) << 16)) >>> 0];
  }
}

/** Whether a form carries an extension word. */
export function isLong(form: Form): boolean {
  return LONG_FORMS.has(form);
}

/** Length in bytes of the instruction whose first word is `w`, or 0 if the opcode is invalid. */
export function lengthOf(w: number): number {
  const info = BY_OPCODE[w & 0xff];
  return info ? (info.long ? 8 : 4) : 0;
}

/** Decode the instruction at word `w` (and `ext`, the following word, for long forms). Null if invalid. */
export function decode(w: number, ext = 0): Decoded | null {
  const opcode = w & 0xff;
  if (opcode >= OPCODE_COUNT) return null;
  const info = BY_OPCODE[opcode]!;
  const a = (w >>> 8) & 15;
  const b = (w >>> 12) & 15;
  const imm16 = w >>> 16;
  switch (info.form) {
    case 'j':
      return { info, a: 0, b: 0, imm: (w >> 8) * 4, imm16: 0, size: 4 };
    case 'rI':
    case 'rM':
    case 'Mr':
      return { info, a, b, imm: ext | 0, imm16, size: 8 };
    case 'v':
    case 'rp':
    case 'pr':
      return { info, a, b, imm: imm16, imm16, size: 4 };
    default:
      return { info, a, b, imm: (imm16 << 16) >> 16, imm16, size: 4 };
  }
}

/** Re-encode a decoded instruction; `encode(decode(w)) == w` for every canonical word. */
export function reencode(d: Decoded): number[] {
  return encode({ opcode: d.info.opcode, a: d.a, b: d.b, imm: d.imm, imm16: d.imm16 });
}
