// Dirty logging in the VMM's interpreter: its software MMU marks every page it writes (the guest's stores, A/D bits); the VMM's own writes and devices' DMA are logged where they land.
import type { Cpu } from '../../../machine/cpu.js';
import type { Iommu } from '../../../devices/iommu.js';
import type { GuestPhys } from '../../memory/guest-phys.js';
import { DirtyBitmap, watchDeviceWrites, type DirtyLog } from '../../dirty-log.js';

export class InterpreterDirtyLog implements DirtyLog {
  private bits: DirtyBitmap | null = null;
  private undoDma: (() => void) | null = null;

  constructor(
    private readonly cpu: Cpu,
    private readonly iommu: Iommu,
    private readonly guest: GuestPhys,
  ) {}

  start(): void {
    const bits = new DirtyBitmap(this.guest.size >>> 12);
    this.bits = bits;
    this.guest.onWrite = (gpa, len) => bits.markRange(gpa, len);
    this.cpu.logDirty(bits.bits);
    this.undoDma = watchDeviceWrites(this.iommu, (gpa, len) => bits.markRange(gpa, len));
  }

  take(): number[] {
    const pages = this.bits?.take() ?? [];
    // Drop the cached write permissions, so the next write to each page is seen again.
    if (this.bits) this.cpu.logDirty(this.bits.bits);
    return pages;
  }

  stop(): void {
    if (!this.bits) return;
    this.bits = null;
    this.cpu.logDirty(null);
    this.guest.onWrite = null;
    this.undoDma?.();
    this.undoDma = null;
  }
}
