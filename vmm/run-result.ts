// What a run of the machine produces: status, exit code, console text, counted events and, on a crash, a report.
import { VEC } from '../isa/abi.js';
import type { TestCaseResult } from './devices/testport.js';
import type { CrashReport } from './hv/crash.js';

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
  /** txDrops: packets dropped on transmit, longer than NIC_MAX_PACKET or unreadable (NIC_DESC_STATUS_ERR). */
  nic: { packetsTx: number; packetsRx: number; doorbells: number; rxDrops: number; txDrops: number; dmaErrors: number };
  iommu: { faults: number };
  tests: { passed: number; failed: number; results: TestCaseResult[] };
}

/** What a hypervisor counts on top of the CPU; all zero for a native run. */
export interface VirtStats {
  /** Exits by reason, only reasons that occurred. */
  exits: Record<string, number>;
  /** EXCEPTION exits by vector number (for trap-and-emulate: every fault the VMM took). */
  exceptionExits: Record<string, number>;
  exitsTotal: number;
  /** Faults of a deprivileged guest that entered the VMM (trap-and-emulate). */
  hostTraps: number;
  /** Traps and interrupts the VMM delivered into the guest's handlers by building the frame itself. */
  reflectedTraps: number;
  /** Instructions the VMM decoded and emulated for the guest. */
  emulatedInstructions: number;
  /** Guest instructions run by the VMM's interpreter. */
  interpretedInstructions: number;
  /** Interrupts the VMM injected or reflected into a guest running on the CPU (0 natively and under emulate). */
  interruptsInjected: number;
  /** Device register accesses served by the VMM's device models. */
  deviceAccesses: number;
  /** Register accesses that went straight to a passed-through device, with no exit. */
  passthroughAccesses: number;
  /** Device-model accesses by device: under a VMM each one is an exit (hw) or a trap (trap). */
  deviceExits: Record<string, number>;
  /**
   * NIC exits per packet sent or received, and block-device exits per command (0 when there were none).
   * Under `--devices split`: the front-end's notifications (each an evtchn_send hypercall) plus the
   * back-end's notifications back (each an event upcall), per packet or per block request.
   */
  exitsPerPacket: number;
  exitsPerBlock: number;
  /**
   * Split drivers: notifications both ways per batch of requests a back-end served in one pass (1 or less
   * when suppression works: a batch wakes the back-end once and is answered without an event). 0 otherwise.
   */
  notificationsPerBatch: number;
  /** Split back-ends' counters by device (console, block, net): notifications, requests, batches, errors, ...; empty otherwise. */
  backends: Record<string, Record<string, number>>;
  shadowFaults: number;
  shadowSyncs: number;
  shadowFlushes: number;
  nestedWalkRefs: number;
  worldSwitches: number;
  /** Sensitive instructions that ran at ring > 0 and silently did the wrong thing. */
  silentFailures: number;
  hypercalls: Record<string, number>;
  /** Events delivered into a PV guest's upcall handler by the VMM (each also counted in exitsTotal). */
  upcalls: number;
  /** Counters the technique keeps of its own (binary translation's blocks, callouts, ...); empty if none. */
  techniqueCounts: Record<string, number>;
}

/**
 * What the VMM stopped keeping because a guest went past a per-VM limit (vmm/limits.ts, docs/security.md):
 * all zero for a guest that stays inside them.
 */
export interface DroppedStats {
  /** Console bytes not kept in the transcript (VM_LIMITS.CONSOLE_TRANSCRIPT_BYTES); they were still streamed. */
  consoleBytes: number;
  /** Sent packets the far end did not keep (VM_LIMITS.WIRE_CAPTURE_PACKETS); they were still sent. */
  wirePackets: number;
  /** Self-test results not kept in order (VM_LIMITS.TEST_RESULTS); the pass and fail counts include them. */
  testResults: number;
  /** Phase marks past VM_LIMITS.PHASE_MARKS: their exits count in the last phase kept. */
  phaseMarks: number;
  /** Distinct divergences past VM_LIMITS.DIVERGENCES (silentFailures counts every one). */
  divergences: number;
}

export function emptyDroppedStats(): DroppedStats {
  return { consoleBytes: 0, wirePackets: 0, testResults: 0, phaseMarks: 0, divergences: 0 };
}

export interface RunStats extends VirtStats {
  /** Instructions the guest executed (not counting time skipped while halted). */
  guestInstructions: number;
  /** Instructions' worth of time fast-forwarded while the CPU sat in `hlt` waiting for the timer. */
  idleInstructions: number;
  /** Modeled, not measured: counted events times the cost profile's per-event costs (vmm/cost/). */
  modeledCycles: number;
  /** Modeled cycles by event kind (and `exit:<REASON>` for exit handling). */
  cycleBreakdown: Record<string, number>;
  costProfile: string;
  tlbHits: number;
  tlbMisses: number;
  pageWalkRefs: number;
  privilegedExecuted: number;
  /** Exceptions and software interrupts the CPU delivered through the vector table (not external interrupts). */
  traps: number;
  /**
   * Deliveries the CPU made through the guest's vector table, by vector (IRQ vectors included). What a VMM
   * delivered by building the frame itself (trap, bt) is in `reflectedTraps` instead.
   */
  trapsByVector: Record<string, number>;
  /**
   * External interrupts delivered into the guest, however they got there (the CPU, a VMM's injection or
   * reflection): the same count as natively under every technique but pv, whose guest takes its timer
   * as events (`upcalls`), and so counts 0 here.
   */
  interrupts: number;
  io: IoStats;
  devices: DeviceStats;
  dropped: DroppedStats;
}

export function emptyVirtStats(): VirtStats {
  return {
    exits: {},
    exceptionExits: {},
    exitsTotal: 0,
    hostTraps: 0,
    reflectedTraps: 0,
    emulatedInstructions: 0,
    interpretedInstructions: 0,
    interruptsInjected: 0,
    deviceAccesses: 0,
    passthroughAccesses: 0,
    deviceExits: {},
    exitsPerPacket: 0,
    exitsPerBlock: 0,
    notificationsPerBatch: 0,
    backends: {},
    shadowFaults: 0,
    shadowSyncs: 0,
    shadowFlushes: 0,
    nestedWalkRefs: 0,
    worldSwitches: 0,
    silentFailures: 0,
    hypercalls: {},
    upcalls: 0,
    techniqueCounts: {},
  };
}

export interface RunResult {
  status: RunStatus;
  /** The process exit code `vmlab run` uses: the power-off status up to 63 (guestExitCode), 0 halted, EXIT_CODE.LIMIT or CRASH. */
  exitCode: number;
  /** For a power-off: the status the guest wrote, whole (unsigned 32 bits), which exitCode may cap. */
  guestStatus?: number;
  console: string;
  stats: RunStats;
  /** Host time the run took; the only wall-clock number, reported apart from modeled cycles. */
  wallMs: number;
  crash?: CrashReport;
}

/** An IRQ line's vector: only the interrupt controller delivers these (`int` may not name them). */
export function isInterruptVector(v: number): boolean {
  return v >= VEC.IRQ_BASE && v < VEC.SOFT_MIN;
}

/** Deliveries of IRQ vectors the CPU made through the guest's vector table (trapsByVector's IRQ part). */
export function cpuInterruptDeliveries(trapsByVector: Readonly<Record<string, number>>): number {
  let n = 0;
  for (const [v, k] of Object.entries(trapsByVector)) if (isInterruptVector(Number(v))) n += k;
  return n;
}
