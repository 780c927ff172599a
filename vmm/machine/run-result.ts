// What a run of the machine produces: status, exit code, console text, counted events and, on a crash, a report.
import type { TestCaseResult } from '../devices/testport.js';
import type { CrashReport } from '../report/crash.js';

/**
 * - `poweroff`: the guest wrote its exit status to PORT.POWEROFF.
 * - `halted`: `hlt` with nothing that could ever wake the CPU (IF = 0, or no interrupt source armed).
 * - `limit`: the instruction budget ran out (the guest may be in a loop).
 * - `crash`: a triple fault.
 */
export type RunStatus = 'poweroff' | 'halted' | 'limit' | 'crash';

export interface IoStats {
  portReads: number;
  portWrites: number;
  mmioReads: number;
  mmioWrites: number;
  /** Accesses per device (bus mapping name). */
  byDevice: Record<string, number>;
}

export interface DeviceStats {
  uart: { txBytes: number; rxBytes: number };
  timer: { ticks: number };
  pic: { delivered: number; eois: number };
  block: { commands: number; sectorsRead: number; sectorsWritten: number; errors: number };
  nic: { packetsTx: number; packetsRx: number; doorbells: number; rxDrops: number; dmaErrors: number };
  iommu: { faults: number };
  tests: { passed: number; failed: number; results: TestCaseResult[] };
}

export interface RunStats {
  /** Instructions the guest executed (not counting time skipped while halted). */
  guestInstructions: number;
  /** Instructions' worth of time fast-forwarded while the CPU sat in `hlt` waiting for the timer. */
  idleInstructions: number;
  /** Modeled, not measured: see vmm/machine/cycles.ts and the cost profile it names. */
  modeledCycles: number;
  costProfile: string;
  tlbHits: number;
  tlbMisses: number;
  pageWalkRefs: number;
  privilegedExecuted: number;
  /** Exceptions and software interrupts delivered (not external interrupts). */
  traps: number;
  trapsByVector: Record<string, number>;
  /** External interrupts delivered. */
  interrupts: number;
  io: IoStats;
  devices: DeviceStats;
}

export interface RunResult {
  status: RunStatus;
  /** The process exit code `vmlab run` uses: power-off status & 0xff, 0 halted, 101 limit, 102 crash. */
  exitCode: number;
  console: string;
  stats: RunStats;
  /** Host time the run took; the only wall-clock number, reported apart from modeled cycles. */
  wallMs: number;
  crash?: CrashReport;
}
