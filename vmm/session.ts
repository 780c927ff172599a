// One entry point for running kernels under any technique: bare metal for `native`, the hypervisor otherwise.
// `vmlab run`, `vmlab compare`, the testing API and the tests all go through here.

import type { Image } from '../assembler/types.js';
import { loadProfile, type CostProfile } from './cost/profile.js';
import { ConfigError, Hypervisor, type VmRunResult } from './hv/hypervisor.js';
import type { VmExit } from './hv/exits.js';
import type { DeviceMode, MemoryMode, Technique } from './hv/types.js';
import type { BtOptions } from './hv/techniques/bt/runner.js';
import { Machine } from './machine/machine.js';

export interface GuestSpec {
  /** Name shown in reports (usually the file name). */
  readonly name: string;
  readonly image: Image;
  readonly ramSize?: number;
  readonly stdin?: string | Uint8Array;
  readonly blockImage?: Uint8Array;
  readonly consoleSink?: (text: string) => void;
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
  /** Binary translation's options (code-cache size, --dump-cache). */
  readonly bt?: BtOptions;
}

export { ConfigError };

/** Run one or more guests to completion (or their instruction limit). */
export function runGuests(guests: readonly GuestSpec[], opts: SessionOptions): VmRunResult[] {
  const profile = opts.profile ?? loadProfile();
  const devices = opts.devices ?? 'emulated';
  if (opts.technique === 'native') {
    if (devices !== 'emulated')
      throw new ConfigError(`native has the devices to itself; --devices ${devices} is for a VMM technique`);
    if (guests.length !== 1)
      throw new ConfigError('native runs one kernel alone on the machine; use a VMM technique to run several');
    if (opts.memory) throw new ConfigError(`native has no memory virtualization; --memory ${opts.memory} does not apply`);
    const g = guests[0]!;
    const m = new Machine({
      profile,
      strict: opts.strict ?? false,
      ...(g.ramSize !== undefined ? { ramSize: g.ramSize } : {}),
      ...(g.stdin !== undefined ? { stdin: g.stdin } : {}),
      ...(g.blockImage ? { blockImage: g.blockImage } : {}),
      ...(g.consoleSink ? { consoleSink: g.consoleSink } : {}),
    });
    m.load(g.image);
    const r = m.run({ maxInstructions: opts.maxInstructions });
    return [{ ...r, name: g.name, technique: 'native', memory: null, divergences: [] }];
  }
  const hv = new Hypervisor(guests, {
    technique: opts.technique,
    profile,
    strict: opts.strict ?? false,
    ...(opts.memory ? { memory: opts.memory } : {}),
    ...(opts.quantum ? { quantum: opts.quantum } : {}),
    ...(opts.onExit ? { onExit: opts.onExit } : {}),
    ...(opts.bt ? { bt: opts.bt } : {}),
    devices,
  });
  return hv.run(opts.maxInstructions);
}
