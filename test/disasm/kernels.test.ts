// The bundled guest kernels survive disassembly: reassembling `vmlab disasm` output gives the same segments and entry.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { disassemble } from '../../assembler/disasm.js';
import { parseImage, serializeImage } from '../../assembler/image-format.js';
import { assembleFile, assembleSource } from '../../assembler/index.js';
import type { Image } from '../../assembler/types.js';

const KERNELS = [
  'guest-kernels/mini/main.s',
  'guest-kernels/selftest/main.s',
  ...readdirSync('guest-kernels/nanobench')
    .filter((f) => f.endsWith('.s'))
    .map((f) => join('guest-kernels/nanobench', f)),
];

const layout = (img: Image) =>
  img.segments.map((s) => ({ name: s.name, addr: s.addr, flags: s.flags, memSize: s.memSize, data: [...s.data] }));

describe('bundled kernels: disassemble, reassemble', () => {
  for (const path of KERNELS) {
    it(path, () => {
      const r = assembleFile(path);
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      // Through the file format, as `vmlab disasm kernel.vxe` sees it.
      const img = parseImage(serializeImage(r.image!));
      for (const symbols of [false, true]) {
        const again = assembleSource(disassemble(img, { symbols }), `${path}.dis`);
        expect(again.diagnostics.filter((d) => d.severity === 'error'), `symbols: ${symbols}`).toEqual([]);
        expect(layout(again.image!)).toEqual(layout(img));
        expect(again.image!.entry).toBe(img.entry);
        expect(again.image!.flags).toBe(img.flags);
      }
    });
  }
});
