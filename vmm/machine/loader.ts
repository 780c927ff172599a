// The image loader: validates that every segment fits in RAM and clear of MMIO, then copies it in and zero-fills .bss.
import { MEMMAP } from '../../isa/abi.js';
import type { Image } from '../../isa/image.js';

/** An image that cannot be loaded into this machine; the message lists every problem found. */
export class LoadError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0]! : `the image cannot be loaded:\n  ${problems.join('\n  ')}`);
  }
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

function sizeText(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

/** Every reason `image` cannot be loaded into `ramSize` bytes of RAM (empty if it can). */
export function loadProblems(image: Image, ramSize: number): string[] {
  const problems: string[] = [];
  const spans: { name: string; start: number; end: number }[] = [];
  for (const seg of image.segments) {
    const { name, addr, memSize } = seg;
    if (!Number.isInteger(addr) || !Number.isInteger(memSize) || addr < 0 || memSize < 0) {
      problems.push(`segment ${name}: malformed address ${addr} or size ${memSize}`);
      continue;
    }
    if (seg.data.length > memSize) {
      problems.push(`segment ${name}: ${seg.data.length} bytes of data exceed its size in memory (${memSize})`);
      continue;
    }
    if (memSize === 0) continue;
    const end = addr + memSize;
    if (end > MEMMAP.MMIO_BASE) {
      problems.push(
        `segment ${name} (${hex(addr)}..${hex(end - 1)}) overlaps the MMIO window at ${hex(MEMMAP.MMIO_BASE)}; ` +
          `device registers cannot be loaded over`,
      );
    } else if (end > ramSize) {
      problems.push(
        `segment ${name} (${hex(addr)}..${hex(end - 1)}) does not fit in the machine's ${sizeText(ramSize)} of RAM ` +
          `(RAM ends at ${hex(ramSize - 1)})`,
      );
    }
    for (const other of spans)
      if (addr < other.end && other.start < end)
        problems.push(`segments ${other.name} and ${name} overlap at ${hex(Math.max(addr, other.start))}`);
    spans.push({ name, start: addr, end });
  }
  const entry = image.entry;
  if (!Number.isInteger(entry) || entry < 0 || entry % 4 !== 0) {
    problems.push(`entry point ${hex(entry)} is not a 4-byte-aligned address`);
  } else if (!spans.some((s) => entry >= s.start && entry < s.end)) {
    problems.push(`entry point ${hex(entry)} is not inside any loaded segment`);
  }
  return problems;
}

/**
 * Copy `image` into `mem` (all of RAM). Throws LoadError, with RAM untouched, if it does not fit.
 * Bytes past each segment's data up to its memSize are zeroed (.bss), even on a reused machine.
 */
export function loadImage(mem: Uint8Array, image: Image): void {
  const problems = loadProblems(image, mem.length);
  if (problems.length > 0) throw new LoadError(problems);
  for (const seg of image.segments) {
    mem.set(seg.data, seg.addr);
    mem.fill(0, seg.addr + seg.data.length, seg.addr + seg.memSize);
  }
}
