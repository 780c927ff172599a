// The translation cache: window pages from the VMM's pool, the blocks in them, and what maps guest code to them.
//
// Every word of translated code carries metadata for the VMM: the guest instruction it stands for,
// where that instruction's sequence starts, and which scratch registers the sequence has borrowed so
// far (so a fault or a stop inside a sequence can give the guest back its own registers and pc).

import { PAGE_SIZE } from '../../../../isa/abi.js';
import { OP } from '../../../../isa/table.js';
import { CodeWindow, WINDOW_BASE } from '../../../machine/code-window.js';
import { PoolExhausted, type PagePool } from '../../memory/page-pool.js';
import { DATA_WORDS } from './layout.js';
import { VM_LIMITS } from '../../../limits.js';

/** One guest instruction of a block and the translated words standing for it (for --dump-cache). */
export interface BlockInsn {
  readonly pc: number;
  readonly size: number;
  /** First translated word, and one past the last (byte addresses in the window). */
  readonly from: number;
  readonly to: number;
}

export interface Block {
  readonly id: number;
  readonly guestPc: number;
  /** One past the last guest byte translated. */
  readonly guestEnd: number;
  readonly tpc: number;
  readonly words: number;
  readonly insns: readonly BlockInsn[];
  /** Guest-physical page numbers and guest-virtual page numbers the block was read from. */
  readonly gpaPages: readonly number[];
  readonly vaPages: readonly number[];
  /** Branches of other blocks chained straight to this one: where the branch is and the stub it replaced. */
  readonly incoming: { at: number; stub: number }[];
  live: boolean;
}

/** An unchained exit: the branch at `at` goes to the stub, which asks the VMM for `target`. */
export interface Stub {
  readonly at: number;
  readonly target: number;
  readonly from: Block;
}

export const DEFAULT_CACHE_WORDS = 64 * 1024;
/**
 * The largest cache the VMM's pool can hold: all of it but the pages left to the shadow tables. A larger
 * one would only size the per-word metadata for words the pool can never back.
 */
export const MAX_CACHE_WORDS = ((VM_LIMITS.VM_POOL_PAGES - VM_LIMITS.POOL_SHADOW_RESERVE_PAGES) * PAGE_SIZE) / 4;

export class CodeCache {
  readonly window: CodeWindow;
  /** Per word: the guest pc of the instruction, the word index its sequence starts at, the restore mask. */
  readonly guestPc: Int32Array;
  readonly seq: Int32Array;
  readonly mask: Uint8Array;
  /** Per word: instructions of its sequence run before it (the sequence's wskip excluded). */
  readonly before: Uint16Array;
  readonly blocks: Block[] = [];
  readonly stubs = new Map<number, Stub>();
  /** Live blocks by guest start pc. */
  private readonly byPc = new Map<number, Block>();
  /** Live blocks by guest-physical page. */
  private readonly byPage = new Map<number, Set<Block>>();
  private used = 0;
  private nextId = 0;
  /** Bumped by every flush and invalidation: translated addresses the VMM held are stale after it. */
  generation = 0;
  flushes = 0;

  constructor(
    private readonly words: Uint32Array,
    private readonly pool: PagePool,
    readonly limitWords: number,
  ) {
    const pages = Math.max(1, Math.ceil((limitWords * 4) / PAGE_SIZE));
    this.window = new CodeWindow(pages, DATA_WORDS);
    this.guestPc = new Int32Array(limitWords);
    this.seq = new Int32Array(limitWords).fill(-1);
    this.mask = new Uint8Array(limitWords);
    this.before = new Uint16Array(limitWords);
  }

  /**
   * A stop inside a sequence (a fault, a callout) at word `index`: the guest instructions the CPU's count
   * is short by, because the sequence's wskip declared instructions that did not run.
   */
  shortfall(index: number): number {
    const s = this.seq[index]!;
    if (s < 0 || s === index) return 0;
    const w = this.read(s);
    return (w & 255) === OP.wskip ? (w >>> 16) - this.before[index]! : 0;
  }

  get usedWords(): number {
    return this.used;
  }

  tpcOf(index: number): number {
    return (WINDOW_BASE + index * 4) >>> 0;
  }

  indexOf(tpc: number): number {
    const i = ((tpc >>> 0) - WINDOW_BASE) / 4;
    return i >= 0 && i < this.used ? i : -1;
  }

  /** Reserve `n` words; null when the cache is full (the caller flushes and retries). */
  alloc(n: number): number | null {
    if (this.used + n > this.limitWords) return null;
    const first = this.used;
    for (let p = Math.floor((first * 4) / PAGE_SIZE); p <= Math.floor(((first + n) * 4 - 1) / PAGE_SIZE); p++)
      if (this.window.pages[p]! < 0) {
        // The pool is shared with the shadow tables: the cache never takes the pages the shadow needs to go
        // on after a flush of its own (VM_LIMITS.POOL_SHADOW_RESERVE_PAGES). Short of pages, it counts as full.
        if (this.pool.available <= VM_LIMITS.POOL_SHADOW_RESERVE_PAGES) return null;
        try {
          this.window.pages[p] = this.pool.alloc();
        } catch (e) {
          if (e instanceof PoolExhausted) return null;
          throw e;
        }
      }
    this.used += n;
    return first;
  }

  write(index: number, w: number): void {
    const byte = index * 4;
    const host = this.window.pages[Math.floor(byte / PAGE_SIZE)]! + (byte % PAGE_SIZE);
    this.words[host >>> 2] = w >>> 0;
  }

  read(index: number): number {
    const byte = index * 4;
    const host = this.window.pages[Math.floor(byte / PAGE_SIZE)]! + (byte % PAGE_SIZE);
    return this.words[host >>> 2]!;
  }

  /** Whether translated address `tpc` starts a guest instruction's sequence (the guest's state is whole there). */
  isBoundary(tpc: number): boolean {
    const i = this.indexOf(tpc);
    return i >= 0 && this.seq[i] === i;
  }

  lookup(guestPc: number): Block | undefined {
    return this.byPc.get(guestPc >>> 0);
  }

  register(b: Block): void {
    this.blocks.push(b);
    this.byPc.set(b.guestPc, b);
    for (const p of b.gpaPages) {
      let s = this.byPage.get(p);
      if (!s) this.byPage.set(p, (s = new Set()));
      s.add(b);
    }
  }

  newId(): number {
    return this.nextId++;
  }

  hasCode(gpaPage: number): boolean {
    return (this.byPage.get(gpaPage)?.size ?? 0) > 0;
  }

  /** Point the branch at `at` (a j-form word) to `target` (a translated address). */
  patchBranch(at: number, target: number): void {
    const i = this.indexOf(at);
    const w = this.read(i);
    const words = (target - (at + 4)) / 4;
    this.write(i, ((w & 0xff) | ((words & 0xffffff) << 8)) >>> 0);
  }

  /** Drop every block read from guest-physical page `gpaPage`; unchain the branches into them. Returns how many. */
  invalidatePage(gpaPage: number): number {
    const set = this.byPage.get(gpaPage);
    if (!set || set.size === 0) return 0;
    const victims = [...set];
    for (const b of victims) this.drop(b);
    this.generation++;
    return victims.length;
  }

  /** Drop the live block(s) covering guest pc (an adaptive retranslation). */
  invalidateAt(pc: number): number {
    let n = 0;
    for (const b of this.byPc.values()) if (pc >= b.guestPc && pc < b.guestEnd) (this.drop(b), n++);
    if (n > 0) this.generation++;
    return n;
  }

  /** Drop blocks read through guest-virtual page `vaPage` (its mapping changed). */
  invalidateVaPage(vaPage: number): number {
    let n = 0;
    for (const b of [...this.byPc.values()]) if (b.vaPages.includes(vaPage)) (this.drop(b), n++);
    if (n > 0) this.generation++;
    return n;
  }

  /** Guest-virtual pages of live code with the guest-physical page each was read from. */
  liveVaPages(): Map<number, number> {
    const m = new Map<number, number>();
    for (const b of this.byPc.values()) b.vaPages.forEach((v, i) => m.set(v, b.gpaPages[i]!));
    return m;
  }

  private drop(b: Block): void {
    if (!b.live) return;
    b.live = false;
    if (this.byPc.get(b.guestPc) === b) this.byPc.delete(b.guestPc);
    for (const p of b.gpaPages) this.byPage.get(p)?.delete(b);
    // Branches chained into b go back to their stubs, which will ask for a fresh translation.
    for (const { at, stub } of b.incoming) this.patchBranch(at, stub);
    b.incoming.length = 0;
  }

  /** Forget every translation (the window pages stay allocated and are reused). */
  flush(): void {
    for (const b of this.byPc.values()) b.live = false;
    this.byPc.clear();
    this.byPage.clear();
    this.stubs.clear();
    this.blocks.length = 0;
    this.seq.fill(-1, 0, this.used);
    this.used = 0;
    this.generation++;
    this.flushes++;
  }

  /** Pages the cache holds from the pool. */
  get pagesHeld(): number {
    let n = 0;
    for (const p of this.window.pages) if (p >= 0) n++;
    return n;
  }
}

export const GUEST_PAGE = PAGE_SIZE;
