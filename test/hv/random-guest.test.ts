// Properties of guest kernels made of random words: under every technique the VMM never throws and never
// changes a byte of the other VM's host region (the VMM's tables for it and its RAM); under every technique
// that is equivalent to the bare machine, the guest ends exactly as natively, RAM included.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SEG, type Image } from '../../assembler/types.js';
import { OPCODE_COUNT } from '../../isa/table.js';
import { Machine } from '../../vmm/bare-metal.js';
import { ALL, EQUIVALENT, firstDiff, IDLE_SOURCE, ramOf, regionOf, runVmm, source } from './helpers.js';

const RAM = 0x10000;
const CODE = 0x3000;
const MAX = 3_000;
const QUANTUM = 500;

// Registers start at addresses worth poking: device pages, just past RAM, the vector table, far away.
const PREAMBLE = source(
  `.text
_start:
    li sp, 0xf000
    li r1, ivt
    lidt r1
    li r1, 0xff000000
    li r2, 0xff001000
    li r3, ${RAM}
    li r4, ivt
    li r5, 0x7ffff000
    li r6, ${CODE}
    li r7, 0
    li r8, 0xfffffffc
    li r9, ${RAM - 4}
    jmp ${CODE}
.data
ivt:
${Array.from({ length: 256 }, (_, v) => `    .word ${CODE + ((v * 4) % 256)}`).join('\n')}
`,
  'random-preamble.s',
);

const IDLE = source(IDLE_SOURCE, 'idle.s');

/** A word that is usually a valid instruction with random fields, sometimes fully random. */
const word = fc.oneof(
  fc.integer({ min: 0, max: 0xffff_ffff }),
  fc
    .record({
      op: fc.integer({ min: 0, max: OPCODE_COUNT + 3 }),
      a: fc.integer({ min: 0, max: 15 }),
      b: fc.integer({ min: 0, max: 15 }),
      imm: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0, 4, 8, 0xfffc, 0x80, 1)),
    })
    .map(({ op, a, b, imm }) => (op | (a << 8) | (b << 12) | (imm << 16)) >>> 0),
);

/**
 * Programs this property once found, kept as fixed examples: a vector table on the block device's
 * registers; a trap frame wrapping below address 0; a #DF frame not yet in the shadow; a jump to an
 * unaligned address outside RAM (#GP, which trap-and-emulate turned into #PF).
 */
const FOUND: readonly (readonly number[])[] = [
  [0x44f16, 0xc8778155, 0x55b301ab, 0xfffce146, 0x522ee005],
  [0xb8d74657, 0x5e89f87, 0xcb922f45, 0x89390304, 0xe1d04514, 0x9e79559d, 0x1280a8a4],
  [0x8ff1c, 0xe2e98060, 0xc35b, 0xfffcf039, 0x89639, 0xfffc7c0a, 0xc03078a, 0xd53f4246, 0x800d07, 0xfcfcf3ec],
  [0x94f480cd, 0xa9710f5a, 0x5c991855, 0x801302, 0x57bacf13, 0xecbf7655, 0x57a7034b, 0xba18f16, 0x80d019, 0x1c202, 0x920beda6],
];

function randomImage(words: readonly number[]): Image {
  const data = new Uint8Array(words.length * 4);
  const dv = new DataView(data.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w, true));
  return {
    ...PREAMBLE,
    segments: [...PREAMBLE.segments, { name: '.random', addr: CODE, flags: SEG.R | SEG.W | SEG.X, data, memSize: data.length }],
  };
}

describe.each(ALL.map((c) => [c.label, c] as const))('random guest kernels under %s', (_label, cfg) => {
  // The idle VM's region when its neighbour is idle too, at each position.
  const baseline = ([0, 1] as const).map((at) => {
    const { hv } = runVmm(
      [
        { name: 'a', image: IDLE, ramSize: RAM },
        { name: 'b', image: IDLE, ramSize: RAM },
      ],
      cfg,
      MAX,
      QUANTUM,
    );
    return regionOf(hv, at);
  });

  it('never throw and never touch the other VM', () => {
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 48 }), fc.boolean(), (words, randomFirst) => {
        const rnd = { name: 'random', image: randomImage(words), ramSize: RAM };
        const idle = { name: 'idle', image: IDLE, ramSize: RAM };
        const { hv, results } = runVmm(randomFirst ? [rnd, idle] : [idle, rnd], cfg, MAX, QUANTUM);
        const at = randomFirst ? 1 : 0;
        const r = results[1 - at]!;
        expect(['crash', 'poweroff', 'limit', 'halted']).toContain(r.status);
        if (r.status === 'crash') expect(r.crash?.reason).toMatch(/\w/);
        expect(results[at]!.status).toBe('halted');
        expect(firstDiff(regionOf(hv, at), baseline[at]!)).toBe(-1);
      }),
      { numRuns: 30 },
    );
  });
});

describe.each(EQUIVALENT.map((c) => [c.label, c] as const))('random guest kernels under %s', (_label, cfg) => {
  it('end as they do on the bare machine: status, output and every byte of RAM', () => {
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 48 }), (words) => {
        const image = randomImage(words);
        const m = new Machine({ strict: cfg.strict ?? false, ramSize: RAM });
        m.load(image);
        const want = m.run({ maxInstructions: MAX });
        const { hv, results } = runVmm([{ name: 'random', image, ramSize: RAM }], cfg, MAX);
        const r = results[0]!;
        expect({ status: r.status, exitCode: r.exitCode, console: r.console }).toEqual({
          status: want.status,
          exitCode: want.exitCode,
          console: want.console,
        });
        expect(firstDiff(ramOf(hv, 0), m.mem)).toBe(-1);
      }),
      { numRuns: 60, examples: FOUND.map((w) => [[...w]]) },
    );
  });
});
