// What a technique tells the generic layers about itself: the one place they learn what it accepts and costs.
//
// The hypervisor, the stats, the cost model, the reports and the CLI iterate over the registry
// (registry.ts) and read these fields; none of them names a technique. Adding a technique is a folder
// with a descriptor and a runner, and one line in the registry.

import type { Image } from '../../../assembler/types.js';
import type { Accounting } from '../../cost/counts.js';
import type { RunStats } from '../../run-result.js';
import type { Host, VmRegion } from '../host.js';
import type { BackendSet } from '../pv/backend.js';
import type { HypervisorOptions } from '../hypervisor.js';
import type { DeviceMode, MemoryMode } from '../types.js';
import type { Vm } from '../vm.js';
import type { Runner } from './runner.js';

/** What a runner is built from. */
export interface TechniqueContext {
  readonly vm: Vm;
  readonly host: Host;
  readonly region: VmRegion;
  /** The memory mode chosen for this run (null where the technique has none to choose). */
  readonly memory: MemoryMode | null;
  readonly devices: DeviceMode;
  /** Strict VX32: a property of the machine the guest sees, under every technique. */
  readonly strict: boolean;
  /** The physical NIC is passed through to this VM. */
  readonly passthrough: boolean;
  /** The split-driver back-ends this VM's front-ends may connect to (empty unless `--devices split`). */
  readonly backends: BackendSet;
  readonly options: HypervisorOptions;
}

/** A command-line option of one technique's own (the CLI adds it to `run`, generically). */
export interface TechniqueOption {
  /** Commander flags: `--dump-cache`, `--code-cache <words>`. */
  readonly flags: string;
  /** Where the value goes in HypervisorOptions.techniqueOptions. */
  readonly key: string;
  readonly help: string;
  /** Parse a value-taking option's text; an `{ error }` is a usage error. Absent: a boolean flag. */
  parse?(text: string): unknown;
}

export interface TechniqueDescriptor {
  readonly name: string;
  /** One line for `--help` and reports. */
  readonly summary: string;
  /** Memory modes it accepts, the default first; empty where it has none to choose. */
  readonly memory: readonly MemoryMode[];
  /** Why `--memory` does not apply, for a technique with no memory mode to choose. */
  readonly noMemory?: string;
  /** Device models it accepts, the default first. */
  readonly devices: readonly DeviceMode[];
  /** Which kernels it runs: unmodified ones, or paravirtual ports built with the SDK (`.pv`). */
  readonly kernels: 'unmodified' | 'paravirtual';
  /** How many VMs it can run at once (bare metal: one). */
  readonly maxVms?: number;
  /** It is the oracle the others are judged against (bare metal). */
  readonly oracle?: boolean;
  /** It has a VMM whose handlers can be replaced (exercise 03's trap-and-emulate handlers). */
  readonly replaceableHandlers?: boolean;
  /**
   * Its runs are expected to differ from bare metal on a non-strict machine (sensitive instructions fail
   * silently), so comparisons report the divergence instead of failing on it.
   */
  readonly divergesUnlessStrict?: boolean;
  /** Why its runs diverge from bare metal where they do, for the note under a comparison (empty: no note). */
  divergenceNote?(strict: boolean): string;
  /** How the cost model charges its work (vmm/cost/counts.ts reads this, never the name). */
  readonly accounting: Accounting;
  /**
   * Its runs can be saved and restored (snapshots), or why not: every part of its state must have a
   * save() and a restore() before it says yes.
   */
  readonly snapshots: true | { readonly refused: string };
  /**
   * Its VMs can move to another vmlab process (`vmlab run --migrate-to`), or why not; default: as
   * `snapshots`. Pre-copy also needs the runner's dirty log (Runner.dirtyLog).
   */
  readonly migrates?: true | { readonly refused: string };
  /** What an "exit" means under this technique, under the exits table. */
  readonly exitNote: string;
  /** The label a comparison column gets (default: the name; `hw/nested` where the memory mode matters). */
  label?(memory: MemoryMode | null): string;
  /** Options of its own for `vmlab run`. */
  readonly options?: readonly TechniqueOption[];
  /** Cost events of its own on top of the common ones (name: what it charges for); profiles must price them. */
  readonly costEvents?: Readonly<Record<string, string>>;
  /** Its cost events' counts for one run, from the run's `techniqueCounts`. */
  countEvents?(stats: RunStats): Readonly<Record<string, number>>;
  /** Lines of its own under the exits table (`--stats`). */
  formatStats?(stats: RunStats): string;
  /** Why it cannot run this image in this much RAM, or null (pv: the image must leave the VMM's pages free). */
  checkKernel?(image: Image, ramSize: number): string | null;
  /** Build the runner for one VM. May throw ConfigError for an option it refuses. */
  createRunner(ctx: TechniqueContext): Runner;
}
