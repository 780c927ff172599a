// Golden listings, maps and disassemblies of the sources in test/fixtures/golden/, and their reassembly.
//
// Each `<name>.s` there has three fixtures beside it: `<name>.lst` (the assembler's listing),
// `<name>.map` (its symbol map) and `<name>.dis` (`disassemble(image, {symbols: true})`).
// Run with UPDATE_GOLDEN=1 to rewrite the fixtures from the current output instead of comparing:
//   UPDATE_GOLDEN=1 npx vitest run test/disasm/golden.test.ts
// then review the diff (git diff test/fixtures/golden) before committing it.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { disassemble } from '../../assembler/disasm.js';
import { assembleFile, assembleSource } from '../../assembler/index.js';
import type { Image } from '../../assembler/types.js';

const DIR = 'test/fixtures/golden';
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function golden(path: string, actual: string): void {
  if (UPDATE) {
    writeFileSync(path, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`${path} is missing: run UPDATE_GOLDEN=1 npx vitest run test/disasm/golden.test.ts`);
  }
  expect(actual, `${path} differs (UPDATE_GOLDEN=1 rewrites it)`).toBe(expected);
}

/** Segment placement and bytes, the part of an image a reassembly must reproduce. */
const layout = (img: Image) =>
  img.segments.map((s) => ({ name: s.name, addr: s.addr, flags: s.flags, memSize: s.memSize, data: [...s.data] }));

const sources = readdirSync(DIR).filter((f) => f.endsWith('.s'));

describe('golden fixtures', () => {
  it('exist', () => expect(sources.length).toBeGreaterThanOrEqual(2));

  for (const src of sources) {
    const base = join(DIR, src.replace(/\.s$/, ''));
    describe(src, () => {
      const result = assembleFile(join(DIR, src), { listing: true });

      it('assembles without diagnostics', () => {
        expect(result.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`)).toEqual([]);
        expect(result.image).not.toBeNull();
      });

      it('listing and map match', () => {
        golden(`${base}.lst`, result.listing ?? '');
        golden(`${base}.map`, result.map ?? '');
      });

      it('disassembly matches and reassembles to the same segments', () => {
        const dis = disassemble(result.image!, { symbols: true, title: src });
        golden(`${base}.dis`, dis);
        const again = assembleSource(dis, `${base}.dis`, {});
        expect(again.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        expect(layout(again.image!)).toEqual(layout(result.image!));
        expect(again.image!.entry).toBe(result.image!.entry);
      });
    });
  }
});
