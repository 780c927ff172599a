// Software emulation: the VMM's own interpreter fetches, decodes and executes every guest instruction
// against a virtual CPU with a software MMU, over the VM's slice of host memory.
//
// Nothing of the guest runs on the real CPU, so nothing traps or exits: every device access goes straight
// to the VMM's device model and every instruction costs an interpretation (see the cost profile).

import type { DirtyLog } from '../../dirty-log.js';
import { OwnCpuRunner } from '../own-cpu.js';
import { InterpreterDirtyLog } from './dirty-log.js';

export class EmulateRunner extends OwnCpuRunner {
  readonly technique = 'emulate';
  /** The interpreter's own software MMU walks the guest's tables directly; no shadow or second stage. */
  readonly memory = null;

  /** The software MMU logs the pages it writes. */
  override dirtyLog(): DirtyLog {
    return new InterpreterDirtyLog(this.cpu, this.vm.platform.iommu, this.vm.guest);
  }

  protected ran(n: number): void {
    this.vm.counters.interpretedInstructions += n;
  }
}
