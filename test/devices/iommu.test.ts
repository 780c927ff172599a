// The IOMMU: identity fences, remap tables, all-or-nothing DMA, fault counting.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../isa/abi.js';
import { Iommu } from '../../vmm/devices/iommu.js';

describe('IOMMU identity domain', () => {
  it('allows DMA inside the fence and refuses any access crossing it, writing nothing', () => {
    const mem = new Uint8Array(4 * PAGE_SIZE);
    const d = new Iommu(mem).domain('block');
    d.identity(PAGE_SIZE, 2 * PAGE_SIZE);
    expect(d.write(PAGE_SIZE, Uint8Array.of(1, 2))).toBe(true);
    expect(mem[PAGE_SIZE + 1]).toBe(2);
    const before = mem.slice();
    expect(d.write(3 * PAGE_SIZE - 1, Uint8Array.of(7, 7))).toBe(false);
    expect(d.write(PAGE_SIZE - 1, Uint8Array.of(7, 7))).toBe(false);
    expect(mem).toEqual(before);
    const dst = new Uint8Array(4).fill(9);
    expect(d.read(0, dst)).toBe(false);
    expect(dst).toEqual(new Uint8Array(4).fill(9));
    expect(d.state.faults).toBe(3);
  });

  it('refuses a fence outside host memory', () => {
    const d = new Iommu(new Uint8Array(PAGE_SIZE)).domain('x');
    expect(() => d.identity(0, 2 * PAGE_SIZE)).toThrow(/outside host memory/);
  });
});

describe('IOMMU remap domain', () => {
  it('translates page by page, across non-contiguous host pages', () => {
    const mem = new Uint8Array(4 * PAGE_SIZE);
    const d = new Iommu(mem).domain('nic');
    d.mapPage(0x10000, 3 * PAGE_SIZE, true);
    d.mapPage(0x11000, 1 * PAGE_SIZE, true);
    const data = Uint8Array.from({ length: 8 }, (_, i) => i + 1);
    expect(d.write(0x10ffc, data)).toBe(true);
    expect(Array.from(mem.subarray(4 * PAGE_SIZE - 4))).toEqual([1, 2, 3, 4]);
    expect(Array.from(mem.subarray(PAGE_SIZE, PAGE_SIZE + 4))).toEqual([5, 6, 7, 8]);
    const back = new Uint8Array(8);
    expect(d.read(0x10ffc, back)).toBe(true);
    expect(back).toEqual(data);
  });

  it('refuses unmapped pages and writes to read-only pages, as a whole', () => {
    const mem = new Uint8Array(4 * PAGE_SIZE);
    const d = new Iommu(mem).domain('nic');
    d.mapPage(0, 0, true);
    d.mapPage(PAGE_SIZE, PAGE_SIZE, false);
    expect(d.write(PAGE_SIZE - 2, Uint8Array.of(1, 1, 1, 1))).toBe(false); // second page read-only
    expect(d.write(2 * PAGE_SIZE, Uint8Array.of(1))).toBe(false); // unmapped
    expect(mem.every((b) => b === 0)).toBe(true);
    expect(d.read(PAGE_SIZE, new Uint8Array(4))).toBe(true);
    d.unmapPage(PAGE_SIZE);
    expect(d.read(PAGE_SIZE, new Uint8Array(4))).toBe(false);
    expect(d.state.faults).toBe(3);
  });

  it('state round-trips through JSON, remap table included', () => {
    const mem = new Uint8Array(4 * PAGE_SIZE);
    const io = new Iommu(mem);
    io.domain('nic').mapPage(0x5000, 2 * PAGE_SIZE, true);
    const snap = JSON.parse(JSON.stringify(io.snapshot()));
    const io2 = new Iommu(mem);
    io2.restore(snap);
    expect(io2.domain('nic').write(0x5000, Uint8Array.of(42))).toBe(true);
    expect(mem[2 * PAGE_SIZE]).toBe(42);
  });

  it('property: no DMA through a fenced domain ever changes a byte outside the fence', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 * PAGE_SIZE }),
        fc.integer({ min: 0, max: 3 * PAGE_SIZE }),
        fc.integer({ min: 0, max: 10 * PAGE_SIZE }),
        fc.integer({ min: 1, max: 2 * PAGE_SIZE }),
        (base, size, addr, len) => {
          const mem = new Uint8Array(8 * PAGE_SIZE);
          const d = new Iommu(mem).domain('dev');
          const fenceSize = Math.min(size, mem.length - base);
          d.identity(base, fenceSize);
          const ok = d.write(addr, new Uint8Array(len).fill(0xaa));
          const inside = addr >= base && addr + len <= base + fenceSize;
          expect(ok).toBe(inside);
          const outside = mem.findIndex((b, i) => b !== 0 && (i < base || i >= base + fenceSize));
          expect(outside).toBe(-1);
        },
      ),
      { numRuns: 60 },
    );
  });
});
