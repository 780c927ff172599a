// Runs each kernel on bare metal (the oracle) and then under each technique, turning the runs into comparison rows.

import type { Image } from '../assembler/types.js';
import type { CostProfile } from './cost/profile.js';
import { ConfigError, type VmRunResult } from './hv/hypervisor.js';
import { findTechnique } from './hv/techniques/registry.js';
import type { DeviceMode } from './hv/types.js';
import { runGuests } from './session.js';
import { rowFromRun, rowUnavailable, techniqueLabel, type CompareRow, type TechniqueSpec } from './report/compare.js';

export interface KernelInput {
  /** Short name for tables (`mini`, `syscall`). */
  readonly name: string;
  readonly image: Image;
  /**
   * A different image to run under some technique, judged against the native run of `image`: how a
   * paravirtual port (`pv`) is compared with the unmodified kernel it was ported from.
   */
  readonly imageFor?: Readonly<Record<string, Image>>;
}

export interface ComparisonOptions {
  /** Native first; `parseTechniques` guarantees it. */
  readonly techniques: readonly TechniqueSpec[];
  readonly profile: CostProfile;
  readonly devices?: DeviceMode;
  readonly strict?: boolean;
  readonly maxInstructions: number;
  /** Disk every run starts from; each run gets a private copy so runs cannot see each other's writes. */
  readonly blockImage?: Uint8Array;
  /** Called before each run, for progress display. */
  readonly onRun?: (kernel: string, label: string, index: number, total: number) => void;
}

/** Run every (kernel, technique) pair; a technique the build or configuration refuses becomes an `n/a` row. */
export function runComparison(kernels: readonly KernelInput[], opts: ComparisonOptions): CompareRow[] {
  const rows: CompareRow[] = [];
  const isOracle = (t: string) => findTechnique(t)?.oracle === true;
  const specs = [...opts.techniques].sort((a, b) => Number(isOracle(b.technique)) - Number(isOracle(a.technique)));
  const total = kernels.length * specs.length;
  let index = 0;
  for (const k of kernels) {
    let native: VmRunResult | null = null;
    for (const spec of specs) {
      opts.onRun?.(k.name, techniqueLabel(spec.technique, spec.memory), index++, total);
      let run: VmRunResult;
      try {
        const isNative = isOracle(spec.technique);
        [run] = runGuests(
          [{ name: k.name, image: k.imageFor?.[spec.technique] ?? k.image, ...(opts.blockImage ? { blockImage: Uint8Array.from(opts.blockImage) } : {}) }],
          {
            technique: spec.technique,
            profile: opts.profile,
            strict: opts.strict ?? false,
            maxInstructions: opts.maxInstructions,
            ...(spec.memory && !isNative ? { memory: spec.memory } : {}),
            // Native has the devices to itself: the device model is a VMM choice.
            ...(opts.devices && !isNative ? { devices: opts.devices } : {}),
          },
        ) as [VmRunResult];
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        rows.push(rowUnavailable({ kernel: k.name, spec, reason: e.message }));
        continue;
      }
      if (isOracle(spec.technique)) native = run;
      rows.push(rowFromRun(k.name, run, native, spec));
    }
  }
  return rows;
}
