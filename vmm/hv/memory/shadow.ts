// Shadow paging: the VMM's own GVA -> HPA tables, filled lazily from the guest's tables and kept in sync
// by write-protecting every guest page-table page.
//
// The CPU walks only the shadow. A fault in the shadow is one of four things: a hidden fault (the guest
// tables allow the access; fill the entry), a true guest fault (reflect it), a device access (emulate it),
// or a write to a guest page table (emulate the store, then drop the shadow entries it invalidates).

import { MEMMAP, PAGE_SIZE, PF_ERR, PT_ENTRIES, PTE } from '../../../isa/abi.js';
import { storeBytes } from './access-path.js';
import type { GuestPhys } from './guest-phys.js';
import { walkGuest, type Access } from './guest-walk.js';
import { PoolExhausted, type PagePool } from './page-pool.js';
import { DEFAULT_SHADOW_SYNC, type PageTableUse, type ShadowMismatch, type ShadowSync, type ShadowView } from './shadow-sync.js';
import { entryWord, pageVa, pdIndex, ptIndex } from '../../../isa/paging.js';

export type FillResult =
  | { readonly kind: 'filled' }
  | { readonly kind: 'reflect'; readonly error: number }
  | { readonly kind: 'mmio'; readonly gpa: number }
  | { readonly kind: 'ptwrite'; readonly gpa: number };

/** Guest-physical page -> host-physical page, or -1 when it is not mapped (RAM, or a passed-through device page). */
export type P2m = (gpaPage: number) => number;

export interface ShadowStats {
  /** Faults taken on the shadow that the guest never sees. */
  shadowFaults: number;
  /** Guest page-table writes emulated and propagated. */
  shadowSyncs: number;
  /** Whole shadows discarded (root switch, page-directory edit, pool exhausted). */
  shadowFlushes: number;
}

const PD_SELF = -1;
const FILLED: FillResult = { kind: 'filled' };
const DIRECTORY: PageTableUse = { kind: 'directory' };

export class ShadowPager implements ShadowView {
  /** Host-physical address of the shadow page directory: what the real cr3 holds. */
  readonly root: number;
  readonly stats: ShadowStats = { shadowFaults: 0, shadowSyncs: 0, shadowFlushes: 0 };
  /** Guest frames the VMM keeps read-only besides page tables (a binary translator's code pages). */
  writeProtect: ((frame: number) => boolean) | null = null;
  /**
   * While set (a migration's dirty log), an entry is made writable only by a write's own fault, which
   * reports its frame here: after a flush, every page the guest writes is reported before it is written.
   */
  logWrite: ((frame: number) => void) | null = null;
  private guestRoot = 0;
  private paging = false;
  /** Guest frame -> the page-directory indices whose table it is (PD_SELF for the directory itself). */
  private readonly tracked = new Map<number, number[]>();
  /** Page-directory index -> host-physical shadow page table. */
  private readonly tables = new Map<number, number>();

  constructor(
    private readonly words: Uint32Array,
    private readonly pool: PagePool,
    private readonly guest: GuestPhys,
    private readonly p2m: P2m,
    /** Which shadow entries a guest page-table edit invalidates (pluggable for exercise 06). */
    private readonly sync: ShadowSync = DEFAULT_SHADOW_SYNC,
  ) {
    this.root = pool.alloc();
  }

  get guestCr3(): number {
    return this.guestRoot;
  }

  get guestPaging(): boolean {
    return this.paging;
  }

  /** The guest loaded cr3 or toggled paging: start a fresh shadow for the new address space. */
  setGuestRoot(cr3: number, paging: boolean): void {
    this.guestRoot = cr3 >>> 0;
    this.paging = paging;
    this.flush();
  }

  /** Discard every shadow entry and re-track the guest's page-table pages. */
  flush(): void {
    for (const t of this.tables.values()) this.pool.release(t);
    this.tables.clear();
    this.words.fill(0, this.root >>> 2, (this.root + PAGE_SIZE) >>> 2);
    this.tracked.clear();
    this.stats.shadowFlushes++;
    if (!this.paging) return;
    const pd = (this.guestRoot & PTE.FRAME_MASK) >>> 0;
    if (!this.guest.contains(pd, PAGE_SIZE)) return;
    this.track(pd >>> 12, PD_SELF);
    for (let i = 0; i < 1024; i++) {
      const pde = this.guest.read32(pd + i * 4);
      if (pde & PTE.P) this.track((pde & PTE.FRAME_MASK) >>> 12, i);
    }
  }

  private track(frame: number, index: number): void {
    const list = this.tracked.get(frame);
    if (list) list.push(index);
    else this.tracked.set(frame, [index]);
  }

  isPageTable(gpa: number): boolean {
    return this.tracked.has(gpa >>> 12);
  }

  /** Resolve a fault the CPU took on the shadow at `va`. */
  fill(va: number, access: Access): FillResult {
    const w = walkGuest(this.guest, this.guestRoot, this.paging, va, access, true);
    if (!w.ok) return { kind: 'reflect', error: w.error };
    const gpaPage = (w.gpa & ~(PAGE_SIZE - 1)) >>> 0;
    const hpaPage = this.p2m(gpaPage);
    if (hpaPage < 0) {
      if (w.gpa >= MEMMAP.MMIO_BASE) return { kind: 'mmio', gpa: w.gpa };
      // Neither RAM nor a device: a bus error, which VX32 reports as a protection fault.
      return {
        kind: 'reflect',
        error: PF_ERR.P | (access.write ? PF_ERR.W : 0) | (access.user ? PF_ERR.U : 0) | (access.fetch ? PF_ERR.F : 0),
      };
    }
    this.stats.shadowFaults++;
    const isTable = this.tracked.has(gpaPage >>> 12);
    // Writable only once the guest's dirty bit is set, so the first write faults and sets D as hardware would.
    const writable =
      w.writable && (this.logWrite ? access.write : w.dirty || access.write) && !isTable && !(this.writeProtect?.(gpaPage >>> 12) ?? false);
    if (writable) this.logWrite?.(gpaPage >>> 12);
    this.install(va, (hpaPage | PTE.P | (writable ? PTE.W : 0) | (w.user ? PTE.U : 0)) >>> 0);
    return access.write && isTable ? { kind: 'ptwrite', gpa: w.gpa } : FILLED;
  }

  private install(va: number, entry: number): void {
    const i = pdIndex(va);
    let table = this.tables.get(i);
    if (table === undefined) {
      try {
        table = this.pool.alloc();
      } catch (e) {
        if (!(e instanceof PoolExhausted)) throw e;
        // Out of shadow pages: start over; the guest refaults what it still uses.
        this.flush();
        table = this.pool.alloc();
      }
      this.tables.set(i, table);
      this.words[entryWord(this.root, i)] = (table | PTE.P | PTE.W | PTE.U) >>> 0;
    }
    this.words[entryWord(table, ptIndex(va))] = entry;
  }

  /**
   * Perform a guest store of `size` bytes (1 to 4, within one page) to one of its page-table pages and
   * drop the shadow entries it invalidates.
   * Returns true when the real TLB must be flushed.
   */
  guestWrite(gpa: number, size: number, value: number): boolean {
    storeBytes(this.guest, gpa, size, value);
    this.stats.shadowSyncs++;
    this.sync.afterPageTableWrite(this, gpa, size);
    return true;
  }

  uses(frame: number): readonly PageTableUse[] {
    return (this.tracked.get(frame) ?? []).map((i) => (i === PD_SELF ? DIRECTORY : { kind: 'table', pdIndex: i }));
  }

  dropEntry(pdIndex: number, index: number): void {
    const ok = (n: number) => Number.isInteger(n) && n >= 0 && n < PT_ENTRIES;
    if (!ok(pdIndex) || !ok(index)) throw new RangeError(`dropEntry(${pdIndex}, ${index}): both must be integers in 0..1023`);
    const table = this.tables.get(pdIndex);
    if (table !== undefined) this.words[entryWord(table, index)] = 0;
  }

  audit(): ShadowMismatch[] {
    const out: ShadowMismatch[] = [];
    const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
    const read = { write: false, user: false, fetch: false } as const;
    for (const [i, table] of this.tables) {
      for (let j = 0; j < PT_ENTRIES; j++) {
        const e = this.words[entryWord(table, j)]!;
        if (!(e & PTE.P)) continue;
        const va = pageVa(i, j);
        const hpa = (e & PTE.FRAME_MASK) >>> 0;
        const w = walkGuest(this.guest, this.guestRoot, this.paging, va, read, false);
        let problem: string | null = null;
        if (!w.ok) problem = 'the guest tables no longer map this page, the shadow still does';
        else {
          const want = this.p2m((w.gpa & ~(PAGE_SIZE - 1)) >>> 0);
          if (want !== hpa) {
            // Name the shadow's frame as the guest knows it, when it is in the guest's RAM at all.
            const base = this.p2m(0);
            const was = base >= 0 && hpa >= base && hpa - base < this.guest.size ? `guest frame ${hex(hpa - base)}` : `host ${hex(hpa)}`;
            problem = `the guest tables map guest frame ${hex(w.gpa & ~(PAGE_SIZE - 1))}, the shadow still maps ${was}`;
          }
          else if (e & PTE.W && !w.writable) problem = 'the shadow allows writes the guest tables forbid';
          else if (e & PTE.W && !w.dirty) problem = "the shadow allows a write that would not set the guest's dirty bit";
          else if (e & PTE.U && !w.user) problem = 'the shadow lets ring 3 in where the guest tables do not';
          else if (e & PTE.W && this.tracked.has(w.gpa >>> 12)) problem = 'a guest page table is mapped writable: its edits would go unseen';
        }
        if (problem) out.push({ va, problem });
      }
    }
    return out;
  }

  /** The guest invalidated one page. */
  invlpg(va: number): void {
    this.sync.invlpg(this, va >>> 0);
  }
}
