// One entry point for running kernels under any technique: bare metal for `native`, the hypervisor otherwise.
// `vmlab run`, `vmlab compare`, the testing API and the tests all go through here.

import { IMAGE_FLAG, type Image } from '../assembler/types.js';
import { loadProfile, type CostProfile } from './cost/profile.js';
import { ConfigError, Hypervisor, type VmRunResult } from './hv/hypervisor.js';
import type { VmExit } from './hv/exits.js';
import type { GuestFinalState } from './hv/guest-state.js';
import type { ShadowSync } from './hv/memory/shadow-sync.js';
import type { HandlerOverrides } from './hv/privileged.js';
import { cpuRegisters } from './report/crash.js';
import { defaultDevices, type DeviceMode, type MemoryMode, type Technique } from './hv/types.js';
import type { BtOptions } from './hv/techniques/bt/runner.js';
import { Machine } from './machine/machine.js';
import { PhaseLog } from './phases.js';

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
  readonly technique: Technique;
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
  /** Binary translation's options (code-cache size, --dump-cache). */
  readonly bt?: BtOptions;
}

export { ConfigError };

/** Run one or more guests to completion (or their instruction limit). */
export function runGuests(guests: readonly GuestSpec[], opts: SessionOptions): VmRunResult[] {
  const profile = opts.profile ?? loadProfile();
  const devices = opts.devices ?? defaultDevices(opts.technique);
  if (opts.technique === 'native') {
    if (devices !== 'emulated')
      throw new ConfigError(`native has the devices to itself; --devices ${devices} is for a VMM technique`);
    if (guests.length !== 1)
      throw new ConfigError('native runs one kernel alone on the machine; use a VMM technique to run several');
    if (opts.memory) throw new ConfigError(`native has no memory virtualization; --memory ${opts.memory} does not apply`);
    if (opts.handlers || opts.shadowSync) throw new ConfigError('native has no VMM: replacement handlers and shadow-sync policies need one');
    if (guests[0]!.image.flags & IMAGE_FLAG.PV)
      throw new ConfigError(`${guests[0]!.name} is a paravirtual kernel (.pv): it makes hypercalls and runs only under --technique pv`);
    const g = guests[0]!;
    const m = new Machine({
      profile,
      strict: opts.strict ?? false,
      ...(g.ramSize !== undefined ? { ramSize: g.ramSize } : {}),
      ...(g.stdin !== undefined ? { stdin: g.stdin } : {}),
      ...(g.blockImage ? { blockImage: g.blockImage } : {}),
      ...(g.consoleSink ? { consoleSink: g.consoleSink } : {}),
      ...(g.packets ? { packets: g.packets } : {}),
      ...(opts.onInterrupt ? { onInterrupt: (at: number, vector: number) => opts.onInterrupt!(g.name, at, vector) } : {}),
    });
    m.load(g.image);
    // Bare metal has no VMM to exit to: every phase has 0 exits, which is the point of the baseline.
    const log = new PhaseLog();
    m.platform.onPhase = (phase) => log.mark(phase, 0);
    const r = m.run({ maxInstructions: opts.maxInstructions });
    opts.inspect?.(g.name, { registers: cpuRegisters(m.cpu), ram: m.mem, disk: m.block.disk, packetsSent: m.wire.sent });
    return [{ ...r, name: g.name, technique: 'native', memory: null, devices: null, divergences: [], phases: log.phases(0) }];
  }
  const hv = new Hypervisor(guests, {
    technique: opts.technique,
    profile,
    strict: opts.strict ?? false,
    ...(opts.memory ? { memory: opts.memory } : {}),
    ...(opts.quantum ? { quantum: opts.quantum } : {}),
    ...(opts.onExit ? { onExit: opts.onExit } : {}),
    ...(opts.onInterrupt ? { onInterrupt: opts.onInterrupt } : {}),
    ...(opts.handlers ? { handlers: opts.handlers } : {}),
    ...(opts.shadowSync ? { shadowSync: opts.shadowSync } : {}),
    ...(opts.bt ? { bt: opts.bt } : {}),
    devices,
  });
  const results = hv.run(opts.maxInstructions);
  if (opts.inspect) results.forEach((r, i) => opts.inspect!(r.name, hv.finalState(i)));
  return results;
}
