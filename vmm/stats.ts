// Assembling a run's statistics (and its modeled cycles) from what the CPU, the devices and the VMM counted.

import { eventCounts, type Accounting } from './cost/counts.js';
import { modelCycles } from './cost/model.js';
import type { CostProfile } from './cost/profile.js';
import { emptyDroppedStats, emptyVirtStats, isInterruptVector, type DroppedStats, type RunStats, type VirtStats } from './run-result.js';
import type { Platform } from './platform.js';

/** The CPU's counters for one guest (a whole CPU's, or the share a VM was credited with). */
export interface CpuCounts {
  instructions: number;
  privilegedExecuted: number;
  tlbHits: number;
  tlbMisses: number;
  pageWalkRefs: number;
  interrupts: number;
  trapsByVector: Uint32Array;
}

export interface StatsInput {
  /** How the technique's work is charged (its descriptor's accounting). */
  /** The technique's name, where its own cost events are priced in the profile. */
  technique: string;
  accounting: Accounting;
  /** The technique's own cost events, from the run's stats. */
  countEvents?: (stats: RunStats) => Readonly<Record<string, number>>;
  cpu: CpuCounts;
  /**
   * External interrupts delivered into the guest, by the CPU or injected or reflected by a VMM (default:
   * the CPU's count). The same number as natively under every technique that delivers the guest's
   * interrupts as interrupts (all but pv, whose guest takes them as events).
   */
  interrupts?: number;
  /** Guest instructions: the CPU's plus any the VMM emulated. */
  guestInstructions: number;
  idleInstructions: number;
  platform: Platform;
  virt?: Partial<VirtStats>;
  /** What the VMM (not the platform's devices) dropped at a per-VM limit. */
  dropped?: Partial<DroppedStats>;
  profile: CostProfile;
}

export function buildRunStats(i: StatsInput): RunStats {
  const c = i.cpu;
  const io = i.platform.bus.stats;
  const trapsByVector: Record<string, number> = {};
  let traps = 0;
  c.trapsByVector.forEach((n, v) => {
    if (n > 0) {
      trapsByVector[String(v)] = n;
      if (!isInterruptVector(v)) traps += n;
    }
  });
  const virt = { ...emptyVirtStats(), ...i.virt };
  const stats: RunStats = {
    ...virt,
    guestInstructions: i.guestInstructions,
    idleInstructions: i.idleInstructions,
    modeledCycles: 0,
    cycleBreakdown: {},
    costProfile: i.profile.name,
    tlbHits: c.tlbHits,
    tlbMisses: c.tlbMisses,
    pageWalkRefs: c.pageWalkRefs,
    privilegedExecuted: c.privilegedExecuted,
    traps,
    trapsByVector,
    interrupts: i.interrupts ?? c.interrupts,
    io: {
      portReads: io.portReads,
      portWrites: io.portWrites,
      mmioReads: io.mmioReads,
      mmioWrites: io.mmioWrites,
      byDevice: { ...io.byDevice },
    },
    devices: i.platform.deviceStats(),
    dropped: { ...emptyDroppedStats(), ...i.dropped, ...i.platform.dropped() },
  };
  const counts = { ...eventCounts(i.accounting, stats), ...i.countEvents?.(stats) };
  // Only hardware exits have per-reason handling costs; elsewhere an exit is charged as one host trap.
  const m = modelCycles(counts, i.accounting.exits === 'hardware' ? stats.exits : {}, i.profile, i.technique);
  stats.modeledCycles = m.total;
  stats.cycleBreakdown = { ...m.breakdown };
  return stats;
}
