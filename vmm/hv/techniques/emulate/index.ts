// The emulate technique: the VMM's interpreter runs every guest instruction.

import type { TechniqueDescriptor } from '../descriptor.js';
import { EmulateRunner } from './runner.js';

export const emulateTechnique: TechniqueDescriptor = {
  name: 'emulate',
  summary: "software emulation: the VMM's interpreter runs every guest instruction",
  memory: [],
  noMemory: 'emulate uses its own software MMU',
  devices: ['emulated'],
  kernels: 'unmodified',
  snapshots: true,
  accounting: { interpreted: true, physicalDevices: false, exits: 'none' },
  exitNote: 'the interpreter runs every instruction itself, so nothing exits',
  createRunner: (ctx) => new EmulateRunner(ctx.vm, ctx.region, ctx.strict),
};
