// The block device: MMIO registers (BLK in isa/abi.ts), 512-byte sectors, data moved by DMA.
//
// A command runs to completion on the CMD write (deterministic: no simulated seek time), then
// sets STATUS done (plus error if it failed) and raises IRQ.BLOCK. It fails, moving nothing, on
// an unknown command, sectors beyond the capacity, or a DMA the IOMMU refuses. Writing 1 to
// INT_ACK clears done/error and withdraws the interrupt. The disk contents are the backing store,
// kept outside `state` (they can be megabytes); snapshot them separately with `disk`.
import { BLK, BLK_CMD_READ, BLK_CMD_WRITE, BLK_SECTOR_SIZE, BLK_STATUS_DONE, BLK_STATUS_ERROR } from '../../isa/abi.js';
import type { DmaPort, IrqLine } from '../machine/io.js';
import { clonePlain, isWordAccess, laneRead, type Device } from './device.js';

export type BlockState = {
  sector: number;
  dmaAddr: number;
  count: number;
  status: number;
  commands: number;
  sectorsRead: number;
  sectorsWritten: number;
  errors: number;
};

export class BlockDevice implements Device<BlockState> {
  readonly name = 'block';
  state: BlockState = { sector: 0, dmaAddr: 0, count: 0, status: 0, commands: 0, sectorsRead: 0, sectorsWritten: 0, errors: 0 };

  /** `disk` is used in place (writes land in it); its length is rounded down to whole sectors. */
  constructor(
    readonly disk: Uint8Array,
    private readonly dma: DmaPort,
    private readonly irq: IrqLine,
  ) {}

  get capacity(): number {
    return Math.floor(this.disk.length / BLK_SECTOR_SIZE);
  }

  read(offset: number, size: number): number {
    return laneRead(this.reg(offset & ~3), offset, size);
  }

  private reg(offset: number): number {
    switch (offset) {
      case BLK.SECTOR:
        return this.state.sector;
      case BLK.DMA_ADDR:
        return this.state.dmaAddr;
      case BLK.COUNT:
        return this.state.count;
      case BLK.STATUS:
        return this.state.status;
      case BLK.CAPACITY:
        return this.capacity;
      default:
        return 0;
    }
  }

  write(offset: number, size: number, value: number): void {
    if (!isWordAccess(offset, size)) return;
    switch (offset) {
      case BLK.SECTOR:
        this.state.sector = value >>> 0;
        break;
      case BLK.DMA_ADDR:
        this.state.dmaAddr = value >>> 0;
        break;
      case BLK.COUNT:
        this.state.count = value >>> 0;
        break;
      case BLK.CMD:
        this.command(value >>> 0);
        break;
      case BLK.INT_ACK:
        if (value & 1) {
          this.state.status = 0;
          this.irq.lower();
        }
        break;
    }
  }

  private command(cmd: number): void {
    const s = this.state;
    s.commands++;
    const ok = this.transfer(cmd);
    if (!ok) s.errors++;
    s.status = BLK_STATUS_DONE | (ok ? 0 : BLK_STATUS_ERROR);
    this.irq.raise();
  }

  private transfer(cmd: number): boolean {
    const { sector, count, dmaAddr } = this.state;
    if (cmd !== BLK_CMD_READ && cmd !== BLK_CMD_WRITE) return false;
    if (sector + count > this.capacity) return false;
    const start = sector * BLK_SECTOR_SIZE;
    const bytes = count * BLK_SECTOR_SIZE;
    if (cmd === BLK_CMD_READ) {
      if (!this.dma.write(dmaAddr, this.disk.subarray(start, start + bytes))) return false;
      this.state.sectorsRead += count;
    } else {
      // Stage through a buffer so a refused DMA leaves the disk untouched.
      const buf = new Uint8Array(bytes);
      if (!this.dma.read(dmaAddr, buf)) return false;
      this.disk.set(buf, start);
      this.state.sectorsWritten += count;
    }
    return true;
  }

  snapshot(): BlockState {
    return clonePlain(this.state);
  }

  restore(s: BlockState): void {
    this.state = clonePlain(s);
  }
}
