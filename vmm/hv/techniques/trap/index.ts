// The trap technique: trap-and-emulate, the kernel deprivileged to ring 1 on shadow page tables.

import type { TechniqueDescriptor } from '../descriptor.js';
import { TrapRunner } from './runner.js';

export const trapTechnique: TechniqueDescriptor = {
  name: 'trap',
  summary: 'trap-and-emulate: the kernel runs in ring 1; privileged instructions fault to the VMM',
  memory: ['shadow'],
  devices: ['emulated'],
  kernels: 'unmodified',
  replaceableHandlers: true,
  divergesUnlessStrict: true,
  divergenceNote: (strict) => (strict ? '' : 'expected: VX32 is not classically virtualizable; --strict makes it trap'),
  snapshots: true,
  accounting: { interpreted: false, physicalDevices: false, exits: 'host-trap' },
  exitNote: 'under trap-and-emulate an "exit" is a fault taken by the VMM; modeled cycles per exit = one host trap',
  createRunner: (ctx) => new TrapRunner(ctx.vm, ctx.host, ctx.region, ctx.options.shadowSync),
};
