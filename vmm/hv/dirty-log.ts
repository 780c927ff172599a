// The dirty log a technique keeps for pre-copy migration: which guest-physical pages were written since it was last read.

import type { Iommu } from '../devices/iommu.js';

/**
 * A technique's runner returns one of these from `dirtyLog()` when it can tell which pages of the
 * guest's RAM were written, by the guest or by the VMM on its behalf (DMA, shared structures). How it
 * finds out is the technique's own: write-protected second-stage or shadow entries, its software MMU,
 * or log-dirty mode. Pre-copy migration reads it between rounds; nothing else does.
 */
export interface DirtyLog {
  /** Begin logging: from now on every write into the guest's RAM marks its page. */
  start(): void;
  /** The pages written since start() or the last take(), ascending; the log starts empty again. */
  take(): number[];
  /** Stop logging and give back whatever the technique changed to log (write protection, say). */
  stop(): void;
}

/** One bit (a byte, for speed) per guest page: what most dirty logs keep. */
export class DirtyBitmap {
  /** Non-zero for a written page (an interpreter's MMU sets these itself). */
  readonly bits: Uint8Array;
  constructor(pages: number) {
    this.bits = new Uint8Array(pages);
  }
  mark(page: number): void {
    if (page >= 0 && page < this.bits.length) this.bits[page] = 1;
  }
  /** Mark every page that [gpa, gpa + len) touches. */
  markRange(gpa: number, len: number): void {
    if (len <= 0) return;
    for (let p = gpa >>> 12; p <= (gpa + len - 1) >>> 12; p++) this.mark(p);
  }
  take(): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.bits.length; p++) if (this.bits[p]) out.push(p);
    this.bits.fill(0);
    return out;
  }
}

/**
 * Log the devices' DMA writes into guest RAM (the VMM's own writes on the guest's behalf) with `mark`,
 * keeping any hook already there (a binary translator's). Returns the undo.
 */
export function watchDeviceWrites(iommu: Iommu, mark: (gpa: number, len: number) => void): () => void {
  const undo: (() => void)[] = [];
  for (const name of ['block', 'nic']) {
    const d = iommu.domain(name);
    const before = d.writeHook;
    d.writeHook = (gpa, len) => {
      mark(gpa, len);
      before?.(gpa, len);
    };
    undo.push(() => (d.writeHook = before));
  }
  return () => undo.forEach((u) => u());
}
