// What the binary translator counts for one VM: a bt run's `techniqueCounts`, costed by the profiles.

/** What the binary translator counted. */
export interface BtCounters {
  /** Guest blocks translated into the code cache, and the guest instructions in them. */
  translatedBlocks: number;
  translatedInstructions: number;
  /** Entries into the cache by the VMM that found a translation / that had to translate. */
  cacheHits: number;
  cacheMisses: number;
  /** Direct branches pointed straight at their target's translation. */
  chainedBranches: number;
  /** Indirect jumps, register calls and returns looked up by translated code, and lookups that missed. */
  indirectLookups: number;
  indirectMisses: number;
  /** Translations dropped because the guest wrote their code, or their mapping changed. */
  invalidations: number;
  /** Instructions retranslated into a callout because they kept faulting. */
  adaptiveRetranslations: number;
  /** Calls from translated code into the VMM. */
  callouts: number;
  /** Instructions translated code ran beyond the guest's own (inline sequences, lookups, fall-through jumps). */
  overheadInstructions: number;
  /** Whole-cache flushes because the cache was full. */
  cacheFlushes: number;
  /** Times the table of faulting instructions (VM_LIMITS.BT_FAULT_SITES) was full and started afresh. */
  faultSitesForgotten: number;
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
    overheadInstructions: 0,
    cacheFlushes: 0,
    faultSitesForgotten: 0,
  };
}

/** The cost events binary translation adds, with what each charges for. */
export const BT_COST_EVENTS = {
  btOverheadInstruction: "an instruction of translated code beyond the guest's own (inline sequences, lookups, fall-through jumps)",
  btCallout: 'a call from translated code into the VMM and back (no fault, no privilege change)',
  btBlock: 'setting up one translated block in the code cache',
  btTranslatedInstruction: 'decoding one guest instruction and emitting its translation',
  btCacheHit: "the VMM finding a guest address's translation on entering the code cache",
  btCacheMiss: 'the VMM missing a translation on entering the code cache (the translation is charged apart)',
  btChain: 'patching a direct branch to jump straight to its target translation',
  btIndirectLookup: "an indirect branch's table lookup in translated code, beyond its instructions (the mispredicted jump)",
  btInvalidation: 'dropping a translation and unchaining the branches into it',
  btAdaptive: 'retranslating a faulting instruction into a callout',
  btCacheFlush: 'discarding the whole code cache when it is full',
} as const;

/** Each cost event from the counters it charges. */
export function btEventCounts(c: Readonly<Record<string, number>>): Record<keyof typeof BT_COST_EVENTS, number> {
  const n = (k: keyof BtCounters) => c[k] ?? 0;
  return {
    btOverheadInstruction: n('overheadInstructions'),
    btCallout: n('callouts'),
    btBlock: n('translatedBlocks'),
    btTranslatedInstruction: n('translatedInstructions'),
    btCacheHit: n('cacheHits'),
    btCacheMiss: n('cacheMisses'),
    btChain: n('chainedBranches'),
    btIndirectLookup: n('indirectLookups'),
    btInvalidation: n('invalidations'),
    btAdaptive: n('adaptiveRetranslations'),
    btCacheFlush: n('cacheFlushes'),
  };
}
