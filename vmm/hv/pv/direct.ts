// Direct paging for a PV domain (memory mode `direct`): the guest's own page tables hold machine frames and
// the real CPU walks them. The VMM never shadows anything; it only validates, with the domain's frame
// table (frames.ts, Xen's page types): a table maps only frames the domain owns, a page used as a page
// table (pinned) is never writable through any mapping, a frame mapped writable, granted or reserved by
// the VMM never becomes a page table, and a table is edited only through mmu_update / update_va_mapping.

import { HC_ERR, PAGE_SIZE, PTE } from '../../../isa/abi.js';
import type { GuestPhys } from '../memory/guest-phys.js';
import type { PagePool } from '../memory/page-pool.js';
import { FRAME_TYPE, type FrameTable } from './frames.js';
import { SnapshotStateError } from '../state-error.js';
import { pdIndex, pteAddress } from '../../../isa/paging.js';

const ENTRIES = PAGE_SIZE / 4;

export interface DirectOptions {
  /** Machine frames outside RAM the domain may map (device registers it drives through trapped MMIO). */
  readonly deviceFrame: (ma: number) => boolean;
  /** A frame became a page table (or stopped being one): device DMA must not write it meanwhile. */
  readonly typeChanged?: (pfn: number, table: boolean) => void;
}

/** DirectPaging.save(): the loaded directory, whether the boot map is still in use (and its root), the counters. */
export interface SavedPaging {
  readonly current: number;
  /** The boot map's root while it is in use, else null. Its entries are derived from the frame table. */
  readonly bootRoot: number | null;
  readonly stats: { pins: number; unpins: number; updates: number; rejected: number };
}

export class DirectPaging {
  /** Machine address of pseudo-physical 0: machine = pseudo-physical + base. */
  readonly base: number;
  readonly pages: number;
  /** Machine address of the directory in use, or -1 while the VMM's boot map is. */
  current = -1;
  /** The VMM's map of pseudo-physical RAM used until the first new_baseptr (pool pages). */
  private boot: { root: number; tables: number[] } | null = null;
  readonly stats = { pins: 0, unpins: 0, updates: 0, rejected: 0 };
  /** Told of each page-table entry the VMM writes for the guest (machine address): log-dirty mode watches them. */
  written: ((ma: number) => void) | null = null;

  constructor(
    private readonly words: Uint32Array,
    private readonly pool: PagePool,
    guest: GuestPhys,
    readonly frames: FrameTable,
    readonly opts: DirectOptions,
  ) {
    this.base = guest.base;
    this.pages = guest.size / PAGE_SIZE;
  }

  /**
   * Build the boot map (virtual = pseudo-physical, supervisor; writable where the guest may write: not
   * start info); returns its root for cr3. It is the VMM's own map, so its entries hold no references:
   * instead it is kept read-only on every frame that becomes a page table (bootProtect).
   */
  buildBootMap(): number {
    const root = this.pool.alloc();
    const tables: number[] = [];
    for (let pfn = 0; pfn < this.pages; pfn += ENTRIES) {
      const t = this.pool.alloc();
      tables.push(t);
      this.words[(root >>> 2) + pfn / ENTRIES] = (t | PTE.P | PTE.W) >>> 0;
      for (let i = 0; i < ENTRIES && pfn + i < this.pages; i++)
        this.words[(t >>> 2) + i] = (this.base + (pfn + i) * PAGE_SIZE) | PTE.P | (this.frames.guestMayWrite(pfn + i) ? PTE.W : 0);
    }
    this.boot = { root, tables };
    return root;
  }

  save(): SavedPaging {
    return { current: this.current, bootRoot: this.boot?.root ?? null, stats: { ...this.stats } };
  }

  /**
   * Put back what save() returned, after the frame table is back, on a domain freshly built (its boot map
   * just made, at the same pool pages as the saved one's). The boot map's write bits are derived from the
   * frames' types, so they are recomputed; a boot map the domain had left is given back to the pool.
   */
  restore(s: SavedPaging): void {
    if (s.bootRoot !== null) {
      if (!this.boot || this.boot.root !== s.bootRoot)
        throw new SnapshotStateError(`the PV boot map lies at 0x${s.bootRoot.toString(16)} in the snapshot but elsewhere here`);
      for (let pfn = 0; pfn < this.pages; pfn++) this.bootProtect(pfn);
    } else this.releaseBoot();
    this.current = s.current;
    Object.assign(this.stats, s.stats);
  }

  /** The boot map while it is in use: its root and its tables (for the auditor). */
  get bootMap(): { readonly root: number; readonly tables: readonly number[] } | null {
    return this.boot;
  }

  /** The domain owns this machine address. */
  owns(ma: number): boolean {
    return ma >= this.base && ma < this.base + this.pages * PAGE_SIZE;
  }

  pfn(ma: number): number {
    return Math.floor((ma - this.base) / PAGE_SIZE);
  }

  typeOf(pfn: number): number {
    return this.frames.type(pfn);
  }

  /** Entry `i` of the table at machine address `table`. */
  entry(table: number, i: number): number {
    return this.words[(table >>> 2) + i]! >>> 0;
  }

  /** A page-table entry the domain may install in an L1 table, or the error that refuses it. */
  private checkPte(pte: number): number {
    if (!(pte & PTE.P)) return 0;
    const frame = (pte & PTE.FRAME_MASK) >>> 0;
    if (!this.owns(frame)) return this.opts.deviceFrame(frame) ? 0 : -HC_ERR.EPERM;
    return this.frames.mapRefusal(this.pfn(frame), (pte & PTE.W) !== 0);
  }

  /** The frame an L1 entry holds references to (present and in the domain's RAM), or -1. */
  private counted(e: number): number {
    return e & PTE.P && this.owns(e & PTE.FRAME_MASK) ? this.pfn(e & PTE.FRAME_MASK) : -1;
  }

  private mapEntry(e: number, delta: 1 | -1): void {
    const f = this.counted(e);
    if (f >= 0) this.frames.mapped(f, (e & PTE.W) !== 0, delta);
  }

  private table(ma: number): number {
    if (ma % PAGE_SIZE !== 0) return -HC_ERR.EINVAL;
    if (!this.owns(ma)) return -HC_ERR.EPERM;
    return 0;
  }

  /** The boot map mirrors each pinned frame read-only, so the kernel cannot write it there either. */
  private bootProtect(pfn: number): void {
    if (!this.boot) return;
    const t = this.boot.tables[Math.floor(pfn / ENTRIES)]!;
    const i = (t >>> 2) + (pfn % ENTRIES);
    this.words[i] = this.frames.guestMayWrite(pfn) ? this.words[i]! | PTE.W : this.words[i]! & ~PTE.W;
  }

  private typed(pfn: number): void {
    this.bootProtect(pfn);
    this.opts.typeChanged?.(pfn, this.frames.isTable(pfn));
  }

  /** Pin a page as a page table (L1). The caller must flush the TLB (a stale writable entry may remain). */
  pinTable(ma: number): number {
    const bad = this.table(ma);
    if (bad) return bad;
    const pfn = this.pfn(ma);
    const refused = this.frames.tableRefusal(pfn);
    if (refused) return refused;
    for (let i = 0; i < ENTRIES; i++) {
      const e = this.entry(ma, i);
      const err = this.checkPte(e);
      if (err) return err;
      // Mapping itself writable: checkPte cannot see it yet, the page is still untyped.
      if (e & PTE.P && e & PTE.W && ((e & PTE.FRAME_MASK) >>> 0) === ma) return -HC_ERR.EPERM;
    }
    this.frames.makeTable(pfn, FRAME_TYPE.L1);
    for (let i = 0; i < ENTRIES; i++) this.mapEntry(this.entry(ma, i), 1);
    this.typed(pfn);
    this.stats.pins++;
    return 0;
  }

  /** An L2 entry names `t`: it must be a page table of the domain's (pinned here if need be), not `self`. */
  private directoryTarget(t: number, self: number): number {
    if (t === self || !this.owns(t)) return -HC_ERR.EPERM;
    const pfn = this.pfn(t);
    if (this.frames.type(pfn) !== FRAME_TYPE.L1) {
      if (this.frames.isTable(pfn)) return -HC_ERR.EPERM;
      const err = this.pinTable(t);
      if (err) return err;
    }
    return 0;
  }

  /** Pin a page as a page directory (L2): every present entry names a page table, pinned here if need be. */
  pinDirectory(ma: number): number {
    const bad = this.table(ma);
    if (bad) return bad;
    const pfn = this.pfn(ma);
    if (this.frames.type(pfn) === FRAME_TYPE.L2) return 0;
    const refused = this.frames.tableRefusal(pfn);
    if (refused) return refused;
    for (let i = 0; i < ENTRIES; i++) {
      const e = this.entry(ma, i);
      if (!(e & PTE.P)) continue;
      const err = this.directoryTarget((e & PTE.FRAME_MASK) >>> 0, ma);
      if (err) return err;
    }
    // A table pinned just now may map this directory writable.
    const late = this.frames.tableRefusal(pfn);
    if (late) return late;
    this.frames.makeTable(pfn, FRAME_TYPE.L2);
    for (let i = 0; i < ENTRIES; i++) {
      const e = this.entry(ma, i);
      if (e & PTE.P) this.directoryRef(e, 1);
    }
    this.typed(pfn);
    this.stats.pins++;
    return 0;
  }

  private directoryRef(e: number, delta: 1 | -1): void {
    const t = this.pfn(e & PTE.FRAME_MASK);
    this.frames.state.refs[t]! += delta;
    if (delta > 0) this.frames.getTableRef(t);
    else this.frames.putType(t);
  }

  unpin(ma: number): number {
    const bad = this.table(ma);
    if (bad) return bad;
    const pfn = this.pfn(ma);
    if (!this.frames.isTable(pfn)) return -HC_ERR.EINVAL;
    // Only the pin holds it: no directory names this table, and this directory is not loaded.
    if (this.frames.state.typeCount[pfn] !== 1) return -HC_ERR.EBUSY;
    const l1 = this.frames.type(pfn) === FRAME_TYPE.L1;
    for (let i = 0; i < ENTRIES; i++) {
      const e = this.entry(ma, i);
      if (!(e & PTE.P)) continue;
      if (l1) this.mapEntry(e, -1);
      else this.directoryRef(e, -1);
    }
    this.frames.putType(pfn);
    this.typed(pfn);
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
    switch (this.frames.type(this.pfn(table))) {
      case FRAME_TYPE.L1: {
        const err = this.checkPte(value);
        if (err) return this.reject(err);
        this.mapEntry(value, 1);
        this.mapEntry(old, -1);
        this.written?.(ptr);
        this.words[ptr >>> 2] = value;
        this.stats.updates++;
        return { err: 0, flush: false };
      }
      case FRAME_TYPE.L2: {
        if (value & PTE.P) {
          const err = this.directoryTarget((value & PTE.FRAME_MASK) >>> 0, table);
          if (err) return this.reject(err);
          this.directoryRef(value, 1);
        }
        if (old & PTE.P) this.directoryRef(old, -1);
        this.written?.(ptr);
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
    // The loaded base holds a reference to its directory: it cannot be unpinned while in use.
    this.frames.getTableRef(this.pfn(ma));
    if (this.current >= 0) this.frames.putType(this.pfn(this.current));
    this.current = ma;
    this.releaseBoot();
    return 0;
  }

  /** The boot map is never used again: its pages go back to the pool. */
  private releaseBoot(): void {
    if (!this.boot) return;
    this.pool.release(this.boot.root);
    for (const t of this.boot.tables) this.pool.release(t);
    this.boot = null;
  }

  /** Machine address of the L1 entry mapping `va` under the current directory, or -1. */
  pteAddress(va: number): number {
    if (this.current < 0) return -1;
    const pde = this.entry(this.current, pdIndex(va));
    if (!(pde & PTE.P)) return -1;
    return pteAddress(pde, va);
  }
}
