// Page-table geometry as functions: each level's index of a virtual address, where its entry lives, what an entry maps.
//
// Used by the MMU's walks, the VMM's guest-table walker, shadow and second-stage tables and the PV
// direct-paging validator, so none of them open-codes the shifts and masks of isa/abi.ts.
import { PAGE_MASK, PAGE_SHIFT, PD_SHIFT, PT_ENTRIES, PTE, PTE_SIZE } from './abi.js';

/** Index of va's entry in the page directory. */
export function pdIndex(va: number): number {
  return va >>> PD_SHIFT;
}

/** Index of va's entry in its page table. */
export function ptIndex(va: number): number {
  return (va >>> PAGE_SHIFT) & (PT_ENTRIES - 1);
}

/** Byte offset of va in its page. */
export function pageOffset(va: number): number {
  return va & PAGE_MASK;
}

/** The page-aligned physical address an entry (or cr3, or a second-stage root) names. */
export function entryFrame(entry: number): number {
  return (entry & PTE.FRAME_MASK) >>> 0;
}

/** Physical address of va's page-directory entry in the directory `root` names. */
export function pdeAddress(root: number, va: number): number {
  return (entryFrame(root) + pdIndex(va) * PTE_SIZE) >>> 0;
}

/** Physical address of va's page-table entry in the table `pde` names. */
export function pteAddress(pde: number, va: number): number {
  return (entryFrame(pde) + ptIndex(va) * PTE_SIZE) >>> 0;
}

/** The physical address va reaches through the leaf entry `pte`. */
export function entryTarget(pte: number, va: number): number {
  return (entryFrame(pte) | pageOffset(va)) >>> 0;
}

/** Word index, in a table at byte address `table`, of entry `index`. */
export function entryWord(table: number, index: number): number {
  return (table >>> 0) / PTE_SIZE + index;
}

/** The first virtual address that directory entry `pd` and table entry `pt` map. */
export function pageVa(pd: number, pt: number): number {
  return ((pd << PD_SHIFT) | (pt << PAGE_SHIFT)) >>> 0;
}
