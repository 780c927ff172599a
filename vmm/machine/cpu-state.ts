// The CPU's serializable architectural state and its event counters (plain data, for snapshots and reports).

import { EXIT_REASONS, VECTOR_COUNT } from '../../isa/abi.js';

/** Everything needed to resume a CPU exactly: the object `Cpu.save()` returns and `Cpu.load()` takes. */
export interface CpuState {
  r: number[];
  pc: number;
  /** FLAGS word: Z S C O IF (without the CPL bits). */
  flags: number;
  cpl: number;
  cr0: number;
  cr2: number;
  cr3: number;
  cr4: number;
  cr8: number;
  ivtb: number;
  halted: boolean;
}

/** Event counters. Plain numbers (plus two typed arrays) so the cost model can diff two snapshots. */
export interface CpuStats {
  /** Retired instructions (a trap or interrupt delivery is not an instruction). */
  instructions: number;
  /** Privileged and sensitive-unprivileged instructions executed or attempted, at any CPL. */
  privilegedExecuted: number;
  /** Sensitive-unprivileged instructions that executed at CPL > 0 without trapping (the silent ones). */
  sensitiveAtCplGt0: number;
  /** TLB lookups that hit / missed, counted only while translation is on (paging or second stage). */
  tlbHits: number;
  tlbMisses: number;
  /** Memory references made by page walks: 2 per native miss, 8 per full two-dimensional miss. */
  pageWalkRefs: number;
  /** The part of pageWalkRefs spent in second-stage tables. */
  nestedWalkRefs: number;
  /** Walks made with the second stage on. */
  nestedWalks: number;
  tlbFlushes: number;
  invlpgs: number;
  /** Deliveries (or interceptions) per vector, including #DF and external interrupts. */
  trapsByVector: Uint32Array;
  /** External interrupts taken from the interrupt controller. */
  interrupts: number;
  triples: number;
  /** Port I/O instructions executed (not counting those that exited). */
  portIo: number;
  /** MMIO accesses that reached the bus. */
  mmioAccesses: number;
  exits: number;
  /** Exits per reason, indexed like EXIT_REASONS. */
  exitsByReason: Uint32Array;
}

export function createStats(): CpuStats {
  return {
    instructions: 0,
    privilegedExecuted: 0,
    sensitiveAtCplGt0: 0,
    tlbHits: 0,
    tlbMisses: 0,
    pageWalkRefs: 0,
    nestedWalkRefs: 0,
    nestedWalks: 0,
    tlbFlushes: 0,
    invlpgs: 0,
    trapsByVector: new Uint32Array(VECTOR_COUNT),
    interrupts: 0,
    triples: 0,
    portIo: 0,
    mmioAccesses: 0,
    exits: 0,
    exitsByReason: new Uint32Array(EXIT_REASONS.length),
  };
}

/** What the CPU was doing when it triple-faulted, for the crash report. */
export interface TripleInfo {
  /** The fault whose delivery failed first. */
  vector: number;
  error: number;
  /** The pc that fault would have saved. */
  pc: number;
}
