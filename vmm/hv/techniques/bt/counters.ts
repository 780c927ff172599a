// What the binary translator counts for one VM (reported in RunStats' VirtStats, costed by the profiles).

export interface BtCounters {
  /** Guest blocks translated into the cache, and the guest instructions in them. */
  translatedBlocks: number;
  translatedInstructions: number;
  /** Entries into the cache by the VMM that found a translation, and ones that had to translate. */
  cacheHits: number;
  cacheMisses: number;
  /** Direct branches pointed straight at their target's translation. */
  chainedBranches: number;
  /** Indirect jumps, register calls and returns looked up by translated code, and the lookups that missed. */
  indirectLookups: number;
  indirectMisses: number;
  /** Translations dropped because the guest wrote their code (or its mapping changed). */
  invalidations: number;
  /** Instructions retranslated into a callout because they kept faulting. */
  adaptiveRetranslations: number;
  /** Calls from translated code into the VMM (emulation, chaining, misses, pending interrupts, adaptive memory). */
  callouts: number;
  /** Whole-cache flushes because the cache was full. */
  cacheFlushes: number;
}

export function createBtCounters(): BtCounters {
  return {
    translatedBlocks: 0,
    translatedInstructions: 0,
    cacheHits: 0,
    cacheMisses: 0,
    chainedBranches: 0,
    indirectLookups: 0,
    indirectMisses: 0,
    invalidations: 0,
    adaptiveRetranslations: 0,
    callouts: 0,
    cacheFlushes: 0,
  };
}
