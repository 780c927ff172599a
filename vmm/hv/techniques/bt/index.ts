// The bt technique: binary translation of kernel code into a code cache the guest cannot see.

import type { TechniqueDescriptor } from '../descriptor.js';
import { BT_COST_EVENTS, btEventCounts } from './counters.js';
import { DEFAULT_CACHE_WORDS, MAX_CACHE_WORDS } from './code-cache.js';
import { BtRunner, MIN_CACHE_WORDS } from './runner.js';

const fmt = (n: number) => n.toLocaleString('en-US');

export const btTechnique: TechniqueDescriptor = {
  name: 'bt',
  summary: 'binary translation of kernel code into a code cache',
  memory: ['shadow'],
  devices: ['emulated'],
  kernels: 'unmodified',
  divergenceNote: () => 'bt runs user code untranslated: ring-3 sensitive instructions read the real CPU; --strict makes them trap',
  snapshots: true,
  accounting: { interpreted: false, physicalDevices: false, exits: 'host-trap' },
  exitNote: 'under binary translation an "exit" is a fault taken by the VMM; modeled cycles per exit = one host trap',
  options: [
    {
      flags: '--dump-cache',
      key: 'dumpCache',
      help: 'bt: after the run, print each translated block beside the guest code and source lines it came from',
    },
    {
      flags: '--code-cache <words>',
      key: 'cacheWords',
      help: `bt: code-cache size in 32-bit words (default ${DEFAULT_CACHE_WORDS}); a full cache is flushed`,
      parse: (text) => {
        const n = Number(text.replace(/_/g, ''));
        return Number.isSafeInteger(n) && n >= MIN_CACHE_WORDS && n <= MAX_CACHE_WORDS
          ? n
          : {
              error: `--code-cache ${JSON.stringify(text)}: expected a number of words, at least ${MIN_CACHE_WORDS} and at most ${MAX_CACHE_WORDS} (what the VMM's page pool per VM can hold)`,
            };
      },
    },
  ],
  costEvents: BT_COST_EVENTS,
  countEvents: (stats) => btEventCounts(stats.techniqueCounts),
  formatStats: (stats) => {
    const b = (k: string) => fmt(stats.techniqueCounts[k] ?? 0);
    return [
      `  binary translation: ${b('translatedBlocks')} blocks (${b('translatedInstructions')} guest instructions) translated, ${b('cacheFlushes')} cache flushes`,
      `  ${b('callouts')} callouts into the VMM (not exits: no fault), ${b('indirectLookups')} indirect lookups (${b('indirectMisses')} missed), ${b('chainedBranches')} branches chained`,
      `  ${b('invalidations')} translations invalidated, ${b('adaptiveRetranslations')} adaptive retranslations, ${b('overheadInstructions')} instructions of the translation's own`,
    ].join('\n');
  },
  createRunner: (ctx) => {
    const o = ctx.options.techniqueOptions ?? {};
    const cacheWords = typeof o['cacheWords'] === 'number' ? o['cacheWords'] : undefined;
    return new BtRunner(ctx.vm, ctx.host, ctx.region, { ...(cacheWords ? { cacheWords } : {}), dumpCache: o['dumpCache'] === true });
  },
};
