// Test helpers for the assembler: assemble from an in-memory file map, and read back words.
import { expect } from 'vitest';
import { assembleSource } from '../../assembler/index.js';
import type { AssembleOptions, AssembleResult, Image } from '../../assembler/types.js';
import { encode, type EncodeFields } from '../../isa/encoding.js';
import { OP, type InsnId } from '../../isa/table.js';

export function asm(src: string, opts: AssembleOptions & { files?: Record<string, string> } = {}): AssembleResult {
  const files = opts.files ?? {};
  return assembleSource(src, 'main.s', { readFile: (p) => files[p], ...opts });
}

/** Assemble and require success. */
export function image(src: string, opts: AssembleOptions & { files?: Record<string, string> } = {}): Image {
  const r = asm(src, opts);
  expect(r.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`)).toEqual([]);
  return r.image!;
}

export function segment(img: Image, name: string): Uint8Array {
  const s = img.segments.find((x) => x.name === name);
  if (!s) throw new Error(`no segment ${name}`);
  return s.data;
}

/** The .text segment as little-endian 32-bit words. */
export function words(src: string, opts: AssembleOptions & { files?: Record<string, string> } = {}): number[] {
  const d = segment(image(src, opts), '.text');
  const out: number[] = [];
  for (let i = 0; i + 4 <= d.length; i += 4) out.push((d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24)) >>> 0);
  return out;
}

/** Expected words of one instruction. */
export function enc(id: InsnId, f: Omit<EncodeFields, 'opcode'> = {}): number[] {
  return encode({ opcode: OP[id], ...f });
}

export function sym(img: Image, name: string): number {
  const s = img.symbols.find((x) => x.name === name);
  if (!s) throw new Error(`no symbol ${name}`);
  return s.value;
}

/** `line:col: message` of each diagnostic. */
export function errs(r: AssembleResult): string[] {
  return r.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`);
}
