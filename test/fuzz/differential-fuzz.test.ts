// The differential fuzzer in the suite: a fixed list of seeds (random legal kernels) and the saved reproducers of
// every class it found, each under every technique against native; plus the fuzzer's own soundness.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { features, kernelArb, opArb, opKindsAt, without, type Kernel, type Op } from '../../scripts/fuzz/generate.js';
import { differenceLine } from '../../scripts/fuzz/report.js';
import { assemble, check, checkImage, counts, TECHNIQUES, type Technique } from '../../scripts/fuzz/run.js';
import { fuzzSeed } from '../../scripts/fuzz/search.js';

/**
 * Seeds 1..150. Between them they reach every class the fuzzer found (test/fixtures/fuzz/ has one shrunk
 * reproducer each): 1 a store straddling the end of a page-table page, 8 one straddling its start, 9 a call on a
 * page-table page, 3 stats.interrupts, 14 bt's ring-3 pushf, 2 strict VX32 under emulate, bt and hw, 40 and 51 an
 * interrupt lost after iret. `npm run fuzz -- --from S --seeds 1` shrinks and prints seed S's divergence.
 */
const SEEDS = Array.from({ length: 150 }, (_, i) => i + 1);

const FIXTURES = new URL('../fixtures/fuzz/', import.meta.url);

/** What a failing seed says: each technique's first difference, and how to get the shrunk reproducer. */
function divergences(seed: number): string[] {
  const { verdict } = fuzzSeed(seed);
  if (!verdict.legal) return [`seed ${seed}: the kernel is not legal natively (a fuzzer bug): ${verdict.why}`];
  return verdict.differences
    .filter(counts)
    .map((d) => `seed ${seed}: ${differenceLine(d)} (shrunk reproducer: npm run fuzz -- --from ${seed} --seeds 1)`);
}

describe('the differential fuzzer', () => {
  it.each(SEEDS)('seed %i: every technique gives native status, console, instruction count and interrupts', (seed) => {
    expect(divergences(seed)).toEqual([]);
  });

  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.s'));
  it.each(fixtures)('reproducer %s: every technique gives what native gives', (file) => {
    const source = readFileSync(new URL(file, FIXTURES), 'utf8');
    const strict = /^; features:.*\bstrict\b/m.test(source);
    const v = checkImage(assemble(source, `test/fixtures/fuzz/${file}`), strict);
    expect(v.legal, v.why).toBe(true);
    expect(v.differences.filter(counts).map(differenceLine)).toEqual([]);
  });
});

describe('the fuzzer itself', () => {
  /** One op of every kind legal at the ring. */
  const every = (ring: 0 | 3): Op[] => opKindsAt(ring).map((kind, i) => fc.sample(opArb(kind), { seed: i, numRuns: 1 })[0]!);

  it('draws the same kernel from the same seed', () => {
    expect(fuzzSeed(5, []).kernel).toEqual(fuzzSeed(5, []).kernel);
    expect(fuzzSeed(5, []).kernel).not.toEqual(fuzzSeed(6, []).kernel);
  });

  it('writes only legal kernels: one of every op, at both rings, with and without each feature, ends well natively', () => {
    const emulate = TECHNIQUES.filter((t) => t.name === 'emulate');
    for (const paging of [true, false])
      for (const timer of [null, 45])
        for (const strict of [false, true]) {
          const k: Kernel = { paging, timer, userIf: true, strict, segments: [{ ring: 0, ops: every(0) }, { ring: 3, ops: every(3) }] };
          const v = check(k, emulate);
          expect(v.legal, `${features(k).join(' ')}: ${v.why}`).toBe(true);
        }
  });

  it('switches features off', () => {
    const k = fc.sample(kernelArb, { seed: 3, numRuns: 1 })[0]!;
    const off = without(k, new Set(['timer', 'user', 'straddle', 'demand']));
    expect(off.timer).toBeNull();
    expect(off.segments.every((s) => s.ring === 0 && s.ops.every((o) => o.k !== 'straddle' && o.k !== 'demand'))).toBe(true);
  });

  it('flags a divergence the run reported itself, and does not count it', () => {
    // Trap-and-emulate on loose VX32: ring-0 popf fails silently at ring 1, and the VMM says so.
    const loose: Technique = { name: 'trap', technique: 'trap' };
    const k: Kernel = { paging: false, timer: null, userIf: false, strict: false, segments: [{ ring: 0, ops: [{ k: 'popf', value: 0x200 }] }] };
    const v = check(k, [loose]);
    expect(v.legal).toBe(true);
    expect(v.differences).toHaveLength(1);
    expect(v.differences[0]!.reported.join('\n')).toMatch(/popf/);
    expect(v.differences.filter(counts)).toEqual([]);
  });
});
