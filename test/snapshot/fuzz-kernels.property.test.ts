// Snapshot and restore over random kernels: a fuzz kernel (random legal code, paging, ring 3, timer interrupts,
// self-modifying code) saved at a random instruction under a random technique ends as if it had never stopped.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLK_SECTOR_SIZE } from '../../isa/abi.js';
import { kernelArb } from '../../scripts/fuzz/generate.js';
import { render } from '../../scripts/fuzz/render.js';
import { assemble, MAX_INSTRUCTIONS, TECHNIQUES } from '../../scripts/fuzz/run.js';
import { FUZZ_RAM } from '../../scripts/fuzz/runtime.js';
import type { Image } from '../../isa/image.js';
import { Hypervisor, type HypervisorOptions } from '../../vmm/hv/hypervisor.js';
import { decodeSnapshot, encodeSnapshot } from '../../vmm/snapshot/format.js';

type Options = Pick<HypervisorOptions, 'technique' | 'memory' | 'strict'>;

const build = (image: Image, o: Options) =>
  new Hypervisor([{ name: 'fuzz.s', image, ramSize: FUZZ_RAM, blockImage: new Uint8Array(BLK_SECTOR_SIZE) }], o);

/** What must not change when the run is cut in two. */
const outcome = (r: ReturnType<Hypervisor['run']>[number], console: string) => ({
  status: r.status,
  exitCode: r.exitCode,
  console,
  instructions: r.stats.guestInstructions,
  interrupts: r.stats.interrupts,
});

describe('snapshot and restore of random kernels', () => {
  it('any technique, any instant: the console, status, exit code, instruction and interrupt counts as if never stopped (property)', () => {
    const techniques = [{ name: 'native', technique: 'native' as const }, ...TECHNIQUES];
    fc.assert(
      fc.property(kernelArb, fc.constantFrom(...techniques), fc.double({ min: 0, max: 1, noNaN: true }), (k, t, where) => {
        const image = assemble(render(k));
        const o: Options = { technique: t.technique, strict: k.strict || Boolean('alwaysStrict' in t && t.alwaysStrict), ...('memory' in t && t.memory ? { memory: t.memory } : {}) };
        const whole = build(image, o).run(MAX_INSTRUCTIONS)[0]!;
        // Somewhere inside the run (instruction 1 at least), so there is something before and after.
        const at = 1 + Math.floor(where * Math.max(0, whole.stats.guestInstructions - 1));
        const a = build(image, o);
        a.runUntil(at);
        const before = a.results()[0]!.console;
        const snap = decodeSnapshot(encodeSnapshot({ run: a.save(), images: [image], maxInstructions: MAX_INSTRUCTIONS }));
        let after = '';
        const r = Hypervisor.restore(snap.run, snap.images, { consoleSinks: [(s) => (after += s)] }).run(MAX_INSTRUCTIONS)[0]!;
        expect(outcome(r, before + after)).toEqual(outcome(whole, whole.console));
      }),
      { numRuns: 100, seed: 20261202 },
    );
  });
});
