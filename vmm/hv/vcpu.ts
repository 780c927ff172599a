// The virtual CPU state a VMM keeps for a guest whose kernel does not really run at ring 0.
//
// Under trap-and-emulate (and later binary translation and PV) the guest kernel runs at ring 1. What
// it believes about IF, its privilege level, its control registers and its vector table lives here;
// the real CPU holds the VMM's values.

export interface VirtualCpu {
  /** The guest's interrupt flag. The real IF stays 1 while a guest runs. */
  vif: boolean;
  cr0: number;
  cr2: number;
  /** The guest's page-directory address (guest-physical). */
  cr3: number;
  cr4: number;
  cr8: number;
  ivtb: number;
  /** The guest executed `hlt` and waits for an interrupt. */
  halted: boolean;
}

export function createVirtualCpu(): VirtualCpu {
  return { vif: false, cr0: 0, cr2: 0, cr3: 0, cr4: 0, cr8: 0, ivtb: 0, halted: false };
}

/** Ring compression: the guest's ring 0 runs at real ring 1; user code stays at ring 3. */
export function realCpl(guestCpl: number): number {
  return guestCpl === 0 ? 1 : guestCpl;
}

export function guestCpl(realCplValue: number): number {
  return realCplValue === 1 ? 0 : realCplValue;
}
