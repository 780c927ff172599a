// What the binary translator counts for one VM: RunStats' `bt` (vmm/machine/run-result.ts), costed by the profiles.

import { emptyBtStats, type BtStats } from '../../../machine/run-result.js';

export type BtCounters = BtStats;
export const createBtCounters = emptyBtStats;
