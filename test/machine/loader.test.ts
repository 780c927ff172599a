// The image loader: copying, .bss zero-fill, and the errors for images that do not fit.
import { describe, expect, it } from 'vitest';
import type { Image, Segment } from '../../assembler/types.js';
import { MEMMAP } from '../../isa/abi.js';
import { LoadError, loadImage, loadProblems } from '../../vmm/machine/loader.js';

function seg(name: string, addr: number, data: number[], memSize = data.length): Segment {
  return { name, addr, flags: 0, data: Uint8Array.from(data), memSize };
}

function image(segments: Segment[], entry = segments[0]?.addr ?? 0): Image {
  return { entry, flags: 0, segments, symbols: [], lines: [] };
}

describe('loadImage', () => {
  it('copies segments and zero-fills .bss even over old contents', () => {
    const mem = new Uint8Array(0x4000).fill(0xcc);
    loadImage(mem, image([seg('.text', 0x1000, [1, 2, 3, 4]), seg('.bss', 0x2000, [9], 8)]));
    expect(Array.from(mem.subarray(0x1000, 0x1004))).toEqual([1, 2, 3, 4]);
    expect(Array.from(mem.subarray(0x2000, 0x2008))).toEqual([9, 0, 0, 0, 0, 0, 0, 0]);
    expect(mem[0x2008]).toBe(0xcc);
  });

  it('refuses a segment past the end of RAM, naming the segment and the RAM size, leaving RAM untouched', () => {
    const mem = new Uint8Array(0x4000);
    const img = image([seg('.text', 0x1000, [1, 2, 3, 4]), seg('.data', 0x3ffe, [1, 2, 3, 4])]);
    expect(() => loadImage(mem, img)).toThrow(LoadError);
    expect(() => loadImage(mem, img)).toThrow(/segment \.data \(0x00003ffe\.\.0x00004001\) does not fit in the machine's 16 KiB of RAM/);
    expect(mem.every((b) => b === 0)).toBe(true);
  });

  it('refuses a segment reaching into the MMIO window', () => {
    const problems = loadProblems(image([seg('.text', MEMMAP.MMIO_BASE - 4, [0, 0, 0, 0, 0, 0, 0, 0])]), MEMMAP.MAX_RAM);
    expect(problems.join()).toMatch(/overlaps the MMIO window at 0xff000000/);
  });

  it('refuses overlapping segments, an entry outside every segment, and data larger than memSize', () => {
    const problems = loadProblems(
      {
        entry: 0x3000,
        flags: 0,
        segments: [seg('.text', 0x1000, [0, 0, 0, 0, 0, 0, 0, 0]), seg('.data', 0x1004, [1]), seg('.bad', 0x2000, [1, 2], 1)],
        symbols: [],
        lines: [],
      },
      0x10000,
    );
    expect(problems).toEqual([
      'segments .text and .data overlap at 0x00001004',
      'segment .bad: 2 bytes of data exceed its size in memory (1)',
      'entry point 0x00003000 is not inside any loaded segment',
    ]);
  });

  it('lists every problem in one error message', () => {
    const err = (() => {
      try {
        loadImage(new Uint8Array(0x1000), image([seg('.text', 0x1000, [0, 0, 0, 0])], 0x1002));
      } catch (e) {
        return e as LoadError;
      }
      return null;
    })();
    expect(err?.problems).toHaveLength(2);
    expect(err?.message).toMatch(/cannot be loaded:\n {2}segment .text/);
  });
});
