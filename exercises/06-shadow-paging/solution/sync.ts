// Exercise 06, reference solution: keep the VMM's shadow page tables in sync with the guest's own.
//
// The VMM write-protects every page the guest uses as a page table, so each store to one traps; the
// VMM performs the store and calls afterPageTableWrite. From then on the shadow must not hold any
// entry the guest's tables no longer give. A frame can be the table of several directory slots, and
// the directory itself; an unaligned store can change two entries at once.
import type { ShadowSync } from 'vmlab/testing';

export const sync: ShadowSync = {
  afterPageTableWrite(view, gpa, size) {
    let directoryChanged = false;
    // The store touched one word, or two if it straddles a word boundary.
    for (const word of new Set([Math.floor(gpa / 4), Math.floor((gpa + size - 1) / 4)])) {
      const addr = word * 4;
      const entry = (addr % 4096) / 4;
      for (const use of view.uses(Math.floor(addr / 4096))) {
        if (use.kind === 'directory') directoryChanged = true;
        else view.dropEntry(use.pdIndex, entry); // every slot that shares the table
      }
    }
    // A directory entry names a whole page table: start over, so the VMM re-reads (and write-protects)
    // the tables the directory now holds.
    if (directoryChanged) view.flush();
  },
  invlpg(view, va) {
    view.dropEntry(Math.floor(va / 0x400000), Math.floor(va / 4096) % 1024);
  },
};
