// Test doubles for devices: an IrqLine that records raises and lowers, and a DMA port over a plain byte array.
import type { DmaPort, IrqLine } from '../../vmm/machine/io.js';

export class FakeIrq implements IrqLine {
  raises = 0;
  lowers = 0;
  /** Whether the request is currently asserted (raised and not lowered since). */
  up = false;
  raise(): void {
    this.raises++;
    this.up = true;
  }
  lower(): void {
    this.lowers++;
    this.up = false;
  }
}

/** DMA straight into `mem`, refusing anything outside it. */
export class FakeDma implements DmaPort {
  refused = 0;
  constructor(readonly mem: Uint8Array) {}
  read(addr: number, dst: Uint8Array): boolean {
    if (addr < 0 || addr + dst.length > this.mem.length) return this.refuse();
    dst.set(this.mem.subarray(addr, addr + dst.length));
    return true;
  }
  write(addr: number, src: Uint8Array): boolean {
    if (addr < 0 || addr + src.length > this.mem.length) return this.refuse();
    this.mem.set(src, addr);
    return true;
  }
  private refuse(): false {
    this.refused++;
    return false;
  }
}
