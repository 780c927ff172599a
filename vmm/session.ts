// One entry point for running kernels under any technique, bare metal included: one hypervisor, one run loop.
// `vmlab run`, `vmlab compare`, the testing API and the tests all go through here.

import { loadProfile, type CostProfile } from './cost/profile.js';
import { ConfigError, Hypervisor, type VmRunResult } from './hv/hypervisor.js';
import type { VmExit } from './hv/exits.js';
import type { GuestFinalState } from './hv/guest-state.js';
import type { ShadowSync } from './hv/memory/shadow-sync.js';
import type { HandlerOverrides } from './hv/privileged.js';
import type { DeviceMode, MemoryMode } from './hv/types.js';
import type { Image } from '../assembler/types.js';

export interface GuestSpec {
  /** Name shown in reports (usually the file name). */
  readonly name: string;
  readonly image: Image;
  readonly ramSize?: number;
  readonly stdin?: string | Uint8Array;
  readonly blockImage?: Uint8Array;
  readonly consoleSink?: (text: string) => void;
  /** Packets the far end of the wire sends, each once the guest's NIC has a free receive descriptor. */
  readonly packets?: readonly Uint8Array[];
}

export interface SessionOptions {
  /** A registered technique's name. */
  readonly technique: string;
  readonly memory?: MemoryMode;
  readonly devices?: DeviceMode;
  readonly strict?: boolean;
  readonly profile?: CostProfile;
  readonly maxInstructions: number;
  readonly quantum?: number;
  /** Called for every exit (and every fault a trap-and-emulate guest sends to the VMM). */
  readonly onExit?: (vm: string, exit: VmExit) => void;
  /** Watches each external interrupt delivered into each guest, at its guest instruction count (InterruptObserver). */
  readonly onInterrupt?: (vm: string, at: number, vector: number) => void;
  /** trap only: replacement trap-and-emulate handlers (see HypervisorOptions.handlers). */
  readonly handlers?: HandlerOverrides;
  /** Shadow paging only: the sync policy (see HypervisorOptions.shadowSync). */
  readonly shadowSync?: ShadowSync;
  /** Called once per guest after the run, with its final registers, RAM, disk and sent packets (the testing API). */
  readonly inspect?: (name: string, state: GuestFinalState) => void;
  /** Options of the technique's own, by key (bt: cacheWords, dumpCache). */
  readonly techniqueOptions?: Readonly<Record<string, unknown>>;
}

export { ConfigError };

/** Run one or more guests to completion (or their instruction limit). */
export function runGuests(guests: readonly GuestSpec[], opts: SessionOptions): VmRunResult[] {
  const hv = createRun(guests, opts);
  const results = hv.run(opts.maxInstructions);
  if (opts.inspect) results.forEach((r, i) => opts.inspect!(r.name, hv.finalState(i)));
  return results;
}

/** The hypervisor for a run, booted and not yet started (to run part of the way, then save it). */
export function createRun(guests: readonly GuestSpec[], opts: Omit<SessionOptions, 'maxInstructions' | 'inspect'>): Hypervisor {
  const profile = opts.profile ?? loadProfile();
  return new Hypervisor(guests, {
    technique: opts.technique,
    profile,
    strict: opts.strict ?? false,
    ...(opts.memory ? { memory: opts.memory } : {}),
    ...(opts.quantum ? { quantum: opts.quantum } : {}),
    ...(opts.onExit ? { onExit: opts.onExit } : {}),
    ...(opts.onInterrupt ? { onInterrupt: opts.onInterrupt } : {}),
    ...(opts.handlers ? { handlers: opts.handlers } : {}),
    ...(opts.shadowSync ? { shadowSync: opts.shadowSync } : {}),
    ...(opts.techniqueOptions ? { techniqueOptions: opts.techniqueOptions } : {}),
    ...(opts.devices ? { devices: opts.devices } : {}),
  });
}
