// The block device: registers, read/write by DMA, completion status and IRQ, errors, IOMMU fence.
import { describe, expect, it } from 'vitest';
import {
  BLK,
  BLK_CMD_READ,
  BLK_CMD_WRITE,
  BLK_SECTOR_SIZE,
  BLK_STATUS_DONE,
  BLK_STATUS_ERROR,
  PAGE_SIZE,
} from '../../isa/abi.js';
import { BlockDevice } from '../../vmm/devices/block.js';
import { Iommu } from '../../vmm/devices/iommu.js';
import { FakeDma, FakeIrq } from './fakes.js';

function setup(sectors = 8) {
  const disk = Uint8Array.from({ length: sectors * BLK_SECTOR_SIZE }, (_, i) => (i * 7 + 3) & 0xff);
  const mem = new Uint8Array(4 * PAGE_SIZE);
  const irq = new FakeIrq();
  const dev = new BlockDevice(disk, new FakeDma(mem), irq);
  return { disk, mem, irq, dev };
}

function command(dev: BlockDevice, cmd: number, sector: number, count: number, addr: number): number {
  dev.write(BLK.SECTOR, 4, sector);
  dev.write(BLK.COUNT, 4, count);
  dev.write(BLK.DMA_ADDR, 4, addr);
  dev.write(BLK.CMD, 4, cmd);
  return dev.read(BLK.STATUS, 4);
}

describe('BlockDevice', () => {
  it('reports capacity in sectors and reads back its registers', () => {
    const { dev } = setup(8);
    expect(dev.read(BLK.CAPACITY, 4)).toBe(8);
    dev.write(BLK.SECTOR, 4, 5);
    dev.write(BLK.DMA_ADDR, 4, 0x1234);
    expect(dev.read(BLK.SECTOR, 4)).toBe(5);
    expect(dev.read(BLK.DMA_ADDR, 4)).toBe(0x1234);
    expect(dev.read(BLK.DMA_ADDR, 1)).toBe(0x34); // byte lanes
    expect(dev.read(BLK.DMA_ADDR + 1, 1)).toBe(0x12);
  });

  it('reads sectors into memory by DMA, completes at once and raises the IRQ', () => {
    const { disk, mem, irq, dev } = setup();
    expect(command(dev, BLK_CMD_READ, 2, 2, 0x1000)).toBe(BLK_STATUS_DONE);
    expect(mem.subarray(0x1000, 0x1000 + 1024)).toEqual(disk.subarray(1024, 2048));
    expect(irq.raises).toBe(1);
    expect(dev.state.sectorsRead).toBe(2);
    dev.write(BLK.INT_ACK, 4, 1);
    expect(dev.read(BLK.STATUS, 4)).toBe(0);
    expect(irq.up).toBe(false);
  });

  it('writes memory to sectors by DMA', () => {
    const { disk, mem, dev } = setup();
    mem.fill(0x5a, 0x2000, 0x2000 + BLK_SECTOR_SIZE);
    expect(command(dev, BLK_CMD_WRITE, 7, 1, 0x2000)).toBe(BLK_STATUS_DONE);
    expect(disk.subarray(7 * 512, 8 * 512).every((b) => b === 0x5a)).toBe(true);
    expect(dev.state.sectorsWritten).toBe(1);
  });

  it('fails out-of-range sectors and unknown commands with done|error, moving nothing', () => {
    const { mem, irq, dev } = setup(8);
    expect(command(dev, BLK_CMD_READ, 7, 2, 0)).toBe(BLK_STATUS_DONE | BLK_STATUS_ERROR);
    expect(command(dev, 9, 0, 1, 0)).toBe(BLK_STATUS_DONE | BLK_STATUS_ERROR);
    expect(mem.every((b) => b === 0)).toBe(true);
    expect(irq.raises).toBe(2);
    expect(dev.state.errors).toBe(2);
    expect(dev.state.commands).toBe(2);
  });

  it('a read into an address the IOMMU fences off fails and leaves memory unchanged byte for byte', () => {
    const disk = new Uint8Array(4 * BLK_SECTOR_SIZE).fill(0xee);
    const mem = Uint8Array.from({ length: 4 * PAGE_SIZE }, (_, i) => i & 0xff);
    const domain = new Iommu(mem).domain('block');
    domain.identity(0, 2 * PAGE_SIZE);
    const dev = new BlockDevice(disk, domain, new FakeIrq());
    const before = mem.slice();
    // Starts inside the fence but runs past its end: must fail as a whole.
    expect(command(dev, BLK_CMD_READ, 0, 2, 2 * PAGE_SIZE - 512)).toBe(BLK_STATUS_DONE | BLK_STATUS_ERROR);
    expect(command(dev, BLK_CMD_READ, 0, 1, 3 * PAGE_SIZE)).toBe(BLK_STATUS_DONE | BLK_STATUS_ERROR);
    expect(mem).toEqual(before);
    expect(domain.state.faults).toBe(2);
    // A write from a fenced buffer leaves the disk alone.
    expect(command(dev, BLK_CMD_WRITE, 0, 1, 3 * PAGE_SIZE)).toBe(BLK_STATUS_DONE | BLK_STATUS_ERROR);
    expect(disk.every((b) => b === 0xee)).toBe(true);
  });

  it('ignores narrow writes to registers', () => {
    const { dev } = setup();
    dev.write(BLK.SECTOR, 1, 5);
    expect(dev.read(BLK.SECTOR, 4)).toBe(0);
  });
});
