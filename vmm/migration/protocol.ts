// The live-migration wire protocol (docs/migration.md): framed, checksummed messages, and an incremental reader for them.
//
// Every message is a frame: u8 type, u32 payload length, u32 CRC-32 of the payload, then the payload
// (all integers little-endian). The reader takes bytes as they arrive and hands back whole frames; a
// bad length or checksum is a MigrationStreamError, never a partial frame. The core's code: no Node API.

import crc32 from 'crc-32';
import { PAGE_SIZE } from '../../isa/abi.js';

export const MIGRATION_MAGIC = 'VMLABMIG';
export const MIGRATION_VERSION = 1;
export const FRAME_HEADER = 9;
/** No frame is larger: a page batch or a switch-over state past this is a corrupt stream, not a reason to allocate. */
export const MAX_FRAME = 64 << 20;
/** In a PAGES frame, a page number with this bit set is an all-zero page: no bytes follow it. */
export const ZERO_PAGE = 0x8000_0000;

export const MSG = {
  /** source → destination: magic, version, then the VM's shape as JSON (Hello). */
  HELLO: 1,
  /** destination → source: the destination takes this VM (JSON { version }). */
  WELCOME: 2,
  /** source → destination: a round begins: u32 round number, u32 pages it will send. */
  ROUND: 3,
  /** source → destination: u32 count, then per page u32 page number and (unless ZERO_PAGE) its bytes. */
  PAGES: 4,
  /** source → destination: the VM is stopped; its CPU, device and technique state (a snapshot with no RAM). */
  SWITCH: 5,
  /** destination → source: the VM is restored and will run here; the source may let go of it. */
  ACK: 6,
  /** destination → source: the destination refuses the VM (UTF-8 reason); the source keeps it. */
  REFUSE: 7,
  /** source → destination: the migration is called off (UTF-8 reason); the destination discards what it has. */
  ABORT: 8,
} as const;
export type MsgType = (typeof MSG)[keyof typeof MSG];

/** What HELLO tells the destination, before any page. */
export interface Hello {
  readonly technique: string;
  readonly memory: string | null;
  readonly devices: string;
  readonly strict: boolean;
  readonly ramSize: number;
  readonly pageSize: number;
  readonly mode: string;
}

export interface Frame {
  readonly type: number;
  readonly payload: Uint8Array;
}

/** A stream that is not the protocol: the message says what was wrong, in one line. */
export class MigrationStreamError extends Error {}

export function frame(type: MsgType, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER + payload.length);
  const v = new DataView(out.buffer);
  v.setUint8(0, type);
  v.setUint32(1, payload.length, true);
  v.setUint32(5, crc32.buf(payload) >>> 0, true);
  out.set(payload, FRAME_HEADER);
  return out;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

export function helloFrame(h: Hello): Uint8Array {
  const json = utf8(JSON.stringify(h));
  const p = new Uint8Array(12 + json.length);
  for (let i = 0; i < 8; i++) p[i] = MIGRATION_MAGIC.charCodeAt(i);
  new DataView(p.buffer).setUint32(8, MIGRATION_VERSION, true);
  p.set(json, 12);
  return frame(MSG.HELLO, p);
}

export function parseHello(p: Uint8Array): Hello {
  if (p.length < 12 || String.fromCharCode(...p.subarray(0, 8)) !== MIGRATION_MAGIC)
    throw new MigrationStreamError('not a vmlab migration stream (bad magic)');
  const version = new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(8, true);
  if (version !== MIGRATION_VERSION)
    throw new MigrationStreamError(`migration protocol version ${version}; this vmlab speaks version ${MIGRATION_VERSION}`);
  let h: Hello;
  try {
    h = JSON.parse(text(p.subarray(12))) as Hello;
  } catch {
    throw new MigrationStreamError('corrupt: the handshake is not JSON');
  }
  if (typeof h?.technique !== 'string' || !Number.isSafeInteger(h.ramSize) || h.pageSize !== PAGE_SIZE)
    throw new MigrationStreamError('corrupt: the handshake lacks the technique, RAM size or page size');
  return h;
}

export function roundFrame(round: number, pages: number): Uint8Array {
  const p = new Uint8Array(8);
  const v = new DataView(p.buffer);
  v.setUint32(0, round, true);
  v.setUint32(4, pages, true);
  return frame(MSG.ROUND, p);
}

export function parseRound(p: Uint8Array): { round: number; pages: number } {
  if (p.length !== 8) throw new MigrationStreamError(`corrupt: a round header of ${p.length} bytes (it has 8)`);
  const v = new DataView(p.buffer, p.byteOffset, 8);
  return { round: v.getUint32(0, true), pages: v.getUint32(4, true) };
}

/** A batch of pages of `ram`, as they are now. */
export function pagesFrame(ram: Uint8Array, pages: readonly number[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 4;
  const head = new Uint8Array(4);
  new DataView(head.buffer).setUint32(0, pages.length, true);
  for (const n of pages) {
    const page = ram.subarray(n * PAGE_SIZE, (n + 1) * PAGE_SIZE);
    const zero = !page.some((b) => b !== 0);
    const no = new Uint8Array(4);
    new DataView(no.buffer).setUint32(0, zero ? (n | ZERO_PAGE) >>> 0 : n, true);
    parts.push(no);
    size += 4;
    if (!zero) {
      parts.push(page);
      size += PAGE_SIZE;
    }
  }
  const p = new Uint8Array(size);
  p.set(head, 0);
  let at = 4;
  for (const x of parts) {
    p.set(x, at);
    at += x.length;
  }
  return frame(MSG.PAGES, p);
}

/** Write a PAGES payload into `ram`; returns how many pages it held. */
export function applyPages(p: Uint8Array, ram: Uint8Array): number {
  if (p.length < 4) throw new MigrationStreamError('corrupt: a page batch without its count');
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const count = v.getUint32(0, true);
  const pages = ram.length / PAGE_SIZE;
  let at = 4;
  for (let k = 0; k < count; k++) {
    if (at + 4 > p.length) throw new MigrationStreamError('corrupt: a page batch shorter than its count');
    const raw = v.getUint32(at, true);
    at += 4;
    const n = raw & ~ZERO_PAGE;
    if (n >= pages) throw new MigrationStreamError(`corrupt: page ${n} is past the end of the VM's ${pages} pages`);
    if (raw & ZERO_PAGE) ram.fill(0, n * PAGE_SIZE, (n + 1) * PAGE_SIZE);
    else {
      if (at + PAGE_SIZE > p.length) throw new MigrationStreamError('corrupt: a page batch shorter than its count');
      ram.set(p.subarray(at, at + PAGE_SIZE), n * PAGE_SIZE);
      at += PAGE_SIZE;
    }
  }
  if (at !== p.length) throw new MigrationStreamError(`corrupt: ${p.length - at} bytes past a page batch's last page`);
  return count;
}

/** Whole frames out of a byte stream as it arrives (a growing buffer: a large frame in many chunks is copied once per doubling). */
export class FrameReader {
  private buf = new Uint8Array(1 << 16);
  private start = 0;
  private end = 0;

  /** Add bytes; returns the frames they complete, in order. */
  push(chunk: Uint8Array): Frame[] {
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start;
      let cap = this.buf.length;
      while (cap < live + chunk.length) cap *= 2;
      if (cap === this.buf.length) this.buf.copyWithin(0, this.start, this.end);
      else {
        const next = new Uint8Array(cap);
        next.set(this.buf.subarray(this.start, this.end), 0);
        this.buf = next;
      }
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
    const out: Frame[] = [];
    while (this.end - this.start >= FRAME_HEADER) {
      const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.start, FRAME_HEADER);
      const type = v.getUint8(0);
      const length = v.getUint32(1, true);
      if (type < MSG.HELLO || type > MSG.ABORT) throw new MigrationStreamError(`corrupt: unknown message type ${type}`);
      if (length > MAX_FRAME) throw new MigrationStreamError(`corrupt: a message of ${length} bytes (at most ${MAX_FRAME})`);
      if (this.end - this.start - FRAME_HEADER < length) break;
      const payload = this.buf.slice(this.start + FRAME_HEADER, this.start + FRAME_HEADER + length);
      if ((crc32.buf(payload) >>> 0) !== v.getUint32(5, true)) throw new MigrationStreamError("corrupt: a message's checksum does not match");
      out.push({ type, payload });
      this.start += FRAME_HEADER + length;
    }
    return out;
  }

  /** Bytes of a frame begun but not finished (the stream ended inside it if it ends now). */
  get pending(): number {
    return this.end - this.start;
  }
}
