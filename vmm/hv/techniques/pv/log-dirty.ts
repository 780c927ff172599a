// Log-dirty mode for a paravirtual domain: the pages its kernel writes, and every page the VMM writes into it (shared info, grants, back-end DMA, page-table updates).
//
// The kernel runs on its own page tables, whose write bits are guest-visible, so the VMM cannot
// write-protect them behind its back. The CPU logs the pages it writes instead, as Intel's
// page-modification logging does for Xen's log-dirty mode: a write tag enters the TLB only on a
// write's own walk, which marks the page (and the A/D bits a walk sets). What the VMM writes for the
// domain goes through its GuestPhys window (shared info, grant copies, the back-ends' ring and data
// writes, start info), its page-table updates through DirectPaging, emulated DMA through the IOMMU.

import { PAGE_SIZE } from '../../../../isa/abi.js';
import type { Iommu } from '../../../devices/iommu.js';
import type { Cpu } from '../../../machine/cpu.js';
import { DirtyBitmap, watchDeviceWrites, type DirtyLog } from '../../dirty-log.js';
import type { GuestPhys } from '../../memory/guest-phys.js';
import type { DirectPaging } from '../../pv/direct.js';

export class LogDirty implements DirtyLog {
  private bits: DirtyBitmap | null = null;
  /** The CPU's log, one byte per page of host memory (it logs by host-physical page). */
  private hostBits: Uint8Array | null = null;
  private undoDma: (() => void) | null = null;

  constructor(
    private readonly cpu: Cpu,
    private readonly guest: GuestPhys,
    private readonly paging: DirectPaging,
    private readonly iommu: Iommu,
    private readonly hostBytes: number,
  ) {}

  start(): void {
    const bits = new DirtyBitmap(this.guest.size / PAGE_SIZE);
    this.bits = bits;
    this.hostBits = new Uint8Array(this.hostBytes / PAGE_SIZE);
    this.guest.onWrite = (gpa, len) => bits.markRange(gpa, len);
    this.paging.written = (ma) => bits.mark((ma - this.guest.base) >>> 12);
    this.undoDma = watchDeviceWrites(this.iommu, (gpa, len) => bits.markRange(gpa, len));
    this.cpu.logDirty(this.hostBits);
  }

  take(): number[] {
    const bits = this.bits;
    const host = this.hostBits;
    if (!bits || !host) return [];
    const first = this.guest.base / PAGE_SIZE;
    for (let p = 0; p < this.guest.size / PAGE_SIZE; p++) if (host[first + p]) bits.mark(p);
    host.fill(0);
    // Drop the TLB's write tags, so each page's next write is logged again.
    this.cpu.logDirty(host);
    return bits.take();
  }

  stop(): void {
    if (!this.bits) return;
    this.bits = null;
    this.hostBits = null;
    this.guest.onWrite = null;
    this.paging.written = null;
    this.undoDma?.();
    this.undoDma = null;
    this.cpu.logDirty(null);
  }
}
