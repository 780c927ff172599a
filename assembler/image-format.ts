// The .vxe image file format: serializeImage / parseImage, with every field bounded so a hostile file only ever yields an ImageError.
//
// The byte layout is documented field by field in docs/image-format.md; keep the two in step.
// All integers are little-endian. Parsing validates structure (lengths, counts, UTF-8) and meaning
// (segments inside the address space and disjoint, entry inside a segment, file indexes in range),
// so a loader can trust whatever parseImage returns.

import { MEMMAP } from '../isa/abi.js';
import { IMAGE_FLAG, SEG, type Image, type LineEntry, type Segment, type SymbolEntry } from './types.js';

export const IMAGE_MAGIC = 'VXE1';
export const IMAGE_VERSION = 1;
export const HEADER_SIZE = 24;

/** Limits that keep a hostile file from asking for absurd allocations; all far above what a guest needs. */
export const IMAGE_LIMITS = {
  SEGMENTS: 64,
  FILES: 4096,
  SYMBOLS: 1 << 20,
  LINES: 1 << 22,
  /** Bytes of a segment name, a symbol name. */
  NAME_BYTES: 255,
  /** Bytes of a source file name in the line table. */
  FILE_NAME_BYTES: 4096,
  /** Sum of all segments' memory sizes: an image never needs more than the largest VM's RAM. */
  TOTAL_MEM: MEMMAP.MAX_RAM,
} as const;

const KNOWN_IMAGE_FLAGS = Object.values(IMAGE_FLAG).reduce((a, b) => a | b, 0);
const KNOWN_SEG_FLAGS = SEG.R | SEG.W | SEG.X;
/** Symbol record flag bits. */
const SYM_CONST = 1;
const SYM_GLOBAL = 2;
/** The value is negative: stored as its 32-bit two's complement, read back sign-extended. */
const SYM_NEGATIVE = 4;
const KNOWN_SYM_FLAGS = SYM_CONST | SYM_GLOBAL | SYM_NEGATIVE;

/** Fixed bytes per record (names excluded), used to reject counts the remaining bytes cannot hold. */
const SEG_FIXED = 1 + 1 + 4 + 4 + 4;
const FILE_FIXED = 2;
const SYM_FIXED = 1 + 1 + 4;
const LINE_SIZE = 4 + 2 + 4;

/** The only error parseImage (and serializeImage, for images it cannot represent) ever throws. */
export class ImageError extends Error {
  override readonly name = 'ImageError';
  /** Byte offset the problem was found at, when it concerns a position in the file. */
  readonly offset: number | undefined;
  constructor(message: string, offset?: number) {
    super(message);
    this.offset = offset;
  }
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

// ---------------------------------------------------------------------------------------------
// validation shared by both directions

/** Checks the meaning of an image (not its encoding). Throws ImageError. */
export function validateImage(img: Image): void {
  if ((img.flags & ~KNOWN_IMAGE_FLAGS) !== 0) throw new ImageError(`unknown image flag bits ${hex(img.flags)}`);
  if (img.segments.length > IMAGE_LIMITS.SEGMENTS)
    throw new ImageError(`${img.segments.length} segments (at most ${IMAGE_LIMITS.SEGMENTS})`);
  let total = 0;
  for (const s of img.segments) {
    if (s.name.length === 0) throw new ImageError('segment with an empty name');
    if ((s.flags & ~KNOWN_SEG_FLAGS) !== 0) throw new ImageError(`segment ${s.name}: unknown flag bits ${hex(s.flags)}`);
    if (!isU32(s.addr)) throw new ImageError(`segment ${s.name}: address ${s.addr} is not a 32-bit address`);
    if (!isU32(s.memSize)) throw new ImageError(`segment ${s.name}: memory size ${s.memSize} is not a 32-bit size`);
    if (s.data.length > s.memSize)
      throw new ImageError(`segment ${s.name}: ${s.data.length} data bytes exceed its memory size ${s.memSize}`);
    if (s.addr + s.memSize > 2 ** 32)
      throw new ImageError(`segment ${s.name} at ${hex(s.addr)} (${s.memSize} bytes) runs past the 4 GiB address space`);
    total += s.memSize;
    if (total > IMAGE_LIMITS.TOTAL_MEM)
      throw new ImageError(`segments need ${total} bytes of memory (at most ${IMAGE_LIMITS.TOTAL_MEM})`);
  }
  const sorted = [...img.segments].filter((s) => s.memSize > 0).sort((a, b) => a.addr - b.addr);
  for (let i = 1; i < sorted.length; i++) {
    const p = sorted[i - 1]!;
    const s = sorted[i]!;
    if (p.addr + p.memSize > s.addr)
      throw new ImageError(
        `segments ${p.name} [${hex(p.addr)}, ${hex(p.addr + p.memSize)}) and ${s.name} [${hex(s.addr)}, ` +
          `${hex(s.addr + s.memSize)}) overlap`,
      );
  }
  if (!isU32(img.entry)) throw new ImageError(`entry ${img.entry} is not a 32-bit address`);
  if (!img.segments.some((s) => img.entry >= s.addr && img.entry < s.addr + s.memSize))
    throw new ImageError(`entry ${hex(img.entry)} is outside every segment`);
}

function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff;
}

// ---------------------------------------------------------------------------------------------
// serialize

const encoder = new TextEncoder();

/** Encodes an image. Throws ImageError if the image breaks a rule parseImage would reject it for. */
export function serializeImage(img: Image): Uint8Array {
  validateImage(img);
  if (img.symbols.length > IMAGE_LIMITS.SYMBOLS) throw new ImageError(`too many symbols (${img.symbols.length})`);
  if (img.lines.length > IMAGE_LIMITS.LINES) throw new ImageError(`too many line entries (${img.lines.length})`);

  const files: string[] = [];
  const fileIndex = new Map<string, number>();
  for (const l of img.lines) {
    if (!fileIndex.has(l.file)) {
      fileIndex.set(l.file, files.length);
      files.push(l.file);
    }
  }
  if (files.length > IMAGE_LIMITS.FILES) throw new ImageError(`too many source files (${files.length})`);

  const w = new Writer();
  w.bytes(encoder.encode(IMAGE_MAGIC));
  w.u16(IMAGE_VERSION);
  w.u16(img.flags);
  w.u32(img.entry);
  w.u16(img.segments.length);
  w.u16(files.length);
  w.u32(img.symbols.length);
  w.u32(img.lines.length);

  for (const s of img.segments) {
    w.name8(s.name, `segment name ${JSON.stringify(s.name)}`);
    w.u8(s.flags);
    w.u32(s.addr);
    w.u32(s.memSize);
    w.u32(s.data.length);
    w.bytes(s.data);
  }
  for (const f of files) {
    const b = encoder.encode(f);
    if (b.length === 0 || b.length > IMAGE_LIMITS.FILE_NAME_BYTES)
      throw new ImageError(`source file name of ${b.length} bytes (1..${IMAGE_LIMITS.FILE_NAME_BYTES})`);
    w.u16(b.length);
    w.bytes(b);
  }
  for (const s of img.symbols) {
    if (!Number.isInteger(s.value) || s.value < -(2 ** 31) || s.value > 0xffff_ffff)
      throw new ImageError(`symbol ${s.name}: value ${s.value} is not a 32-bit integer`);
    w.name8(s.name, `symbol name ${JSON.stringify(s.name)}`);
    w.u8((s.kind === 'const' ? SYM_CONST : 0) | (s.global ? SYM_GLOBAL : 0) | (s.value < 0 ? SYM_NEGATIVE : 0));
    w.u32(s.value >>> 0);
  }
  for (const l of img.lines) {
    if (!isU32(l.addr)) throw new ImageError(`line entry address ${l.addr} is not a 32-bit address`);
    if (!isU32(l.line) || l.line < 1) throw new ImageError(`line entry with line number ${l.line}`);
    w.u32(l.addr);
    w.u16(fileIndex.get(l.file)!);
    w.u32(l.line);
  }
  return w.finish();
}

/** A growable little-endian byte buffer. */
class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.len, v);
    this.len += 1;
  }
  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.len, v, true);
    this.len += 2;
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.len, v >>> 0, true);
    this.len += 4;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  /** A name of 1..255 UTF-8 bytes behind a u8 length. */
  name8(s: string, what: string): void {
    const b = encoder.encode(s);
    if (b.length === 0 || b.length > IMAGE_LIMITS.NAME_BYTES)
      throw new ImageError(`${what} is ${b.length} bytes long (1..${IMAGE_LIMITS.NAME_BYTES})`);
    this.u8(b.length);
    this.bytes(b);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

// ---------------------------------------------------------------------------------------------
// parse

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes and validates an image. Throws only ImageError. */
export function parseImage(bytes: Uint8Array): Image {
  const r = new Reader(bytes);
  if (bytes.length < 4 || r.peekMagic() !== IMAGE_MAGIC)
    throw new ImageError(`bad magic (not a .vxe image: expected the bytes "${IMAGE_MAGIC}" at offset 0)`, 0);
  r.skip(4);
  const version = r.u16('version');
  if (version !== IMAGE_VERSION)
    throw new ImageError(`unsupported version ${version} (this vmlab reads version ${IMAGE_VERSION})`, 4);
  const flags = r.u16('flags');
  if ((flags & ~KNOWN_IMAGE_FLAGS) !== 0) throw new ImageError(`unknown image flag bits ${hex(flags)}`, 6);
  const entry = r.u32('entry');
  const segCount = r.u16('segment count');
  const fileCount = r.u16('file count');
  const symCount = r.u32('symbol count');
  const lineCount = r.u32('line count');
  r.count(segCount, IMAGE_LIMITS.SEGMENTS, SEG_FIXED + 1, 'segments', 12);
  r.count(fileCount, IMAGE_LIMITS.FILES, FILE_FIXED + 1, 'source files', 14);
  r.count(symCount, IMAGE_LIMITS.SYMBOLS, SYM_FIXED + 1, 'symbols', 16);
  r.count(lineCount, IMAGE_LIMITS.LINES, LINE_SIZE, 'line entries', 20);

  const segments: Segment[] = [];
  for (let i = 0; i < segCount; i++) {
    const at = r.offset;
    const name = r.name8(`segment ${i} name`);
    const flagsAt = r.offset;
    const segFlags = r.u8(`segment ${name} flags`);
    if ((segFlags & ~KNOWN_SEG_FLAGS) !== 0)
      throw new ImageError(`segment ${name}: unknown flag bits ${hex(segFlags)}`, flagsAt);
    const addr = r.u32(`segment ${name} address`);
    const memSize = r.u32(`segment ${name} memory size`);
    const dataSize = r.u32(`segment ${name} data size`);
    if (dataSize > memSize)
      throw new ImageError(`segment ${name}: ${dataSize} data bytes exceed its memory size ${memSize}`, at);
    if (memSize > IMAGE_LIMITS.TOTAL_MEM)
      throw new ImageError(`segment ${name}: memory size ${memSize} is absurd (at most ${IMAGE_LIMITS.TOTAL_MEM})`, at);
    if (dataSize > r.remaining)
      throw new ImageError(
        `segment ${name}: its ${dataSize} data bytes run past the end of the file (${r.remaining} left at offset ${r.offset})`,
        r.offset,
      );
    const data = r.bytes(dataSize, `segment ${name} data`).slice();
    segments.push({ name, addr, flags: segFlags, memSize, data });
  }

  const files: string[] = [];
  for (let i = 0; i < fileCount; i++) {
    const at = r.offset;
    const len = r.u16(`source file ${i} name length`);
    if (len === 0 || len > IMAGE_LIMITS.FILE_NAME_BYTES)
      throw new ImageError(`source file ${i}: name length ${len} (1..${IMAGE_LIMITS.FILE_NAME_BYTES})`, at);
    files.push(r.utf8(len, `source file ${i} name`));
  }

  const symbols: SymbolEntry[] = [];
  for (let i = 0; i < symCount; i++) {
    const name = r.name8(`symbol ${i} name`);
    const flagsAt = r.offset;
    const f = r.u8(`symbol ${name} flags`);
    if ((f & ~KNOWN_SYM_FLAGS) !== 0) throw new ImageError(`symbol ${name}: unknown flag bits ${hex(f)}`, flagsAt);
    const raw = r.u32(`symbol ${name} value`);
    const value = f & SYM_NEGATIVE ? raw | 0 : raw;
    if (f & SYM_NEGATIVE && value >= 0)
      throw new ImageError(`symbol ${name}: marked negative but its value ${hex(raw)} is not`, flagsAt);
    symbols.push({ name, value, kind: f & SYM_CONST ? 'const' : 'label', global: (f & SYM_GLOBAL) !== 0 });
  }

  const lines: LineEntry[] = [];
  for (let i = 0; i < lineCount; i++) {
    const at = r.offset;
    const addr = r.u32(`line entry ${i} address`);
    const fi = r.u16(`line entry ${i} file`);
    const line = r.u32(`line entry ${i} line`);
    if (fi >= files.length)
      throw new ImageError(`line entry ${i}: file index ${fi} but only ${files.length} source files`, at + 4);
    if (line === 0) throw new ImageError(`line entry ${i}: line number 0 (lines count from 1)`, at + 6);
    lines.push({ addr, file: files[fi]!, line });
  }

  if (r.remaining > 0)
    throw new ImageError(`${r.remaining} bytes of trailing garbage after the line table, at offset ${r.offset}`, r.offset);

  const img: Image = { entry, flags, segments, symbols, lines };
  validateImage(img);
  if (fileCount > 0 && new Set(files).size !== files.length)
    throw new ImageError('the source file table names a file twice');
  return img;
}

/** A bounds-checked little-endian cursor; every read past the end is an ImageError naming the offset. */
class Reader {
  offset = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  get remaining(): number {
    return this.buf.length - this.offset;
  }
  peekMagic(): string {
    return String.fromCharCode(...this.buf.subarray(0, 4));
  }
  skip(n: number): void {
    this.need(n, 'header');
    this.offset += n;
  }
  private need(n: number, what: string): void {
    if (this.offset + n > this.buf.length)
      throw new ImageError(
        `truncated at offset ${this.offset}: ${what} needs ${n} bytes, ${this.remaining} left`,
        this.offset,
      );
  }
  u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.offset++);
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }
  utf8(n: number, what: string): string {
    const at = this.offset;
    const b = this.bytes(n, what);
    try {
      return decoder.decode(b);
    } catch {
      throw new ImageError(`${what} is not valid UTF-8 (at offset ${at})`, at);
    }
  }
  name8(what: string): string {
    const at = this.offset;
    const len = this.u8(`${what} length`);
    if (len === 0) throw new ImageError(`${what} is empty (at offset ${at})`, at);
    return this.utf8(len, what);
  }
  /** Rejects a count above its limit or one the rest of the file cannot possibly hold. */
  count(n: number, max: number, minRecord: number, what: string, at: number): void {
    if (n > max) throw new ImageError(`absurd number of ${what}: ${n} (at most ${max})`, at);
    if (n * minRecord > this.remaining)
      throw new ImageError(
        `${n} ${what} cannot fit in the ${this.remaining} bytes after the header (truncated file?)`,
        at,
      );
  }
}
