// Fabricated run results for the comparison tests: only the fields compare reads are meaningful.
import type { VmRunResult } from '../../vmm/hv/hypervisor.js';
import type { DeviceMode, MemoryMode } from '../../vmm/hv/types.js';
import type { PhaseCount } from '../../vmm/phases.js';
import type { Divergence } from '../../vmm/hv/vm.js';
import { emptyDroppedStats, emptyVirtStats, type RunStats, type RunStatus } from '../../vmm/run-result.js';

export interface FakeRun {
  technique?: string;
  memory?: MemoryMode | null;
  console?: string;
  status?: RunStatus;
  exitCode?: number;
  cycles?: number;
  instructions?: number;
  exits?: number;
  divergences?: Divergence[];
  phases?: PhaseCount[];
  devices?: DeviceMode | null;
  exitsPerPacket?: number;
  exitsPerBlock?: number;
  notificationsPerBatch?: number;
}

export function fakeRun(f: FakeRun = {}): VmRunResult {
  const stats: RunStats = {
    ...emptyVirtStats(),
    exitsTotal: f.exits ?? 0,
    exitsPerPacket: f.exitsPerPacket ?? 0,
    exitsPerBlock: f.exitsPerBlock ?? 0,
    notificationsPerBatch: f.notificationsPerBatch ?? 0,
    guestInstructions: f.instructions ?? 1000,
    idleInstructions: 0,
    modeledCycles: f.cycles ?? 1000,
    cycleBreakdown: {},
    costProfile: 'modern',
    tlbHits: 0,
    tlbMisses: 0,
    pageWalkRefs: 0,
    privilegedExecuted: 0,
    traps: 0,
    trapsByVector: {},
    interrupts: 0,
    io: { portReads: 0, portWrites: 0, mmioReads: 0, mmioWrites: 0, byDevice: {} },
    devices: {
      uart: { txBytes: 0, rxBytes: 0 },
      timer: { ticks: 0 },
      pic: { delivered: 0, eois: 0 },
      block: { commands: 0, sectorsRead: 0, sectorsWritten: 0, errors: 0 },
      nic: { packetsTx: 0, packetsRx: 0, doorbells: 0, rxDrops: 0, txDrops: 0, dmaErrors: 0 },
      iommu: { faults: 0 },
      tests: { passed: 0, failed: 0, results: [] },
    },
    dropped: emptyDroppedStats(),
  };
  return {
    name: 'k',
    technique: f.technique ?? 'native',
    memory: f.memory ?? null,
    devices: f.devices ?? null,
    status: f.status ?? 'poweroff',
    exitCode: f.exitCode ?? 0,
    console: f.console ?? 'hello\nworld\n',
    stats,
    wallMs: 1.5,
    divergences: f.divergences ?? [],
    phases: f.phases ?? [{ name: 'boot', exits: stats.exitsTotal }],
  };
}

export const POPF: Divergence = {
  pc: 0x1040,
  insn: 'popf',
  where: 'guest-kernels/mini/lib.s:20',
  message: 'popf at guest-kernels/mini/lib.s:20 left IF unchanged',
  count: 3,
};
