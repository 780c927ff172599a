// Modeled cycles for a native run: counted events times per-event costs from a cost profile kept as data.
//
// These are modeled, not measured, cycles. The profile (vmm/cost/profiles/modern.json) documents
// the source of each number; vmm/cost/ extends this with the costs of each virtualization technique.
import modern from '../cost/profiles/modern.json' with { type: 'json' };

export interface CostProfile {
  readonly name: string;
  readonly description: string;
  readonly costs: {
    readonly instruction: number;
    readonly tlbMiss: number;
    readonly pageWalkRef: number;
    readonly trap: number;
    readonly interrupt: number;
    readonly ioAccess: number;
  };
}

/** The events a native run is charged for. */
export interface CycleEvents {
  readonly instructions: number;
  readonly tlbMisses: number;
  readonly pageWalkRefs: number;
  readonly traps: number;
  readonly interrupts: number;
  /** Port and MMIO accesses. */
  readonly ioAccesses: number;
}

export const DEFAULT_PROFILE: CostProfile = modern;

export function modelCycles(e: CycleEvents, profile: CostProfile = DEFAULT_PROFILE): number {
  const c = profile.costs;
  return (
    e.instructions * c.instruction +
    e.tlbMisses * c.tlbMiss +
    e.pageWalkRefs * c.pageWalkRef +
    e.traps * c.trap +
    e.interrupts * c.interrupt +
    e.ioAccesses * c.ioAccess
  );
}
