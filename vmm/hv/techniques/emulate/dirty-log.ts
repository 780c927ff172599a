// Dirty logging in the VMM's interpreter: its software MMU marks every page it writes (the guest's stores, A/D bits), devices' DMA is logged where it lands.
import type { Cpu } from '../../../machine/cpu.js';
import type { Iommu } from '../../../devices/iommu.js';
import { DirtyBitmap, watchDeviceWrites, type DirtyLog } from '../../dirty-log.js';

export class InterpreterDirtyLog implements DirtyLog {
  private bits: DirtyBitmap | null = null;
  private undoDma: (() => void) | null = null;

  constructor(
    private readonly cpu: Cpu,
    private readonly iommu: Iommu,
    private readonly pages: number,
  ) {}

  start(): void {
    const bits = new DirtyBitmap(this.pages);
    this.bits = bits;
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
    this.undoDma?.();
    this.undoDma = null;
  }
}
