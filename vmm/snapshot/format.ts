// The snapshot file: a whole run (every VM's state, RAM, disk and kernel image) in one checksummed, compressed file.
//
// Layout (docs/snapshot-format.md), all integers little-endian:
//   0   8  magic "VMLABSNP"
//   8   4  format version (SNAPSHOT_VERSION)
//   12  4  CRC-32 of every byte from offset 20 to the end
//   16  4  length of the compressed body
//   20  .. body, zlib-compressed: sections one after another, each `u32 length, bytes`:
//          the state as UTF-8 JSON (HypervisorState plus `maxInstructions`), then per VM its image
//          (.vxe bytes), its RAM and its disk, each memory as sparse pages (all-zero pages not stored).
// The core's code: no Node API, so a browser can save and load snapshots too.

import crc32 from 'crc-32';
import { unzlibSync, zlibSync } from 'fflate';
import { parseImage, serializeImage, ImageError } from '../../assembler/image-format.js';
import type { Image } from '../../assembler/types.js';
import { PAGE_SIZE } from '../../isa/abi.js';
import type { HypervisorState, SavedRun } from '../hv/hypervisor.js';

export const SNAPSHOT_MAGIC = 'VMLABSNP';
export const SNAPSHOT_VERSION = 1;
const HEADER = 20;
/** No VM image, RAM or disk is larger than this: a bigger length is a corrupt file, not a reason to allocate. */
const MAX_SECTION = 1 << 30;

/** A file that is not a snapshot this vmlab can read: the message says why, in one line. */
export class SnapshotError extends Error {}

/** What a snapshot holds. */
export interface Snapshot {
  readonly run: SavedRun;
  readonly images: readonly Image[];
  /** The run's instruction limit per VM (its --max-instructions), from its start. */
  readonly maxInstructions: number;
}

/** Memory as sparse pages: u32 byte length, a bitmap of stored pages, then those pages. */
function packPages(mem: Uint8Array): Uint8Array {
  const pages = Math.ceil(mem.length / PAGE_SIZE);
  const bitmap = new Uint8Array(Math.ceil(pages / 8));
  const kept: Uint8Array[] = [];
  for (let p = 0; p < pages; p++) {
    const page = mem.subarray(p * PAGE_SIZE, Math.min(mem.length, (p + 1) * PAGE_SIZE));
    if (page.some((b) => b !== 0)) {
      bitmap[p >>> 3]! |= 1 << (p & 7);
      kept.push(page);
    }
  }
  const out = new Uint8Array(4 + bitmap.length + kept.reduce((n, k) => n + k.length, 0));
  new DataView(out.buffer).setUint32(0, mem.length, true);
  out.set(bitmap, 4);
  let at = 4 + bitmap.length;
  for (const k of kept) {
    out.set(k, at);
    at += k.length;
  }
  return out;
}

function unpackPages(packed: Uint8Array, what: string): Uint8Array {
  if (packed.length < 4) throw new SnapshotError(`${what} is truncated`);
  const length = new DataView(packed.buffer, packed.byteOffset).getUint32(0, true);
  if (length > MAX_SECTION) throw new SnapshotError(`${what} claims ${length} bytes, more than any VM has`);
  const pages = Math.ceil(length / PAGE_SIZE);
  const bitmap = packed.subarray(4, 4 + Math.ceil(pages / 8));
  const mem = new Uint8Array(length);
  let at = 4 + bitmap.length;
  for (let p = 0; p < pages; p++) {
    if (!(bitmap[p >>> 3]! & (1 << (p & 7)))) continue;
    const size = Math.min(PAGE_SIZE, length - p * PAGE_SIZE);
    if (at + size > packed.length) throw new SnapshotError(`${what} is truncated`);
    mem.set(packed.subarray(at, at + size), p * PAGE_SIZE);
    at += size;
  }
  if (at !== packed.length) throw new SnapshotError(`${what} has ${packed.length - at} bytes past its last page`);
  return mem;
}

export function encodeSnapshot(s: Snapshot): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify({ ...s.run.state, maxInstructions: s.maxInstructions }));
  const sections: Uint8Array[] = [json];
  s.run.state.vms.forEach((_, i) => {
    sections.push(serializeImage(s.images[i]!), packPages(s.run.ram[i]!), packPages(s.run.disks[i]!));
  });
  const raw = new Uint8Array(sections.reduce((n, x) => n + 4 + x.length, 0));
  const view = new DataView(raw.buffer);
  let at = 0;
  for (const x of sections) {
    view.setUint32(at, x.length, true);
    raw.set(x, at + 4);
    at += 4 + x.length;
  }
  const body = zlibSync(raw, { level: 6 });
  const out = new Uint8Array(HEADER + body.length);
  const h = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = SNAPSHOT_MAGIC.charCodeAt(i);
  h.setUint32(8, SNAPSHOT_VERSION, true);
  h.setUint32(16, body.length, true);
  out.set(body, HEADER);
  h.setUint32(12, crc32.buf(out.subarray(HEADER)) >>> 0, true);
  return out;
}

export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  if (bytes.length < HEADER) throw new SnapshotError(`too short for a snapshot (${bytes.length} bytes; the header alone is ${HEADER})`);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== SNAPSHOT_MAGIC) throw new SnapshotError('not a vmlab snapshot (bad magic)');
  const h = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = h.getUint32(8, true);
  if (version !== SNAPSHOT_VERSION)
    throw new SnapshotError(`snapshot format version ${version}; this vmlab reads version ${SNAPSHOT_VERSION}`);
  const length = h.getUint32(16, true);
  if (HEADER + length !== bytes.length)
    throw new SnapshotError(
      HEADER + length > bytes.length
        ? `truncated: the header promises ${length} bytes of body, the file has ${bytes.length - HEADER}`
        : `${bytes.length - HEADER - length} bytes past the end of the snapshot`,
    );
  if ((crc32.buf(bytes.subarray(HEADER)) >>> 0) !== h.getUint32(12, true)) throw new SnapshotError('corrupt: the checksum does not match');
  let raw: Uint8Array;
  try {
    raw = unzlibSync(bytes.subarray(HEADER));
  } catch (e) {
    throw new SnapshotError(`corrupt: the body does not decompress (${(e as Error).message})`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let at = 0;
  const section = (what: string): Uint8Array => {
    if (at + 4 > raw.length) throw new SnapshotError(`${what} is missing`);
    const n = view.getUint32(at, true);
    if (n > MAX_SECTION || at + 4 + n > raw.length) throw new SnapshotError(`${what} is truncated`);
    const x = raw.subarray(at + 4, at + 4 + n);
    at += 4 + n;
    return x;
  };
  let state: HypervisorState & { maxInstructions: number };
  try {
    state = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(section('the state'))) as typeof state;
  } catch (e) {
    if (e instanceof SnapshotError) throw e;
    throw new SnapshotError(`corrupt: the state is not JSON (${(e as Error).message})`);
  }
  checkShape(state);
  const images: Image[] = [];
  const ram: Uint8Array[] = [];
  const disks: Uint8Array[] = [];
  for (const vm of state.vms) {
    try {
      images.push(parseImage(section(`${vm.name}'s image`).slice()));
    } catch (e) {
      if (e instanceof ImageError) throw new SnapshotError(`${vm.name}'s image: ${e.message}`);
      throw e;
    }
    ram.push(unpackPages(section(`${vm.name}'s RAM`), `${vm.name}'s RAM`));
    disks.push(unpackPages(section(`${vm.name}'s disk`), `${vm.name}'s disk`));
  }
  if (at !== raw.length) throw new SnapshotError(`${raw.length - at} bytes past the last section`);
  const { maxInstructions, ...run } = state;
  return { run: { state: run, ram, disks }, images, maxInstructions };
}

/** The fields everything else relies on; a file that passed the checksum but lacks them was not written by vmlab. */
function checkShape(s: unknown): asserts s is HypervisorState & { maxInstructions: number } {
  const o = s as Record<string, unknown> | null;
  const bad = (what: string): never => {
    throw new SnapshotError(`corrupt: the state has no valid ${what}`);
  };
  if (typeof o !== 'object' || o === null) bad('object');
  if (typeof o!.technique !== 'string') bad('technique');
  if (!Number.isSafeInteger(o!.maxInstructions)) bad('instruction limit');
  if (!Array.isArray(o!.vms) || o!.vms.length === 0) bad('list of VMs');
  for (const vm of o!.vms as unknown[]) {
    const v = vm as Record<string, unknown>;
    if (typeof v?.name !== 'string' || !Number.isSafeInteger(v.ramSize) || typeof v.vm !== 'object' || typeof v.platform !== 'object')
      bad('VM entry');
  }
  if (typeof o!.sched !== 'object' || typeof o!.host !== 'object' || typeof o!.profile !== 'object') bad('scheduler, host or profile');
}
