// The MMU: two-level page walks (plus the optional second stage), the direct-mapped TLB, and physical access to RAM and MMIO.
//
// The TLB is split in two mode sets (supervisor, user) so that a hit needs no permission check:
// an entry is only inserted into the set whose privilege the walk allowed. Per slot it keeps a
// read tag, a write tag (set only when writes are allowed and the PTE is already dirty, so a hit
// never needs to set D) and an addend that turns the virtual address into a host-physical one.
// MMIO pages get their own tag so the fast paths (RAM only) never see them.

import { MEMMAP, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, PF_ERR, PTE } from '../../isa/abi.js';
import { entryTarget, pageOffset, pdeAddress, pteAddress } from '../../isa/paging.js';
import type { CpuStats } from './cpu-state.js';
import type { IoBus } from './io.js';
import { WINDOW_BASE, type CodeWindow } from './code-window.js';

export const ACC_READ = 0;
export const ACC_WRITE = 1;
export const ACC_FETCH = 2;

/** `Mmu.status` after an access. */
export const MS_OK = 0;
/** A guest page fault (or bus error): pfErr, pfAddr. */
export const MS_PF = 1;
/** A second-stage violation: eptGpa, eptWrite, eptFetch. */
export const MS_EPT = 2;

const P = PTE.P;
const W = PTE.W;
const U = PTE.U;
const A = PTE.A;
const D = PTE.D;
const FRAME = PTE.FRAME_MASK;

export class Mmu {
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  readonly memSize: number;
  /** Entries per mode set (power of two) and its mask. */
  readonly size: number;
  readonly mask: number;
  /** Per slot (supervisor set at 0..size-1, user set at size..2*size-1): tags are virtual page numbers or -1. */
  readonly tR: Int32Array;
  readonly tW: Int32Array;
  readonly tM: Int32Array;
  readonly tMW: Uint8Array;
  /** host-physical page base minus virtual page base, mod 2^32. */
  readonly tA: Int32Array;

  paging = false;
  /** The code-cache window, while a binary translator has one installed (see code-window.ts). */
  window: CodeWindow | null = null;
  /** TLB entries made so far: the CPU tells from it whether the TLB changed while the window was out. */
  fills = 0;
  cr3 = 0;
  /** Second-stage root (host-physical) or -1. */
  ept = -1;

  status = MS_OK;
  pfErr = 0;
  pfAddr = 0;
  eptGpa = 0;
  eptWrite = false;
  eptFetch = false;
  /** The violation was on a reference to the guest's own page tables (eptWrite/eptFetch: the access that walked). */
  eptWalk = false;
  /** Set when an access reached a device on the bus; the CPU ends its run slice. */
  io = false;
  /** Whether the last second-stage translation allowed writes. */
  private lastEptW = true;
  /**
   * While set, one byte per page of this MMU's memory, set on every write into that page (the guest's
   * stores and the A/D bits a walk sets): an interpreter's dirty log for migration. A write tag is then
   * only cached by a write's own walk, so the first write to a page after flush() always gets here.
   */
  dirtyLog: Uint8Array | null = null;

  constructor(
    mem: ArrayBuffer | Uint8Array,
    private readonly bus: IoBus,
    private readonly stats: CpuStats,
    tlbEntries = 256,
  ) {
    if (mem.byteLength % 4096 !== 0 || mem.byteLength === 0) throw new Error('memory size must be a non-zero multiple of 4096');
    if (tlbEntries < 1 || (tlbEntries & (tlbEntries - 1)) !== 0) throw new Error('TLB entries must be a power of two');
    // A view lets the VMM's interpreter run a guest over its slice of host memory, as its physical memory.
    if (mem instanceof Uint8Array) {
      if (mem.byteOffset % 4 !== 0) throw new Error('memory view must be 4-byte aligned');
      this.u8 = mem;
      this.i32 = new Int32Array(mem.buffer, mem.byteOffset, mem.byteLength >>> 2);
    } else {
      this.u8 = new Uint8Array(mem);
      this.i32 = new Int32Array(mem);
    }
    this.memSize = mem.byteLength;
    this.size = tlbEntries;
    this.mask = tlbEntries - 1;
    this.tR = new Int32Array(2 * tlbEntries).fill(-1);
    this.tW = new Int32Array(2 * tlbEntries).fill(-1);
    this.tM = new Int32Array(2 * tlbEntries).fill(-1);
    this.tMW = new Uint8Array(2 * tlbEntries);
    this.tA = new Int32Array(2 * tlbEntries);
  }

  /** Whether addresses are translated at all (TLB statistics only count then). */
  get translating(): boolean {
    return this.paging || this.ept >= 0;
  }

  flush(): void {
    this.tR.fill(-1);
    this.tW.fill(-1);
    this.tM.fill(-1);
    this.stats.tlbFlushes++;
  }

  invlpg(va: number): void {
    const vpn = va >>> PAGE_SHIFT;
    for (let set = 0; set < 2; set++) {
      const i = (vpn & this.mask) + set * this.size;
      if (this.tR[i] === vpn || this.tW[i] === vpn || this.tM[i] === vpn) {
        this.tR[i] = -1;
        this.tW[i] = -1;
        this.tM[i] = -1;
      }
    }
  }

  /** Host-physical address of `va` for an access, through the TLB; -1 with `status` set on a fault. */
  translate(va: number, acc: number, user: boolean): number {
    const vpn = va >>> PAGE_SHIFT;
    const i = (vpn & this.mask) + (user ? this.size : 0);
    if (acc === ACC_WRITE ? this.tW[i] === vpn : this.tR[i] === vpn) {
      if (this.paging || this.ept >= 0) this.stats.tlbHits++;
      return (va + this.tA[i]!) >>> 0;
    }
    if (this.tM[i] === vpn && acc !== ACC_FETCH && (acc === ACC_READ || this.tMW[i] === 1)) {
      if (this.paging || this.ept >= 0) this.stats.tlbHits++;
      return (va + this.tA[i]!) >>> 0;
    }
    return this.walk(va, acc, user, true);
  }

  /**
   * Walk the tables for `va`. `real` walks count references, set A/D bits and fill the TLB; a probe
   * does none of that. Returns the host-physical address (RAM or MMIO) or -1 with `status` set.
   */
  walk(va: number, acc: number, user: boolean, real: boolean): number {
    const write = acc === ACC_WRITE;
    const st = this.stats;
    const i32 = this.i32;
    if (real && (this.paging || this.ept >= 0)) {
      st.tlbMisses++;
      if (this.ept >= 0) st.nestedWalks++;
    }
    let gpa: number;
    let writable = true;
    let dirty = true;
    if (this.paging) {
      const pdeGpa = pdeAddress(this.cr3, va);
      const pdeHpa = this.gpa2hpa(pdeGpa, false, false, real);
      if (pdeHpa < 0) return this.walkViolation(acc);
      if (pdeHpa + 4 > this.memSize) return this.pf(va, acc, user, true);
      const pdeEptW = this.lastEptW;
      if (real) st.pageWalkRefs++;
      const pde = i32[pdeHpa >>> 2]!;
      if ((pde & P) === 0) return this.pf(va, acc, user, false);
      const pteGpa = pteAddress(pde, va);
      const pteHpa = this.gpa2hpa(pteGpa, false, false, real);
      if (pteHpa < 0) return this.walkViolation(acc);
      if (pteHpa + 4 > this.memSize) return this.pf(va, acc, user, true);
      const pteEptW = this.lastEptW;
      if (real) st.pageWalkRefs++;
      let pte = i32[pteHpa >>> 2]!;
      if ((pte & P) === 0) return this.pf(va, acc, user, false);
      const perm = pde & pte;
      if (user && (perm & U) === 0) return this.pf(va, acc, user, true);
      if (write && (perm & W) === 0) return this.pf(va, acc, user, true);
      writable = (perm & W) !== 0;
      if (real) {
        // Setting A/D is a write to the guest's table: under a second stage it needs write permission there.
        if ((pde & A) === 0) {
          if (!pdeEptW) return this.eptViolation(pdeGpa, write, acc === ACC_FETCH, true);
          i32[pdeHpa >>> 2] = pde | A;
          if (this.dirtyLog) this.dirtyLog[pdeHpa >>> 12] = 1;
        }
        const want = write ? A | D : A;
        if ((pte & want) !== want) {
          if (!pteEptW) return this.eptViolation(pteGpa, write, acc === ACC_FETCH, true);
          pte |= want;
          i32[pteHpa >>> 2] = pte;
          if (this.dirtyLog) this.dirtyLog[pteHpa >>> 12] = 1;
        }
      }
      dirty = (pte & D) !== 0;
      gpa = entryTarget(pte, va);
    } else {
      gpa = va >>> 0;
    }
    const hpa = this.gpa2hpa(gpa, write, acc === ACC_FETCH, real);
    if (hpa < 0) return -1;
    writable = writable && this.lastEptW;
    const vpn = va >>> PAGE_SHIFT;
    const i = (vpn & this.mask) + (user ? this.size : 0);
    // Never cache a supervisor translation of the code-cache window's range: a TLB hit there would let
    // an instruction fetch bypass the window (fetchPage is asked only on a miss).
    const fill = real && (this.window === null || user || ((va - WINDOW_BASE) >>> 0) >= this.window.pages.length * PAGE_SIZE);
    if (fill) this.fills++;
    if (hpa < this.memSize) {
      if (write && real && this.dirtyLog) this.dirtyLog[hpa >>> 12] = 1;
      if (fill) {
        this.tR[i] = vpn;
        this.tW[i] = writable && dirty && (write || this.dirtyLog === null) ? vpn : -1;
        this.tM[i] = -1;
        this.tA[i] = ((hpa & FRAME) - (va & FRAME)) | 0;
      }
    } else if (hpa >= MEMMAP.MMIO_BASE) {
      if (fill) {
        this.tR[i] = -1;
        this.tW[i] = -1;
        this.tM[i] = vpn;
        this.tMW[i] = writable ? 1 : 0;
        this.tA[i] = ((hpa & FRAME) - (va & FRAME)) | 0;
      }
    } else {
      // Neither RAM nor a device window: a bus error, which the guest sees as a protection #PF.
      return this.pf(va, acc, user, true);
    }
    return hpa;
  }

  /** Guest-physical to host-physical through the second stage (identity without one). */
  private gpa2hpa(gpa: number, write: boolean, fetch: boolean, real: boolean): number {
    this.lastEptW = true;
    const root = this.ept;
    if (root < 0) return gpa;
    const st = this.stats;
    const i32 = this.i32;
    const pdeA = pdeAddress(root, gpa);
    if (pdeA + 4 > this.memSize) return this.eptViolation(gpa, write, fetch);
    if (real) {
      st.pageWalkRefs++;
      st.nestedWalkRefs++;
    }
    const pde = i32[pdeA >>> 2]!;
    if ((pde & P) === 0) return this.eptViolation(gpa, write, fetch);
    const pteA = pteAddress(pde, gpa);
    if (pteA + 4 > this.memSize) return this.eptViolation(gpa, write, fetch);
    if (real) {
      st.pageWalkRefs++;
      st.nestedWalkRefs++;
    }
    const pte = i32[pteA >>> 2]!;
    if ((pte & P) === 0) return this.eptViolation(gpa, write, fetch);
    const w = (pde & pte & W) !== 0;
    if (write && !w) return this.eptViolation(gpa, write, fetch);
    this.lastEptW = w;
    return entryTarget(pte, gpa);
  }

  private eptViolation(gpa: number, write: boolean, fetch: boolean, walk = false): number {
    this.status = MS_EPT;
    this.eptGpa = gpa >>> 0;
    this.eptWrite = write;
    this.eptFetch = fetch;
    this.eptWalk = walk;
    return -1;
  }

  /**
   * The second stage refused a reference to a guest page-table entry (eptGpa already set). Record the
   * access that was walking, as VT-x qualifies such a violation, so the hypervisor does not mistake the
   * table entry's address for the data address of the instruction.
   */
  private walkViolation(acc: number): number {
    this.eptWrite = acc === ACC_WRITE;
    this.eptFetch = acc === ACC_FETCH;
    this.eptWalk = true;
    return -1;
  }

  /** A bus error at `va` (RAM was required and this is not RAM), reported as #PF with P = 1. */
  busError(va: number, acc: number, user: boolean): number {
    return this.pf(va, acc, user, true);
  }

  private pf(va: number, acc: number, user: boolean, present: boolean): number {
    this.status = MS_PF;
    this.pfAddr = va >>> 0;
    this.pfErr =
      (present ? PF_ERR.P : 0) |
      (acc === ACC_WRITE ? PF_ERR.W : 0) |
      (user ? PF_ERR.U : 0) |
      (acc === ACC_FETCH ? PF_ERR.F : 0);
    return -1;
  }

  /** Host-physical address of the RAM page holding instruction address `va`, or -1 (status set). */
  fetchPage(va: number, user: boolean): number {
    if (this.window !== null && !user) {
      // Binary translation: the kernel runs only from the code cache (code-window.ts).
      const h = this.window.pageOf(va);
      return h < 0 ? this.pf(va, ACC_FETCH, user, true) : h;
    }
    const hpa = this.translate(va, ACC_FETCH, user);
    if (hpa < 0) return -1;
    if (hpa >= this.memSize) return this.pf(va, ACC_FETCH, user, true);
    return hpa - pageOffset(hpa);
  }

  /** Instruction word at `va` (the extension word of a long instruction that starts a page earlier). */
  fetchWord(va: number, user: boolean): number {
    const h = this.fetchPage(va, user);
    if (h < 0) return 0;
    return this.i32[(h + (va & 0xffc)) >>> 2]!;
  }

  /** Read `size` bytes at `va` (zero-extended for 1 and 2). On a fault returns 0 with `status` set. */
  load(va: number, size: number, user: boolean): number {
    if (pageOffset(va) + size > PAGE_SIZE) return this.loadCross(va, size, user);
    const hpa = this.translate(va, ACC_READ, user);
    if (hpa < 0) return 0;
    if (hpa < this.memSize) return this.ram(hpa, size);
    if (!this.bus.claimsMmio(hpa, size)) return this.pf(va, ACC_READ, user, true) & 0;
    this.io = true;
    this.stats.mmioAccesses++;
    const v = this.bus.mmioRead(hpa, size as 1 | 2 | 4);
    return size === 4 ? v | 0 : size === 2 ? v & 0xffff : v & 0xff;
  }

  /** Write the low `size` bytes of `value` at `va`. On a fault writes nothing and sets `status`. */
  store(va: number, size: number, value: number, user: boolean): void {
    if (pageOffset(va) + size > PAGE_SIZE) {
      this.storeCross(va, size, value, user);
      return;
    }
    const hpa = this.translate(va, ACC_WRITE, user);
    if (hpa < 0) return;
    if (hpa < this.memSize) {
      this.setRam(hpa, size, value);
      return;
    }
    if (!this.bus.claimsMmio(hpa, size)) {
      this.pf(va, ACC_WRITE, user, true);
      return;
    }
    this.io = true;
    this.stats.mmioAccesses++;
    this.bus.mmioWrite(hpa, size as 1 | 2 | 4, size === 4 ? value >>> 0 : size === 2 ? value & 0xffff : value & 0xff);
  }

  private ram(hpa: number, size: number): number {
    const u8 = this.u8;
    if (size === 4) {
      if ((hpa & 3) === 0) return this.i32[hpa >>> 2]!;
      return u8[hpa]! | (u8[hpa + 1]! << 8) | (u8[hpa + 2]! << 16) | (u8[hpa + 3]! << 24);
    }
    if (size === 2) return u8[hpa]! | (u8[hpa + 1]! << 8);
    return u8[hpa]!;
  }

  private setRam(hpa: number, size: number, v: number): void {
    const u8 = this.u8;
    if (size === 4 && (hpa & 3) === 0) {
      this.i32[hpa >>> 2] = v;
      return;
    }
    for (let k = 0; k < size; k++) u8[hpa + k] = v >>> (8 * k);
  }

  /** The two RAM pages of an access that crosses a page boundary, both translated before any byte moves. */
  private crossPages(va: number, acc: number, user: boolean): [number, number] | null {
    const h0 = this.translate(va, acc, user);
    if (h0 < 0) return null;
    if (h0 >= this.memSize) return this.pf(va, acc, user, true), null;
    const va1 = ((va | PAGE_MASK) + 1) | 0;
    const h1 = this.translate(va1, acc, user);
    if (h1 < 0) return null;
    if (h1 >= this.memSize) return this.pf(va1, acc, user, true), null;
    return [h0, h1];
  }

  private loadCross(va: number, size: number, user: boolean): number {
    const pages = this.crossPages(va, ACC_READ, user);
    if (pages === null) return 0;
    const first = PAGE_SIZE - pageOffset(va);
    let v = 0;
    for (let k = 0; k < size; k++) {
      const h = k < first ? pages[0] + k : pages[1] + (k - first);
      v |= this.u8[h]! << (8 * k);
    }
    return size === 4 ? v | 0 : v;
  }

  private storeCross(va: number, size: number, value: number, user: boolean): void {
    const pages = this.crossPages(va, ACC_WRITE, user);
    if (pages === null) return;
    const first = PAGE_SIZE - pageOffset(va);
    for (let k = 0; k < size; k++) {
      const h = k < first ? pages[0] + k : pages[1] + (k - first);
      this.u8[h] = value >>> (8 * k);
    }
  }
}
