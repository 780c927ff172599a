// Dirty logging in the second stage: every RAM page's second-stage entry loses its write permission, so the guest's first write to a page in a round exits and is logged.
//
// The violation handler asks `fault()` first: a write (or a page-table A/D update) the log refused is
// logged, its page made writable again and the instruction (or event delivery) retried, which the guest
// never sees. What the VMM writes for the guest goes through its GuestPhys window, and device DMA
// through the IOMMU; both are logged where they land.

import { PAGE_SIZE, PTE } from '../../../isa/abi.js';
import { entryFrame, entryWord, pdIndex, ptIndex } from '../../../isa/paging.js';
import type { Iommu } from '../../devices/iommu.js';
import { DirtyBitmap, watchDeviceWrites, type DirtyLog } from '../dirty-log.js';
import type { GuestPhys } from './guest-phys.js';

export class SecondStageDirtyLog implements DirtyLog {
  private bits: DirtyBitmap | null = null;
  /** Pages whose write permission the log took away this round (1), for fault() and stop(). */
  private readOnly: Uint8Array | null = null;
  private undoDma: (() => void) | null = null;
  /** Violations the log took for itself (the guest's first write to a page in a round). */
  faults = 0;

  constructor(
    private readonly words: Uint32Array,
    private readonly root: () => number,
    private readonly guest: GuestPhys,
    private readonly iommu: Iommu,
    private readonly flushTlb: () => void,
  ) {}

  /** Word index of the second-stage entry for guest page `page`, or -1 if the table is missing. */
  private entry(page: number): number {
    const gpa = page * PAGE_SIZE;
    const pde = this.words[entryWord(this.root(), pdIndex(gpa))]!;
    if (!(pde & PTE.P)) return -1;
    return entryWord(entryFrame(pde), ptIndex(gpa));
  }

  start(): void {
    const bits = new DirtyBitmap(this.guest.size / PAGE_SIZE);
    this.bits = bits;
    this.readOnly = new Uint8Array(this.guest.size / PAGE_SIZE);
    this.guest.onWrite = (gpa, len) => bits.markRange(gpa, len);
    this.undoDma = watchDeviceWrites(this.iommu, (gpa, len) => bits.markRange(gpa, len));
    this.protect();
  }

  /** Take write permission from every RAM page that has it; the TLB's writable copies go too. */
  private protect(): void {
    const ro = this.readOnly!;
    for (let p = 0; p < ro.length; p++) {
      const e = this.entry(p);
      if (e < 0 || !(this.words[e]! & PTE.W)) continue;
      this.words[e] = (this.words[e]! & ~PTE.W) >>> 0;
      ro[p] = 1;
    }
    this.flushTlb();
  }

  /**
   * A second-stage violation at `gpa`: if it is a write to a page this log made read-only, log the page,
   * give the write back and return true (the guest retries it); else false, for the usual handling.
   */
  fault(gpa: number, write: boolean, walk: boolean): boolean {
    const ro = this.readOnly;
    const p = gpa >>> 12;
    if (!ro || !(write || walk) || gpa >= this.guest.size || !ro[p]) return false;
    const e = this.entry(p);
    ro[p] = 0;
    this.words[e] = (this.words[e]! | PTE.W) >>> 0;
    this.bits!.mark(p);
    this.faults++;
    return true;
  }

  take(): number[] {
    const pages = this.bits?.take() ?? [];
    if (this.readOnly) this.protect();
    return pages;
  }

  stop(): void {
    const ro = this.readOnly;
    if (!ro) return;
    for (let p = 0; p < ro.length; p++) {
      if (!ro[p]) continue;
      const e = this.entry(p);
      this.words[e] = (this.words[e]! | PTE.W) >>> 0;
    }
    this.readOnly = null;
    this.bits = null;
    this.guest.onWrite = null;
    this.undoDma?.();
    this.undoDma = null;
  }
}
