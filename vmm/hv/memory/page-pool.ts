// A pool of host-physical pages reserved for the VMM's own tables (shadow and second-stage page tables).
// Guests never see these pages: no guest mapping ever points into the pool.
//
// A pool has VM_LIMITS.VM_POOL_PAGES pages and never grows. Running dry is a defined event for every user:
// the shadow pager flushes its tables and refills on demand, the bt code cache counts as full (flushes and
// reuses its own pages) and always leaves VM_LIMITS.POOL_SHADOW_RESERVE_PAGES to the shadow, and the
// boot-time users (a second stage, a PV boot map) need at most 18 pages. If `alloc` still throws, the
// hypervisor stops that VM with a crash report naming the pool; it never escapes the VMM.

import { PAGE_SIZE } from '../../../isa/abi.js';

export class PoolExhausted extends Error {}

export class PagePool {
  private readonly free: number[] = [];
  private readonly words: Uint32Array;
  readonly base: number;
  readonly size: number;

  /** `words` is the host memory as 32-bit words; the pool owns [base, base + size). */
  constructor(words: Uint32Array, base: number, size: number) {
    if (base % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0) throw new Error('page pool must be page-aligned');
    this.words = words;
    this.base = base;
    this.size = size;
    for (let a = base + size - PAGE_SIZE; a >= base; a -= PAGE_SIZE) this.free.push(a);
  }

  get available(): number {
    return this.free.length;
  }

  /** A zeroed page's host-physical address. */
  alloc(): number {
    const a = this.free.pop();
    if (a === undefined) throw new PoolExhausted(`the VMM's page pool for this VM (${this.size / PAGE_SIZE} pages) is exhausted`);
    this.words.fill(0, a >>> 2, (a + PAGE_SIZE) >>> 2);
    return a;
  }

  release(a: number): void {
    this.free.push(a);
  }

  owns(a: number): boolean {
    return a >= this.base && a < this.base + this.size;
  }
}
