// Second-stage (nested, EPT-like) page tables: guest-physical -> host-physical, built once per VM by the VMM.

import { PAGE_SIZE, PTE } from '../../../isa/abi.js';
import type { GuestPhys } from './guest-phys.js';
import type { PagePool } from './page-pool.js';
import { entryWord, pdIndex, ptIndex } from '../../../isa/paging.js';

/** An extra mapping outside RAM, e.g. a passed-through device's MMIO page. */
export interface ExtraMapping {
  readonly gpa: number;
  readonly hpa: number;
  readonly writable: boolean;
}

/**
 * Build tables mapping every page of the guest's RAM to its host page, plus `extra`. Everything
 * else (the MMIO window, addresses past RAM) stays unmapped, so a guest access there exits with
 * EPT_VIOLATION and the VMM emulates or refuses it. Returns the root's host-physical address.
 */
export function buildSecondStage(
  words: Uint32Array,
  pool: PagePool,
  guest: GuestPhys,
  extra: readonly ExtraMapping[] = [],
): number {
  const root = pool.alloc();
  const tables = new Map<number, number>();
  const map = (gpa: number, hpa: number, writable: boolean): void => {
    const i = pdIndex(gpa);
    let table = tables.get(i);
    if (table === undefined) {
      table = pool.alloc();
      tables.set(i, table);
      words[entryWord(root, i)] = (table | PTE.P | PTE.W | PTE.U) >>> 0;
    }
    words[entryWord(table, ptIndex(gpa))] = (hpa | PTE.P | PTE.U | (writable ? PTE.W : 0)) >>> 0;
  };
  for (let gpa = 0; gpa < guest.size; gpa += PAGE_SIZE) map(gpa, guest.base + gpa, true);
  for (const m of extra) map(m.gpa >>> 0, m.hpa >>> 0, m.writable);
  return root;
}
