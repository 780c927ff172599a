// The cost model: counted events times a profile's per-event costs. The result is modeled, never measured.

import { EXIT_REASONS, type ExitReason } from '../../isa/abi.js';
import { COST_EVENT_NAMES, type CostEvent, type EventCounts } from './events.js';
import type { CostProfile } from './profile.js';

export interface ModeledCycles {
  /** Modeled cycles in all. */
  readonly total: number;
  /** Modeled cycles per event kind (and `exit:<REASON>` for exit handling), only the non-zero ones. */
  readonly breakdown: Readonly<Record<string, number>>;
}

/**
 * `counts` holds the common events and, under `technique`'s name in the profile's techniqueCosts, the
 * events that technique adds (the hypervisor has checked the profile prices every one of them).
 */
export function modelCycles(
  counts: EventCounts,
  exits: Readonly<Partial<Record<ExitReason, number>>>,
  profile: CostProfile,
  technique?: string,
): ModeledCycles {
  const breakdown: Record<string, number> = {};
  let total = 0;
  const own = technique !== undefined ? (profile.techniqueCosts[technique] ?? {}) : {};
  for (const [e, n] of Object.entries(counts)) {
    const c = n * ((COST_EVENT_NAMES as string[]).includes(e) ? profile.costs[e as CostEvent] : (own[e] ?? 0));
    if (c > 0) breakdown[e] = c;
    total += c;
  }
  for (const r of EXIT_REASONS) {
    const c = (exits[r] ?? 0) * (profile.exitHandling[r] ?? 0);
    if (c > 0) breakdown[`exit:${r}`] = c;
    total += c;
  }
  return { total, breakdown };
}

export type { CostEvent };
