// Paging and the TLB: A/D bits, flushes, invlpg, hit/miss and walk-reference counts, MMIO through the bus.

import { describe, expect, it } from 'vitest';
import { PTE, VEC } from '../../isa/abi.js';
import { boot, CODE, I, identityPaging, type Insn } from './harness.js';

const li = (reg: number, v: number): Insn => I('li.rI', reg, 0, v | 0);
const URW = PTE.P | PTE.W | PTE.U;

function paged(prog: Insn[]) {
  const g = boot(prog);
  const pt = identityPaging(g, 1 << 20, URW);
  return { g, pt };
}

describe('page walks', () => {
  it('set A on both levels on a read and D on the PTE on a write', () => {
    const { g, pt } = paged([li(2, 0x5_0000), I('ld.rm', 1, 2, 0), li(3, 0x6_0000), I('st.mr', 1, 3, 0)]);
    expect(g.go()).toBe('halt');
    expect(pt.pte(0x5_0000) & (PTE.A | PTE.D)).toBe(PTE.A);
    expect(pt.pte(0x6_0000) & (PTE.A | PTE.D)).toBe(PTE.A | PTE.D);
    expect(pt.pde(0x5_0000) & PTE.A).toBe(PTE.A);
    expect(pt.pte(0x7_0000) & PTE.A).toBe(0);
  });

  it('a write to a clean page whose translation is cached still sets D', () => {
    const { g, pt } = paged([li(2, 0x5_0000), I('ld.rm', 1, 2, 0), I('st.mr', 1, 2, 0)]);
    g.go();
    expect(pt.pte(0x5_0000) & PTE.D).toBe(PTE.D);
  });

  it('a native TLB miss costs 2 walk references; a hit costs none', () => {
    const { g } = paged([li(2, 0x5_0000), I('ld.rm', 1, 2, 0)]);
    // warm the code and stack pages
    const s = g.cpu.stats;
    g.cpu.run(1); // li.rI: code page miss
    expect(s.tlbMisses).toBe(1);
    expect(s.pageWalkRefs).toBe(2);
    g.cpu.run(1); // ld: data page miss
    expect(s.tlbMisses).toBe(2);
    expect(s.pageWalkRefs).toBe(4);
    g.cpu.pc = CODE + 8; // the same ld again: a hit
    const hits = s.tlbHits;
    g.cpu.run(1);
    expect(s.tlbMisses).toBe(2);
    expect(s.pageWalkRefs).toBe(4);
    expect(s.tlbHits).toBeGreaterThan(hits);
  });

  it('with paging off nothing is counted', () => {
    const g = boot([li(2, 0x5_0000), I('ld.rm', 1, 2, 0)]);
    g.go();
    expect(g.cpu.stats.tlbMisses).toBe(0);
    expect(g.cpu.stats.tlbHits).toBe(0);
    expect(g.cpu.stats.pageWalkRefs).toBe(0);
  });
});

describe('TLB geometry', () => {
  it('is direct-mapped: with one entry per set, two pages used alternately always miss', () => {
    const g = boot([li(2, 0x5_0000), li(3, 0x5_1000), I('ld.rm', 1, 2, 0), I('ld.rm', 1, 3, 0), I('ld.rm', 1, 2, 0)], { tlbEntries: 1 });
    identityPaging(g, 1 << 20, URW);
    g.go();
    // every fetch-page refill and every load misses: the single slot keeps being replaced
    expect(g.cpu.stats.tlbHits).toBe(0);
    const big = boot([li(2, 0x5_0000), li(3, 0x5_1000), I('ld.rm', 1, 2, 0), I('ld.rm', 1, 3, 0), I('ld.rm', 1, 2, 0)]);
    identityPaging(big, 1 << 20, URW);
    big.go();
    expect(big.cpu.stats.tlbMisses).toBe(3); // code, 0x5_0000, 0x5_1000
    expect(g.cpu.stats.tlbMisses).toBeGreaterThan(big.cpu.stats.tlbMisses);
  });
});

describe('TLB coherence is software-managed', () => {
  // The program reads 0x5_0000 twice; between the reads the test remaps the page behind the CPU's back.
  const prog = [li(2, 0x5_0000), I('ld.rm', 1, 2, 0), I('nop'), I('ld.rm', 3, 2, 0)];

  function stale(between: (g: ReturnType<typeof paged>['g']) => void) {
    const { g, pt } = paged(prog);
    g.poke(0x5_0000, [111]);
    g.poke(0x6_0000, [222]);
    g.cpu.run(2); // li + first ld
    expect(g.cpu.r[1]).toBe(111);
    pt.map(0x5_0000, 0x6_0000, URW);
    between(g);
    g.go();
    return g.cpu.r[3];
  }

  it('a stale translation survives a page-table edit', () => {
    expect(stale(() => {})).toBe(111);
  });

  it('invlpg evicts the page', () => {
    expect(
      stale((g) => {
        g.poke(CODE + 12, [0]); // replace the nop by invlpg r2 (encoded below)
        g.load(CODE + 12, [I('invlpg', 2)]);
      }),
    ).toBe(222);
  });

  it('invlpg of another page does not evict it', () => {
    expect(
      stale((g) => {
        g.cpu.r[4] = 0x7_0000;
        g.load(CODE + 12, [I('invlpg', 4)]);
      }),
    ).toBe(111);
  });

  it('a cr3 write flushes everything', () => {
    expect(
      stale((g) => {
        g.cpu.r[4] = g.cpu.cr3;
        g.load(CODE + 12, [I('mov.cr', 4, 3)]);
      }),
    ).toBe(222);
  });

  it('an invalidated code page is re-fetched through the new mapping', () => {
    const { g, pt } = paged([]);
    g.load(0x5_0000, [I('li.ri', 1, 0, 1), I('hlt')]);
    g.load(0x6_0000, [I('li.ri', 1, 0, 2), I('hlt')]);
    g.cpu.pc = 0x5_0000;
    g.go();
    expect(g.cpu.r[1]).toBe(1);
    pt.map(0x5_0000, 0x6_0000, URW);
    g.cpu.r[1] = 0;
    g.cpu.halted = false;
    g.cpu.pc = 0x5_0000;
    g.go();
    expect(g.cpu.r[1]).toBe(1); // stale
    g.cpu.flushTlb();
    g.cpu.halted = false;
    g.cpu.pc = 0x5_0000;
    g.go();
    expect(g.cpu.r[1]).toBe(2);
  });
});

describe('probe', () => {
  it('translates without side effects', () => {
    const { g, pt } = paged([]);
    pt.map(0x40_0000, 0x5_0000, PTE.P);
    const before = { ...g.cpu.stats };
    expect(g.cpu.probe(0x40_0123, false, false)).toBe(0x5_0123);
    expect(g.cpu.probe(0x40_0123, true, false)).toBe(-1);
    expect(g.cpu.probe(0x40_0123, false, true)).toBe(-1);
    expect(g.cpu.probe(0x80_0000, false, false)).toBe(-1);
    expect(pt.pte(0x40_0000) & PTE.A).toBe(0);
    expect(g.cpu.stats.tlbMisses).toBe(before.tlbMisses);
    expect(g.cpu.stats.pageWalkRefs).toBe(before.pageWalkRefs);
  });
});

describe('MMIO', () => {
  it('a load from a device page reaches the bus and ends the run slice', () => {
    const { g, pt } = paged([li(2, 0x40_0000), I('ld.rm', 1, 2, 8), I('stb.mr', 1, 2, 4)]);
    pt.map(0x40_0000, 0xff00_0000, URW);
    expect(g.cpu.run(100)).toBe('io');
    expect(g.cpu.r[1]).toBe(0x1234_5678);
    expect(g.cpu.pc).toBe(CODE + 12);
    expect(g.cpu.run(100)).toBe('io');
    expect(g.bus.mmioWrites).toEqual([[0xff00_0004, 1, 0x78]]);
    expect(g.cpu.stats.mmioAccesses).toBe(2);
  });

  it('an address in the device window that no device claims is a bus error', () => {
    const { g, pt } = paged([li(2, 0x40_0000), I('ld.rm', 1, 2, 0)]);
    pt.map(0x40_0000, 0xff00_5000, URW);
    g.go();
    expect(g.frame()).toMatchObject({ vector: VEC.PF, error: 1 });
  });
});
