// Property: whatever a hostile guest writes into its ring pages (indices, requests, grant refs, lengths), the
// back-ends never throw and never write outside the pages granted to them writable.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BACKEND, CONSRING, PAGE_SIZE, RING } from '../../isa/abi.js';
import { SplitDevices } from '../../vmm/hv/pv/backends/index.js';
import { changedOutside, FakeDomain } from './split-harness.js';

const PAGES = 24;
/** Ring pages 1..4: console, block, net TX, net RX (granted first, as refs 0..3, usually to the right back-end). */
const RING_BACKENDS = [BACKEND.CONSOLE, BACKEND.BLOCK, BACKEND.NET, BACKEND.NET];

/** Small values near the interesting edges, or anything. */
const word = fc.oneof(
  fc.integer({ min: 0, max: 40 }),
  fc.constantFrom(0xffff_ffff, 0x8000_0000, 4096, 4095, 2048, 2049, 512),
  fc.nat({ max: 0xffff_ffff }),
);
const producer = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 33 }), weight: 3 }, { arbitrary: word, weight: 1 });

describe('split back-ends against hostile rings', () => {
  it('never throw and never write outside writable grants to them', () => {
    let served = 0;
    fc.assert(
      fc.property(
        // the ring pages' grants: to the right back-end (mostly) or not, read-only or not
        fc.array(fc.tuple(fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 3 })), fc.integer({ min: 0, max: 4 }).map((x) => x === 0)), {
          minLength: 4,
          maxLength: 4,
        }),
        // more grants: page, backend, read-only
        fc.array(fc.tuple(fc.integer({ min: 0, max: PAGES - 1 }), fc.integer({ min: 0, max: 3 }), fc.boolean()), { maxLength: 12 }),
        // words scattered over the four ring pages: word index, value
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 * 1024 - 1 }), word), { maxLength: 400 }),
        // each ring's producer index (console: out_prod)
        fc.array(producer, { minLength: 4, maxLength: 4 }),
        // connect arguments: the right refs (mostly) or any
        fc.array(fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 20 })), { minLength: 4, maxLength: 4 }),
        // actions: 0-2 notify a back-end, 3 inject a packet of that length
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 2100 })), { maxLength: 30 }),
        (ringGrants, grants, words, prods, conn, actions) => {
          const d = new FakeDomain(PAGES * PAGE_SIZE);
          for (const [i, v] of words) d.memory.write32(PAGE_SIZE + 4 * i, v);
          prods.forEach((p, i) => d.memory.write32((i + 1) * PAGE_SIZE + (i === 0 ? CONSRING.OUT_PROD : RING.REQ_PROD), p));
          const writable: Array<[number, number]> = [];
          const grant = (page: number, backend: number, ro: boolean) => {
            if (d.grant(page * PAGE_SIZE, backend, ro) >= 0 && !ro) writable.push([page * PAGE_SIZE, (page + 1) * PAGE_SIZE]);
          };
          ringGrants.forEach(([b, ro], i) => grant(i + 1, b < 0 ? RING_BACKENDS[i]! : b, ro));
          for (const [page, backend, ro] of grants) grant(page, backend, ro);
          const disk = new Uint8Array(16 * 512);
          const out: number[] = [];
          const dev = new SplitDevices({ disk, console: { write: (b) => out.push(...b), takeInput: () => Uint8Array.of(1, 2, 3) } });
          const before = d.raw.slice();
          const ref = (i: number) => (conn[i]! < 0 ? i : conn[i]!); // the ring pages' grants are refs 0..3
          dev.console.connect(d, ref(0), 1);
          dev.block.connect(d, ref(1), 2, 0);
          dev.net.connect(d, ref(2), 3, ref(3));
          for (const [a, len] of actions) {
            if (a === 3) dev.net.wire.inject(new Uint8Array(len).fill(0xee));
            else dev.byId(a)!.notify();
          }
          // Only writable grants could change; the back-ends' counters stay consistent.
          expect(changedOutside(before, d.raw, writable)).toEqual([]);
          for (const b of dev.all) expect(b.counters.batches).toBeLessThanOrEqual(b.counters.requests);
          expect(dev.net.wire.sent.every((p) => p.length >= 1 && p.length <= 2048)).toBe(true);
          if (dev.block.counters.requests + dev.net.counters.requests > 0) served++;
        },
      ),
      { numRuns: 300 },
    );
    // The property is only worth something if hostile requests were actually taken off rings.
    expect(served).toBeGreaterThan(30);
  });

  it('an unknown back-end id is no back-end', () => {
    const dev = new SplitDevices({ disk: new Uint8Array(512), console: { write: () => {}, takeInput: () => new Uint8Array(0) } });
    expect(dev.byId(3)).toBeNull();
    expect(dev.byId(-1)).toBeNull();
    expect(dev.byId(BACKEND.NET)).toBe(dev.net);
  });
});
