// Bare metal: the kernel alone on the machine, in ring 0, on a CPU over its RAM and the physical devices.

import { OwnCpuRunner } from '../own-cpu.js';

export class NativeRunner extends OwnCpuRunner {
  readonly technique = 'native';
  readonly memory = null;

  protected ran(): void {
    // Bare metal has nothing to charge beyond the instructions themselves.
  }
}
