// The shadow pager's sync policy as an interface: what the VMM does to its shadow after a guest edits a page table.
//
// ShadowPager emulates the store and then asks its ShadowSync which shadow entries the edit invalidates.
// A policy can only drop shadow entries or discard the whole shadow, never install one: entries are
// filled only from the guest's own tables within its RAM, so even a wrong policy cannot break
// isolation — it can only leave the guest seeing a stale mapping of its own memory (exercise 06).
import { PAGE_SIZE, PTE_SIZE } from '../../../isa/abi.js';
import { pageOffset, pdIndex, ptIndex } from '../../../isa/paging.js';

/** How the guest uses a frame as a page table right now. */
export type PageTableUse =
  /** The frame is the guest's current page directory. */
  | { readonly kind: 'directory' }
  /** The frame is the page table of directory slot `pdIndex` (a frame may serve several slots). */
  | { readonly kind: 'table'; readonly pdIndex: number };

/** A present shadow entry that disagrees with the guest's own tables. */
export interface ShadowMismatch {
  readonly va: number;
  readonly problem: string;
}

/** What a sync policy may see of the shadow and do to it. */
export interface ShadowView {
  /** Every use of guest frame `frame` (a guest-physical page number) as a page table; empty if none. */
  uses(frame: number): readonly PageTableUse[];
  /** Drop the shadow entry for page `index` (0..1023) of directory slot `pdIndex` (0..1023); the CPU refaults it. */
  dropEntry(pdIndex: number, index: number): void;
  /** Discard the whole shadow and re-read which frames the guest uses as page tables. */
  flush(): void;
  /**
   * Every present shadow entry that the guest's tables, as they are now, would not give: another frame,
   * more rights, a write that would not set the guest's dirty bit, a page table left writable. Empty when
   * the shadow is coherent (for tests and debugging; it walks the whole shadow).
   */
  audit(): ShadowMismatch[];
}

export interface ShadowSync {
  /**
   * The guest stored `size` bytes (1 to 4) at guest-physical `gpa` on one of its page-table pages; the
   * store is done. A store that crosses into the next page arrives as one call per page.
   */
  afterPageTableWrite(view: ShadowView, gpa: number, size: number): void;
  /** The guest ran `invlpg va`. */
  invlpg(view: ShadowView, va: number): void;
}

/** vmlab's own policy. */
export const DEFAULT_SHADOW_SYNC: ShadowSync = {
  afterPageTableWrite(view, gpa, size) {
    let directoryChanged = false;
    // An unaligned store can touch two entries; a byte store one.
    for (const word of new Set([gpa >>> 2, (gpa + size - 1) >>> 2])) {
      const addr = word * 4;
      for (const use of view.uses(Math.floor(addr / PAGE_SIZE))) {
        if (use.kind === 'directory') directoryChanged = true;
        // Every slot that shares this table sees the edit.
        else view.dropEntry(use.pdIndex, pageOffset(addr) / PTE_SIZE);
      }
    }
    // A directory edit can add or remove whole page tables: re-track from scratch.
    if (directoryChanged) view.flush();
  },
  invlpg(view, va) {
    view.dropEntry(pdIndex(va), ptIndex(va));
  },
};
