// runComparison on the bundled mini kernel: hw and bt match native at a modeled overhead above 1; pv is n/a, not a crash.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { assembleFile } from '../../assembler/index.js';
import { loadProfile } from '../../vmm/cost/profile.js';
import { compareExitCode, parseTechniques, type CompareRow, type TechniqueSpec } from '../../vmm/report/compare.js';
import { runComparison } from '../../vmm/comparison.js';

const mini = assembleFile(fileURLToPath(new URL('../../guest-kernels/mini/main.s', import.meta.url)), {}).image!;

describe('runComparison on mini', () => {
  const techniques = parseTechniques('native,hw,bt,pv') as TechniqueSpec[];
  const seen: string[] = [];
  let rows: CompareRow[] = [];
  beforeAll(() => {
    rows = runComparison([{ name: 'mini', image: mini }], {
      techniques,
      profile: loadProfile('modern'),
      maxInstructions: 50_000_000,
      blockImage: new Uint8Array(64 * 1024),
      onRun: (k, label, i, total) => seen.push(`${i + 1}/${total} ${k} ${label}`),
    });
  });

  it('runs native first, then each technique, reporting progress per run', () => {
    expect(rows.map((r) => r.label)).toEqual(['native', 'hw/nested', 'bt', 'pv']);
    expect(seen).toEqual(['1/4 mini native', '2/4 mini hw/nested', '3/4 mini bt', '4/4 mini pv']);
  });

  it('hw gives native\'s transcript exactly, at a modeled cost above native\'s', () => {
    const [native, hw] = rows;
    expect(native!.status).toBe('poweroff');
    expect(hw!.identical).toBe(true);
    expect(hw!.difference).toBeNull();
    expect(hw!.guestInstructions).toBe(native!.guestInstructions);
    expect(hw!.exits).toBeGreaterThan(0);
    expect(hw!.overhead).toBeGreaterThan(1);
  });

  it('bt gives native\'s transcript through translated code, at a modeled cost above native\'s', () => {
    const bt = rows[2]!;
    expect(bt.identical).toBe(true);
    expect(bt.stats!.techniqueCounts.translatedBlocks).toBeGreaterThan(0);
    expect(bt.overhead).toBeGreaterThan(1);
  });

  it('a technique this build lacks is an n/a row with the reason, and not a failure', () => {
    expect(rows[3]!.status).toBe('n/a');
    expect(rows[3]!.reason).toMatch(/pv/);
    expect(compareExitCode(rows, false)).toBe(0);
  });
});

describe('runComparison with a per-technique image', () => {
  it('runs the variant under its technique and judges it against the base kernel\'s native run', () => {
    const bench = (iters: number) =>
      assembleFile(fileURLToPath(new URL('../../guest-kernels/nanobench/callret.s', import.meta.url)), { defines: { ITERS: iters } }).image!;
    const rows = runComparison([{ name: 'callret', image: bench(10), imageFor: { hw: bench(20) } }], {
      techniques: parseTechniques('native,emulate,hw') as TechniqueSpec[],
      profile: loadProfile('modern'),
      maxInstructions: 1_000_000,
    });
    expect(rows.map((r) => r.identical)).toEqual([true, true, false]);
    expect(rows[2]!.difference).toMatchObject({ line: 1, expected: 'callret: 10 iterations done', actual: 'callret: 20 iterations done' });
  });
});
