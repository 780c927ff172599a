// The .vxe format: serialize/parse round trip, and hostile bytes only ever yield a typed ImageError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HEADER_SIZE,
  IMAGE_LIMITS,
  ImageError,
  parseImage,
  serializeImage,
} from '../../assembler/image-format.js';
import { IMAGE_FLAG, SEG, type Image, type Segment } from '../../assembler/types.js';

const name = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' });

/** Images with disjoint segments and an entry inside one of them. */
const arbImage: fc.Arbitrary<Image> = fc
  .array(
    fc.record({
      gap: fc.integer({ min: 0, max: 0x3000 }),
      name,
      flags: fc.integer({ min: 0, max: 7 }),
      data: fc.uint8Array({ maxLength: 64 }),
      bss: fc.integer({ min: 0, max: 0x2000 }),
    }),
    { minLength: 1, maxLength: 5 },
  )
  .chain((parts) => {
    let addr = 0;
    const segments: Segment[] = parts.map((p) => {
      addr += p.gap;
      const memSize = Math.max(1, p.data.length + p.bss);
      const s = { name: p.name, addr, flags: p.flags, data: p.data, memSize };
      addr += memSize;
      return s;
    });
    const files = fc.array(name, { minLength: 1, maxLength: 3 });
    return fc.record({
      entry: fc.constantFrom(...segments).chain((s) => fc.integer({ min: s.addr, max: s.addr + s.memSize - 1 })),
      flags: fc.constantFrom(0, IMAGE_FLAG.PV),
      segments: fc.constant(segments),
      symbols: fc.array(
        fc.record({
          name,
          value: fc.oneof(fc.integer({ min: 0, max: 0xffff_ffff }), fc.integer({ min: -(2 ** 31), max: -1 })),
          kind: fc.constantFrom('label' as const, 'const' as const),
          global: fc.boolean(),
        }),
        { maxLength: 8 },
      ),
      lines: files.chain((fs) =>
        fc.array(
          fc.record({
            addr: fc.integer({ min: 0, max: 0xffff_ffff }),
            file: fc.constantFrom(...fs),
            line: fc.integer({ min: 1, max: 100000 }),
          }),
          { maxLength: 10 },
        ),
      ),
    });
  });

/** Runs parseImage and reports what it threw: null if it parsed, else the error. */
function tryParse(bytes: Uint8Array): unknown {
  try {
    parseImage(bytes);
    return null;
  } catch (e) {
    return e;
  }
}

const small: Image = {
  entry: 0x1000,
  flags: 0,
  segments: [
    { name: '.text', addr: 0x1000, flags: SEG.R | SEG.X, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), memSize: 8 },
    { name: '.bss', addr: 0x2000, flags: SEG.R | SEG.W, data: new Uint8Array(0), memSize: 0x100 },
  ],
  symbols: [{ name: '_start', value: 0x1000, kind: 'label', global: true }],
  lines: [{ addr: 0x1000, file: 'k.s', line: 3 }],
};

describe('image format', () => {
  it('round-trips: parse(serialize(img)) equals img', () => {
    fc.assert(
      fc.property(arbImage, (img) => {
        expect(parseImage(serializeImage(img))).toEqual(img);
      }),
      { numRuns: 300 },
    );
  });

  it('serialize is deterministic and starts with the magic and version', () => {
    const a = serializeImage(small);
    expect(a).toEqual(serializeImage(small));
    expect(new TextDecoder().decode(a.subarray(0, 4))).toBe('VXE1');
    expect(a[4]).toBe(1);
    expect(a.length).toBeGreaterThan(HEADER_SIZE);
  });

  it('random bytes never throw anything but ImageError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, withMagic) => {
        const b = withMagic ? new Uint8Array([0x56, 0x58, 0x45, 0x31, 1, 0, ...bytes]) : bytes;
        const e = tryParse(b);
        if (e !== null) expect(e).toBeInstanceOf(ImageError);
      }),
      { numRuns: 2000 },
    );
  });

  it('mutations and truncations of a valid image never throw anything but ImageError', () => {
    fc.assert(
      fc.property(
        arbImage,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat()),
        (img, edits, cut) => {
          const bytes = serializeImage(img).slice();
          for (const [pos, val] of edits) bytes[pos % bytes.length] = val;
          const b = cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
          const e = tryParse(b);
          if (e !== null) {
            expect(e).toBeInstanceOf(ImageError);
            expect((e as Error).message.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('every proper prefix of a valid image is reported as truncated', () => {
    const bytes = serializeImage(small);
    for (let n = 4; n < bytes.length; n++) {
      const e = tryParse(bytes.subarray(0, n));
      expect(e, `prefix of ${n} bytes`).toBeInstanceOf(ImageError);
    }
  });

  describe('clear messages', () => {
    const bytes = () => serializeImage(small).slice();
    const msg = (b: Uint8Array) => {
      const e = tryParse(b);
      expect(e).toBeInstanceOf(ImageError);
      return (e as ImageError).message;
    };
    const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

    it('bad magic', () => {
      expect(msg(new TextEncoder().encode('; not an image\n'))).toMatch(/bad magic/);
      expect(msg(new Uint8Array(0))).toMatch(/bad magic/);
    });
    it('unsupported version', () => {
      const b = bytes();
      view(b).setUint16(4, 9, true);
      expect(msg(b)).toMatch(/unsupported version 9/);
    });
    it('truncated at an offset', () => {
      expect(msg(bytes().subarray(0, 10))).toMatch(/truncated at offset 8/);
    });
    it('absurd counts are refused before anything is allocated', () => {
      const b = bytes();
      view(b).setUint32(16, 0xffff_ffff, true);
      expect(msg(b)).toMatch(/absurd number of symbols/);
      const c = bytes();
      view(c).setUint32(20, IMAGE_LIMITS.LINES, true);
      expect(msg(c)).toMatch(/line entries cannot fit/);
    });
    it('segment data past the end of the file', () => {
      const b = bytes();
      // header, then name length 5 + ".text", flags, addr, memSize, dataSize
      const dataSizeAt = HEADER_SIZE + 1 + 5 + 1 + 4 + 4;
      view(b).setUint32(dataSizeAt - 4, 0x10000, true);
      view(b).setUint32(dataSizeAt, 0x10000, true);
      expect(msg(b)).toMatch(/run past the end of the file/);
    });
    it('overlapping segments', () => {
      expect(() =>
        serializeImage({ ...small, segments: [small.segments[0]!, { ...small.segments[1]!, addr: 0x1004 }] }),
      ).toThrow(/overlap/);
      const b = bytes();
      const secondAddrAt = HEADER_SIZE + 1 + 5 + 1 + 4 + 4 + 4 + 8 + 1 + 4 + 1;
      view(b).setUint32(secondAddrAt, 0x1004, true);
      expect(msg(b)).toMatch(/\.text .* and \.bss .* overlap/);
    });
    it('entry outside every segment', () => {
      const b = bytes();
      view(b).setUint32(8, 0x9000, true);
      expect(msg(b)).toMatch(/entry 0x9000 is outside every segment/);
    });
    it('bad UTF-8 in a name', () => {
      const b = bytes();
      b[HEADER_SIZE + 1] = 0xff;
      expect(msg(b)).toMatch(/not valid UTF-8/);
    });
    it('trailing garbage', () => {
      const b = new Uint8Array([...bytes(), 0, 0, 0]);
      expect(msg(b)).toMatch(/3 bytes of trailing garbage/);
    });
    it('unknown flags', () => {
      const b = bytes();
      view(b).setUint16(6, 0x8000, true);
      expect(msg(b)).toMatch(/unknown image flag bits/);
    });
  });
});
