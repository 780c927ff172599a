// Dirty logging under shadow paging: every shadow entry starts write-protected, so the guest's first write to a page in a round faults and is logged.
//
// What the guest writes goes through the shadow: after a flush no entry is writable until a write
// faults on it, and the fill that makes it writable logs the frame. What the VMM writes for the guest
// (emulated stores, trap frames, page-table A/D bits, its page-table edits) goes through the VM's
// GuestPhys window, and device DMA through the IOMMU; both are logged where they land.

import type { Iommu } from '../../devices/iommu.js';
import { DirtyBitmap, watchDeviceWrites, type DirtyLog } from '../dirty-log.js';
import type { GuestPhys } from './guest-phys.js';
import type { ShadowPager } from './shadow.js';

export class ShadowDirtyLog implements DirtyLog {
  private bits: DirtyBitmap | null = null;
  private undoDma: (() => void) | null = null;

  constructor(
    private readonly shadow: ShadowPager,
    private readonly guest: GuestPhys,
    private readonly iommu: Iommu,
    /** Drop the real TLB's copies of shadow entries (they may still say writable). */
    private readonly flushTlb: () => void,
  ) {}

  start(): void {
    const bits = new DirtyBitmap(this.guest.size >>> 12);
    this.bits = bits;
    this.shadow.logWrite = (frame) => bits.mark(frame);
    this.guest.onWrite = (gpa, len) => bits.markRange(gpa, len);
    this.undoDma = watchDeviceWrites(this.iommu, (gpa, len) => bits.markRange(gpa, len));
    this.protect();
  }

  take(): number[] {
    const pages = this.bits?.take() ?? [];
    this.protect();
    return pages;
  }

  stop(): void {
    if (!this.bits) return;
    this.bits = null;
    this.shadow.logWrite = null;
    this.guest.onWrite = null;
    this.undoDma?.();
    this.undoDma = null;
    // Entries filled read-only while logging become writable again as the guest writes them.
    this.protect();
  }

  /** Write-protect every page again: drop the whole shadow (it is derived, and refills on demand). */
  private protect(): void {
    this.shadow.flush();
    this.flushTlb();
  }
}
