// Guest-growable state in the VMM itself: the per-VM page pool's users (the code cache always leaves the
// shadow its reserve; a pool that still runs dry stops that VM, never the VMM) and bt's fault tables.
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../isa/abi.js';
import { PagePool, PoolExhausted } from '../../vmm/hv/memory/page-pool.js';
import { CodeCache, MAX_CACHE_WORDS } from '../../vmm/hv/techniques/bt/code-cache.js';
import { Hypervisor } from '../../vmm/hv/hypervisor.js';
import { VM_LIMITS } from '../../vmm/limits.js';
import { BT, HW_SHADOW, IDLE_SOURCE, native, runVmm, source, spec, TRAP_STRICT } from './helpers.js';

/**
 * A kernel that turns paging on, maps its first 4 MiB again in NREG - 1 more regions (a shadow table each),
 * and then, ITERS times, rewrites a word of its own loop (bt translates the loop afresh) and touches the
 * next region. It reports the iterations and powers off.
 */
const REGIONS = `.include "prelude.inc"
.text
main:
    call h_paging_on
    li r1, h_pd
    li r2, h_pt | PTE_P | PTE_W
    li r3, 0
.Lpde:
    st [r1 + 4], r2
    add r1, 4
    add r3, 1
    cmp r3, NREG - 1
    jnz .Lpde
    li r1, h_pd
    mov cr3, r1
    li r4, 0x00300000
    li r6, 0
r_loop:
    ld r2, [r_patch]
    st [r_patch], r2
r_patch:
    ld r5, [r4]
    add r4, 0x00400000
    cmp r4, 0x00300000 + NREG * 0x00400000
    jnz r_next
    li r4, 0x00300000
r_next:
    add r6, 1
    cmp r6, ITERS
    jnz r_loop
    mov r1, r6
    call h_report
.data
h_name: .asciz "regions"
`;
const regions = (iters: number, nreg = 8) => source(REGIONS, 'test/fixtures/hostile/regions.s', { ITERS: iters, NREG: nreg });

describe('the VMM page pool', () => {
  it('the code cache never takes the pages it leaves to the shadow tables', () => {
    const pages = VM_LIMITS.POOL_SHADOW_RESERVE_PAGES + 40;
    const words = new Uint32Array((pages * PAGE_SIZE) / 4);
    const pool = new PagePool(words, 0, pages * PAGE_SIZE);
    const cache = new CodeCache(words, pool, MAX_CACHE_WORDS);
    let got = 0;
    while (cache.alloc(PAGE_SIZE / 4) !== null) got++;
    expect(got).toBe(40);
    expect(pool.available).toBe(VM_LIMITS.POOL_SHADOW_RESERVE_PAGES);
    // A flush reuses the cache's own pages: it never asks the pool for more.
    cache.flush();
    expect(cache.alloc(PAGE_SIZE / 4)).toBe(0);
    expect(pool.available).toBe(VM_LIMITS.POOL_SHADOW_RESERVE_PAGES);
  });

  for (const cfg of [TRAP_STRICT, HW_SHADOW, BT]) {
    it(`a pool with no page left stops that VM with a reason, and the VMM and the VM beside it go on: ${cfg.label}`, () => {
      const hv = new Hypervisor([spec('starved', regions(10)), spec('idle', source(IDLE_SOURCE, 'idle.s'))], {
        technique: cfg.technique,
        strict: cfg.strict ?? false,
        ...(cfg.memory ? { memory: cfg.memory } : {}),
      });
      const pool = hv.regions[0]!.pool;
      const drained: number[] = [];
      expect(() => {
        for (;;) drained.push(pool.alloc());
      }).toThrow(PoolExhausted);
      expect(drained.length).toBeLessThan(VM_LIMITS.VM_POOL_PAGES);
      const [starved, idle] = hv.run(1_000_000);
      expect(starved!.status).toBe('crash');
      expect(starved!.crash!.reason).toMatch(/page pool for this VM \(512 pages\) is exhausted/);
      expect([idle!.status, idle!.exitCode]).toEqual(['halted', 0]);
    });
  }
});

describe("bt's table of faulting instructions", () => {
  it(`starts afresh past VM_LIMITS.BT_FAULT_SITES distinct guest pcs, and the guest runs as natively`, () => {
    const sites = VM_LIMITS.BT_FAULT_SITES + 200;
    const loads = Array.from({ length: sites }, () => '    ld r3, [r1 + NIC_STATUS]').join('\n');
    const image = source(
      `.include "prelude.inc"
.text
main:
    li r1, MEM_NIC_MMIO
${loads}
    li r1, ${sites}
    call h_report
.data
h_name: .asciz "sites"
`,
      'test/fixtures/hostile/sites.s',
    );
    const want = native(image).console;
    const [r] = runVmm([spec('g', image)], BT, 2_000_000).results;
    expect(r!.console).toBe(want);
    expect(r!.stats.emulatedInstructions).toBeGreaterThanOrEqual(sites);
    expect(r!.stats.techniqueCounts.faultSitesForgotten).toBe(1);
  });
});
