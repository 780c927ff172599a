// The native technique: bare metal, the oracle every other technique is judged against.

import type { TechniqueDescriptor } from '../descriptor.js';
import { NativeRunner } from './runner.js';

export const nativeTechnique: TechniqueDescriptor = {
  name: 'native',
  summary: 'the kernel alone on the machine, in ring 0 (the baseline)',
  memory: [],
  noMemory: 'native has no memory virtualization',
  devices: ['emulated'],
  kernels: 'unmodified',
  maxVms: 1,
  oracle: true,
  snapshots: true,
  migrates: { refused: 'bare metal has no VMM to move the kernel: --migrate-to needs a VMM technique' },
  accounting: { interpreted: false, physicalDevices: true, exits: 'none' },
  exitNote: 'bare metal has no VMM to exit to',
  createRunner: (ctx) => new NativeRunner(ctx.vm, ctx.region, ctx.strict),
};
