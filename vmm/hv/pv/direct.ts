// Direct paging for a PV domain (memory mode `direct`): the guest's own page tables hold machine frames and
// the real CPU walks them. The VMM never shadows anything; it only validates, as Xen does with page types:
// a table may map only frames the domain owns, a page used as a page table (pinned) is never writable
// through any mapping, and a table can be edited only through mmu_update / update_va_mapping.

import { HC_ERR, PAGE_SIZE, PTE } from '../../../isa/abi.js';
import type { GuestPhys } from '../memory/guest-phys.js';
import type { PagePool } from '../memory/page-pool.js';

/** What a frame of the domain is used as. */
export const FRAME_TYPE = { NONE: 0, L1: 1, L2: 2 } as const;
const ENTRIES = PAGE_SIZE / 4;

export interface DirectOptions {
  /** Machine frames outside RAM the domain may map (device registers it drives through trapped MMIO). */
  readonly deviceFrame: (ma: number) => boolean;
  /** The frame has a writable grant: a back-end may write it, so it can never become a page table. */
  readonly writablyGranted: (pfn: number) => boolean;
  /** A frame became a page table (or stopped being one): device DMA must not write it meanwhile. */
  readonly typeChanged?: (pfn: number, table: boolean) => void;
}

export class DirectPaging {
  /** Machine address of pseudo-physical 0: machine = pseudo-physical + base. */
  readonly base: number;
  readonly pages: number;
  private readonly type: Uint8Array;
  /** Writable mappings of each frame held by pinned page tables. */
  private readonly writable: Uint32Array;
  /** References to each pinned page table from pinned directories. */
  private readonly refs: Uint32Array;
  /** Machine address of the directory in use, or -1 while the VMM's boot map is. */
  current = -1;
  /** The VMM's map of pseudo-physical RAM used until the first new_baseptr (pool pages). */
  private boot: { root: number; tables: number[] } | null = null;
  readonly stats = { pins: 0, unpins: 0, updates: 0, rejected: 0 };

  constructor(
    private readonly words: Uint32Array,
    private readonly pool: PagePool,
    guest: GuestPhys,
    private readonly opts: DirectOptions,
  ) {
    this.base = guest.base;
    this.pages = guest.size / PAGE_SIZE;
    this.type = new Uint8Array(this.pages);
    this.writable = new Uint32Array(this.pages);
    this.refs = new Uint32Array(this.pages);
  }

  /** Build the boot map (virtual = pseudo-physical, supervisor, writable); returns its root for cr3. */
  buildBootMap(): number {
    const root = this.pool.alloc();
    const tables: number[] = [];
    for (let pfn = 0; pfn < this.pages; pfn += ENTRIES) {
      const t = this.pool.alloc();
      tables.push(t);
      this.words[(root >>> 2) + pfn / ENTRIES] = (t | PTE.P | PTE.W) >>> 0;
      for (let i = 0; i < ENTRIES && pfn + i < this.pages; i++)
        this.words[(t >>> 2) + i] = (this.base + (pfn + i) * PAGE_SIZE) | PTE.P | PTE.W;
    }
    this.boot = { root, tables };
    return root;
  }

  /** The domain owns this machine address. */
  owns(ma: number): boolean {
    return ma >= this.base && ma < this.base + this.pages * PAGE_SIZE;
  }

  pfn(ma: number): number {
    return Math.floor((ma - this.base) / PAGE_SIZE);
  }

  typeOf(pfn: number): number {
    return this.type[pfn] ?? FRAME_TYPE.NONE;
  }

  private entry(table: number, i: number): number {
    return this.words[(table >>> 2) + i]! >>> 0;
  }

  /** A page-table entry the domain may install in an L1 table, or the error that refuses it. */
  private checkPte(pte: number): number {
    if (!(pte & PTE.P)) return 0;
    const frame = (pte & PTE.FRAME_MASK) >>> 0;
    if (!this.owns(frame)) return this.opts.deviceFrame(frame) ? 0 : -HC_ERR.EPERM;
    if (pte & PTE.W && this.type[this.pfn(frame)] !== FRAME_TYPE.NONE) return -HC_ERR.EPERM;
    return 0;
  }

  private table(ma: number): number {
    if (ma % PAGE_SIZE !== 0) return -HC_ERR.EINVAL;
    if (!this.owns(ma)) return -HC_ERR.EPERM;
    return 0;
  }

  /** The boot map mirrors each pinned frame read-only, so the kernel cannot write it there either. */
  private bootProtect(pfn: number, readonly: boolean): void {
    if (!this.boot) return;
    const t = this.boot.tables[Math.floor(pfn / ENTRIES)]!;
    const i = (t >>> 2) + (pfn % ENTRIES);
    this.words[i] = readonly ? this.words[i]! & ~PTE.W : this.words[i]! | PTE.W;
  }

  private writableFrames(table: number, delta: 1 | -1): void {
    for (let i = 0; i < ENTRIES; i++) {
      const e = this.entry(table, i);
      if (e & PTE.P && e & PTE.W && this.owns(e & PTE.FRAME_MASK)) this.writable[this.pfn(e & PTE.FRAME_MASK)]! += delta;
    }
  }

  /** Pin a page as a page table (L1). The caller must flush the TLB (a stale writable entry may remain). */
  pinTable(ma: number): number {
    const bad = this.table(ma);
    if (bad) return bad;
    const pfn = this.pfn(ma);
    if (this.type[pfn] !== FRAME_TYPE.NONE) return -HC_ERR.EBUSY;
    if (this.writable[pfn]! > 0 || this.opts.writablyGranted(pfn)) return -HC_ERR.EPERM;
    for (let i = 0; i < ENTRIES; i++) {
      const e = this.entry(ma, i);
      const err = this.checkPte(e);
      if (err) return err;
      // Mapping itself writable: checkPte cannot see it yet, the page is still untyped.
      if (e & PTE.P && e & PTE.W && ((e & PTE.FRAME_MASK) >>> 0) === ma) return -HC_ERR.EPERM;
    }
    this.writableFrames(ma, 1);
    this.type[pfn] = FRAME_TYPE.L1;
    this.bootProtect(pfn, true);
    this.opts.typeChanged?.(pfn, true);
    this.stats.pins++;
    return 0;
  }

  /** Pin a page as a page directory (L2): every present entry names a page table, pinned here if need be. */
  pinDirectory(ma: number): number {
    const bad = this.table(ma);
    if (bad) return bad;
    const pfn = this.pfn(ma);
    if (this.type[pfn] !== FRAME_TYPE.NONE) return this.type[pfn] === FRAME_TYPE.L2 ? 0 : -HC_ERR.EBUSY;
    if (this.writable[pfn]! > 0 || this.opts.writablyGranted(pfn)) return -HC_ERR.EPERM;
    for (let i = 0; i < ENTRIES; i++) {
      const e = this.entry(ma, i);
      if (!(e & PTE.P)) continue;
      const t = (e & PTE.FRAME_MASK) >>> 0;
      if (t === ma || !this.owns(t)) return -HC_ERR.EPERM;
      if (this.type[this.pfn(t)] === FRAME_TYPE.NONE) {
        const err = this.pinTable(t);
        if (err) return err;
      }
      if (this.type[this.pfn(t)] !== FRAME_TYPE.L1) return -HC_ERR.EPERM;
    }
    // A table pinned just now may map this directory writable.
    if (this.writable[pfn]! > 0) return -HC_ERR.EPERM;
    for (let i = 0; i < ENTRIES; i++) {
      const e = this.entry(ma, i);
      if (e & PTE.P) this.refs[this.pfn(e & PTE.FRAME_MASK)]!++;
    }
    this.type[pfn] = FRAME_TYPE.L2;
    this.bootProtect(pfn, true);
    this.opts.typeChanged?.(pfn, true);
    this.stats.pins++;
    return 0;
  }

  unpin(ma: number): number {
    const bad = this.table(ma);
    if (bad) return bad;
    const pfn = this.pfn(ma);
    switch (this.type[pfn]) {
      case FRAME_TYPE.L1:
        if (this.refs[pfn]! > 0) return -HC_ERR.EBUSY;
        this.writableFrames(ma, -1);
        break;
      case FRAME_TYPE.L2:
        if (ma === this.current) return -HC_ERR.EBUSY;
        for (let i = 0; i < ENTRIES; i++) {
          const e = this.entry(ma, i);
          if (e & PTE.P) this.refs[this.pfn(e & PTE.FRAME_MASK)]!--;
        }
        break;
      default:
        return -HC_ERR.EINVAL;
    }
    this.type[pfn] = FRAME_TYPE.NONE;
    this.bootProtect(pfn, false);
    this.opts.typeChanged?.(pfn, false);
    this.stats.unpins++;
    return 0;
  }

  /**
   * One validated entry write: `ptr` is the machine address of an entry in a pinned table of the domain.
   * Returns 0, or a negated HC_ERR and nothing changed. `flush` is set when the TLB must be flushed.
   */
  update(ptr: number, value: number): { err: number; flush: boolean } {
    value >>>= 0;
    if (ptr % 4 !== 0) return this.reject(-HC_ERR.EINVAL);
    if (!this.owns(ptr)) return this.reject(-HC_ERR.EPERM);
    const table = ptr - (ptr % PAGE_SIZE);
    const old = this.words[ptr >>> 2]! >>> 0;
    switch (this.type[this.pfn(table)]) {
      case FRAME_TYPE.L1: {
        const err = this.checkPte(value);
        if (err) return this.reject(err);
        const counted = (e: number) => (e & PTE.P && e & PTE.W && this.owns(e & PTE.FRAME_MASK) ? this.pfn(e & PTE.FRAME_MASK) : -1);
        const o = counted(old);
        const n = counted(value);
        if (o >= 0) this.writable[o]!--;
        if (n >= 0) this.writable[n]!++;
        this.words[ptr >>> 2] = value;
        this.stats.updates++;
        return { err: 0, flush: false };
      }
      case FRAME_TYPE.L2: {
        if (value & PTE.P) {
          const t = (value & PTE.FRAME_MASK) >>> 0;
          if (t === table || !this.owns(t)) return this.reject(-HC_ERR.EPERM);
          if (this.type[this.pfn(t)] === FRAME_TYPE.NONE) {
            const err = this.pinTable(t);
            if (err) return this.reject(err);
          }
          if (this.type[this.pfn(t)] !== FRAME_TYPE.L1) return this.reject(-HC_ERR.EPERM);
          this.refs[this.pfn(t)]!++;
        }
        if (old & PTE.P) this.refs[this.pfn(old & PTE.FRAME_MASK)]!--;
        this.words[ptr >>> 2] = value;
        this.stats.updates++;
        return { err: 0, flush: true };
      }
      default:
        // Not a page table: the guest writes its own pages directly.
        return this.reject(-HC_ERR.EINVAL);
    }
  }

  private reject(err: number): { err: number; flush: boolean } {
    this.stats.rejected++;
    return { err, flush: false };
  }

  /** Switch to a directory (pinning it if need be). Returns 0 or an error; on 0 load `ma` into cr3. */
  setBase(ma: number): number {
    const err = this.pinDirectory(ma);
    if (err) return err;
    this.current = ma;
    if (this.boot) {
      // The boot map is never used again: its pages go back to the pool.
      this.pool.release(this.boot.root);
      for (const t of this.boot.tables) this.pool.release(t);
      this.boot = null;
    }
    return 0;
  }

  /** Machine address of the L1 entry mapping `va` under the current directory, or -1. */
  pteAddress(va: number): number {
    if (this.current < 0) return -1;
    const pde = this.entry(this.current, va >>> 22);
    if (!(pde & PTE.P)) return -1;
    return ((pde & PTE.FRAME_MASK) >>> 0) + ((va >>> 12) & 0x3ff) * 4;
  }
}
