// Binary translation: the guest kernel runs in ring 1 on shadow tables, but only from its translations in
// the code cache; user code (ring 3) runs untranslated. The VMM enters the cache, and takes it back on a
// fault, a callout or the end of a time slice.
//
// Between steps the CPU's pc is always a guest address (the VMM's handlers, trap frames and reports see
// only guest addresses); `enter` turns it into a translated one and `leave` maps it back, giving the
// guest its scratch registers back when the CPU stopped inside a sequence.

import { CR, CR0_PG, PF_ERR, VEC } from '../../../../isa/abi.js';
import { encode } from '../../../../isa/encoding.js';
import { OP } from '../../../../isa/table.js';
import { GuestFault } from '../../privileged.js';
import { emulateInstruction, emulateMemoryInstruction, handleExit } from '../../exits.js';
import type { Host, VmRegion } from '../../host.js';
import { walkGuest } from '../../memory/guest-walk.js';
import type { Vm } from '../../vm.js';
import { TrapRunner } from '../trap/runner.js';
import { CodeCache, DEFAULT_CACHE_WORDS, MAX_CACHE_WORDS, type Block } from './code-cache.js';
import { createBtCounters, type BtCounters } from './counters.js';
import { CALLOUT, CALLOUT_NAMES, EMPTY_KEY, SLOT, TABLE_ENTRIES, VIF_ON } from './layout.js';
import { translateBlock, type TranslateEnv } from './translator.js';
import { formatCache } from './dump.js';
import { VM_LIMITS } from '../../../limits.js';

/** Faults an instruction may take (emulated page-table, code or device accesses) before it is retranslated. */
export const ADAPT_AFTER = 2;
/** The smallest code cache that still holds a block and its lookup table. */
export const MIN_CACHE_WORDS = 64;

export interface BtOptions {
  /** Code-cache size in words (default 64 Ki words = 256 KiB, at most MAX_CACHE_WORDS). */
  readonly cacheWords?: number;
  /** Render the code cache into the run's result (`--dump-cache`). */
  readonly dumpCache?: boolean;
}

export class BtRunner extends TrapRunner {
  override readonly technique = 'bt' as const;
  readonly cache: CodeCache;
  readonly bt: BtCounters = createBtCounters();
  private readonly adaptive = new Set<number>();
  private readonly faultsAt = new Map<number, number>();
  /** Guest frames holding live translations that the shadow has been made to write-protect. */
  private readonly protectedFrames = new Set<number>();
  private resume: { guest: number; tpc: number; gen: number } | null = null;
  private tableGen = -1;
  private readonly env: TranslateEnv;
  /**
   * The divergence detector, for user code (ring 3), which runs untranslated and reads the real CPU as it
   * is. At ring 1 only translations run: a pushf or popf there is the translator's own, borrowed for the
   * condition bits with the virtual IF and CPL put in around it; the guest's own never runs.
   */
  private readonly userSensitive = (opcode: number, value: number): void => {
    if (this.cpu.cpl !== 1) this.divergences.hook(opcode, value);
  };
  private readonly dumpCache: boolean;
  /** Counts of the code cache's own from before a restore (the cache is rebuilt, its counts start at 0). */
  private carried = { indirectLookups: 0, overheadInstructions: 0 };

  constructor(vm: Vm, host: Host, region: VmRegion, opts: BtOptions = {}) {
    super(vm, host, region);
    this.dumpCache = opts.dumpCache ?? false;
    this.cache = new CodeCache(host.words, region.pool, Math.min(MAX_CACHE_WORDS, Math.max(MIN_CACHE_WORDS, opts.cacheWords ?? DEFAULT_CACHE_WORDS)));
    this.shadow.writeProtect = (frame) => this.protectedFrames.has(frame);
    // Trap frames and emulated stores the VMM writes itself, and device DMA, can land on code too.
    this.access.writeHook = (gpa) => this.dropFrame(gpa >>> 12);
    for (const name of ['block', 'nic'])
      vm.platform.iommu.domain(name).writeHook = (gpa, len) => {
        for (let f = gpa >>> 12; f <= (gpa + len - 1) >>> 12; f++) this.dropFrame(f);
      };
    this.env = {
      access: this.access,
      cache: this.cache,
      adaptive: this.adaptive,
      strict: this.strict,
      chained: () => void this.bt.chainedBranches++,
    };
    this.installMissStub();
  }

  private get data(): Int32Array {
    return this.cache.window.data;
  }

  override switchIn(): void {
    super.switchIn();
    this.cpu.sensitiveHook = this.userSensitive;
    this.cpu.setCodeWindow(this.cache.window);
  }

  override switchOut(): void {
    this.cpu.setCodeWindow(null);
    super.switchOut();
  }

  // ---- entering and leaving the cache ----

  /** The virtual CPU into the private data area, where translated code reads and writes it. */
  private syncOut(): void {
    const d = this.data;
    const v = this.vm.v;
    d[SLOT.VIF] = v.vif ? VIF_ON : 0;
    d[SLOT.CR0] = v.cr0 | 0;
    d[SLOT.CR2] = v.cr2 | 0;
    d[SLOT.CR3] = v.cr3 | 0;
    d[SLOT.CR4] = v.cr4 | 0;
    d[SLOT.CR8] = v.cr8;
    d[SLOT.IVTB] = v.ivtb | 0;
    d[SLOT.PEND] = this.vm.platform.pic.pendingVector(0) >= 0 ? 1 : 0;
  }

  /** What translated code changed inline, back into the virtual CPU. */
  private syncIn(): void {
    const d = this.data;
    const v = this.vm.v;
    v.vif = d[SLOT.VIF] !== 0;
    v.cr2 = d[SLOT.CR2]! >>> 0;
    v.cr4 = d[SLOT.CR4]! >>> 0;
    v.cr8 = d[SLOT.CR8]! & 15;
  }

  /** Put the CPU at the translation of the guest pc. False if a fault was delivered instead. */
  private enter(): boolean {
    const cpu = this.cpu;
    this.syncOut();
    if (this.tableGen !== this.cache.generation) this.clearTable();
    if (cpu.cpl !== 1) return true;
    const g = cpu.pc >>> 0;
    const r = this.resume;
    this.resume = null;
    if (r !== null && r.guest === g && r.gen === this.cache.generation) {
      cpu.pc = r.tpc;
      return true;
    }
    const b = this.entry(g);
    if (b === null) return false;
    cpu.pc = b.tpc;
    return true;
  }

  /** The live translation of guest pc, translating it if needed; null if the guest took a fault instead. */
  private entry(g: number): Block | null {
    if ((g & 3) !== 0) {
      // As the CPU does on fetching from an unaligned pc.
      this.cpu.pc = g;
      this.deliver(VEC.GP, 0);
      return null;
    }
    const hit = this.cache.lookup(g);
    if (hit) {
      this.bt.cacheHits++;
      return hit;
    }
    this.bt.cacheMisses++;
    try {
      return this.translate(g);
    } catch (err) {
      if (!(err instanceof GuestFault)) throw err;
      this.cpu.pc = g;
      this.deliver(err.vector, err.error, err.address);
      return null;
    }
  }

  private translate(g: number): Block | null {
    let b = translateBlock(this.env, g);
    if (b === null) {
      this.flushCache();
      b = translateBlock(this.env, g);
      if (b === null) {
        this.crash(`the code cache (${this.cache.limitWords} words, pages from the VMM pool) cannot hold even one block`, g);
        return null;
      }
    }
    this.bt.translatedBlocks++;
    this.bt.translatedInstructions += b.insns.length;
    // A frame that now holds code must fault on the next write: drop the shadow's writable entries.
    let fresh = false;
    for (const f of b.gpaPages)
      if (!this.protectedFrames.has(f)) {
        this.protectedFrames.add(f);
        fresh = true;
      }
    if (fresh) {
      this.shadow.flush();
      this.cpu.flushTlb();
    }
    return b;
  }

  private flushCache(): void {
    this.cache.flush();
    this.bt.cacheFlushes++;
    this.protectedFrames.clear();
    this.installMissStub();
    this.cpu.flushTlb();
  }

  private installMissStub(): void {
    const i = this.cache.alloc(1)!;
    this.cache.write(i, encode({ opcode: OP.wcall, imm: CALLOUT.MISS })[0]!);
    this.cache.guestPc[i] = -1;
    this.cache.seq[i] = i;
    this.cache.mask[i] = 0;
    this.cache.before[i] = 0;
    this.data[SLOT.MISS] = this.cache.tpcOf(i) | 0;
    this.clearTable();
  }

  private clearTable(): void {
    const d = this.data;
    for (let e = 0; e < TABLE_ENTRIES; e++) {
      d[SLOT.TABLE + 2 * e] = EMPTY_KEY;
      d[SLOT.TABLE + 2 * e + 1] = d[SLOT.MISS]!;
    }
    this.tableGen = this.cache.generation;
  }

  /**
   * Map the CPU's translated pc back to the guest's: restore the scratch registers a sequence had
   * borrowed, and remember where to re-enter. Returns the guest pc (also left in cpu.pc).
   */
  private leave(): number {
    const cpu = this.cpu;
    this.syncIn();
    if (cpu.cpl !== 1) return cpu.pc >>> 0;
    const tpc = cpu.pc >>> 0;
    const i = this.cache.indexOf(tpc);
    if (i < 0) {
      this.crash(`translated code left the code cache at 0x${tpc.toString(16)}`, tpc);
      return tpc;
    }
    const mask = this.cache.mask[i]!;
    for (const r of [1, 2, 3]) if (mask & (1 << r)) cpu.r[r] = this.data[SLOT.S1 + r - 1]!;
    const g = this.cache.guestPc[i] === -1 ? this.data[SLOT.TGT]! >>> 0 : this.cache.guestPc[i]! >>> 0;
    this.resume = { guest: g, tpc: this.cache.tpcOf(this.cache.seq[i]!), gen: this.cache.generation };
    cpu.pc = g;
    return g;
  }

  // ---- running ----

  protected override step(slice: number): void {
    const cpu = this.cpu;
    if (!this.enter()) return;
    const win = this.cache.window;
    const before = cpu.stats.instructions - win.overhead;
    let stop = cpu.run(slice);
    // wskip makes a slice end between sequences; should one still end inside a sequence, finish it, so
    // the guest is whole when the VMM looks.
    if (cpu.cpl === 1) while ((stop === 'budget' || stop === 'io') && !this.cache.isBoundary(cpu.pc)) stop = cpu.run(1);
    const tpc = cpu.pc >>> 0;
    const translated = cpu.cpl === 1;
    // The translation's own instructions are not the guest's; a sequence cut short by a fault or a
    // callout declared some that never ran.
    const at = translated ? this.cache.indexOf(tpc) : -1;
    this.vm.retire(cpu.stats.instructions - win.overhead - before + (at >= 0 && stop !== 'budget' ? this.cache.shortfall(at) : 0));
    switch (stop) {
      case 'budget':
      case 'io':
        this.leave();
        return;
      case 'trap':
        this.vm.counters.hostTraps++;
        if (translated && this.cache.indexOf(tpc) < 0) {
          this.crash(`translated code left the code cache at 0x${tpc.toString(16)}`, tpc);
          return;
        }
        this.fault(this.leave(), translated);
        return;
      case 'exit':
        if (!translated) break;
        this.callout(this.cache.window.callout, tpc, this.leave());
        return;
    }
    this.crash(`the CPU stopped with '${stop}', which binary translation never expects`, cpu.pc);
  }

  /** A trap from translated code or user code, at guest pc `g`. */
  private fault(g: number, kernel: boolean): void {
    const cpu = this.cpu;
    const vector = cpu.trapVector;
    const error = cpu.trapError;
    const cr2 = cpu.cr2 >>> 0;
    if (vector === VEC.PF && (error & PF_ERR.W) !== 0 && this.codeFrameOf(cr2) >= 0) {
      this.codeWrite(g, cr2, (error & PF_ERR.U) !== 0);
      return;
    }
    const emulated = this.vm.counters.emulatedInstructions;
    handleExit(this, { reason: 'EXCEPTION', pc: g, vector, error, cr2 });
    // A kernel memory instruction the VMM had to emulate (page-table write, device access): if it keeps
    // faulting, retranslate it as a callout that does the same without the fault.
    if (kernel && vector === VEC.PF && this.vm.counters.emulatedInstructions !== emulated) this.noteFault(g);
  }

  private noteFault(g: number): void {
    // Both tables grow with the guest's distinct faulting instructions: past the limit they start afresh
    // (translations already adapted keep their callouts; others adapt again if they keep faulting).
    if (!this.faultsAt.has(g) && this.faultsAt.size >= VM_LIMITS.BT_FAULT_SITES) {
      this.faultsAt.clear();
      this.bt.faultSitesForgotten++;
    }
    const n = (this.faultsAt.get(g) ?? 0) + 1;
    this.faultsAt.set(g, n);
    if (n < ADAPT_AFTER || this.adaptive.has(g)) return;
    if (this.adaptive.size >= VM_LIMITS.BT_FAULT_SITES) this.adaptive.clear();
    this.adaptive.add(g);
    this.bt.adaptiveRetranslations++;
    this.cache.invalidateAt(g);
  }

  /** The guest frame (page number) behind a guest-virtual data address if it holds live translations, else -1. */
  private codeFrameOf(va: number): number {
    const v = this.vm.v;
    const w = walkGuest(this.vm.guest, v.cr3, (v.cr0 & CR0_PG) !== 0, va, { write: false, user: false, fetch: false }, false);
    if (!w.ok) return -1;
    const f = w.gpa >>> 12;
    return this.cache.hasCode(f) ? f : -1;
  }

  /** Drop the translations read from guest frame f (it is being written). */
  dropFrame(f: number): void {
    if (!this.cache.hasCode(f)) return;
    this.bt.invalidations += this.cache.invalidatePage(f);
    this.protectedFrames.delete(f);
  }

  /** Self-modifying code: a write to a frame holding translations. Drop them, then let the store happen. */
  private codeWrite(g: number, va: number, user: boolean): void {
    this.dropFrame(this.codeFrameOf(va));
    // The instruction itself is performed by the VMM: restarting it from a fresh translation would
    // protect the frame again if it writes the page it is on.
    if (user) {
      handleExit(this, { reason: 'EXCEPTION', pc: g, vector: VEC.PF, error: this.cpu.trapError, cr2: va });
      return;
    }
    if (emulateMemoryInstruction(this, g)) this.noteFault(g);
    else this.crash('an instruction the ISA table says writes no memory wrote a page of translated code', g);
  }

  // ---- callouts ----

  /** What the VMM does for each callout, at translated pc `tpc` standing for guest pc `g`. */
  private readonly callouts = {
    EMULATE: (tpc, g, gen) => {
      this.emulate(g);
      this.continueAfter(tpc, g, gen);
    },
    MEMORY: (tpc, g, gen) => {
      if (!emulateMemoryInstruction(this, g)) {
        // The guest's code changed under its translation (a device wrote it): translate it afresh.
        this.adaptive.delete(g);
        this.cache.invalidateAt(g);
        return;
      }
      this.continueAfter(tpc, g, gen);
    },
    PENDING: (tpc, g) => {
      // Nothing to emulate: the runner delivers the interrupt, or the guest goes on after the word.
      this.resume = { guest: g, tpc: (tpc + 4) >>> 0, gen: this.cache.generation };
    },
    CHAIN: (tpc, g, gen) => {
      const stub = this.cache.stubs.get(tpc);
      const b = this.entry(g);
      if (b === null) return;
      if (stub !== undefined && stub.from.live && gen === this.cache.generation) {
        this.cache.patchBranch(stub.at, b.tpc);
        b.incoming.push({ at: stub.at, stub: tpc });
        this.bt.chainedBranches++;
      }
      this.resume = { guest: g, tpc: b.tpc, gen: this.cache.generation };
    },
    MISS: (_tpc, g) => {
      this.bt.indirectMisses++;
      const b = this.entry(g);
      if (b === null) return;
      const e = (g >>> 2) & (TABLE_ENTRIES - 1);
      this.data[SLOT.TABLE + 2 * e] = g | 0;
      this.data[SLOT.TABLE + 2 * e + 1] = b.tpc | 0;
      this.resume = { guest: g, tpc: b.tpc, gen: this.cache.generation };
    },
  } satisfies Record<keyof typeof CALLOUT, (tpc: number, g: number, gen: number) => void>;

  private callout(id: number, tpc: number, g: number): void {
    this.bt.callouts++;
    const name = CALLOUT_NAMES[id]?.toUpperCase() as keyof typeof CALLOUT | undefined;
    if (name === undefined || !(name in this.callouts)) {
      this.crash(`unknown callout ${id}`, tpc);
      return;
    }
    // What the VMM does may invalidate the very block the callout came from (a trap frame written over it).
    this.callouts[name](tpc, g, this.cache.generation);
  }

  /** After a straight-line callout, go on with the next word of the same block if the guest went on too. */
  private continueAfter(tpc: number, g: number, gen: number): void {
    const cpu = this.cpu;
    const next = (tpc + 4) >>> 0;
    const i = this.cache.indexOf(next);
    if (gen === this.cache.generation && cpu.cpl === 1 && i >= 0 && this.cache.seq[i] === i && this.cache.guestPc[i]! >>> 0 === cpu.pc >>> 0 && cpu.pc !== g)
      this.resume = { guest: cpu.pc >>> 0, tpc: next, gen: this.cache.generation };
    else this.resume = null;
  }

  /** The guest instruction at g, which translated code hands to the VMM. */
  private emulate(g: number): void {
    const cpu = this.cpu;
    let d;
    try {
      d = this.access.fetch(g);
    } catch (err) {
      if (!(err instanceof GuestFault)) throw err;
      this.deliver(err.vector, err.error, err.address);
      return;
    }
    if (d === null || d.info.id === 'hcall') {
      this.deliver(VEC.UD, 0);
      return;
    }
    const id = d.info.id;
    if (id === 'int' || id === 'brk') {
      const v = id === 'brk' ? VEC.BP : d.imm;
      if (id === 'int' && (v < VEC.SOFT_MIN || v > 255)) {
        this.deliver(VEC.GP, 0);
        return;
      }
      cpu.pc = (g + 4) >>> 0;
      this.vm.retire(1);
      this.deliver(v, 0);
      return;
    }
    const before = { cr0: this.vm.v.cr0, cr3: this.vm.v.cr3 };
    if (!emulateInstruction(this, g)) {
      // The guest's code changed under its translation (a device wrote it): translate it afresh.
      this.cache.invalidateAt(g);
      return;
    }
    // A new address space or paging mode may map other code at the addresses the cache holds.
    if (id === 'mov.cr' && (this.vm.v.cr0 !== before.cr0 || this.vm.v.cr3 !== before.cr3 || d.b === CR.CR3)) this.revalidate(null);
    else if (id === 'invlpg') this.revalidate(cpu.r[d.a]! >>> 12);
  }

  /** Drop translations whose guest-virtual page no longer maps the frame they were read from. */
  private revalidate(onlyVaPage: number | null): void {
    const v = this.vm.v;
    for (const [vp, frame] of this.cache.liveVaPages()) {
      if (onlyVaPage !== null && vp !== onlyVaPage) continue;
      const w = walkGuest(this.vm.guest, v.cr3, (v.cr0 & CR0_PG) !== 0, vp << 12, { write: false, user: false, fetch: true }, false);
      if (!w.ok || w.gpa >>> 12 !== frame) this.bt.invalidations += this.cache.invalidateVaPage(vp);
    }
  }

  /** The code cache as text, where `--dump-cache` asked for it. */
  override dump(): string | null {
    return this.dumpCache ? this.formatCache() : null;
  }

  /** The translator's counters; the code cache is derived and starts empty again. */
  override saveState(): unknown {
    return { trap: super.saveState(), counters: this.counters() };
  }

  override restoreState(saved: unknown): void {
    const s = saved as { trap: unknown; counters: BtCounters };
    super.restoreState(s.trap);
    const { indirectLookups, overheadInstructions, ...rest } = s.counters;
    Object.assign(this.bt, rest);
    // The cache's own counts start again from zero: carry what was counted before on top of them.
    this.carried = { indirectLookups: indirectLookups - (this.data[SLOT.LOOKUPS]! >>> 0), overheadInstructions: overheadInstructions - this.cache.window.overhead };
  }

  override techniqueCounts(): Record<string, number> {
    return { ...this.counters() };
  }

  /** The code cache as text: each block beside the guest code and source lines it came from. */
  formatCache(): string {
    return formatCache(this.cache, this.vm.image, (va) => {
      try {
        return this.access.read32(va >>> 0);
      } catch {
        return null;
      }
    });
  }

  /** Indirect lookups as counted by the translated code itself. */
  counters(): BtCounters {
    return {
      ...this.bt,
      indirectLookups: this.carried.indirectLookups + (this.data[SLOT.LOOKUPS]! >>> 0),
      overheadInstructions: this.carried.overheadInstructions + this.cache.window.overhead,
    };
  }
}
