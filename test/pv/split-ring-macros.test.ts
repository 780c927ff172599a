// sdk/include/ring.inc's front-end macros, run on the bare machine over random ring states (indices near
// 2^32 included), against the arithmetic of Xen's ring.h written out in TypeScript.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RING, RING_SLOT_SIZE, RING_SLOTS } from '../../isa/abi.js';
import { Machine } from '../../vmm/bare-metal.js';
import { fixture } from '../hv/helpers.js';

const NCASES = 64;
const u32 = (x: number) => x >>> 0;
const diff = (a: number, b: number) => u32(a - b);

interface Case {
  pvt: number;
  old: number;
  event: number;
  rsp: number;
  cons: number;
}

/** What ring.h says each macro computes for a case (FRONT_RING_* and friends). */
function expected(c: Case): number[] {
  const notify = diff(c.pvt, c.event) < diff(c.pvt, c.old) ? 1 : 0;
  return [
    notify,
    c.pvt, // req_prod after the push
    u32(RING_SLOTS - diff(c.pvt, c.cons)), // RING_FREE
    diff(c.rsp, c.cons), // RING_UNCONSUMED
    RING.SLOT0 + (c.pvt % RING_SLOTS) * RING_SLOT_SIZE,
    RING.SLOT0 + (c.cons % RING_SLOTS) * RING_SLOT_SIZE,
    diff(c.rsp, c.cons), // the final check's second look
    u32(c.cons + 1), // rsp_event it set
  ];
}

/** Indices that straddle the wrap, sit close together, or are anything at all. */
const index = fc.oneof(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0xffff_ffc0, max: 0xffff_ffff }), fc.nat({ max: 0xffff_ffff }));
const near = (base: number, d: number) => u32(base + d);
const caseArb: fc.Arbitrary<Case> = fc
  .tuple(index, fc.integer({ min: -40, max: 40 }), fc.integer({ min: -40, max: 40 }), fc.integer({ min: -40, max: 40 }), fc.integer({ min: -40, max: 40 }), fc.boolean())
  .map(([pvt, dOld, dEvent, dRsp, dCons, wild]) =>
    wild
      ? { pvt, old: u32(pvt * 7 + 3), event: u32(pvt ^ 0x5a5a5a5a), rsp: u32(pvt + 0x8000_0000), cons: u32(~pvt) }
      : { pvt, old: near(pvt, dOld), event: near(pvt, dEvent), rsp: near(pvt, dRsp), cons: near(pvt, dCons) },
  );

describe('ring.inc front-end macros', () => {
  const image = fixture('pv/ring-macros.s');
  const at = (name: string) => image.symbols.find((s) => s.name === name)!.value;

  it("compute what Xen's ring.h does, across the 2^32 wrap", () => {
    let runs = 0;
    fc.assert(
      fc.property(fc.array(caseArb, { minLength: NCASES, maxLength: NCASES }), (cases) => {
        const m = new Machine();
        m.load(image);
        const view = new DataView(m.mem.buffer, m.mem.byteOffset, m.mem.byteLength);
        cases.forEach((c, i) => [c.pvt, c.old, c.event, c.rsp, c.cons].forEach((w, k) => view.setUint32(at('cases') + 20 * i + 4 * k, w, true)));
        const r = m.run({ maxInstructions: 1_000_000 });
        expect(r.status).toBe('poweroff');
        cases.forEach((c, i) => {
          const got = Array.from({ length: 8 }, (_, k) => view.getUint32(at('outs') + 32 * i + 4 * k, true));
          expect(got, JSON.stringify(c)).toEqual(expected(c));
        });
        runs++;
      }),
      { numRuns: 20 },
    );
    expect(runs).toBe(20);
  });

  it('the reference itself: notify exactly when req_event is in (old, new], worked by hand', () => {
    // new = 10, old = 5: event 6..10 notifies, 5 and 11 do not; across the wrap the same
    for (const [old, event, pvt, want] of [
      [5, 6, 10, 1],
      [5, 10, 10, 1],
      [5, 5, 10, 0],
      [5, 11, 10, 0],
      [10, 11, 10, 0], // nothing new published
      [0xffff_fffe, 0xffff_ffff, 2, 1],
      [0xffff_fffe, 1, 2, 1],
      [0xffff_fffe, 3, 2, 0],
    ] as const)
      expect(expected({ pvt, old, event, rsp: 0, cons: 0 })[0], `${old} ${event} ${pvt}`).toBe(want);
  });
});
